/**
 * Interactions written and read as raw rows, in SQL both engines run (no parameters): the interaction
 * summary's triggers see these writes exactly as they see the interaction repository's, so the summary can
 * be checked on either store without it.
 */
import type { InteractionKind, KindHistory } from '../../src/core/model';

/** The harness's raw SQL runner (`StoreHarness.rows`). */
export type RunRows = (sql: string) => Promise<Record<string, unknown>[]>;

export interface InteractionRow {
  workspaceId?: string;
  partnerId: number;
  kind: InteractionKind;
  occurredOn: string;
  rating?: number | null;
  /** An id of its own, as a restore under the old id gives it. */
  id?: number;
}

const literal = (value: string | number | null | undefined): string =>
  value == null ? 'NULL' : typeof value === 'number' ? String(value) : `'${value.replaceAll("'", "''")}'`;

/** Inserts an interaction row; its id. */
export async function insertInteraction(rows: RunRows, row: InteractionRow): Promise<number> {
  const columns = ['workspace_id', 'partner_id', 'member_id', 'kind', 'occurred_on', 'rating', 'created_at'];
  const values = [
    literal(row.workspaceId ?? 'slack:T1'),
    literal(row.partnerId),
    literal('U1'),
    literal(row.kind),
    literal(row.occurredOn),
    literal(row.rating),
    literal('2026-11-27T10:00:00.000Z'),
  ];
  if (row.id !== undefined) {
    columns.unshift('id');
    values.unshift(literal(row.id));
  }
  const [inserted] = await rows(
    `INSERT INTO interactions (${columns.join(', ')}) VALUES (${values.join(', ')}) RETURNING id`,
  );
  return Number(inserted!.id);
}

/** Changes columns of one interaction row (values as SQL literals' sources). */
export async function updateInteraction(
  rows: RunRows,
  id: number,
  change: Partial<Pick<InteractionRow, 'partnerId' | 'kind' | 'occurredOn' | 'rating'>>,
): Promise<void> {
  const columns = { partnerId: 'partner_id', kind: 'kind', occurredOn: 'occurred_on', rating: 'rating' };
  const sets = (Object.keys(change) as (keyof typeof change)[]).map(
    (key) => `${columns[key]} = ${literal(change[key])}`,
  );
  await rows(`UPDATE interactions SET ${sets.join(', ')} WHERE id = ${id} RETURNING id`);
}

export async function deleteInteraction(rows: RunRows, id: number): Promise<void> {
  await rows(`DELETE FROM interactions WHERE id = ${id} RETURNING id`);
}

/** The per-kind history as the GROUP BY over all of the partner's rows computes it (the summary's oracle). */
export async function historyByGroupBy(
  rows: RunRows,
  workspaceId: string,
  partnerId: number,
): Promise<KindHistory> {
  const grouped = await rows(
    `SELECT i.kind, MIN(i.occurred_on) AS first, MAX(i.occurred_on) AS last, COUNT(*) AS count,
       (SELECT r.rating FROM interactions r WHERE r.partner_id = i.partner_id AND r.kind = i.kind
        ORDER BY r.occurred_on DESC, r.id DESC LIMIT 1) AS last_rating
     FROM interactions i WHERE i.workspace_id = ${literal(workspaceId)} AND i.partner_id = ${partnerId}
     GROUP BY i.partner_id, i.kind`,
  );
  const history: KindHistory = {};
  for (const row of grouped) {
    const kind = row.kind as InteractionKind;
    history[kind] = { first: String(row.first), last: String(row.last), count: Number(row.count) };
    if (row.last_rating != null) history[kind]!.lastRating = Number(row.last_rating);
  }
  return history;
}

/** A small deterministic generator (mulberry32), so that a failure can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
