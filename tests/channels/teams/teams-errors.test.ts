import { applyOutboundPolicy } from '../../../src/channels/teams/teams-authentication';
import { toChannelError } from '../../../src/channels/teams/teams-errors';
import { ChannelError } from '../../../src/core/errors';
import type { ChannelErrorCode } from '../../../src/core/errors';

const NOW = new Date('2026-03-02T09:00:00Z');

/** The shape botbuilder's REST client throws for an HTTP error answer. */
function restError(statusCode: number, headers: Record<string, string> = {}, code = 'SomeCode'): Error {
  return Object.assign(new Error(`answered ${statusCode}`), {
    name: 'RestError',
    statusCode,
    code,
    details: { error: { code, message: 'x' } },
    response: { status: statusCode, headers: new Map(Object.entries(headers)) },
  });
}

describe('Bot Connector errors', () => {
  // Whose fault is it: ours (credentials, installation: pause the tenant's sending), the member's (that
  // member only), nobody's (try again later), or the message's.
  const whoseFault: [string, number, string, ChannelErrorCode][] = [
    ['ours', 401, 'Unauthorized', 'AUTH'],
    ['ours', 401, 'BotNotRegistered', 'AUTH'],
    ['ours', 403, 'BotDisabledByAdmin', 'AUTH'],
    ['ours', 403, 'NotEnoughPermissions', 'AUTH'],
    ['ours', 403, 'InvalidBotApiHost', 'AUTH'],
    ['the member’s', 403, 'ConversationBlockedByUser', 'ADDRESS_GONE'],
    ['the member’s', 403, 'MessageWritesBlocked', 'ADDRESS_GONE'],
    ['the member’s', 403, 'BotNotInConversationRoster', 'ADDRESS_GONE'],
    ['the member’s', 403, 'ForbiddenOperationException', 'ADDRESS_GONE'],
    ['the member’s (an unknown 403)', 403, 'SomeCode', 'ADDRESS_GONE'],
    ['the member’s', 404, 'ConversationNotFound', 'ADDRESS_GONE'],
    ['nobody’s', 429, 'Throttled', 'RATE_LIMITED'],
    ['nobody’s', 412, 'PreconditionFailed', 'UNAVAILABLE'],
    ['nobody’s', 500, 'ServiceError', 'UNAVAILABLE'],
    ['nobody’s', 502, 'ServiceError', 'UNAVAILABLE'],
    ['nobody’s', 503, 'ServiceUnavailable', 'UNAVAILABLE'],
    ['nobody’s', 504, 'GatewayTimeout', 'UNAVAILABLE'],
    ['the message’s', 400, 'BadArgument', 'INVALID'],
    ['the message’s', 413, 'MessageSizeTooBig', 'INVALID'],
    ['the message’s', 404, 'ActivityNotFoundInConversation', 'INVALID'],
  ];

  it.each(whoseFault)('treats %s HTTP %i (%s) as %s', (_fault, status, code, expected) => {
    expect(toChannelError(restError(status, {}, code), NOW).code).toBe(expected);
  });

  it('reads MessageWritesBlocked where Teams puts it, as the sub-code of a 403', () => {
    const blocked = Object.assign(restError(403, {}, 'Forbidden'), {
      details: { error: { code: 'Forbidden', subCode: 'MessageWritesBlocked', message: 'x' } },
    });

    expect(toChannelError(blocked, NOW)).toMatchObject({
      code: 'ADDRESS_GONE',
      message: 'Bot Connector answered 403 (Forbidden, MessageWritesBlocked)',
    });
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(toChannelError(restError(429, { 'retry-after': '7' }), NOW).retryAfterMs).toBe(7000);
    const date = new Date(NOW.getTime() + 90_000).toUTCString();
    expect(toChannelError(restError(429, { 'retry-after': date }), NOW).retryAfterMs).toBe(90_000);
    expect(toChannelError(restError(429), NOW).retryAfterMs).toBeUndefined();
  });

  it('names the connector’s error code', () => {
    expect(toChannelError(restError(403, {}, 'ConversationBlockedByUser'), NOW).message).toBe(
      'Bot Connector answered 403 (ConversationBlockedByUser)',
    );
  });

  it('maps a call aborted at its deadline to UNAVAILABLE, saying so', () => {
    const aborted = Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });

    expect(toChannelError(aborted, NOW)).toMatchObject({
      code: 'UNAVAILABLE',
      message: 'Bot Connector did not answer before the deadline',
    });
  });

  it('maps network failures to UNAVAILABLE and refused bot credentials to AUTH', () => {
    const reset = Object.assign(new Error('socket hang up'), { name: 'RestError', code: 'ECONNRESET' });
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const badSecret = Object.assign(new Error('AADSTS7000215'), { errorCode: 'invalid_client' });
    expect(toChannelError(reset, NOW).code).toBe('UNAVAILABLE');
    expect(toChannelError(refused, NOW).code).toBe('UNAVAILABLE');
    expect(toChannelError(badSecret, NOW).code).toBe('AUTH');
    expect(toChannelError(new TypeError('boom'), NOW)).toBeInstanceOf(ChannelError);
  });

  it('fails loudly if a connector client has no pipeline to take the retries out of', () => {
    expect(() => applyOutboundPolicy({}, 1000)).toThrow(/cannot turn off its own retries/);
  });
});
