/** Interactions from their rows, in either store. */
import type { Interaction, InteractionKind } from '../../core/model';
import type { Row } from '../row-values';
import { textOrNull, toDate } from '../row-values';

const numberOrNull = (value: unknown): number | null => (value == null ? null : Number(value));

export function toInteraction(row: Row): Interaction {
  return {
    id: Number(row.id),
    workspaceId: String(row.workspace_id),
    partnerId: Number(row.partner_id),
    memberId: String(row.member_id),
    kind: row.kind as InteractionKind,
    occurredOn: String(row.occurred_on),
    note: textOrNull(row.note),
    rating: numberOrNull(row.rating),
    nudgeId: numberOrNull(row.nudge_id),
    createdAt: toDate(row.created_at),
  };
}
