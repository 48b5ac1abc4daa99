/**
 * The weekly digest scheduler: one pass (`runDue(now)`) sends each member who wants it their digest on
 * their first working morning of the week (their zone, working days and hours), at most once per week.
 *
 * The ledger (`store.digests`, one row per member and week) is claimed with a lease before sending and
 * marked sent afterwards, like the nudge outbox: a second pass, a restart or a second instance finds the
 * row and sends nothing. A process that dies between the send and the mark leaves a lease that expires,
 * so that one digest may go twice (at-least-once), never more.
 */
import { digestWeek, workWeekStartDay } from '../core/digest';
import { describeError } from '../core/errors';
import type { Member, Platform } from '../core/model';
import type { Channel, DigestClaim, Logger, Store } from '../core/ports';
import type { Rapport } from '../core/rapport';
import { addDaysToDate, isoWeekLabel, localDate, weekdayOf } from '../core/time';
import type { DeliveryFailures, RetryPolicy } from './delivery-failure';
import { conversationOf } from './nudge-scheduler';
import type { SendGate } from './send-gate';

export interface DigestSchedulerOptions {
  /** How long a claimed digest is reserved for its sender, in ms. Must exceed the slowest send. */
  leaseMs?: number;
  /** Attempts in a week before that week's digest is given up. */
  maxAttempts?: number;
  /** First backoff after an `UNAVAILABLE` error, in ms; doubles per attempt. */
  backoffBaseMs?: number;
  /** How long one pass may spend waiting for pacing slots. */
  deliveryBudgetMs?: number;
}

/** What one pass did. */
export interface DigestReport {
  sent: number;
  /** Not sent now (rate limited, platform unavailable); a later pass tries again. */
  retried: number;
  /** Given up for the week: nothing to report, address gone, or repeated failures. */
  skipped: number;
}

const DEFAULTS = { leaseMs: 120_000, maxAttempts: 5, backoffBaseMs: 5 * 60_000, deliveryBudgetMs: 45_000 };

export class DigestScheduler {
  private readonly options: Required<DigestSchedulerOptions>;
  private readonly retry: RetryPolicy;

  constructor(
    private readonly store: Store,
    private readonly rapport: Rapport,
    private readonly channels: ReadonlyMap<Platform, Channel>,
    private readonly logger: Logger,
    /** The gate nudges pass too: digests share their pacing and any "slow down" from a platform. */
    private readonly gate: SendGate,
    /** The failure policy nudges use too: one Retry-After and one credential hold per workspace. */
    private readonly failures: DeliveryFailures,
    options: DigestSchedulerOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.retry = {
      maxAttempts: this.options.maxAttempts,
      backoffBaseMs: this.options.backoffBaseMs,
      backoffMaxMs: this.options.backoffBaseMs * 2 ** this.options.maxAttempts,
    };
  }

  /** One pass as of `now`. */
  async runDue(now: Date): Promise<DigestReport> {
    const report: DigestReport = { sent: 0, retried: 0, skipped: 0 };
    const deadline = await this.gate.deadline(this.options.deliveryBudgetMs);
    for (const member of await this.store.members.listDigestRecipients(now)) {
      // Stopping: the digest being sent finishes, the rest wait for the next start.
      if (this.gate.stopped) break;
      try {
        await this.consider(member, now, report, deadline);
      } catch (error) {
        // One member's failure must not stop the others' digests.
        this.logger.error(
          { workspaceId: member.workspaceId, memberId: member.id, err: describeError(error) },
          'weekly digest failed',
        );
      }
    }
    if (report.sent || report.retried) this.logger.info({ ...report }, 'digest pass');
    return report;
  }

  private async consider(member: Member, now: Date, report: DigestReport, deadline: number): Promise<void> {
    // Every pass looks at every recipient: rule out days off, then weeks already done (a plain read, no
    // write lock), before the costlier zone and holiday arithmetic. Not only the week's first weekday: when
    // it is a public holiday, the digest is due on the first working day after it.
    const today = localDate(now, member.timeZone);
    if (!member.workingDays.includes(weekdayOf(today)) || !member.address) return;
    const { workspaceId, id: memberId } = member;
    const weekStart = addDaysToDate(
      today,
      -((weekdayOf(today) - workWeekStartDay(member.workingDays) + 7) % 7),
    );
    const existing = await this.store.digests.get(workspaceId, memberId, isoWeekLabel(weekStart));
    if (existing && existing.status !== 'sending') return;
    const week = digestWeek(member, now);
    if (!week.due) return;
    // No channel for their platform in this process (e.g. a one-shot run): a later pass will have one.
    const channel = this.channels.get(member.address.channel);
    if (!channel) return;
    // Our credentials were refused in this pass: the hold's probe is a nudge's; the digest waits.
    if (this.failures.heldUntil(workspaceId, now)) return;
    const leaseUntil = new Date(now.getTime() + this.options.leaseMs);
    const claim = await this.store.digests.claim(workspaceId, memberId, week.week, now, leaseUntil);
    if (!claim) return;

    let message;
    try {
      message = await this.rapport.weeklyDigest(member, week, now);
    } catch (error) {
      await this.store.digests.release(
        claim,
        new Date(now.getTime() + this.options.backoffBaseMs),
        describeError(error),
      );
      throw error;
    }
    if (!message) {
      await this.store.digests.skip(claim, 'nothing to report', now);
      report.skipped++;
      return;
    }
    if (!(await this.gate.waitForSlot(workspaceId, conversationOf({ workspaceId, memberId }), deadline))) {
      // No slot in this pass (or stopping): give the claim back for the next pass.
      await this.store.digests.release(claim, now, null, false);
      report.retried++;
      return;
    }
    let receipt;
    try {
      receipt = await channel.deliver(member.address, message);
    } catch (error) {
      await this.handleFailure(member, claim, error, now, report);
      return;
    }
    await this.store.digests.markSent(claim, receipt.messageRef, now);
    report.sent++;
    if (receipt.address) await this.store.members.setAddress(workspaceId, memberId, receipt.address);
    await this.failures.succeeded(workspaceId);
  }

  /** The nudges' failure policy, applied to this week's digest. */
  private async handleFailure(
    member: Member,
    claim: DigestClaim,
    error: unknown,
    now: Date,
    report: DigestReport,
  ): Promise<void> {
    const { workspaceId, id: memberId } = member;
    const { week } = claim;
    // The claim counted this try; the policy wants the attempts made before it.
    const attemptsBefore = ((await this.store.digests.get(workspaceId, memberId, week))?.attempts ?? 1) - 1;
    const decision = await this.failures.decide(
      { workspaceId, memberId },
      error,
      attemptsBefore,
      now,
      this.retry,
    );
    switch (decision.action) {
      case 'retry':
        await this.store.digests.release(claim, decision.at, decision.detail, decision.countAttempt);
        report.retried++;
        if (decision.countAttempt)
          this.logger.warn(
            { workspaceId, memberId, week, attempts: attemptsBefore + 1, err: decision.detail },
            'digest delivery failed; will retry',
          );
        return;
      case 'member-unreachable':
        // A digest is for its week's first morning: the week's is skipped, the member probed later.
        await this.store.digests.skip(claim, decision.detail, now);
        report.skipped++;
        return;
      case 'give-up':
        await this.store.digests.skip(claim, `gave up: ${decision.detail}`, now);
        report.skipped++;
        this.logger.error(
          { workspaceId, memberId, week, err: decision.detail },
          'digest delivery failed for good',
        );
        return;
    }
  }
}
