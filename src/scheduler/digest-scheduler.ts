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
import { ChannelError, describeError } from '../core/errors';
import type { Member, Platform } from '../core/model';
import type { Channel, DigestClaim, Logger, Store } from '../core/ports';
import type { Rapport } from '../core/rapport';
import { isoWeekLabel, localDate, weekdayOf } from '../core/time';
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

  constructor(
    private readonly store: Store,
    private readonly rapport: Rapport,
    private readonly channels: ReadonlyMap<Platform, Channel>,
    private readonly logger: Logger,
    /** The gate nudges pass too: digests share their pacing and any "slow down" from a platform. */
    private readonly gate: SendGate,
    options: DigestSchedulerOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** One pass as of `now`. */
  async runDue(now: Date): Promise<DigestReport> {
    const report: DigestReport = { sent: 0, retried: 0, skipped: 0 };
    const deadline = this.gate.deadline(this.options.deliveryBudgetMs);
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
    // Every pass looks at every recipient: rule out the other days of the week, then weeks already
    // done (a plain read, no write lock), before the costlier zone arithmetic.
    const today = localDate(now, member.timeZone);
    if (weekdayOf(today) !== workWeekStartDay(member.workingDays) || !member.address) return;
    const { workspaceId, id: memberId } = member;
    const existing = await this.store.digests.get(workspaceId, memberId, isoWeekLabel(today));
    if (existing && existing.status !== 'sending') return;
    const week = digestWeek(member, now);
    if (!week.due) return;
    // No channel for their platform in this process (e.g. a one-shot run): a later pass will have one.
    const channel = this.channels.get(member.address.channel);
    if (!channel) return;
    const leaseUntil = new Date(now.getTime() + this.options.leaseMs);
    const claim = await this.store.digests.claim(workspaceId, memberId, week.week, now, leaseUntil);
    if (!claim) return;

    let message;
    try {
      message = await this.rapport.weeklyDigest(member, week, now);
    } catch (error) {
      await this.store.digests.release(claim, this.backoff(1, now), describeError(error));
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
    try {
      const receipt = await channel.deliver(member.address, message);
      await this.store.digests.markSent(claim, receipt.messageRef, now);
      report.sent++;
    } catch (error) {
      await this.handleFailure(member, claim, error, now, report);
    }
  }

  private async handleFailure(
    member: Member,
    claim: DigestClaim,
    error: unknown,
    now: Date,
    report: DigestReport,
  ): Promise<void> {
    const { workspaceId, id: memberId } = member;
    const { week } = claim;
    const detail = describeError(error);
    if (error instanceof ChannelError) {
      switch (error.code) {
        case 'RATE_LIMITED':
          // Never earlier than the platform asked, for this digest and the rest of its workspace.
          this.gate.block(workspaceId, error.retryAfterMs ?? 1000);
          await this.store.digests.release(
            claim,
            new Date(now.getTime() + (error.retryAfterMs ?? 1000)),
            detail,
          );
          report.retried++;
          return;
        case 'ADDRESS_GONE':
          await this.store.members.markAddressStale(workspaceId, memberId);
          await this.store.digests.skip(claim, detail, now);
          report.skipped++;
          this.logger.warn({ workspaceId, memberId, week }, 'address gone; skipping this week’s digest');
          return;
        case 'INVALID':
          await this.store.digests.skip(claim, detail, now);
          report.skipped++;
          this.logger.error({ workspaceId, memberId, week, err: detail }, 'digest refused by the platform');
          return;
        default:
          break;
      }
    }
    const record = await this.store.digests.get(workspaceId, memberId, week);
    const attempts = record?.attempts ?? 1;
    if (attempts >= this.options.maxAttempts) {
      await this.store.digests.skip(claim, `gave up: ${detail}`, now);
      report.skipped++;
      this.logger.error({ workspaceId, memberId, week, err: detail }, 'digest delivery failed for good');
      return;
    }
    await this.store.digests.release(claim, this.backoff(attempts, now), detail);
    report.retried++;
    this.logger.warn(
      { workspaceId, memberId, week, attempts, err: detail },
      'digest delivery failed; will retry',
    );
  }

  private backoff(attempts: number, now: Date): Date {
    return new Date(now.getTime() + this.options.backoffBaseMs * 2 ** Math.max(0, attempts - 1));
  }
}
