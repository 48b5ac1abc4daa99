/** The SQL and the CSV shape that export round-trip tests compare interactions with. */
export const STORED_INTERACTIONS_SQL =
  'SELECT id, kind, occurred_on, note, rating FROM interactions ORDER BY id';

export interface StoredInteraction {
  id: number;
  kind: string;
  occurred_on: string;
  note: string | null;
  rating: number | null;
}

/** Stored interactions as an exported CSV spells them (empty cells for nulls). */
export function asCsvCells(rows: StoredInteraction[]): string[][] {
  return rows.map((i) => [
    String(i.id),
    i.kind,
    i.occurred_on,
    i.note ?? '',
    i.rating === null ? '' : String(i.rating),
  ]);
}

/** The same columns read back from a parsed CSV row. */
export function csvInteractionCells(rows: Record<string, string | undefined>[]): (string | undefined)[][] {
  return rows.map((r) => [r.id, r.kind, r.occurred_on, r.note, r.rating]);
}
