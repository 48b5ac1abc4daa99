/**
 * The occurrence key that ties a promise reminder to its promise and day. Kept apart from `promises.ts`,
 * with no runtime imports, so that the store can read it.
 */
import type { IsoDate, PartnerPromise } from './model';

/**
 * The occurrence of a promise's reminders: `p7:2026-12-14`. A moved promise has a new day, so a new key:
 * it is reminded again before its new day.
 */
export function promiseOccurrence(promise: Pick<PartnerPromise, 'id' | 'dueOn'>): string {
  return `p${promise.id}:${promise.dueOn}`;
}

export function parsePromiseOccurrence(occurrence: string): { promiseId: number; dueOn: IsoDate } | null {
  const match = /^p(\d{1,15}):(\d{4}-\d{2}-\d{2})$/.exec(occurrence);
  return match ? { promiseId: Number(match[1]), dueOn: match[2]! } : null;
}
