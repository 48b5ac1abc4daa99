/**
 * The cron task that drives the scheduler. It only reads the clock and calls `runDue(now)`; all logic
 * lives in the scheduler, which takes `now` as an argument.
 */
import cron from 'node-cron';
import type { ScheduledTask } from 'node-cron';
import { describeError } from '../core/errors';
import type { Logger } from '../core/ports';

export interface Ticker {
  /** Stops the cron task and waits for a pass in progress to finish. */
  stop(): Promise<void>;
}

/**
 * Runs `tick(now)` on a cron expression (evaluated in UTC). Passes never overlap: a pass still running
 * when the next one is due makes that one skip. Errors are logged; the task keeps running.
 */
export function startTicker(
  expression: string,
  tick: (now: Date) => Promise<unknown>,
  logger: Logger,
  clock: () => Date,
): Ticker {
  let running: Promise<unknown> | null = null;
  const task: ScheduledTask = cron.schedule(
    expression,
    async () => {
      running = tick(clock()).catch((error: unknown) =>
        logger.error({ err: describeError(error) }, 'scheduler pass failed'),
      );
      await running;
      running = null;
    },
    { name: 'rapport-scheduler', timezone: 'UTC', noOverlap: true },
  );
  return {
    async stop() {
      await task.stop();
      await task.destroy();
      if (running) await running;
    },
  };
}

export function isValidCronExpression(expression: string): boolean {
  return cron.validate(expression);
}
