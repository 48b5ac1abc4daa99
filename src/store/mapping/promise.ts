/** Promises from their rows, and the promises claimed nudges are about, in either store. */
import type { PartnerPromise, PromiseDirection, PromiseStatus } from '../../core/model';
import { parsePromiseOccurrence } from '../../core/promise-keys';
import type { Row } from '../row-values';
import { textOrNull, toDate, toDateOrNull } from '../row-values';

export function toPromise(row: Row): PartnerPromise {
  return {
    id: Number(row.id),
    workspaceId: String(row.workspace_id),
    partnerId: Number(row.partner_id),
    direction: row.direction as PromiseDirection,
    text: String(row.text),
    dueOn: String(row.due_on),
    ownerId: String(row.owner_id),
    status: row.status as PromiseStatus,
    movedCount: Number(row.moved_count),
    createdAt: toDate(row.created_at),
    datedAt: toDate(row.dated_at),
    resolvedAt: toDateOrNull(row.resolved_at),
    resolvedBy: textOrNull(row.resolved_by),
  };
}

/** A claimed nudge, as far as finding the promise it reminds of goes. */
export interface NudgeOfPromise {
  id: number;
  workspaceId: string;
  occurrence: string;
}

/** The promise each promise reminder is about, by nudge id; nudges that are not promise reminders are left out. */
export function promiseIdsOfNudges(nudges: readonly NudgeOfPromise[]): Map<number, number> {
  const wanted = new Map<number, number>();
  for (const nudge of nudges) {
    const key = parsePromiseOccurrence(nudge.occurrence);
    if (key) wanted.set(nudge.id, key.promiseId);
  }
  return wanted;
}

/**
 * Each nudge's promise from the promise rows read for `wanted` (see {@link promiseIdsOfNudges}); a promise
 * of another workspace than its nudge's is never handed out.
 */
export function promisesByNudge(
  nudges: readonly NudgeOfPromise[],
  wanted: ReadonlyMap<number, number>,
  rows: readonly Row[],
): Map<number, PartnerPromise> {
  const byId = new Map(rows.map((row) => [Number(row.id), toPromise(row)]));
  const result = new Map<number, PartnerPromise>();
  for (const nudge of nudges) {
    const promise = byId.get(wanted.get(nudge.id) ?? -1);
    if (promise && promise.workspaceId === nudge.workspaceId) result.set(nudge.id, promise);
  }
  return result;
}
