import { applyOutboundPolicy } from '../../../src/channels/teams/teams-channel';
import { toChannelError } from '../../../src/channels/teams/teams-errors';
import { ChannelError } from '../../../src/core/errors';

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
  it.each([
    [429, 'RATE_LIMITED'],
    [403, 'ADDRESS_GONE'],
    [404, 'ADDRESS_GONE'],
    [401, 'AUTH'],
    [400, 'INVALID'],
    [413, 'INVALID'],
    [412, 'UNAVAILABLE'],
    [500, 'UNAVAILABLE'],
    [502, 'UNAVAILABLE'],
    [503, 'UNAVAILABLE'],
  ])('maps HTTP %i to %s', (status, code) => {
    expect(toChannelError(restError(status), NOW).code).toBe(code);
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
