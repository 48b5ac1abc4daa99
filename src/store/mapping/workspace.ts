import type { Platform, Workspace } from '../../core/model';
import type { Row } from '../row-values';
import { textOrNull, toDate, toDateOrNull } from '../row-values';

/** A workspace from its row, in either store. */
export function toWorkspace(row: Row): Workspace {
  return {
    id: String(row.id),
    platform: row.platform as Platform,
    externalId: String(row.external_id),
    name: textOrNull(row.name),
    createdAt: toDate(row.created_at),
    sendingHeldUntil: toDateOrNull(row.sending_held_until),
    sendingHeldReason: textOrNull(row.sending_held_reason),
  };
}
