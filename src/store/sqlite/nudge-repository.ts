import { randomUUID } from 'node:crypto';
import { RapportError } from '../../core/errors';
import type { Nudge, NudgeStatus, Platform } from '../../core/model';
import { OPEN_NUDGE_STATUSES, UNDELIVERED_NUDGE_STATUSES } from '../../core/nudge-rules';
import type { ClaimedNudge, Delivery, NewNudge, NudgeAnswer, NudgeRepository } from '../../core/ports';
import type { Connection, SqliteDb } from './connection';
import { toMember } from './member-repository';
import { readHistories, withOwners } from './partner-repository';
import type { BadRowReporter, LeasedTable, Row } from './rows';
import {
  iso,
  jsonList,
  parseJsonOrNull,
  sqlList,
  textOrNull,
  toDate,
  toDateOrNull,
  updateWhileHeld,
} from './rows';

const OPEN = sqlList(OPEN_NUDGE_STATUSES);
const UNDELIVERED = sqlList(UNDELIVERED_NUDGE_STATUSES);

/** A member whose address went stale gets one probe a day (see `MemberRepository.markAddressStale`). */
const STALE_PROBE_MS = 24 * 3_600_000;

const NUDGES: LeasedTable = { name: 'nudges', key: 'id = ?', settleable: `status IN ${UNDELIVERED}` };

function toNudge(row: Row): Nudge {
  return {
    id: Number(row.id),
    workspaceId: String(row.workspace_id),
    partnerId: Number(row.partner_id),
    memberId: String(row.member_id),
    ruleId: String(row.rule_id),
    occurrence: String(row.occurrence),
    dueAt: toDate(row.due_at),
    deliverAfter: toDate(row.deliver_after),
    status: row.status as NudgeStatus,
    attempts: Number(row.attempts),
    leaseUntil: toDateOrNull(row.lease_until),
    leaseToken: textOrNull(row.lease_token),
    lastError: textOrNull(row.last_error),
    messageRef: parseJsonOrNull(row.message_ref),
    sentAt: toDateOrNull(row.sent_at),
    answeredAt: toDateOrNull(row.answered_at),
    answer: textOrNull(row.answer),
    answeredBy: textOrNull(row.answered_by),
    createdAt: toDate(row.created_at),
  };
}

export class SqliteNudgeRepository implements NudgeRepository {
  constructor(
    private readonly connection: Connection,
    private readonly onBadRow: BadRowReporter,
  ) {}

  createIfAbsent(input: NewNudge): Promise<{ nudge: Nudge; created: boolean }> {
    return this.connection.run((db) => {
      const result = db
        .prepare(
          `INSERT INTO nudges (workspace_id, partner_id, member_id, rule_id, occurrence, due_at, deliver_after, status,
             created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)
           ON CONFLICT (partner_id, rule_id, occurrence, member_id) DO NOTHING`,
        )
        .run(
          input.workspaceId,
          input.partnerId,
          input.memberId,
          input.ruleId,
          input.occurrence,
          iso(input.dueAt),
          iso(input.deliverAfter),
          iso(input.now),
          iso(input.now),
        );
      const row = db
        .prepare(
          'SELECT * FROM nudges WHERE partner_id = ? AND rule_id = ? AND occurrence = ? AND member_id = ?',
        )
        .get(input.partnerId, input.ruleId, input.occurrence, input.memberId) as Row;
      return { nudge: toNudge(row), created: result.changes === 1 };
    });
  }

  get(workspaceId: string, id: number): Promise<Nudge | null> {
    return this.connection.run((db) => this.read(db, workspaceId, id));
  }

  claimDeliverable(now: Date, leaseUntil: Date, limit: number, platforms: Platform[]): Promise<Delivery[]> {
    const token = randomUUID();
    return this.connection.run((db) => {
      if (platforms.length === 0 || limit <= 0) return [];
      // IMMEDIATE takes the write lock before reading, so two claimers never pick the same rows.
      return db.atomic(() => {
        const deliveries: Delivery[] = [];
        // A row that cannot be read is skipped but keeps its lease, so the next round picks others.
        while (deliveries.length < limit) {
          const ids = this.leaseDeliverable(db, now, leaseUntil, limit - deliveries.length, platforms, token);
          if (ids.length === 0) break;
          deliveries.push(...this.readDeliveries(db, ids, platforms));
        }
        return deliveries;
      }, true);
    });
  }

