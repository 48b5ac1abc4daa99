/**
 * Row helpers shared by the repositories. Instants are stored as ISO-8601 UTC text with milliseconds,
 * which sorts correctly as text; calendar days as `YYYY-MM-DD`.
 */
import type { SqliteDb } from './connection';

export type { BadRowReporter, Row } from '../row-values';
export { iso, isoOrNull, parseJsonOrNull, textOrNull, toDate, toDateOrNull } from '../row-values';

/** A list bound as one parameter, read in SQL with `IN (SELECT value FROM json_each(?))`. */
export const jsonList = (values: readonly (string | number)[]): string => JSON.stringify(values);

export { sqlList } from '../sql-list';

/** A table whose rows a sender leases with a token (nudges, digests). */
export interface LeasedTable {
  name: 'nudges' | 'digests';
  /** WHERE terms that identify one row, with `?` for each key value. */
  key: string;
  /** WHERE terms true while the row may still be settled by its holder. */
  settleable: string;
}

/**
 * Updates a leased row only while the claim's token is still on it, and takes the token off: the lease
 * is settled. Another claim since (the lease expired), or an answer, snooze or expiry (each clears the
 * token) makes it a no-op. True when it applied.
 */
export function updateWhileHeld(
  db: SqliteDb,
  table: LeasedTable,
  token: string | null,
  keyValues: readonly unknown[],
  assignments: readonly string[],
  values: readonly unknown[],
): boolean {
  if (!token) return false;
  const sql = `UPDATE ${table.name} SET ${[...assignments, 'lease_token = NULL'].join(', ')}
    WHERE ${table.key} AND ${table.settleable} AND lease_token = ?`;
  return db.prepare(sql).run(...values, ...keyValues, token).changes === 1;
}
