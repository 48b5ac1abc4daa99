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
import { toNudge } from '../mapping/nudge';
import type { BadRowReporter } from '../row-values';
import { toDate } from '../row-values';
import type { PgLeasedTable } from './leases';
import { updateWhileHeld } from './leases';
import { sqlList } from '../sql-list';
import { leaseDeliverable, readDeliveries } from './nudge-claims';
import type { PgRow, PgSql } from './pg-sql';

const OPEN = sqlList(OPEN_NUDGE_STATUSES);
const UNDELIVERED = sqlList(UNDELIVERED_NUDGE_STATUSES);

const NUDGES: PgLeasedTable = { name: 'nudges', keyColumns: ['id'], settleable: `status IN ${UNDELIVERED}` };

/**
 * Closes open nudges that no live lease holds (a send under way finishes first; its outcome then finds the
 * nudge settled), as `expired` or `answered`; a delivered one is marked for a message update. The caller
 * adds the WHERE terms that pick the rows, numbering its parameters from `$5`; the statement returns the
 * ids it closed. One statement: a row another instance is settling is waited for and checked again.
 */
const CLOSE_OPEN = `UPDATE nudges SET status = $1, answer = COALESCE($2, answer),
    answered_by = COALESCE($3, answered_by),
    answered_at = CASE WHEN $2::text IS NULL THEN answered_at ELSE $4 END,
    message_update = CASE WHEN status = 'sent' THEN true ELSE message_update END,
    lease_until = NULL, lease_token = NULL, updated_at = $4
  WHERE status IN ${OPEN} AND (lease_until IS NULL OR lease_until <= $4)`;

type Closing = { status: 'expired' | 'answered'; now: Date; answer?: { answer: string; by: string } };

async function closeOpen(sql: PgSql, closing: Closing, where: string, values: unknown[]): Promise<number[]> {
  const rows = await sql.all<{ id: number }>(`${CLOSE_OPEN} AND ${where} RETURNING id`, [
    closing.status,
    closing.answer?.answer ?? null,
    closing.answer?.by ?? null,
    closing.now,
    ...values,
  ]);
  return rows.map((row) => Number(row.id));
}

export class PgNudgeRepository implements NudgeRepository {
  constructor(
    private readonly sql: PgSql,
    private readonly onBadRow: BadRowReporter,
  ) {}

  async createIfAbsent(input: NewNudge): Promise<{ nudge: Nudge; created: boolean }> {
    const inserted = await this.sql.one(
      `INSERT INTO nudges (workspace_id, partner_id, member_id, rule_id, occurrence, due_at, deliver_after, status,
         created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $8)
       ON CONFLICT (partner_id, rule_id, occurrence, member_id) DO NOTHING
       RETURNING *`,
      [
        input.workspaceId,
        input.partnerId,
        input.memberId,
        input.ruleId,
        input.occurrence,
        input.dueAt,
        input.deliverAfter,
        input.now,
      ],
    );
    if (inserted) return { nudge: toNudge(inserted), created: true };
    // The conflict waited for the other writer to commit, so its row is there to read.
    const existing = await this.sql.one(
      'SELECT * FROM nudges WHERE partner_id = $1 AND rule_id = $2 AND occurrence = $3 AND member_id = $4',
      [input.partnerId, input.ruleId, input.occurrence, input.memberId],
    );
    return { nudge: toNudge(existing!), created: false };
  }

  get(workspaceId: string, id: number): Promise<Nudge | null> {
    return this.read(this.sql, workspaceId, id);
  }

  async claimDeliverable(
    now: Date,
    leaseUntil: Date,
    limit: number,
    platforms: Platform[],
  ): Promise<Delivery[]> {
    if (platforms.length === 0 || limit <= 0) return [];
    const token = randomUUID();
    // The lease and the reads of what delivery needs in one transaction. Rows another claimer has locked
    // are skipped (SKIP LOCKED), never waited for; once it commits, its lease excludes them.
    return this.sql.atomic(async (sql) => {
      const deliveries: Delivery[] = [];
      // A row that cannot be read is skipped but keeps its lease, so the next round picks others.
      while (deliveries.length < limit) {
        const ids = await leaseDeliverable(sql, now, leaseUntil, limit - deliveries.length, platforms, token);
        if (ids.length === 0) break;
        deliveries.push(...(await readDeliveries(sql, ids, platforms, this.onBadRow)));
      }
      return deliveries;
    });
  }

  /** Settles a claimed nudge while its token is still on the row, releasing the lease. */
  private settle(claimed: ClaimedNudge, assignments: string[], values: unknown[]): Promise<boolean> {
    return updateWhileHeld(
      this.sql,
      NUDGES,
      claimed.leaseToken,
      [claimed.id],
      [...assignments, 'lease_until = NULL'],
      values,
    );
  }

