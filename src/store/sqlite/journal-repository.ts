import type { ExpiredNudge, JournalEntry, JournalRepository, NewJournalEntry } from '../../core/ports';
import { expiredList, expiredNudgesJson, interactionOf, toJournalEntry } from '../mapping/journal';
import type { Connection } from './connection';
import type { BadRowReporter, Row } from './rows';
import { iso } from './rows';

export class SqliteJournalRepository implements JournalRepository {
  constructor(
    private readonly connection: Connection,
    private readonly onBadRow: BadRowReporter,
  ) {}

  add(entry: NewJournalEntry, forgetBefore: Date): Promise<JournalEntry> {
    return this.connection.run((db) =>
      db.atomic(() => {
        db.prepare(
          `UPDATE journal SET change = NULL
           WHERE workspace_id = ? AND created_at < ? AND change IS NOT NULL`,
        ).run(entry.workspaceId, iso(forgetBefore));
        const result = db
          .prepare(
            `INSERT INTO journal (workspace_id, member_id, partner_id, action, interaction_id, change,
               expired_nudges, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            entry.workspaceId,
            entry.memberId,
            entry.partnerId,
            entry.change.action,
            interactionOf(entry.change),
            JSON.stringify(entry.change),
            expiredNudgesJson(entry.expiredNudges),
            iso(entry.now),
          );
        return this.toEntry(
          db.prepare('SELECT * FROM journal WHERE id = ?').get(result.lastInsertRowid) as Row,
        );
      }),
    );
  }

  latest(workspaceId: string, memberId: string, since: Date): Promise<JournalEntry | null> {
    return this.connection.run((db) => {
      const row = db
        .prepare(
          `SELECT * FROM journal
           WHERE workspace_id = ? AND member_id = ? AND created_at >= ? AND undone_at IS NULL
           ORDER BY created_at DESC, id DESC LIMIT 1`,
        )
        .get(workspaceId, memberId, iso(since)) as Row | undefined;
      return row ? this.toEntry(row) : null;
    });
  }

  markUndone(workspaceId: string, id: number, at: Date): Promise<boolean> {
    return this.connection.run(
      (db) =>
        db
          .prepare('UPDATE journal SET undone_at = ? WHERE workspace_id = ? AND id = ? AND undone_at IS NULL')
          .run(iso(at), workspaceId, id).changes === 1,
    );
  }

  expiredByInteraction(workspaceId: string, interactionId: number): Promise<ExpiredNudge[]> {
    return this.connection.run((db) =>
      (
        db
          .prepare(
            `SELECT expired_nudges FROM journal
             WHERE workspace_id = ? AND interaction_id = ? AND expired_nudges <> '[]' ORDER BY id`,
          )
          .all(workspaceId, interactionId) as Row[]
      ).flatMap((row) => expiredList(row.expired_nudges)),
    );
  }

  private toEntry(row: Row): JournalEntry {
    return toJournalEntry(row, this.onBadRow);
  }
}