  /** Leases up to `limit` deliverable nudges with `token`; their ids, in delivery order. */
  private leaseDeliverable(
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
  private readDeliveries(db: SqliteDb, ids: number[], platforms: Platform[]): Delivery[] {
    const list = jsonList(ids);
    const nudges = (
      db
        .prepare(
          'SELECT * FROM nudges WHERE id IN (SELECT value FROM json_each(?)) ORDER BY deliver_after, id',
        )
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
    const deliveries: Delivery[] = [];
    for (const nudge of nudges) {
      const where = { nudgeId: nudge.id, workspaceId: nudge.workspaceId };
      const memberRow = memberRowOf.get(nudge.id);
      const member = memberRow ? toMember(memberRow, this.onBadRow, { nudgeId: nudge.id }) : null;
      const partner = partners.get(nudge.partnerId);
      if (!member) {
        this.onBadRow('nudge member', { ...where, memberId: nudge.memberId });
      } else if (!member.address) {
        // Reported by toMember as a 'member address'.
      } else if (!platforms.includes(member.address.channel)) {
        this.onBadRow('member address channel', {
          ...where,
          memberId: member.id,
          channel: member.address.channel,
        });
      } else if (!partner) {
        this.onBadRow('nudge partner', { ...where, partnerId: nudge.partnerId });
      } else {
        deliveries.push({
          nudge,
          member: { ...member, address: member.address },
          partner,
          history: histories.get(partner.id) ?? {},
        });
      }
    }
    return deliveries;
  }

  /** Settles a claimed nudge while its token is still on the row, releasing the lease. */
  private settle(claimed: ClaimedNudge, assignments: string[], values: unknown[]): Promise<boolean> {
    return this.connection.run((db) =>
      updateWhileHeld(
        db,
        NUDGES,
        claimed.leaseToken,
        [claimed.id],
        [...assignments, 'lease_until = NULL'],
        values,
      ),
    );
  }

  markSent(claimed: ClaimedNudge, messageRef: unknown, now: Date): Promise<boolean> {
    return this.settle(
      claimed,
      [
        "status = 'sent'",
        'message_ref = ?',
        'sent_at = ?',
        'last_error = NULL',
        'attempts = attempts + 1',
        'updated_at = ?',
      ],
      [JSON.stringify(messageRef ?? null), iso(now), iso(now)],
    );
  }

  reschedule(
    claimed: ClaimedNudge,
    deliverAfter: Date,
    error: string | null,
    countAttempt = error !== null,
  ): Promise<boolean> {
    return this.settle(
      claimed,
      ['deliver_after = ?', 'last_error = COALESCE(?, last_error)', 'attempts = attempts + ?'],
      [iso(deliverAfter), error, countAttempt ? 1 : 0],
    );
  }

  markFailed(claimed: ClaimedNudge, error: string, now: Date): Promise<boolean> {
    return this.settle(
      claimed,
      ["status = 'failed'", 'last_error = ?', 'attempts = attempts + 1', 'updated_at = ?'],
      [error, iso(now)],
    );
  }

  release(claimed: ClaimedNudge): Promise<boolean> {
    return this.settle(claimed, [], []);
  }

  answer(workspaceId: string, id: number, answer: NudgeAnswer): Promise<{ nudge: Nudge; answered: boolean }> {
    return this.connection.run((db) => {
      const result = db
        .prepare(
          `UPDATE nudges SET status = 'answered', answer = ?, answered_by = ?, answered_at = ?, lease_until = NULL,
             lease_token = NULL, updated_at = ?
           WHERE workspace_id = ? AND id = ? AND status IN ${OPEN}`,
        )
        .run(answer.choiceId, answer.memberId, iso(answer.at), iso(answer.at), workspaceId, id);
      const nudge = this.read(db, workspaceId, id);
      if (!nudge) throw new RapportError('NOT_FOUND', `No nudge ${id} in ${workspaceId}`);
      return { nudge, answered: result.changes === 1 };
    });
  }

  snooze(workspaceId: string, id: number, until: Date, memberId: string, now: Date): Promise<boolean> {
    return this.connection.run(
      (db) =>
        db
          .prepare(
            `UPDATE nudges SET status = 'snoozed', deliver_after = ?, lease_until = NULL, lease_token = NULL,
               answered_by = ?, updated_at = ?
             WHERE workspace_id = ? AND id = ? AND status IN ${OPEN}`,
          )
          .run(iso(until), memberId, iso(now), workspaceId, id).changes === 1,
    );
  }

  dismiss(workspaceId: string, id: number, memberId: string, now: Date): Promise<boolean> {
    return this.connection.run(
      (db) =>
        db
          .prepare(
            `UPDATE nudges SET status = 'dismissed', answer = '_dismiss', answered_by = ?, answered_at = ?,
               lease_until = NULL, lease_token = NULL, updated_at = ?
             WHERE workspace_id = ? AND id = ? AND status IN ${OPEN}`,
          )
          .run(memberId, iso(now), iso(now), workspaceId, id).changes === 1,
    );
  }

  expirePending(
    workspaceId: string,
    partnerId: number,
    keep: { ruleId: string; occurrence: string }[],
    now: Date,
    snoozedMayExpire: readonly string[] = [],
  ): Promise<number> {
    const kept = new Set(keep.map((k) => `${k.ruleId}\u0000${k.occurrence}`));
    return this.connection.run((db) =>
      db.atomic(() => {
        const rows = db
          .prepare(
            `SELECT id, rule_id, occurrence, status FROM nudges
             WHERE workspace_id = ? AND partner_id = ? AND status IN ${UNDELIVERED}`,
          )
          .all(workspaceId, partnerId) as {
          id: number;
          rule_id: string;
          occurrence: string;
          status: string;
        }[];
        const expire = db.prepare(
          `UPDATE nudges SET status = 'expired', lease_until = NULL, lease_token = NULL
           WHERE id = ? AND status IN ${UNDELIVERED} AND (lease_until IS NULL OR lease_until <= ?)`,
        );
        let count = 0;
        for (const row of rows) {
          if (row.status !== 'pending' && !snoozedMayExpire.includes(row.rule_id)) continue;
          if (!kept.has(`${row.rule_id}\u0000${row.occurrence}`))
            count += expire.run(row.id, iso(now)).changes;
        }
        return count;
      }),
    );
  }

  listForPartner(workspaceId: string, partnerId: number, options: { limit?: number } = {}): Promise<Nudge[]> {
    return this.list(
      'SELECT * FROM nudges WHERE workspace_id = ? AND partner_id = ? ORDER BY due_at DESC, id DESC LIMIT ?',
      [workspaceId, partnerId, options.limit ?? -1],
    );
  }

  countSentSince(workspaceId: string, memberId: string, since: Date, now: Date): Promise<number> {
    return this.connection.run(
      (db) =>
        (
          db
            .prepare(
              `SELECT COUNT(*) AS sent FROM nudges
               WHERE workspace_id = ? AND member_id = ? AND sent_at >= ? AND sent_at <= ?`,
            )
            .get(workspaceId, memberId, iso(since), iso(now)) as { sent: number }
        ).sent,
    );
  }

  listOpenForMember(workspaceId: string, memberId: string): Promise<Nudge[]> {
    return this.list(
      `SELECT * FROM nudges WHERE workspace_id = ? AND member_id = ? AND status IN ${OPEN} ORDER BY due_at, id`,
      [workspaceId, memberId],
    );
  }

  listAnswered(workspaceId: string): Promise<Nudge[]> {
    return this.list(
      `SELECT * FROM nudges WHERE workspace_id = ? AND status = 'answered' ORDER BY answered_at, id`,
      [workspaceId],
    );
  }

  listAnsweredBy(workspaceId: string, memberId: string, since: Date, limit: number): Promise<Nudge[]> {
    return this.list(
      `SELECT * FROM nudges
       WHERE workspace_id = ? AND answered_by = ? AND status = 'answered' AND answered_at >= ?
       ORDER BY answered_at DESC, id DESC LIMIT ?`,
      [workspaceId, memberId, iso(since), limit],
    );
  }

  reopen(workspaceId: string, id: number, from: NudgeStatus, to: NudgeStatus, now: Date): Promise<boolean> {
    const forget = from === 'answered' ? ', answer = NULL, answered_at = NULL, answered_by = NULL' : '';
    return this.connection.run(
      (db) =>
        db
          .prepare(
            `UPDATE nudges SET status = ?, lease_until = NULL, lease_token = NULL, updated_at = ?${forget}
             WHERE workspace_id = ? AND id = ? AND status = ?`,
          )
          .run(to, iso(now), workspaceId, id, from).changes === 1,
    );
  }

  private read(db: SqliteDb, workspaceId: string, id: number): Nudge | null {
    const row = db.prepare('SELECT * FROM nudges WHERE workspace_id = ? AND id = ?').get(workspaceId, id) as
      Row | undefined;
    return row ? toNudge(row) : null;
  }

  private list(sql: string, values: unknown[]): Promise<Nudge[]> {
    return this.connection.run((db) => (db.prepare(sql).all(...values) as Row[]).map(toNudge));
  }
}
