/** Drop-off states from their rows, in either store. */
import type { DropOffState } from '../../core/ports';
import type { Row } from '../row-values';
import { flag, toDateOrNull } from '../row-values';

export function toDropOffState(row: Row): DropOffState {
  return {
    workspaceId: String(row.workspace_id),
    partnerId: Number(row.partner_id),
    armed: flag(row.armed),
    firedPeriod: row.fired_period == null ? null : Number(row.fired_period),
    firedAt: toDateOrNull(row.fired_at),
    nextCheckAt: toDateOrNull(row.next_check_at),
  };
}
