import { webApi } from '@slack/bolt';
import { toChannelError } from '../../../src/channels/slack/slack-errors';
import { ChannelError } from '../../../src/core/errors';
import type { ChannelErrorCode } from '../../../src/core/errors';

function platformError(error: string, extra: Record<string, unknown> = {}): Error {
  return new webApi.WebAPIPlatformError({ ok: false, error, ...extra });
}

describe('Slack Web API errors at the channel boundary', () => {
  // Whose fault is it: ours (token, scopes, installation: pause the workspace), the member's (that member
  // only), nobody's (try again later), or the message's (sending it again fails again).
  const whoseFault: [string, string, ChannelErrorCode][] = [
    ['ours', 'invalid_auth', 'AUTH'],
    ['ours', 'not_authed', 'AUTH'],
    ['ours', 'account_inactive', 'AUTH'],
    ['ours', 'token_revoked', 'AUTH'],
    ['ours', 'token_expired', 'AUTH'],
    ['ours', 'team_access_not_granted', 'AUTH'],
    ['ours', 'missing_scope', 'AUTH'],
    ['ours', 'not_allowed_token_type', 'AUTH'],
    ['the member’s', 'user_not_found', 'ADDRESS_GONE'],
    ['the member’s', 'channel_not_found', 'ADDRESS_GONE'],
    ['the member’s', 'cannot_dm_bot', 'ADDRESS_GONE'],
    ['the member’s', 'user_disabled', 'ADDRESS_GONE'],
    ['the member’s', 'not_in_channel', 'ADDRESS_GONE'],
    ['the member’s', 'is_archived', 'ADDRESS_GONE'],
    ['the member’s', 'messages_tab_disabled', 'ADDRESS_GONE'],
    ['nobody’s', 'internal_error', 'UNAVAILABLE'],
    ['nobody’s', 'fatal_error', 'UNAVAILABLE'],
    ['nobody’s', 'service_unavailable', 'UNAVAILABLE'],
    ['nobody’s', 'request_timeout', 'UNAVAILABLE'],
    ['nobody’s (unknown yet: retried, bounded)', 'something_new_from_slack', 'UNAVAILABLE'],
    ['the message’s', 'invalid_blocks', 'INVALID'],
    ['the message’s', 'msg_too_long', 'INVALID'],
  ];

  it.each(whoseFault)('treats %s error %s as %s', (_fault, error, code) => {
    const mapped = toChannelError(platformError(error));

    expect(mapped).toBeInstanceOf(ChannelError);
    expect(mapped.code).toBe(code);
    expect(mapped.message).toContain(error);
  });

  it('maps a rejected rate-limited call to RATE_LIMITED with its Retry-After in ms', () => {
    const mapped = toChannelError(new webApi.WebAPIRateLimitedError(42));

    expect(mapped.code).toBe('RATE_LIMITED');
    expect(mapped.retryAfterMs).toBe(42_000);
  });

  it('maps a ratelimited platform answer to RATE_LIMITED', () => {
    const mapped = toChannelError(platformError('ratelimited', { response_metadata: { retryAfter: 5 } }));

    expect(mapped).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 5000 });
  });

  it.each([
    [500, 'UNAVAILABLE'],
    [502, 'UNAVAILABLE'],
    [503, 'UNAVAILABLE'],
    [401, 'AUTH'],
    [403, 'AUTH'],
    [400, 'INVALID'],
    [404, 'UNAVAILABLE'],
  ])('maps HTTP %i to %s', (status, code) => {
    expect(toChannelError(new webApi.WebAPIHTTPError(status, 'status', {})).code).toBe(code);
  });

  it('maps HTTP 429 without rejection to RATE_LIMITED using its Retry-After header', () => {
    const mapped = toChannelError(new webApi.WebAPIHTTPError(429, 'Too Many', { 'retry-after': '7' }));

    expect(mapped).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 7000 });
  });

  it('maps a call that outlived its deadline to UNAVAILABLE, saying so', () => {
    const aborted = new webApi.WebAPIRequestError(
      new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
    );

    expect(toChannelError(aborted, 'chat.postMessage')).toMatchObject({
      code: 'UNAVAILABLE',
      message: 'chat.postMessage: Slack did not answer before the deadline',
    });
  });

  it('maps network errors and timeouts to UNAVAILABLE', () => {
    const refused = new webApi.WebAPIRequestError(
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    );
    const timeout = new webApi.WebAPIRequestError(
      new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
    );

    expect(toChannelError(refused).code).toBe('UNAVAILABLE');
    expect(toChannelError(timeout).code).toBe('UNAVAILABLE');
    expect(toChannelError(new TypeError('fetch failed')).code).toBe('UNAVAILABLE');
  });

  it('passes a ChannelError through unchanged', () => {
    const original = new ChannelError('ADDRESS_GONE', 'gone');

    expect(toChannelError(original)).toBe(original);
  });
});
