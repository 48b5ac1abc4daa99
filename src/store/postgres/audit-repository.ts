/** The audit log: who changed a workspace's playbook or admins, and when. Append-only. */
import type { AuditEntry, AuditRepository, NewAuditEntry } from '../../core/ports';
import { toAuditEntry } from '../mapping/audit';
import type { PgSql } from './pg-sql';

export class PgAuditRepository implements AuditRepository {
  constructor(private readonly sql: PgSql) {}

  async add(entry: NewAuditEntry): Promise<AuditEntry> {
    const row = await this.sql.one(
      `INSERT INTO audit_log (workspace_id, actor_id, action, subject, before_value, after_value, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [entry.workspaceId, entry.actorId, entry.action, entry.subject, entry.before, entry.after, entry.now],
    );
    return toAuditEntry(row!);
  }

  async list(workspaceId: string, limit: number): Promise<AuditEntry[]> {
    const rows = await this.sql.all(
      'SELECT * FROM audit_log WHERE workspace_id = $1 ORDER BY id DESC LIMIT $2',
      [workspaceId, limit],
    );
    return rows.map(toAuditEntry);
  }

  async count(workspaceId: string, action: string): Promise<number> {
    const row = await this.sql.one<{ n: number }>(
      'SELECT COUNT(*) AS n FROM audit_log WHERE workspace_id = $1 AND action = $2',
      [workspaceId, action],
    );
    return row!.n;
  }
}
