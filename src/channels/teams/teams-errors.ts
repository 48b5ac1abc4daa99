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
 * 403 codes about our bot or its installation in the tenant, not about one member: writing to anyone there
 * fails alike until an admin or the configuration changes it.
 */
const INSTALLATION_REFUSED = new Set([
  'BotDisabledByAdmin',
  'BotNotRegistered',
  'InvalidBotApiHost',
  'NotEnoughPermissions',
]);

/** 404 codes about the message itself (an update or delete of an activity that is gone), not the member. */
const MESSAGE_GONE = new Set(['ActivityNotFoundInConversation']);

/**
 * Turns an error from a Bot Connector call into a `ChannelError`, by whose fault it is:
 * - ours: 401 (our app id or password, or the bot's registration), a 403 saying the bot is disabled or
 *   not allowed in the tenant (`BotDisabledByAdmin`, `NotEnoughPermissions`, …), a refused token → `AUTH`;
 * - the member's: any other 403 (`ConversationBlockedByUser`, `MessageWritesBlocked`, the bot not installed
 *   for that user or not in the conversation) and 404 (conversation not found) → `ADDRESS_GONE`;
 * - nobody's: 429 → `RATE_LIMITED` (with `Retry-After`); 5xx, 412, network errors and deadlines →
 *   `UNAVAILABLE`;
 * - the message's: 400, 413, an activity that is gone → `INVALID`.
 *
 * @param now - the service clock, to read an HTTP-date `Retry-After`.
 */
export function toChannelError(error: unknown, now: Date): ChannelError {
  if (error instanceof ChannelError) return error;
  const status = statusOf(error);
  const codes = connectorCodes(error);
  const detail = `Bot Connector answered ${status}${codes.length ? ` (${codes.join(', ')})` : ''}`;
  if (status === 429) {
    return new ChannelError('RATE_LIMITED', detail, { retryAfterMs: retryAfterMs(error, now), cause: error });
  }
  if (status === 401) return new ChannelError('AUTH', detail, { cause: error });
  if (status === 403) {
    const ours = codes.some((code) => INSTALLATION_REFUSED.has(code));
    return new ChannelError(ours ? 'AUTH' : 'ADDRESS_GONE', detail, { cause: error });
  }
  if (status === 404) {
    const message = codes.some((code) => MESSAGE_GONE.has(code));
    return new ChannelError(message ? 'INVALID' : 'ADDRESS_GONE', detail, { cause: error });
  }
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

/**
 * The Bot Framework error code and sub-code from the body, e.g. `ConversationBlockedByUser`, or
 * `MessageWritesBlocked` (which Teams sends as a `subCode`); the REST client's own code otherwise.
 */
function connectorCodes(error: unknown): string[] {
  if (!isRecord(error)) return [];
  const codes: unknown[] = [];
  const details = error.details;
  if (isRecord(details)) {
    const body = isRecord(details.error) ? details.error : details;
    codes.push(body.code, body.subCode);
    if (isRecord(body.innerHttpError)) codes.push(body.innerHttpError.code, body.innerHttpError.subCode);
  }
  if (error.code !== 'REST_ERROR') codes.push(error.code);
  return [...new Set(codes.filter((code): code is string => typeof code === 'string' && code !== ''))].map(
    (code) => code.slice(0, 80),
  );
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
