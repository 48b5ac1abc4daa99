import type {
  ExpiredNudge,
  JournalChange,
  JournalEntry,
  JournalRepository,
  NewJournalEntry,
} from '../../core/ports';
import type { Connection } from './connection';
import type { BadRowReporter, Row } from './rows';
import { iso, parseJsonOrNull, toDate, toDateOrNull } from './rows';

/** Instants inside a stored change (an interaction's `createdAt`, a stage's `stageChangedAt`) are ISO text. */
const INSTANT_KEYS = new Set(['createdAt', 'stageChangedAt', 'datedAt', 'resolvedAt']);

function reviveInstants(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reviveInstants);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      INSTANT_KEYS.has(key) && typeof inner === 'string' ? new Date(inner) : reviveInstants(inner),
    ]),
  );
}

/** The interaction a change is about, kept in a column so that ids the journal names are never reused. */
function interactionOf(change: JournalChange): number | null {
  switch (change.action) {
    case 'log':
    case 'delete':
      return change.interaction.id;
    case 'edit':
      return change.interactionId;
    case 'signed':
      return change.milestone.id;
    default:
      return null;
  }
}

function expiredList(value: unknown): ExpiredNudge[] {
  const parsed = parseJsonOrNull(value);
  return Array.isArray(parsed)
    ? parsed.filter(
        (n): n is ExpiredNudge =>
          !!n && typeof n === 'object' && Number.isSafeInteger((n as ExpiredNudge).id),
      )
    : [];
}

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
            JSON.stringify(entry.expiredNudges.map(({ id, status, closedAs }) => ({ id, status, closedAs }))),
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
    let change: JournalChange | null = null;
    if (row.change != null) {
      const parsed = reviveInstants(parseJsonOrNull(row.change)) as JournalChange | null;
      if (parsed && parsed.action === row.action) change = parsed;
      else this.onBadRow('unreadable journal change', { journalId: Number(row.id) });
    }
    return {
      id: Number(row.id),
      workspaceId: String(row.workspace_id),
      memberId: String(row.member_id),
      partnerId: Number(row.partner_id),
      interactionId: row.interaction_id == null ? null : Number(row.interaction_id),
      change,
      expiredNudges: expiredList(row.expired_nudges),
      createdAt: toDate(row.created_at),
      undoneAt: toDateOrNull(row.undone_at),
    };
  }
}
