/** Claiming deliverable nudges: the lease, and everything their delivery needs read in the same go. */
import type { Platform } from '../../core/model';
import { UNDELIVERED_NUDGE_STATUSES } from '../../core/nudge-rules';
import type { Delivery } from '../../core/ports';
import type { SqliteDb } from './connection';
import { assembleDeliveries } from '../mapping/delivery';
import { toNudge } from '../mapping/nudge';
import { readTeams } from './partner-owners';
import { readHistories, withOwners } from './partner-repository';
import { readPromisesOfNudges } from './promise-repository';
import type { BadRowReporter, Row } from './rows';
import { iso, jsonList, sqlList } from './rows';

const UNDELIVERED = sqlList(UNDELIVERED_NUDGE_STATUSES);

/** A member whose address went stale gets one probe a day (see `MemberRepository.markAddressStale`). */
const STALE_PROBE_MS = 24 * 3_600_000;

/** Leases up to `limit` deliverable nudges with `token`; their ids, in delivery order. */
export function leaseDeliverable(
  db: SqliteDb,
  now: Date,
  leaseUntil: Date,
  limit: number,
  platforms: Platform[],
  token: string,
): number[] {
  // A stale address is probed once a day has passed since it was found stale (a stale row without that
  // instant was written by an older version: probe it now).
  const ids = (
    db
      .prepare(
        `SELECT n.id FROM nudges n
         JOIN members m ON m.workspace_id = n.workspace_id AND m.id = n.member_id
         JOIN workspaces w ON w.id = n.workspace_id
         WHERE n.status IN ${UNDELIVERED} AND n.deliver_after <= @now
           AND (n.lease_until IS NULL OR n.lease_until <= @now)
           AND m.address_channel IN (SELECT value FROM json_each(@platforms))
           AND (m.address_stale = 0 OR m.address_stale_at IS NULL OR m.address_stale_at <= @probeBefore)
           AND (m.paused_until IS NULL OR m.paused_until <= @now)
           AND (w.sending_held_until IS NULL OR w.sending_held_until <= @now)
           AND w.uninstalled_at IS NULL AND m.app_removed_at IS NULL
         ORDER BY n.deliver_after, n.id LIMIT @limit`,
      )
      .all({
        now: iso(now),
        platforms: jsonList(platforms),
        probeBefore: iso(new Date(now.getTime() - STALE_PROBE_MS)),
        limit,
      }) as { id: number }[]
  ).map((row) => row.id);
  if (ids.length > 0) {
    db.prepare(
      `UPDATE nudges SET lease_until = ?, lease_token = ?, updated_at = ?
       WHERE id IN (SELECT value FROM json_each(?))`,
    ).run(iso(leaseUntil), token, iso(now), jsonList(ids));
  }
  return ids;
}

/** The deliveries of leased nudges, in delivery order; a nudge that cannot be read is reported instead. */
export function readDeliveries(
  db: SqliteDb,
  ids: number[],
  platforms: Platform[],
  onBadRow: BadRowReporter,
): Delivery[] {
  const list = jsonList(ids);
  const nudges = (
    db
      .prepare('SELECT * FROM nudges WHERE id IN (SELECT value FROM json_each(?)) ORDER BY deliver_after, id')
      .all(list) as Row[]
  ).map(toNudge);
  const memberRows = db
    .prepare(
      `SELECT n.id AS for_nudge, m.* FROM nudges n
       JOIN members m ON m.workspace_id = n.workspace_id AND m.id = n.member_id
       WHERE n.id IN (SELECT value FROM json_each(?))`,
    )
    .all(list) as Row[];
  const partnerRows = db
    .prepare(
      `SELECT DISTINCT p.* FROM nudges n
       JOIN partners p ON p.id = n.partner_id AND p.workspace_id = n.workspace_id
       WHERE n.id IN (SELECT value FROM json_each(?))`,
    )
    .all(list) as Row[];
  const memberRowOf = new Map(memberRows.map((row) => [Number(row.for_nudge), row]));
  const partners = new Map(withOwners(db, partnerRows).map((partner) => [partner.id, partner]));
  const histories = readHistories(db, [...partners.keys()]);
  const promises = readPromisesOfNudges(db, nudges);
  const teams = readTeams(db, [...partners.keys()]);
  return assembleDeliveries(
    nudges,
    { memberRowOf, partners, histories, promises, teams },
    platforms,
    onBadRow,
  );
}
