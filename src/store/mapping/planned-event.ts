/** Planned events from their rows, in either store. */
import type { PlannableKind, PlannedEvent, PlannedEventStatus } from '../../core/model';
import type { Row } from '../row-values';
import { textOrNull, toDate, toDateOrNull } from '../row-values';

export function toPlannedEvent(row: Row): PlannedEvent {
  return {
    id: Number(row.id),
    workspaceId: String(row.workspace_id),
    partnerId: Number(row.partner_id),
    kind: row.kind as PlannableKind,
    plannedOn: String(row.planned_on),
    note: textOrNull(row.note),
    plannedBy: String(row.planned_by),
    status: row.status as PlannedEventStatus,
    replacesId: row.replaces_id == null ? null : Number(row.replaces_id),
    createdAt: toDate(row.created_at),
    closedAt: toDateOrNull(row.closed_at),
    closedBy: textOrNull(row.closed_by),
  };
}
