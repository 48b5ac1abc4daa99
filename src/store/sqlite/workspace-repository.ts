import type { Platform, Workspace } from '../../core/model';
import { toWorkspace } from '../mapping/workspace';
import type { WorkspaceRepository } from '../../core/ports';
import type { Connection, SqliteDb } from './connection';
import type { Row } from './rows';
import { iso, isoOrNull, toDateOrNull } from './rows';

function readWorkspace(db: SqliteDb, id: string): Workspace | null {
  const row = db.prepare('SELECT * FROM workspaces WHERE id = ?').get(id) as Row | undefined;
  return row ? toWorkspace(row) : null;
}

export class SqliteWorkspaceRepository implements WorkspaceRepository {
  constructor(private readonly connection: Connection) {}

  ensure(
    platform: Platform,
    externalId: string,
    name: string | null = null,
    now = new Date(0),
  ): Promise<Workspace> {
    const id = `${platform}:${externalId}`;
    return this.connection.run((db) => {
      db.prepare(
        `INSERT INTO workspaces (id, platform, external_id, name, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET name = COALESCE(excluded.name, workspaces.name)`,
      ).run(id, platform, externalId, name, iso(now));
      return readWorkspace(db, id)!;
    });
  }

  get(id: string): Promise<Workspace | null> {
    return this.connection.run((db) => readWorkspace(db, id));
  }

  holdSending(id: string, until: Date | null, reason: string | null): Promise<void> {
    return this.connection.run((db) => {
      db.prepare('UPDATE workspaces SET sending_held_until = ?, sending_held_reason = ? WHERE id = ?').run(
        isoOrNull(until),
        until ? reason : null,
        id,
      );
    });
  }

  markUninstalled(id: string, at: Date | null): Promise<void> {
    return this.connection.run((db) => {
      db.prepare('UPDATE workspaces SET uninstalled_at = ? WHERE id = ?').run(isoOrNull(at), id);
    });
  }

  uninstalledAt(id: string): Promise<Date | null> {
    return this.connection.run((db) => {
      const row = db.prepare('SELECT uninstalled_at FROM workspaces WHERE id = ?').get(id) as Row | undefined;
      return toDateOrNull(row?.uninstalled_at);
    });
  }

  listUninstalledBefore(before: Date): Promise<string[]> {
    return this.connection.run((db) =>
      (
        db
          .prepare(
            'SELECT id FROM workspaces WHERE uninstalled_at IS NOT NULL AND uninstalled_at < ? ORDER BY id',
          )
          .all(iso(before)) as Row[]
      ).map((row) => String(row.id)),
    );
  }

  purge(id: string): Promise<void> {
    return this.connection.run((db) => {
      // Every table that holds a workspace's rows, including those added after this code was written; the
      // foreign keys between them are checked once all are gone.
      const tables = (
        db
          .prepare(
            `SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c
             WHERE m.type = 'table' AND c.name = 'workspace_id' ORDER BY m.name`,
          )
          .all() as Row[]
      ).map((row) => String(row.name));
      db.atomic(() => {
        db.raw.pragma('defer_foreign_keys = ON');
        for (const table of tables) {
          db.prepare(`DELETE FROM "${table.replaceAll('"', '""')}" WHERE workspace_id = ?`).run(id);
        }
        db.prepare('DELETE FROM workspaces WHERE id = ?').run(id);
      });
    });
  }

  listHeld(now: Date): Promise<Workspace[]> {
    return this.connection.run((db) =>
      (
        db.prepare('SELECT * FROM workspaces WHERE sending_held_until > ? ORDER BY id').all(iso(now)) as Row[]
      ).map(toWorkspace),
    );
  }
}
