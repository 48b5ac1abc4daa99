import type { AuditEntry } from '../../core/ports';
import type { Row } from '../row-values';
import { textOrNull, toDate } from '../row-values';

/** One line of the audit log from its row, in either store. */
export function toAuditEntry(row: Row): AuditEntry {
  return {
    id: Number(row.id),
    workspaceId: String(row.workspace_id),
    actorId: String(row.actor_id),
    action: String(row.action),
    subject: textOrNull(row.subject),
    before: textOrNull(row.before_value),
    after: textOrNull(row.after_value),
    createdAt: toDate(row.created_at),
  };
}
