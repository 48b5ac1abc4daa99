/**
 * A constant list as an SQL literal, e.g. `('pending', 'snoozed')`, the same in both engines. For lists fixed
 * in code (statuses): written into the SQL text, a partial index whose WHERE names the same list can serve
 * the query.
 */
export function sqlList(values: readonly string[]): string {
  return `(${values.map((value) => `'${value.replaceAll("'", "''")}'`).join(', ')})`;
}
