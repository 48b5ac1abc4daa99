import type { Platform, Workspace } from '../../core/model';
import type { WorkspaceRepository } from '../../core/ports';
import { toWorkspace } from '../mapping/workspace';
import { toDateOrNull } from '../row-values';
import type { PgSql } from './pg-sql';

export class PgWorkspaceRepository implements WorkspaceRepository {
  constructor(private readonly sql: PgSql) {}

  async ensure(
    platform: Platform,
    externalId: string,
    name: string | null = null,
    now = new Date(0),
  ): Promise<Workspace> {
    const row = await this.sql.one(
      `INSERT INTO workspaces (id, platform, external_id, name, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE SET name = COALESCE(excluded.name, workspaces.name)
       RETURNING *`,
      [`${platform}:${externalId}`, platform, externalId, name, now],
    );
    return toWorkspace(row!);
  }

  async get(id: string): Promise<Workspace | null> {
    const row = await this.sql.one('SELECT * FROM workspaces WHERE id = $1', [id]);
    return row ? toWorkspace(row) : null;
  }

  async holdSending(id: string, until: Date | null, reason: string | null): Promise<void> {
    await this.sql.run(
      'UPDATE workspaces SET sending_held_until = $1, sending_held_reason = $2 WHERE id = $3',
      [until, until ? reason : null, id],
    );
  }

  async markUninstalled(id: string, at: Date | null): Promise<void> {
    await this.sql.run('UPDATE workspaces SET uninstalled_at = $1 WHERE id = $2', [at, id]);
  }

  async uninstalledAt(id: string): Promise<Date | null> {
    const row = await this.sql.one('SELECT uninstalled_at FROM workspaces WHERE id = $1', [id]);
    return toDateOrNull(row?.uninstalled_at);
  }

  async listUninstalledBefore(before: Date): Promise<string[]> {
    const rows = await this.sql.all(
      'SELECT id FROM workspaces WHERE uninstalled_at IS NOT NULL AND uninstalled_at < $1 ORDER BY id',
      [before],
    );
    return rows.map((row) => String(row.id));
  }

  async purge(id: string): Promise<void> {
    await this.sql.atomic(async (sql) => {
      // Every table of this schema that holds a workspace's rows, including those added after this code was
      // written. Every foreign key between them cascades, so the order does not matter.
      const tables = await sql.all<{ table_name: string }>(
        `SELECT c.table_name FROM information_schema.columns c
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
         WHERE c.table_schema = current_schema() AND c.column_name = 'workspace_id' AND t.table_type = 'BASE TABLE'
         ORDER BY c.table_name`,
      );
      for (const { table_name: table } of tables) {
        await sql.run(`DELETE FROM "${table.replaceAll('"', '""')}" WHERE workspace_id = $1`, [id]);
      }
      await sql.run('DELETE FROM workspaces WHERE id = $1', [id]);
    });
  }

  async listHeld(now: Date): Promise<Workspace[]> {
    const rows = await this.sql.all('SELECT * FROM workspaces WHERE sending_held_until > $1 ORDER BY id', [
      now,
    ]);
    return rows.map(toWorkspace);
  }
}
