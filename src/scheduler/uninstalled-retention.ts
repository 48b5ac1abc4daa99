/**
 * A scheduler step: deletes the data of workspaces that uninstalled Rapport longer ago than the grace
 * period (`UNINSTALLED_RETENTION_DAYS`). Until then a re-install finds everything as it was.
 */
import { describeError } from '../core/errors';
import type { Logger } from '../core/ports';
import type { Rapport } from '../core/rapport';

/** Runs the step; returns the ids of the workspaces deleted. A failure is logged and left for the next pass. */
export async function purgeUninstalledWorkspaces(
  rapport: Rapport,
  logger: Logger,
  now: Date,
  retentionDays: number,
): Promise<string[]> {
  try {
    const purged = await rapport.installations.purgeUninstalled(now, retentionDays);
    if (purged.length) {
      logger.info({ workspaces: purged, retentionDays }, 'deleted the data of uninstalled workspaces');
    }
    return purged;
  } catch (error) {
    logger.error({ err: describeError(error) }, 'could not delete uninstalled workspaces');
    return [];
  }
}
