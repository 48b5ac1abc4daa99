/** Each workspace's changes to the default playbook, one row per (rule, field), the value as JSON. */
import type { PlaybookOverride, PlaybookOverrideRepository } from '../../core/ports';
import { toPlaybookOverride } from '../mapping/playbook-override';
import type { PgSql } from './pg-sql';

export class PgPlaybookOverrideRepository implements PlaybookOverrideRepository {
  constructor(private readonly sql: PgSql) {}

  async list(workspaceId: string): Promise<PlaybookOverride[]> {
    const rows = await this.sql.all(
      'SELECT * FROM playbook_overrides WHERE workspace_id = $1 ORDER BY rule_id, field',
      [workspaceId],
    );
    return rows.map(toPlaybookOverride);
  }

  async set(
    workspaceId: string,
    ruleId: string,
    field: string,
    value: unknown,
    memberId: string,
    now: Date,
  ): Promise<void> {
    // One statement: two admins setting the same field at once leave the later value, never a conflict.
    await this.sql.run(
      `INSERT INTO playbook_overrides (workspace_id, rule_id, field, value, updated_by, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (workspace_id, rule_id, field)
       DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
      [workspaceId, ruleId, field, JSON.stringify(value), memberId, now],
    );
  }

  clear(workspaceId: string, ruleId?: string, field?: string): Promise<number> {
    return this.sql.run(
      `DELETE FROM playbook_overrides WHERE workspace_id = $1
         AND ($2::text IS NULL OR rule_id = $2) AND ($3::text IS NULL OR field = $3)`,
      [workspaceId, ruleId ?? null, field ?? null],
    );
  }
}
