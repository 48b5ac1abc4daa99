/**
 * Maps what the Bot Connector (through botbuilder's REST client) throws to the few `ChannelError`
 * codes the scheduler acts on. Nothing else in the service needs to know Bot Framework's errors.
 */
import { ChannelError } from '../../core/errors';
import { isDeadlineError } from '../deadline';
import { isRecord } from './teams-address';

/** Network failures worth retrying later (Node's socket error codes and the REST pipeline's own). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'REQUEST_SEND_ERROR',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

/**
 * Turns an error from a Bot Connector call into a `ChannelError`:
 * 429 → `RATE_LIMITED` (with `Retry-After`), 403/404 → `ADDRESS_GONE` (bot removed or blocked, conversation
 * gone), 401 → `AUTH`, 400/413 → `INVALID`, 5xx and network errors → `UNAVAILABLE`.
 *
 * @param now - the service clock, to read an HTTP-date `Retry-After`.
 */
export function toChannelError(error: unknown, now: Date): ChannelError {
  if (error instanceof ChannelError) return error;
  const status = statusOf(error);
  const code = connectorCode(error);
  const detail = `Bot Connector answered ${status}${code ? ` (${code})` : ''}`;
  if (status === 429) {
    return new ChannelError('RATE_LIMITED', detail, { retryAfterMs: retryAfterMs(error, now), cause: error });
  }
  if (status === 403 || status === 404) return new ChannelError('ADDRESS_GONE', detail, { cause: error });
  if (status === 401) return new ChannelError('AUTH', detail, { cause: error });
  if (status === 400 || status === 413) return new ChannelError('INVALID', detail, { cause: error });
  if (status !== undefined) return new ChannelError('UNAVAILABLE', detail, { cause: error });
  if (isDeadlineError(error)) {
    return new ChannelError('UNAVAILABLE', 'Bot Connector did not answer before the deadline', {
      cause: error,
    });
  }
  const networkCode = isRecord(error) && typeof error.code === 'string' ? error.code : undefined;
  if (networkCode && NETWORK_CODES.has(networkCode)) {
    return new ChannelError('UNAVAILABLE', `Bot Connector unreachable (${networkCode})`, { cause: error });
  }
  if (isRecord(error) && typeof error.errorCode === 'string') {
    // MSAL could not get a token for the bot: the app id or password is wrong, or the network is down.
    return error.errorCode.includes('network') || error.errorCode.includes('timeout')
      ? new ChannelError('UNAVAILABLE', `Token request failed (${error.errorCode})`, { cause: error })
      : new ChannelError('AUTH', `Token request refused (${error.errorCode})`, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ChannelError('UNAVAILABLE', `Teams delivery failed: ${message}`, { cause: error });
}

function statusOf(error: unknown): number | undefined {
  if (!isRecord(error)) return undefined;
  const status = error.statusCode ?? (isRecord(error.response) ? error.response.status : undefined);
  return typeof status === 'number' && status >= 100 ? status : undefined;
}

/** The Bot Framework error code from the body, e.g. `ConversationBlockedByUser`. */
function connectorCode(error: unknown): string | undefined {
  if (!isRecord(error)) return undefined;
  const details = error.details;
  if (isRecord(details) && isRecord(details.error) && typeof details.error.code === 'string') {
    return details.error.code.slice(0, 80);
  }
  return typeof error.code === 'string' && error.code !== 'REST_ERROR' ? error.code.slice(0, 80) : undefined;
}

/** `Retry-After` in milliseconds (delta-seconds or an HTTP date); undefined when absent or unreadable. */
function retryAfterMs(error: unknown, now: Date): number | undefined {
  if (!isRecord(error) || !isRecord(error.response)) return undefined;
  const headers = error.response.headers;
  let value: unknown;
  if (isRecord(headers) && typeof headers.get === 'function') {
    value = (headers.get as (name: string) => unknown).call(headers, 'retry-after');
  } else if (isRecord(headers)) {
    value = headers['retry-after'];
  }
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}
