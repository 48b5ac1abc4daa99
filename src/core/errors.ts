/** Coded errors. User mistakes are answered, not thrown; these are for the program's own failures. */

export type RapportErrorCode =
  'CONFIG' | 'NOT_FOUND' | 'CONFLICT' | 'INVALID' | 'FORBIDDEN' | 'STORE' | 'INTERNAL';

export class RapportError extends Error {
  constructor(
    readonly code: RapportErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RapportError';
  }
}

/**
 * What can go wrong when a channel talks to its platform, in the few terms the scheduler acts on.
 * - `RATE_LIMITED`: try again after `retryAfterMs` at the earliest.
 * - `ADDRESS_GONE`: the user, DM or conversation no longer exists or the bot was removed.
 * - `UNAVAILABLE`: network error or 5xx; back off and retry.
 * - `AUTH`: our credentials were refused; retrying will not help until configuration changes.
 * - `INVALID`: the platform refused the message itself; retrying will not help.
 */
export type ChannelErrorCode = 'RATE_LIMITED' | 'ADDRESS_GONE' | 'UNAVAILABLE' | 'AUTH' | 'INVALID';

export class ChannelError extends Error {
  constructor(
    readonly code: ChannelErrorCode,
    message: string,
    readonly options: { retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'ChannelError';
  }

  get retryAfterMs(): number | undefined {
    return this.options.retryAfterMs;
  }
}

/** Turns anything thrown into a one-line description safe to log or store (no stack, no secrets). */
export function describeError(error: unknown): string {
  if (error instanceof ChannelError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
