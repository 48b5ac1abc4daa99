/**
 * Claiming deliverable nudges on PostgreSQL, where several service instances claim from one database at
 * the same time: the lease, and everything their delivery needs read in the same transaction.
 */
import type { Platform } from '../../core/model';
import { UNDELIVERED_NUDGE_STATUSES } from '../../core/nudge-rules';
import type { Delivery } from '../../core/ports';
import { assembleDeliveries } from '../mapping/delivery';
import { toNudge } from '../mapping/nudge';
import type { BadRowReporter } from '../row-values';
import { readTeams } from './partner-owners';
import { readHistories, withOwners } from './partner-repository';
import type { PgSql } from './pg-sql';
import { sqlList } from '../sql-list';
import { readPromisesOfNudges } from './promise-repository';

const UNDELIVERED = sqlList(UNDELIVERED_NUDGE_STATUSES);

/** A member whose address went stale gets one probe a day (see `MemberRepository.markAddressStale`). */
const STALE_PROBE_MS = 24 * 3_600_000;

/**
 * Leases up to `limit` deliverable nudges with `token`; their ids, in delivery order. Must run inside a
 * transaction (`sql` from `atomic`): the rows stay locked until it ends.
 *
 * One statement picks, locks and leases. `FOR UPDATE … SKIP LOCKED` passes over rows another claimer has
 * locked instead of waiting for them, so two instances never get the same nudge and neither waits for the
 * other; a row whose lease another claimer committed meanwhile is checked again once locked (READ
 * COMMITTED re-reads it) and left out, its lease now live.
 */
export async function leaseDeliverable(
  sql: PgSql,
  now: Date,
  leaseUntil: Date,
  limit: number,
  platforms: Platform[],
  token: string,
): Promise<number[]> {
  // A stale address is probed once a day has passed since it was found stale (a stale row without that
  // instant was written by an older version: probe it now).
  const rows = await sql.all<{ id: number; deliver_after: Date }>(
    `WITH picked AS (
       SELECT n.id FROM nudges n
       JOIN members m ON m.workspace_id = n.workspace_id AND m.id = n.member_id
       JOIN workspaces w ON w.id = n.workspace_id
       WHERE n.status IN ${UNDELIVERED} AND n.deliver_after <= $1
         AND (n.lease_until IS NULL OR n.lease_until <= $1)
         AND m.address_channel = ANY($2::text[])
         AND (NOT m.address_stale OR m.address_stale_at IS NULL OR m.address_stale_at <= $3)
         AND (m.paused_until IS NULL OR m.paused_until <= $1)
         AND (w.sending_held_until IS NULL OR w.sending_held_until <= $1)
         AND w.uninstalled_at IS NULL AND m.app_removed_at IS NULL
       ORDER BY n.deliver_after, n.id LIMIT $4
       FOR UPDATE OF n SKIP LOCKED)
     UPDATE nudges SET lease_until = $5, lease_token = $6, updated_at = $1
     FROM picked WHERE nudges.id = picked.id
     RETURNING nudges.id, nudges.deliver_after`,
    [now, platforms, new Date(now.getTime() - STALE_PROBE_MS), limit, leaseUntil, token],
  );
  // RETURNING follows no order: delivery order is put back here.
  return rows
    .sort((a, b) => a.deliver_after.getTime() - b.deliver_after.getTime() || a.id - b.id)
    .map((row) => Number(row.id));
}

/** The deliveries of leased nudges, in delivery order; a nudge that cannot be read is reported instead. */
export async function readDeliveries(
  sql: PgSql,
  ids: number[],
  platforms: Platform[],
  onBadRow: BadRowReporter,
): Promise<Delivery[]> {
  const nudges = (
    await sql.all('SELECT * FROM nudges WHERE id = ANY($1::int[]) ORDER BY deliver_after, id', [ids])
  ).map(toNudge);
  const memberRows = await sql.all(
    `SELECT n.id AS for_nudge, m.* FROM nudges n
     JOIN members m ON m.workspace_id = n.workspace_id AND m.id = n.member_id
     WHERE n.id = ANY($1::int[])`,
    [ids],
  );
  const partnerRows = await sql.all(
    `SELECT DISTINCT p.* FROM nudges n
     JOIN partners p ON p.id = n.partner_id AND p.workspace_id = n.workspace_id
     WHERE n.id = ANY($1::int[])`,
    [ids],
  );
  const memberRowOf = new Map(memberRows.map((row) => [Number(row.for_nudge), row]));
  const partners = new Map((await withOwners(sql, partnerRows)).map((partner) => [partner.id, partner]));
  const histories = await readHistories(sql, [...partners.keys()]);
  const promises = await readPromisesOfNudges(sql, nudges);
  const teams = await readTeams(sql, [...partners.keys()]);
  return assembleDeliveries(
    nudges,
    { memberRowOf, partners, histories, promises, teams },
    platforms,
    onBadRow,
  );
}
