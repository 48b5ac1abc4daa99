import { RapportError } from '../../core/errors';
import type { Address, Member, WorkingPrefs } from '../../core/model';
import type { MemberRepository, MemberSighting } from '../../core/ports';
import { hasWorkingTime, isValidTimeZone } from '../../core/time';
import { addressColumns, toMember } from '../mapping/member';
import type { Connection, SqliteDb } from './connection';
import type { BadRowReporter, Row } from './rows';
import { iso, isoOrNull } from './rows';

export class SqliteMemberRepository implements MemberRepository {
  constructor(
    private readonly connection: Connection,
    private readonly onBadRow: BadRowReporter,
  ) {}

  see(sighting: MemberSighting, defaultTimeZone: string, now: Date): Promise<Member> {
    const { workspaceId, memberId } = sighting;
    const reportedZone = sighting.timeZone && isValidTimeZone(sighting.timeZone) ? sighting.timeZone : null;
    const address = addressColumns(sighting.address);
    const email = sighting.email?.trim().toLowerCase() || null;
    return this.connection.run((db) => {
      db.atomic(() => {
        const exists = db
          .prepare('SELECT 1 FROM members WHERE workspace_id = ? AND id = ?')
          .get(workspaceId, memberId);
        if (!exists) {
          db.prepare(
            `INSERT INTO members (workspace_id, id, display_name, email, time_zone, time_zone_checked_at,
               address, address_channel, created_at, updated_at, platform_admin)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          ).run(
            workspaceId,
            memberId,
            sighting.displayName ?? null,
            email,
            reportedZone ?? defaultTimeZone,
            reportedZone ? iso(now) : null,
            address.json,
            address.channel,
            iso(now),
            iso(now),
            sighting.isAdmin ? 1 : 0,
          );
          return;
        }
        db.prepare(
          `UPDATE members SET
             display_name = COALESCE(@displayName, display_name),
             email = COALESCE(@email, email),
             time_zone = CASE WHEN time_zone_chosen = 1 THEN time_zone ELSE COALESCE(@zone, time_zone) END,
             time_zone_checked_at = CASE WHEN @zone IS NULL THEN time_zone_checked_at ELSE @now END,
             address = COALESCE(@address, address),
             address_channel = CASE WHEN @address IS NULL THEN address_channel ELSE @channel END,
             address_stale = CASE WHEN @address IS NULL THEN address_stale ELSE 0 END,
             address_stale_at = CASE WHEN @address IS NULL THEN address_stale_at ELSE NULL END,
             platform_admin = COALESCE(@isAdmin, platform_admin),
             updated_at = @now
           WHERE workspace_id = @workspaceId AND id = @memberId`,
        ).run({
          displayName: sighting.displayName ?? null,
          email,
          zone: reportedZone,
          now: iso(now),
          address: address.json,
          channel: address.channel,
          isAdmin: typeof sighting.isAdmin === 'boolean' ? Number(sighting.isAdmin) : null,
          workspaceId,
          memberId,
        });
      });
      return this.read(db, workspaceId, memberId)!;
    });
  }

  get(workspaceId: string, memberId: string): Promise<Member | null> {
    return this.connection.run((db) => this.read(db, workspaceId, memberId));
  }

  updatePrefs(workspaceId: string, memberId: string, prefs: Partial<WorkingPrefs>): Promise<Member> {
    return this.connection.run((db) => {
      const current = this.read(db, workspaceId, memberId);
      if (!current) throw new RapportError('NOT_FOUND', `No member ${memberId} in ${workspaceId}`);
      const next = { ...current, ...prefs };
      if (!isValidTimeZone(next.timeZone) || !hasWorkingTime(next)) {
        throw new RapportError(
          'INVALID',
          'Working preferences must name a valid time zone and some working time',
        );
      }
      db.prepare(
        `UPDATE members SET time_zone = ?, working_days = ?, work_start = ?, work_end = ?,
           time_zone_chosen = CASE WHEN ? THEN 1 ELSE time_zone_chosen END, holiday_country = ?
         WHERE workspace_id = ? AND id = ?`,
      ).run(
        next.timeZone,
        next.workingDays.join(','),
        next.workStart,
        next.workEnd,
        prefs.timeZone !== undefined ? 1 : 0,
        next.holidayCountry ?? null,
        workspaceId,
        memberId,
      );
      return this.read(db, workspaceId, memberId)!;
    });
  }

  followPlatformTimeZone(workspaceId: string, memberId: string): Promise<void> {
    // Forgetting when the zone was last read makes the channel read it again at the next sighting.
    return this.update(
      'UPDATE members SET time_zone_chosen = 0, time_zone_checked_at = NULL WHERE workspace_id = ? AND id = ?',
      [workspaceId, memberId],
    );
  }

  setPausedUntil(workspaceId: string, memberId: string, until: Date | null): Promise<void> {
    return this.update('UPDATE members SET paused_until = ? WHERE workspace_id = ? AND id = ?', [
      isoOrNull(until),
      workspaceId,
      memberId,
    ]);
  }

  setDigest(workspaceId: string, memberId: string, enabled: boolean): Promise<void> {
    return this.update('UPDATE members SET digest = ? WHERE workspace_id = ? AND id = ?', [
      enabled ? 1 : 0,
      workspaceId,
      memberId,
    ]);
  }

  markAddressStale(workspaceId: string, memberId: string, now: Date): Promise<void> {
    return this.update(
      'UPDATE members SET address_stale = 1, address_stale_at = ? WHERE workspace_id = ? AND id = ?',
      [iso(now), workspaceId, memberId],
    );
  }

  setAddress(workspaceId: string, memberId: string, address: Address): Promise<void> {
    const { json, channel } = addressColumns(address);
    return this.update(
      `UPDATE members SET address = ?, address_channel = ?, address_stale = 0, address_stale_at = NULL
       WHERE workspace_id = ? AND id = ?`,
      [json, channel, workspaceId, memberId],
    );
  }

  setAppRemoved(workspaceId: string, memberId: string, at: Date | null): Promise<boolean> {
    return this.connection.run(
      (db) =>
        db
          .prepare('UPDATE members SET app_removed_at = ? WHERE workspace_id = ? AND id = ?')
          .run(isoOrNull(at), workspaceId, memberId).changes > 0,
    );
  }

  listByWorkspace(workspaceId: string): Promise<Member[]> {
    return this.connection.run((db) =>
      (db.prepare('SELECT * FROM members WHERE workspace_id = ? ORDER BY id').all(workspaceId) as Row[]).map(
        (row) => toMember(row, this.onBadRow),
      ),
    );
  }

  setGrantedAdmin(workspaceId: string, memberId: string, granted: boolean): Promise<void> {
    return this.update('UPDATE members SET granted_admin = ? WHERE workspace_id = ? AND id = ?', [
      granted ? 1 : 0,
      workspaceId,
      memberId,
    ]);
  }

  listDigestRecipients(now: Date): Promise<Member[]> {
    return this.connection.run((db) =>
      (
        db
          .prepare(
            `SELECT m.* FROM members m JOIN workspaces w ON w.id = m.workspace_id
             WHERE m.digest = 1 AND m.address IS NOT NULL AND m.address_stale = 0
               AND (m.paused_until IS NULL OR m.paused_until <= @now)
               AND (w.sending_held_until IS NULL OR w.sending_held_until <= @now)
               AND w.uninstalled_at IS NULL AND m.app_removed_at IS NULL
             ORDER BY m.workspace_id, m.id`,
          )
          .all({ now: iso(now) }) as Row[]
      ).map((row) => toMember(row, this.onBadRow)),
    );
  }

  private read(db: SqliteDb, workspaceId: string, memberId: string): Member | null {
    const row = db
      .prepare('SELECT * FROM members WHERE workspace_id = ? AND id = ?')
      .get(workspaceId, memberId) as Row | undefined;
    return row ? toMember(row, this.onBadRow) : null;
  }

  private update(sql: string, values: unknown[]): Promise<void> {
    return this.connection.run((db) => {
      db.prepare(sql).run(...values);
    });
  }
}
