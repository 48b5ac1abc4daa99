import type { Platform } from '../../core/model';
import type { StoredInstallation } from '../../core/ports';
import type { Row } from '../row-values';
import { flag, parseJsonOrNull, textOrNull, toDate } from '../row-values';

/** A platform installation from its row, in either store (an unreadable record reads as null). */
export function toInstallation(row: Row): StoredInstallation {
  return {
    id: String(row.id),
    platform: row.platform as Platform,
    workspaceExternalId: String(row.workspace_external_id),
    enterpriseId: textOrNull(row.enterprise_id),
    teamId: textOrNull(row.team_id),
    isEnterpriseInstall: flag(row.is_enterprise_install),
    record: parseJsonOrNull(row.record),
    sealedSecrets: String(row.sealed_secrets),
    installedAt: toDate(row.installed_at),
    updatedAt: toDate(row.updated_at),
  };
}

/**
 * How many expired spent OAuth states one spend forgets, in either store: enough to keep up with any rate of
 * installs (each spend adds one entry), few enough that no spend waits on a large delete.
 */
export const SPENT_STATES_FORGOTTEN_PER_CALL = 200;
