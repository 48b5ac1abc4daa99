/** Each workspace's changes to the default playbook, one row per (rule, field), the value as JSON. */
import type { PlaybookOverride, PlaybookOverrideRepository } from '../../core/ports';
import type { Connection } from './connection';
import type { Row } from './rows';
import { iso } from './rows';
import { toPlaybookOverride } from '../mapping/playbook-override';

export class SqlitePlaybookOverrideRepository implements PlaybookOverrideRepository {
  constructor(private readonly connection: Connection) {}

  list(workspaceId: string): Promise<PlaybookOverride[]> {
    return this.connection.run((db) =>
      (
        db
          .prepare('SELECT * FROM playbook_overrides WHERE workspace_id = ? ORDER BY rule_id, field')
          .all(workspaceId) as Row[]
      ).map(toPlaybookOverride),
    );
  }

  set(
    workspaceId: string,
    ruleId: string,
    field: string,
    value: unknown,
    memberId: string,
    now: Date,
  ): Promise<void> {
    return this.connection.run((db) => {
      db.prepare(
        `INSERT INTO playbook_overrides (workspace_id, rule_id, field, value, updated_by, updated_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (workspace_id, rule_id, field)
         DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
      ).run(workspaceId, ruleId, field, JSON.stringify(value), memberId, iso(now));
    });
  }

  clear(workspaceId: string, ruleId?: string, field?: string): Promise<number> {
    return this.connection.run(
      (db) =>
        db
          .prepare(
            `DELETE FROM playbook_overrides WHERE workspace_id = ?
               AND (? IS NULL OR rule_id = ?) AND (? IS NULL OR field = ?)`,
          )
          .run(workspaceId, ruleId ?? null, ruleId ?? null, field ?? null, field ?? null).changes,
    );
  }
}
