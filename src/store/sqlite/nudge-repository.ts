import { randomUUID } from 'node:crypto';
import { RapportError } from '../../core/errors';
import type { Nudge, NudgeStatus, Platform } from '../../core/model';
import { LOGGED_ANSWER, OPEN_NUDGE_STATUSES, UNDELIVERED_NUDGE_STATUSES } from '../../core/nudge-rules';
import { isNoticeRule } from '../../core/playbook/notice-ids';
import type {
  ClaimedNudge,
  Delivery,
  NewNudge,
  NudgeAnswer,
  NudgeRepository,
  SentNudge,
} from '../../core/ports';
import type { Connection, SqliteDb } from './connection';
import { leaseDeliverable, readDeliveries } from './nudge-claims';
import { toNudge } from '../mapping/nudge';
import type { BadRowReporter, LeasedTable, Row } from './rows';
import { iso, jsonList, sqlList, toDate, updateWhileHeld } from './rows';

const OPEN = sqlList(OPEN_NUDGE_STATUSES);
const UNDELIVERED = sqlList(UNDELIVERED_NUDGE_STATUSES);

const NUDGES: LeasedTable = { name: 'nudges', key: 'id = ?', settleable: `status IN ${UNDELIVERED}` };

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
          const ids = leaseDeliverable(db, now, leaseUntil, limit - deliveries.length, platforms, token);
          if (ids.length === 0) break;
          deliveries.push(...readDeliveries(db, ids, platforms, this.onBadRow));
        }
        return deliveries;
      }, true);
    });
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
    leaveAlone: readonly string[] = [],
  ): Promise<number> {
    const kept = new Set(keep.map((k) => `${k.ruleId}\u0000${k.occurrence}`));
    return this.connection.run((db) =>
      db.atomic(() => {
        const rows = db
          .prepare(
            `SELECT id, rule_id, occurrence, status FROM nudges
             WHERE workspace_id = ? AND partner_id = ? AND status IN ${OPEN}`,
          )
          .all(workspaceId, partnerId) as {
          id: number;
          rule_id: string;
          occurrence: string;
          status: string;
        }[];
        let count = 0;
        for (const row of rows) {
          if (row.status === 'snoozed' && !snoozedMayExpire.includes(row.rule_id)) continue;
          if (leaveAlone.includes(row.rule_id)) continue;
          // A notice (an owner added, a handover) is no playbook occurrence: re-planning never ends it.
          if (isNoticeRule(row.rule_id)) continue;
          if (!kept.has(`${row.rule_id}\u0000${row.occurrence}`))
            count += closeOpen(db, row.id, 'expired', now);
        }
        return count;
      }),
    );
  }

  closeLogged(
    workspaceId: string,
    partnerId: number,
    ruleIds: readonly string[],
    memberId: string,
    now: Date,
  ): Promise<number> {
    if (ruleIds.length === 0) return Promise.resolve(0);
    return this.connection.run((db) =>
      db.atomic(() => {
        const ids = (
          db
            .prepare(
              `SELECT id FROM nudges WHERE workspace_id = ? AND partner_id = ? AND status IN ${OPEN}
                 AND rule_id IN (SELECT value FROM json_each(?))`,
            )
            .all(workspaceId, partnerId, jsonList(ruleIds)) as { id: number }[]
        ).map((row) => row.id);
        let count = 0;
        for (const id of ids)
          count += closeOpen(db, id, 'answered', now, { answer: LOGGED_ANSWER, by: memberId });
        return count;
      }),
    );
  }

  closeAnswered(
    workspaceId: string,
    ids: readonly number[],
    answer: string,
    memberId: string,
    now: Date,
  ): Promise<number[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.connection.run((db) =>
      db.atomic(() => {
        const open = (
          db
            .prepare(
              `SELECT id FROM nudges WHERE workspace_id = ? AND status IN ${OPEN}
                 AND id IN (SELECT value FROM json_each(?))`,
            )
            .all(workspaceId, jsonList(ids)) as { id: number }[]
        ).map((row) => row.id);
        return open.filter((id) => closeOpen(db, id, 'answered', now, { answer, by: memberId }) === 1);
      }),
    );
  }

  expireOverdue(now: Date, limits: readonly { ruleId: string; days: number }[]): Promise<number> {
    return this.connection.run((db) =>
      db.atomic(() => {
        let count = 0;
        for (const { ruleId, days } of limits) {
          const cutoff = iso(new Date(now.getTime() - days * 86_400_000));
          const ids = (
            db
              .prepare(
                `SELECT id FROM nudges WHERE rule_id = @rule AND status IN ${OPEN} AND (
                   (status = 'pending' AND MAX(due_at, created_at) < @cutoff) OR
                   (status = 'snoozed' AND deliver_after < @cutoff) OR
                   (status = 'sent' AND sent_at < @cutoff))`,
              )
              .all({ rule: ruleId, cutoff }) as { id: number }[]
          ).map((row) => row.id);
          for (const id of ids) count += closeOpen(db, id, 'expired', now);
        }
        return count;
      }),
    );
  }

  expireClaimed(claimed: ClaimedNudge, now: Date): Promise<boolean> {
    return this.settle(claimed, ["status = 'expired'", 'updated_at = ?'], [iso(now)]);
  }

  listMessageUpdates(limit: number): Promise<Nudge[]> {
    return this.list('SELECT * FROM nudges WHERE message_update = 1 ORDER BY id LIMIT ?', [limit]);
  }

  messageUpdated(workspaceId: string, id: number): Promise<void> {
    return this.connection.run((db) => {
      db.prepare('UPDATE nudges SET message_update = 0 WHERE workspace_id = ? AND id = ?').run(
        workspaceId,
        id,
      );
    });
  }

  listForPartner(workspaceId: string, partnerId: number, options: { limit?: number } = {}): Promise<Nudge[]> {
    return this.list(
      'SELECT * FROM nudges WHERE workspace_id = ? AND partner_id = ? ORDER BY due_at DESC, id DESC LIMIT ?',
      [workspaceId, partnerId, options.limit ?? -1],
    );
  }

  listSentSince(workspaceId: string, memberId: string, since: Date, now: Date): Promise<SentNudge[]> {
    return this.connection.run((db) =>
      (
        db
          .prepare(
            `SELECT partner_id, rule_id, sent_at FROM nudges
             WHERE workspace_id = ? AND member_id = ? AND sent_at >= ? AND sent_at <= ? ORDER BY sent_at`,
          )
          .all(workspaceId, memberId, iso(since), iso(now)) as Row[]
      ).map((row) => ({
        partnerId: Number(row.partner_id),
        ruleId: String(row.rule_id),
        sentAt: toDate(row.sent_at),
      })),
    );
  }

  listOpenForPartner(workspaceId: string, partnerId: number): Promise<Nudge[]> {
    return this.list(
      `SELECT * FROM nudges WHERE workspace_id = ? AND partner_id = ? AND status IN ${OPEN} ORDER BY due_at, id`,
      [workspaceId, partnerId],
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

/**
 * Closes one open nudge that no live lease holds (a send under way finishes first; its outcome then
 * finds the nudge settled), as `expired` or `answered`; a delivered one is marked for a message update.
 */
function closeOpen(
  db: SqliteDb,
  id: number,
  status: 'expired' | 'answered',
  now: Date,
  answer?: { answer: string; by: string },
): number {
  return db
    .prepare(
      `UPDATE nudges SET status = @status, answer = COALESCE(@answer, answer), answered_by = COALESCE(@by, answered_by),
         answered_at = CASE WHEN @answer IS NULL THEN answered_at ELSE @now END,
         message_update = CASE WHEN status = 'sent' THEN 1 ELSE message_update END,
         lease_until = NULL, lease_token = NULL, updated_at = @now
       WHERE id = @id AND status IN ${OPEN} AND (lease_until IS NULL OR lease_until <= @now)`,
    )
    .run({ id, status, now: iso(now), answer: answer?.answer ?? null, by: answer?.by ?? null }).changes;
}
