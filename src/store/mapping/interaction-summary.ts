/** Per-kind histories from `interaction_summary` rows, in either store. */
import type { InteractionKind, KindHistory } from '../../core/model';
import type { Row } from '../row-values';

/** Adds each summary row (one partner, one kind) to its partner's history in `histories`. */
export function addSummaryRows(histories: Map<number, KindHistory>, rows: Row[]): Map<number, KindHistory> {
  for (const row of rows) {
    const partnerId = Number(row.partner_id);
    const kind = row.kind as InteractionKind;
    const history = histories.get(partnerId) ?? {};
    history[kind] = { first: String(row.first_on), last: String(row.last_on), count: Number(row.count) };
    if (row.last_rating != null) history[kind]!.lastRating = Number(row.last_rating);
    histories.set(partnerId, history);
  }
  return histories;
}
