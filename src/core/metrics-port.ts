/**
 * What the service counts and times, as the core and the scheduler see it. The adapter (`src/metrics.ts`)
 * turns these calls into Prometheus metrics; tests and one-off commands use {@link NO_METRICS}. Labels are
 * bounded sets only — a rule id, a platform, a command name from the command table — never free text.
 */
export interface Metrics {
  /** A nudge row was created (one per owner). */
  nudgeCreated(rule: string, platform: string): void;
  /** A nudge that fell due at `dueAt` was delivered at `sentAt` (both by the service clock). */
  nudgeSent(rule: string, platform: string, dueAt: Date, sentAt: Date): void;
  /** A nudge was given up as failed. */
  nudgeFailed(rule: string, platform: string): void;
  /**
   * Starts timing one command; the returned function ends it, naming the command (a name from the command
   * table, or `unknown`, `invalid`, `help`).
   */
  commandStarted(): (command: string) => void;
  /** A platform answered "rate limited", asking to wait `retryAfterSeconds`. */
  rateLimited(platform: string, retryAfterSeconds: number): void;
  /** Starts timing one scheduler pass; the returned function ends it. */
  passStarted(): () => void;
}

const nothing = (): void => undefined;

/** Counts nothing. */
export const NO_METRICS: Metrics = {
  nudgeCreated: nothing,
  nudgeSent: nothing,
  nudgeFailed: nothing,
  commandStarted: () => nothing,
  rateLimited: nothing,
  passStarted: () => nothing,
};

/** The platform part of a workspace id (`slack:T123` → `slack`). */
export function platformOfWorkspace(workspaceId: string): string {
  const colon = workspaceId.indexOf(':');
  return colon > 0 ? workspaceId.slice(0, colon) : 'unknown';
}
