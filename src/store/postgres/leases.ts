/** Settling a row a sender leased with a token (nudges, digests), as the SQLite store's `updateWhileHeld`. */
import type { PgSql } from './pg-sql';

/** A table whose rows a sender leases with a token. */
export interface PgLeasedTable {
  name: 'nudges' | 'digests';
  /** The columns that identify one row, in the order their values are given. */
  keyColumns: readonly string[];
  /** WHERE terms true while the row may still be settled by its holder (no parameters). */
  settleable: string;
}

/**
 * Updates a leased row only while the claim's token is still on it, and takes the token off: the lease
 * is settled. Another claim since (the lease expired), or an answer, snooze or expiry (each clears the
 * token) makes it a no-op. One statement: the token is checked on the row version the update locks, so two
 * instances settling the same lease cannot both apply. True when it applied.
 *
 * `assignments` refer to `values` as `$1`, `$2`…; the key values and the token are bound after them.
 */
export async function updateWhileHeld(
  sql: PgSql,
  table: PgLeasedTable,
  token: string | null,
  keyValues: readonly unknown[],
  assignments: readonly string[],
  values: readonly unknown[],
): Promise<boolean> {
  if (!token) return false;
  const key = table.keyColumns.map((column, index) => `${column} = $${values.length + index + 1}`);
  const tokenPlaceholder = `$${values.length + keyValues.length + 1}`;
  const text = `UPDATE ${table.name} SET ${[...assignments, 'lease_token = NULL'].join(', ')}
    WHERE ${key.join(' AND ')} AND ${table.settleable} AND lease_token = ${tokenPlaceholder}`;
  return (await sql.run(text, [...values, ...keyValues, token])) === 1;
}