  markSent(claimed: ClaimedNudge, messageRef: unknown, now: Date): Promise<boolean> {
    return this.settle(
      claimed,
      [
        "status = 'sent'",
        'message_ref = $1',
        'sent_at = $2',
        'last_error = NULL',
        'attempts = attempts + 1',
        'updated_at = $2',
      ],
      [JSON.stringify(messageRef ?? null), now],
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
      ['deliver_after = $1', 'last_error = COALESCE($2, last_error)', 'attempts = attempts + $3'],
      [deliverAfter, error, countAttempt ? 1 : 0],
    );
  }

  markFailed(claimed: ClaimedNudge, error: string, now: Date): Promise<boolean> {
    return this.settle(
      claimed,
      ["status = 'failed'", 'last_error = $1', 'attempts = attempts + 1', 'updated_at = $2'],
      [error, now],
    );
  }

  release(claimed: ClaimedNudge): Promise<boolean> {
    return this.settle(claimed, [], []);
  }

  async answer(
    workspaceId: string,
    id: number,
    answer: NudgeAnswer,
  ): Promise<{ nudge: Nudge; answered: boolean }> {
    const answered = await this.sql.one(
      `UPDATE nudges SET status = 'answered', answer = $1, answered_by = $2, answered_at = $3, lease_until = NULL,
         lease_token = NULL, updated_at = $3
       WHERE workspace_id = $4 AND id = $5 AND status IN ${OPEN}
       RETURNING *`,
      [answer.choiceId, answer.memberId, answer.at, workspaceId, id],
    );
    if (answered) return { nudge: toNudge(answered), answered: true };
    const nudge = await this.read(this.sql, workspaceId, id);
    if (!nudge) throw new RapportError('NOT_FOUND', `No nudge ${id} in ${workspaceId}`);
    return { nudge, answered: false };
  }

  async snooze(workspaceId: string, id: number, until: Date, memberId: string, now: Date): Promise<boolean> {
    const changed = await this.sql.run(
      `UPDATE nudges SET status = 'snoozed', deliver_after = $1, lease_until = NULL, lease_token = NULL,
         answered_by = $2, updated_at = $3
       WHERE workspace_id = $4 AND id = $5 AND status IN ${OPEN}`,
      [until, memberId, now, workspaceId, id],
    );
    return changed === 1;
  }

  async dismiss(workspaceId: string, id: number, memberId: string, now: Date): Promise<boolean> {
    const changed = await this.sql.run(
      `UPDATE nudges SET status = 'dismissed', answer = '_dismiss', answered_by = $1, answered_at = $2,
         lease_until = NULL, lease_token = NULL, updated_at = $2
       WHERE workspace_id = $3 AND id = $4 AND status IN ${OPEN}`,
      [memberId, now, workspaceId, id],
    );
    return changed === 1;
  }

  async expirePending(
    workspaceId: string,
    partnerId: number,
    keep: { ruleId: string; occurrence: string }[],
    now: Date,
    snoozedMayExpire: readonly string[] = [],
    leaveAlone: readonly string[] = [],
  ): Promise<number> {
    const kept = new Set(keep.map((k) => `${k.ruleId}\u0000${k.occurrence}`));
    const rows = await this.sql.all<{ id: number; rule_id: string; occurrence: string; status: string }>(
      `SELECT id, rule_id, occurrence, status FROM nudges
       WHERE workspace_id = $1 AND partner_id = $2 AND status IN ${OPEN}`,
      [workspaceId, partnerId],
    );
    const ids = rows
      .filter(
        (row) =>
          !(row.status === 'snoozed' && !snoozedMayExpire.includes(row.rule_id)) &&
          !leaveAlone.includes(row.rule_id) &&
          // A notice (an owner added, a handover) is no playbook occurrence: re-planning never ends it.
          !isNoticeRule(row.rule_id) &&
          !kept.has(`${row.rule_id}\u0000${row.occurrence}`),
      )
      .map((row) => Number(row.id));
    if (ids.length === 0) return 0;
    // A row snoozed since it was read is checked again: only the snoozed ones of the rules that may expire.
    const closed = await closeOpen(
      this.sql,
      { status: 'expired', now },
      `workspace_id = $5 AND id = ANY($6::int[]) AND (status <> 'snoozed' OR rule_id = ANY($7::text[]))`,
      [workspaceId, ids, [...snoozedMayExpire]],
    );
    return closed.length;
  }

  async closeLogged(
    workspaceId: string,
    partnerId: number,
    ruleIds: readonly string[],
    memberId: string,
    now: Date,
  ): Promise<number> {
    if (ruleIds.length === 0) return 0;
    const closed = await closeOpen(
      this.sql,
      { status: 'answered', now, answer: { answer: LOGGED_ANSWER, by: memberId } },
      'workspace_id = $5 AND partner_id = $6 AND rule_id = ANY($7::text[])',
      [workspaceId, partnerId, [...ruleIds]],
    );
    return closed.length;
  }

