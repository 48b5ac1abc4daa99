import { RapportError } from '../../core/errors';
import type { Address, Member, WorkingPrefs } from '../../core/model';
import type { MemberRepository, MemberSighting } from '../../core/ports';
import { hasWorkingTime, isValidTimeZone } from '../../core/time';
import { addressColumns, toMember } from '../mapping/member';
import type { BadRowReporter } from '../row-values';
import type { PgSql } from './pg-sql';

export class PgMemberRepository implements MemberRepository {
  constructor(
    private readonly sql: PgSql,
    private readonly onBadRow: BadRowReporter,
  ) {}

  async see(sighting: MemberSighting, defaultTimeZone: string, now: Date): Promise<Member> {
    const reportedZone = sighting.timeZone && isValidTimeZone(sighting.timeZone) ? sighting.timeZone : null;
    const address = addressColumns(sighting.address);
    const email = sighting.email?.trim().toLowerCase() || null;
    // One statement: a first sighting inserts, a later one refreshes what the platform reported (a zone the
    // member chose is kept), so two instances seeing the same member at once cannot both insert.
    const row = await this.sql.one(
      `INSERT INTO members AS m (workspace_id, id, display_name, email, time_zone, time_zone_checked_at,
         address, address_channel, created_at, updated_at, platform_admin)
       VALUES ($1, $2, $3, $4, COALESCE($5, $6), CASE WHEN $5::text IS NULL THEN NULL ELSE $7::timestamptz END,
         $8, $9, $7, $7, COALESCE($10, false))
       ON CONFLICT (workspace_id, id) DO UPDATE SET
         display_name = COALESCE($3, m.display_name),
         email = COALESCE($4, m.email),
         time_zone = CASE WHEN m.time_zone_chosen THEN m.time_zone ELSE COALESCE($5, m.time_zone) END,
         time_zone_checked_at = CASE WHEN $5::text IS NULL THEN m.time_zone_checked_at ELSE $7 END,
         address = COALESCE($8, m.address),
         address_channel = CASE WHEN $8::jsonb IS NULL THEN m.address_channel ELSE $9 END,
         address_stale = CASE WHEN $8::jsonb IS NULL THEN m.address_stale ELSE false END,
         address_stale_at = CASE WHEN $8::jsonb IS NULL THEN m.address_stale_at ELSE NULL END,
         platform_admin = COALESCE($10, m.platform_admin),
         updated_at = $7
       RETURNING *`,
      [
        sighting.workspaceId,
        sighting.memberId,
        sighting.displayName ?? null,
        email,
        reportedZone,
        defaultTimeZone,
        now,
        address.json,
        address.channel,
        typeof sighting.isAdmin === 'boolean' ? sighting.isAdmin : null,
      ],
    );
    return toMember(row!, this.onBadRow);
  }

  async get(workspaceId: string, memberId: string): Promise<Member | null> {
    return this.read(this.sql, workspaceId, memberId);
  }

  updatePrefs(workspaceId: string, memberId: string, prefs: Partial<WorkingPrefs>): Promise<Member> {
    return this.sql.atomic(async (sql) => {
      const current = await this.read(sql, workspaceId, memberId, 'FOR UPDATE');
      if (!current) throw new RapportError('NOT_FOUND', `No member ${memberId} in ${workspaceId}`);
      const next = { ...current, ...prefs };
      if (!isValidTimeZone(next.timeZone) || !hasWorkingTime(next)) {
        throw new RapportError(
          'INVALID',
          'Working preferences must name a valid time zone and some working time',
        );
      }
      const row = await sql.one(
        `UPDATE members SET time_zone = $1, working_days = $2, work_start = $3, work_end = $4,
           time_zone_chosen = time_zone_chosen OR $5, holiday_country = $6
         WHERE workspace_id = $7 AND id = $8 RETURNING *`,
        [
          next.timeZone,
          next.workingDays.join(','),
          next.workStart,
          next.workEnd,
          prefs.timeZone !== undefined,
          next.holidayCountry ?? null,
          workspaceId,
          memberId,
        ],
      );
      return toMember(row!, this.onBadRow);
    });
  }

  async followPlatformTimeZone(workspaceId: string, memberId: string): Promise<void> {
    // Forgetting when the zone was last read makes the channel read it again at the next sighting.
    await this.sql.run(
      'UPDATE members SET time_zone_chosen = false, time_zone_checked_at = NULL WHERE workspace_id = $1 AND id = $2',
      [workspaceId, memberId],
    );
  }

  async setPausedUntil(workspaceId: string, memberId: string, until: Date | null): Promise<void> {
    await this.sql.run('UPDATE members SET paused_until = $1 WHERE workspace_id = $2 AND id = $3', [
      until,
      workspaceId,
      memberId,
    ]);
  }

  async setDigest(workspaceId: string, memberId: string, enabled: boolean): Promise<void> {
    await this.sql.run('UPDATE members SET digest = $1 WHERE workspace_id = $2 AND id = $3', [
      enabled,
      workspaceId,
      memberId,
    ]);
  }

  async markAddressStale(workspaceId: string, memberId: string, now: Date): Promise<void> {
    await this.sql.run(
      'UPDATE members SET address_stale = true, address_stale_at = $1 WHERE workspace_id = $2 AND id = $3',
      [now, workspaceId, memberId],
    );
  }

  async setAddress(workspaceId: string, memberId: string, address: Address): Promise<void> {
    const { json, channel } = addressColumns(address);
    await this.sql.run(
      `UPDATE members SET address = $1, address_channel = $2, address_stale = false, address_stale_at = NULL
       WHERE workspace_id = $3 AND id = $4`,
      [json, channel, workspaceId, memberId],
    );
  }

  async setAppRemoved(workspaceId: string, memberId: string, at: Date | null): Promise<boolean> {
    const changed = await this.sql.run(
      'UPDATE members SET app_removed_at = $1 WHERE workspace_id = $2 AND id = $3',
      [at, workspaceId, memberId],
    );
    return changed > 0;
  }

  async listByWorkspace(workspaceId: string): Promise<Member[]> {
    const rows = await this.sql.all('SELECT * FROM members WHERE workspace_id = $1 ORDER BY id', [
      workspaceId,
    ]);
    return rows.map((row) => toMember(row, this.onBadRow));
  }

  async setGrantedAdmin(workspaceId: string, memberId: string, granted: boolean): Promise<void> {
    await this.sql.run('UPDATE members SET granted_admin = $1 WHERE workspace_id = $2 AND id = $3', [
      granted,
      workspaceId,
      memberId,
    ]);
  }

  async listDigestRecipients(now: Date): Promise<Member[]> {
    const rows = await this.sql.all(
      `SELECT m.* FROM members m JOIN workspaces w ON w.id = m.workspace_id
       WHERE m.digest AND m.address IS NOT NULL AND NOT m.address_stale
         AND (m.paused_until IS NULL OR m.paused_until <= $1)
         AND (w.sending_held_until IS NULL OR w.sending_held_until <= $1)
         AND w.uninstalled_at IS NULL AND m.app_removed_at IS NULL
       ORDER BY m.workspace_id, m.id`,
      [now],
    );
    return rows.map((row) => toMember(row, this.onBadRow));
  }

  private async read(
    sql: PgSql,
    workspaceId: string,
    memberId: string,
    lock: '' | 'FOR UPDATE' = '',
  ): Promise<Member | null> {
    const row = await sql.one(`SELECT * FROM members WHERE workspace_id = $1 AND id = $2 ${lock}`, [
      workspaceId,
      memberId,
    ]);
    return row ? toMember(row, this.onBadRow) : null;
  }
}
