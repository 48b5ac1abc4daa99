/** The post-signing drop-off alert's state per signed partner, and the drop-off step's index. */
import type { Partner } from '../../core/model';
import type { DropOffRepository, DropOffState } from '../../core/ports';
import { toDropOffState } from '../mapping/drop-off';
import type { Connection } from './connection';
import { withOwners } from './partner-repository';
import type { Row } from './rows';
import { iso, isoOrNull } from './rows';

/** Signed partners whose drop-off check has come, earliest first. */
export const DROP_OFF_DUE_SQL = `SELECT p.* FROM drop_off_state d JOIN partners p ON p.id = d.partner_id
  WHERE d.next_check_at <= ? AND p.stage = 'signed' AND p.signed_on IS NOT NULL
  ORDER BY d.next_check_at, p.id LIMIT ?`;

export class SqliteDropOffRepository implements DropOffRepository {
  constructor(private readonly connection: Connection) {}

  get(workspaceId: string, partnerId: number): Promise<DropOffState | null> {
    return this.connection.run((db) => {
      const row = db
        .prepare('SELECT * FROM drop_off_state WHERE workspace_id = ? AND partner_id = ?')
        .get(workspaceId, partnerId) as Row | undefined;
      return row ? toDropOffState(row) : null;
    });
  }

  save(state: DropOffState): Promise<void> {
    return this.connection.run((db) => {
      // Only for a partner of the same workspace: the insert reads it.
      db.prepare(
        `INSERT INTO drop_off_state (partner_id, workspace_id, armed, fired_period, fired_at, next_check_at)
         SELECT id, workspace_id, @armed, @firedPeriod, @firedAt, @nextCheckAt FROM partners
         WHERE workspace_id = @workspaceId AND id = @partnerId
         ON CONFLICT (partner_id) DO UPDATE SET armed = excluded.armed, fired_period = excluded.fired_period,
           fired_at = excluded.fired_at, next_check_at = excluded.next_check_at`,
      ).run({
        workspaceId: state.workspaceId,
        partnerId: state.partnerId,
        armed: state.armed ? 1 : 0,
        firedPeriod: state.firedPeriod,
        firedAt: isoOrNull(state.firedAt),
        nextCheckAt: isoOrNull(state.nextCheckAt),
      });
    });
  }

  listDue(now: Date, limit: number): Promise<Partner[]> {
    return this.connection.run((db) => {
      const rows = db
        .prepare(
          // Every signed partner has a state row from its signing (triggers of migration 20), so the
          // partners due are found through the index on the next check, not by scanning the signed ones.
          DROP_OFF_DUE_SQL,
        )
        .all(iso(now), limit) as Row[];
      return withOwners(db, rows);
    });
  }
}
