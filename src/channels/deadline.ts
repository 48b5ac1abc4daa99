/**
 * Deadlines for outbound platform calls. A peer that accepts the connection and never answers must not
 * hold a send (or the delivery lease behind it): every call the channels make ends by its deadline, and
 * the channels map a deadline that passed to `ChannelError('UNAVAILABLE')`.
 */

/** `signal` (if any) combined with a deadline `ms` from now. */
export function withDeadline(signal: AbortSignal | null | undefined, ms: number): AbortSignal {
  const deadline = AbortSignal.timeout(ms);
  return signal ? AbortSignal.any([signal, deadline]) : deadline;
}

/** The request options of a `fetch`-like function, as far as a deadline is concerned. */
interface WithSignal {
  signal?: AbortSignal | null;
}

/**
 * A `fetch`-like function whose every request (and the reading of its body) is aborted `ms` after it
 * starts, on top of any signal the caller gave.
 */
export function fetchWithDeadline<Url, Init extends WithSignal, Result>(
  ms: number,
  fetchFn: (url: Url, init?: Init) => Promise<Result>,
): (url: Url, init?: Init) => Promise<Result> {
  return (url, init) => fetchFn(url, { ...init, signal: withDeadline(init?.signal, ms) } as Init);
}

/** Whether `error` (or what caused it, a few levels down) is an abort or a timeout. */
export function isDeadlineError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth += 1) {
    const { name, code } = current as { name?: unknown; code?: unknown };
    if (name === 'TimeoutError' || name === 'AbortError' || code === 'ABORT_ERR' || code === 'ETIMEDOUT') {
      return true;
    }
    const next = current as { cause?: unknown; original?: unknown };
    current = next.original ?? next.cause;
  }
  return false;
}

/**
 * Settles with `work`, or rejects with `onTimeout()` once `ms` have passed, whichever comes first. The
 * work itself is not stopped: give it a signal (see {@link withDeadline}) so that it ends too.
 */
export async function within<T>(ms: number, work: Promise<T>, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