  async closeAnswered(
    workspaceId: string,
    ids: readonly number[],
    answer: string,
    memberId: string,
    now: Date,
  ): Promise<number[]> {
    if (ids.length === 0) return [];
    const closed = await closeOpen(
      this.sql,
      { status: 'answered', now, answer: { answer, by: memberId } },
      'workspace_id = $5 AND id = ANY($6::int[])',
      [workspaceId, [...ids]],
    );
    return closed.sort((a, b) => a - b);
  }

  async expireOverdue(now: Date, limits: readonly { ruleId: string; days: number }[]): Promise<number> {
    return this.sql.atomic(async (sql) => {
      let count = 0;
      for (const { ruleId, days } of limits) {
        const cutoff = new Date(now.getTime() - days * 86_400_000);
        const closed = await closeOpen(
          sql,
          { status: 'expired', now },
          `rule_id = $5 AND (
             (status = 'pending' AND GREATEST(due_at, created_at) < $6) OR
             (status = 'snoozed' AND deliver_after < $6) OR
             (status = 'sent' AND sent_at < $6))`,
          [ruleId, cutoff],
        );
        count += closed.length;
      }
      return count;
    });
  }

  expireClaimed(claimed: ClaimedNudge, now: Date): Promise<boolean> {
    return this.settle(claimed, ["status = 'expired'", 'updated_at = $1'], [now]);
  }

  listMessageUpdates(limit: number): Promise<Nudge[]> {
    return this.list('SELECT * FROM nudges WHERE message_update ORDER BY id LIMIT $1', [limit]);
  }

  async messageUpdated(workspaceId: string, id: number): Promise<void> {
    await this.sql.run('UPDATE nudges SET message_update = false WHERE workspace_id = $1 AND id = $2', [
      workspaceId,
      id,
    ]);
  }

  listForPartner(workspaceId: string, partnerId: number, options: { limit?: number } = {}): Promise<Nudge[]> {
    // LIMIT NULL: every row.
    return this.list(
      `SELECT * FROM nudges WHERE workspace_id = $1 AND partner_id = $2 ORDER BY due_at DESC, id DESC
       LIMIT $3`,
      [workspaceId, partnerId, options.limit ?? null],
    );
  }

  async listSentSince(workspaceId: string, memberId: string, since: Date, now: Date): Promise<SentNudge[]> {
    const rows = await this.sql.all(
      `SELECT partner_id, rule_id, sent_at FROM nudges
       WHERE workspace_id = $1 AND member_id = $2 AND sent_at >= $3 AND sent_at <= $4 ORDER BY sent_at`,
      [workspaceId, memberId, since, now],
    );
    return rows.map((row) => ({
      partnerId: Number(row.partner_id),
      ruleId: String(row.rule_id),
      sentAt: toDate(row.sent_at),
    }));
  }

  listOpenForPartner(workspaceId: string, partnerId: number): Promise<Nudge[]> {
    return this.list(
      `SELECT * FROM nudges WHERE workspace_id = $1 AND partner_id = $2 AND status IN ${OPEN}
       ORDER BY due_at, id`,
      [workspaceId, partnerId],
    );
  }

  listOpenForMember(workspaceId: string, memberId: string): Promise<Nudge[]> {
    return this.list(
      `SELECT * FROM nudges WHERE workspace_id = $1 AND member_id = $2 AND status IN ${OPEN}
       ORDER BY due_at, id`,
      [workspaceId, memberId],
    );
  }

  listAnswered(workspaceId: string): Promise<Nudge[]> {
    return this.list(
      `SELECT * FROM nudges WHERE workspace_id = $1 AND status = 'answered' ORDER BY answered_at, id`,
      [workspaceId],
    );
  }

  listAnsweredBy(workspaceId: string, memberId: string, since: Date, limit: number): Promise<Nudge[]> {
    return this.list(
      `SELECT * FROM nudges
       WHERE workspace_id = $1 AND answered_by = $2 AND status = 'answered' AND answered_at >= $3
       ORDER BY answered_at DESC, id DESC LIMIT $4`,
      [workspaceId, memberId, since, limit],
    );
  }

  async reopen(
    workspaceId: string,
    id: number,
    from: NudgeStatus,
    to: NudgeStatus,
    now: Date,
  ): Promise<boolean> {
    const forget = from === 'answered' ? ', answer = NULL, answered_at = NULL, answered_by = NULL' : '';
    const changed = await this.sql.run(
      `UPDATE nudges SET status = $1, lease_until = NULL, lease_token = NULL, updated_at = $2${forget}
       WHERE workspace_id = $3 AND id = $4 AND status = $5`,
      [to, now, workspaceId, id, from],
    );
    return changed === 1;
  }

  private async read(sql: PgSql, workspaceId: string, id: number): Promise<Nudge | null> {
    const row = await sql.one('SELECT * FROM nudges WHERE workspace_id = $1 AND id = $2', [workspaceId, id]);
    return row ? toNudge(row) : null;
  }

  private async list(text: string, values: unknown[]): Promise<Nudge[]> {
    const rows = await this.sql.all<PgRow>(text, values);
    return rows.map(toNudge);
  }
}
