/**
 * The scheduler's retention step: finished nudges (answered, dismissed, expired, failed) and digests (sent,
 * skipped) whose last change is older than the retention period are deleted, one small batch per pass, so
 * that a pass stays short however much has piled up (a first start on an old database takes several
 * passes, a minute apart).
 */
import { describeError } from '../core/errors';
import type { Logger, Store } from '../core/ports';

/** Rows of each table deleted per pass. */
export const RETENTION_BATCH = 500;

const DAY_MS = 86_400_000;

/** Deletes one batch of what is older than `retentionDays` at `now`; returns how many rows went. */
export async function pruneFinished(
  store: Store,
  now: Date,
  retentionDays: number,
  logger: Logger,
  batch = RETENTION_BATCH,
): Promise<number> {
  try {
    const before = new Date(now.getTime() - retentionDays * DAY_MS);
    const { nudges, digests } = await store.privacy.pruneFinished(before, batch);
    if (nudges || digests)
      logger.info({ nudges, digests, before }, 'old finished nudges and digests deleted');
    return nudges + digests;
  } catch (error) {
    // Retention can wait for the next pass; delivery must not.
    logger.error({ err: describeError(error) }, 'retention step failed');
    return 0;
  }
}
