import type { ExpiredNudge, JournalEntry, JournalRepository, NewJournalEntry } from '../../core/ports';
import { expiredList, expiredNudgesJson, interactionOf, toJournalEntry } from '../mapping/journal';
import type { BadRowReporter } from '../row-values';
import type { PgSql } from './pg-sql';

export class PgJournalRepository implements JournalRepository {
  constructor(
    private readonly sql: PgSql,
    private readonly onBadRow: BadRowReporter,
  ) {}

  add(entry: NewJournalEntry, forgetBefore: Date): Promise<JournalEntry> {
    return this.sql.atomic(async (sql) => {
      await sql.run(
        `UPDATE journal SET change = NULL
         WHERE workspace_id = $1 AND created_at < $2 AND change IS NOT NULL`,
        [entry.workspaceId, forgetBefore],
      );
      const row = await sql.one(
        `INSERT INTO journal (workspace_id, member_id, partner_id, action, interaction_id, change,
           expired_nudges, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         RETURNING *`,
        [
          entry.workspaceId,
          entry.memberId,
          entry.partnerId,
          entry.change.action,
          interactionOf(entry.change),
          JSON.stringify(entry.change),
          expiredNudgesJson(entry.expiredNudges),
          entry.now,
        ],
      );
      return toJournalEntry(row!, this.onBadRow);
    });
  }

  async latest(workspaceId: string, memberId: string, since: Date): Promise<JournalEntry | null> {
    const row = await this.sql.one(
      `SELECT * FROM journal
       WHERE workspace_id = $1 AND member_id = $2 AND created_at >= $3 AND undone_at IS NULL
       ORDER BY created_at DESC, id DESC LIMIT 1`,
      [workspaceId, memberId, since],
    );
    return row ? toJournalEntry(row, this.onBadRow) : null;
  }

  async markUndone(workspaceId: string, id: number, at: Date): Promise<boolean> {
    const changed = await this.sql.run(
      'UPDATE journal SET undone_at = $1 WHERE workspace_id = $2 AND id = $3 AND undone_at IS NULL',
      [at, workspaceId, id],
    );
    return changed === 1;
  }

  async expiredByInteraction(workspaceId: string, interactionId: number): Promise<ExpiredNudge[]> {
    const rows = await this.sql.all(
      `SELECT expired_nudges FROM journal
       WHERE workspace_id = $1 AND interaction_id = $2 AND expired_nudges <> '[]'::jsonb ORDER BY id`,
      [workspaceId, interactionId],
    );
    return rows.flatMap((row) => expiredList(row.expired_nudges));
  }
}
