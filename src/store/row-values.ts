/**
 * Reading stored values, the same for both stores. SQLite hands back instants as ISO-8601 text, flags as
 * 0/1 and JSON as text; PostgreSQL hands back `Date`s, booleans and parsed `jsonb`. The mappers from rows to
 * the core's types read every value through these, so that one mapper serves both.
 */
export type Row = Record<string, unknown>;

/** Told about a stored value that is unusable (never fatal): what it is, and which row. */
export type BadRowReporter = (what: string, detail: object) => void;

export const iso = (date: Date): string => date.toISOString();
export const isoOrNull = (date: Date | null | undefined): string | null => (date ? date.toISOString() : null);
export const toDate = (value: unknown): Date =>
  value instanceof Date ? new Date(value.getTime()) : new Date(String(value));
export const toDateOrNull = (value: unknown): Date | null => (value == null ? null : toDate(value));
export const textOrNull = (value: unknown): string | null => (value == null ? null : String(value));
/** A stored flag: SQLite's 0/1 or PostgreSQL's boolean. */
export const flag = (value: unknown): boolean => value === true || value === 1 || value === '1';

/** A stored JSON document, or null when it is empty or unreadable (a bad row must not stop a read). */
export function parseJsonOrNull(value: unknown): unknown {
  if (value == null || value === '') return null;
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return null;
  }
}
