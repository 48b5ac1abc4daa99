/** The audit log: who changed a workspace's playbook or admins, and when. Append-only. */
import type { AuditEntry, AuditRepository, NewAuditEntry } from '../../core/ports';
import type { Connection } from './connection';
import type { Row } from './rows';
import { iso } from './rows';
import { toAuditEntry } from '../mapping/audit';

export class SqliteAuditRepository implements AuditRepository {
  constructor(private readonly connection: Connection) {}

  add(entry: NewAuditEntry): Promise<AuditEntry> {
    return this.connection.run((db) => {
      const row = db
        .prepare(
          `INSERT INTO audit_log (workspace_id, actor_id, action, subject, before_value, after_value, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        )
        .get(
          entry.workspaceId,
          entry.actorId,
          entry.action,
          entry.subject,
          entry.before,
          entry.after,
          iso(entry.now),
        ) as Row;
      return toAuditEntry(row);
    });
  }

  list(workspaceId: string, limit: number): Promise<AuditEntry[]> {
    return this.connection.run((db) =>
      (
        db
          .prepare('SELECT * FROM audit_log WHERE workspace_id = ? ORDER BY id DESC LIMIT ?')
          .all(workspaceId, limit) as Row[]
      ).map(toAuditEntry),
    );
  }

  count(workspaceId: string, action: string): Promise<number> {
    return this.connection.run(
      (db) =>
        (
          db
            .prepare('SELECT COUNT(*) AS n FROM audit_log WHERE workspace_id = ? AND action = ?')
            .get(workspaceId, action) as { n: number }
        ).n,
    );
  }
}
