/**
 * Reads of the per-partner, per-kind interaction summary. Migration 1's triggers on `interactions` keep the
 * table (see the SQLite store's interaction-summary.ts for why a summary, and why triggers).
 */
import type { KindHistory } from '../../core/model';
import { addSummaryRows } from '../mapping/interaction-summary';
import type { PgSql } from './pg-sql';

/** One partner's per-kind history: one read of at most one row per kind. */
export async function readSummary(sql: PgSql, workspaceId: string, partnerId: number): Promise<KindHistory> {
  const rows = await sql.all(
    'SELECT * FROM interaction_summary WHERE partner_id = $1 AND workspace_id = $2 ORDER BY kind',
    [partnerId, workspaceId],
  );
  return addSummaryRows(new Map(), rows).get(partnerId) ?? {};
}

/** Per-kind histories of several partners in one read, each counting only its own workspace's rows. */
export async function readSummaries(
  sql: PgSql,
  partnerIds: readonly number[],
): Promise<Map<number, KindHistory>> {
  const histories = new Map<number, KindHistory>(partnerIds.map((id) => [id, {}]));
  if (partnerIds.length === 0) return histories;
  const rows = await sql.all(
    `SELECT s.* FROM interaction_summary s
     JOIN partners p ON p.id = s.partner_id AND p.workspace_id = s.workspace_id
     WHERE s.partner_id = ANY($1) ORDER BY s.partner_id, s.kind`,
    [partnerIds],
  );
  return addSummaryRows(histories, rows);
}
