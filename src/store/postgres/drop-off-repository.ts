/** The post-signing drop-off alert's state per signed partner, and the drop-off step's index. */
import type { Partner } from '../../core/model';
import type { DropOffRepository, DropOffState } from '../../core/ports';
import { toDropOffState } from '../mapping/drop-off';
import type { PgSql } from './pg-sql';
import { withOwners } from './partner-repository';

/** Signed partners whose drop-off check has come, earliest first. */
export const DROP_OFF_DUE_SQL = `SELECT p.* FROM drop_off_state d JOIN partners p ON p.id = d.partner_id
  WHERE d.next_check_at <= $1 AND p.stage = 'signed' AND p.signed_on IS NOT NULL
  ORDER BY d.next_check_at, p.id LIMIT $2`;

export class PgDropOffRepository implements DropOffRepository {
  constructor(private readonly sql: PgSql) {}

  async get(workspaceId: string, partnerId: number): Promise<DropOffState | null> {
    const row = await this.sql.one(
      'SELECT * FROM drop_off_state WHERE workspace_id = $1 AND partner_id = $2',
      [workspaceId, partnerId],
    );
    return row ? toDropOffState(row) : null;
  }

  async save(state: DropOffState): Promise<void> {
    // One statement, only for a partner of the same workspace (the insert reads it): two instances saving
    // at once cannot both insert.
    await this.sql.run(
      `INSERT INTO drop_off_state (partner_id, workspace_id, armed, fired_period, fired_at, next_check_at)
       SELECT id, workspace_id, $3, $4, $5, $6 FROM partners WHERE workspace_id = $1 AND id = $2
       ON CONFLICT (partner_id) DO UPDATE SET armed = excluded.armed, fired_period = excluded.fired_period,
         fired_at = excluded.fired_at, next_check_at = excluded.next_check_at`,
      [state.workspaceId, state.partnerId, state.armed, state.firedPeriod, state.firedAt, state.nextCheckAt],
    );
  }

  async listDue(now: Date, limit: number): Promise<Partner[]> {
    // Every signed partner has a state row from its signing (the partners' triggers), so the partners due
    // are found through the index on the next check, not by scanning the signed ones.
    const rows = await this.sql.all(DROP_OFF_DUE_SQL, [now, limit]);
    return withOwners(this.sql, rows);
  }
}
