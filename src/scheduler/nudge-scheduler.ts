/**
 * The nudge scheduler: one pass (`runDue(now)`) turns what the playbook makes due into nudge rows
 * (idempotently, by key), then delivers what may go out now through each member's channel.
 *
 * Delivery is an outbox: a nudge is claimed with a lease before it is sent and marked sent with the
 * platform's message id afterwards. A process that dies mid-send leaves a lease that expires, so the
 * nudge is sent again on a later pass (at-least-once; at most one duplicate per nudge in flight).
 */
import { randomUUID } from 'node:crypto';
import { ChannelError, describeError } from '../core/errors';
import type { Address, Member, Platform } from '../core/model';
import { expiryLimits } from '../core/playbook/playbook';
import type { Metrics } from '../core/metrics-port';
import { NO_METRICS, platformOfWorkspace } from '../core/metrics-port';
import type { Channel, Delivery, Logger, Store } from '../core/ports';
import type { Rapport } from '../core/rapport';
import { isWorkingTime, nextWorkingSlot } from '../core/time';
import { ChannelNudges } from './channel-nudges';
import type { FailureDecision, RetryPolicy } from './delivery-failure';
import { DeliveryFailures } from './delivery-failure';
import type { BudgetOptions } from './nudge-budget';
import { budgetWindowStart, planMemberDeliveries } from './nudge-budget';
import { checkDropOffs } from './drop-off-step';
import { materializeDue } from './materialize';
import { createPlannedFollowUps } from './planned-follow-ups';
import { pruneFinished } from './retention-step';
import { DEFAULT_RETENTION_DAYS } from '../core/features/privacy';
import type { Playbook } from '../core/playbook/playbook';
import { createPromiseReminders } from './promise-step';
import type { SendPacing } from '../core/send-slots-port';
import { abortableSleep, SendGate } from './send-gate';
import type { SendSlots } from '../core/send-slots-port';

export interface SchedulerOptions {
  /** Partners evaluated, and nudges claimed, per batch. */
  batchSize?: number;
  /** How long a claimed nudge is reserved for its sender, in ms. Must exceed the pacing budget plus a send. */
  leaseMs?: number;
  /** Attempts before a nudge is given up as `failed`. */
  maxAttempts?: number;
  /** First backoff after an `UNAVAILABLE` error, in ms; doubles per attempt, with jitter. */
  backoffBaseMs?: number;
  /** Longest backoff, in ms. */
  backoffMaxMs?: number;
  /** At most this many messages per member per local day; the rest wait for the next working day. */
  dailyCap?: number;
  /** Days between two messages about one partner to one member (post-signing milestones aside). */
  partnerIntervalDays?: number;
  /** Sends per second per workspace. */
  workspaceRatePerSecond?: number;
  /** Minimum gap between two messages to one conversation, in ms (Slack: about one per second). */
  conversationIntervalMs?: number;
  /** Conversations served at the same time; also the most nudges that can be in flight at a crash. */
  concurrency?: number;
  /** How long one pass may spend waiting for pacing slots; later slots are left to the next pass. */
  deliveryBudgetMs?: number;
  /** Source of randomness for jitter (tests pass a fixed one). */
  random?: () => number;
  /** Monotonic milliseconds, for pacing (tests pass a virtual clock). */
  monotonic?: () => number;
  /** Waits for pacing; resolves early when `signal` aborts (shutdown). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** A gate shared with other senders (the digest); by default the scheduler makes its own. */
  gate?: SendGate;
  /**
   * Where the gate keeps its slots, Retry-After and turns when instances share them (PostgreSQL); in this
   * process by default. With it, `monotonic` must be the wall clock the instances share.
   */
  sendSlots?: (pacing: SendPacing) => SendSlots;
  /** How long a workspace's sending is held when the platform refuses our credentials, in ms. */
  credentialHoldMs?: number;
  /** Counts nudges created, sent and failed (none by default). */
  metrics?: Metrics;
  /** Days finished nudges and digests are kept (`RETENTION_DAYS`). */
  retentionDays?: number;
}

/** What one pass did. */
export interface TickReport {
  created: number;
  delivered: number;
  /** Nudges not sent now because of working hours, a pause or the daily cap, with when they may go. */
  held: { nudgeId: number; until: Date }[];
  retried: number;
  failed: number;
  /** Nudges left for the next pass (pacing budget spent, or shutting down). */
  deferred: number;
  /** Open nudges closed because they waited past their usefulness. */
  expired?: number;
  /** Finished nudges and digests deleted because they were older than the retention period. */
  pruned?: number;
  /** Delivered messages changed to say that their nudges were closed meanwhile. */
  updated?: number;
  /** Weekly digests sent in the same pass (set by the service's tick). */
  digests?: number;
}

const DEFAULTS = {
  batchSize: 200,
  leaseMs: 120_000,
  // With the backoff below, twelve attempts span about a day: long enough to ride out a platform outage.
  maxAttempts: 12,
  backoffBaseMs: 30_000,
  backoffMaxMs: 6 * 60 * 60 * 1000,
  dailyCap: 3,
  partnerIntervalDays: 7,
  workspaceRatePerSecond: 20,
  conversationIntervalMs: 1000,
  concurrency: 8,
  deliveryBudgetMs: 45_000,
  retentionDays: DEFAULT_RETENTION_DAYS,
};

export class NudgeScheduler {
  private readonly options: Required<Omit<SchedulerOptions, 'gate' | 'sendSlots'>>;
  /** Pacing and stopping, shared with the digest so that both respect one set of limits. */
  readonly gate: SendGate;
  /** The failure policy, shared with the digest: one Retry-After, one credential hold per workspace. */
  readonly failures: DeliveryFailures;
  private readonly retry: RetryPolicy;
  private readonly budget: BudgetOptions;
  /** A partner's nudges posted to its channel (`prefs NAME post-to-channel`) instead of each owner's DM. */
  private readonly posts: ChannelNudges;
  /** Names this scheduler among the instances that share a database (whose turn it is to serve a member). */
  private readonly holder = randomUUID();

  constructor(
    private readonly store: Store,
    private readonly rapport: Rapport,
    private readonly channels: ReadonlyMap<Platform, Channel>,
    private readonly logger: Logger,
    options: SchedulerOptions = {},
  ) {
    const { gate, sendSlots, ...rest } = options;
    this.options = {
      ...DEFAULTS,
      random: Math.random,
      monotonic: () => performance.now(),
      sleep: abortableSleep,
      credentialHoldMs: 15 * 60_000,
      metrics: NO_METRICS,
      ...rest,
    };
    this.gate = gate ?? new SendGate({ ...this.options, slots: sendSlots?.(this.options) });
    this.failures = new DeliveryFailures(store, this.gate, logger, this.options);
    const { maxAttempts, backoffBaseMs, backoffMaxMs } = this.options;
    this.retry = { maxAttempts, backoffBaseMs, backoffMaxMs };
    this.budget = { dailyCap: this.options.dailyCap, partnerIntervalDays: this.options.partnerIntervalDays };
    this.posts = new ChannelNudges(store, rapport, channels, logger, this.gate, this.failures, this.retry);
  }

  /**
   * Stops taking new work: sends already under way finish, nudges still waiting for a pacing slot are
   * given back (their lease released) for the next start.
   */
  stop(): void {
    this.gate.stop();
  }

  /** One pass as of `now`: create what is due, then deliver what may go out. */
  async runDue(now: Date): Promise<TickReport> {
    const report: TickReport = { created: 0, delivered: 0, held: [], retried: 0, failed: 0, deferred: 0 };
    if (this.gate.stopped) return report;
    report.created = await this.materialize(now);
    // How long a nudge stays useful is not something a workspace changes: one query for every workspace.
    report.expired = await this.store.nudges.expireOverdue(now, expiryLimits(this.rapport.playbook));
    // Nudges the steps below create are counted once their transaction committed.
    const counted = (nudge: { ruleId: string; workspaceId: string }): void =>
      this.options.metrics.nudgeCreated(nudge.ruleId, platformOfWorkspace(nudge.workspaceId));
    report.created += await createPlannedFollowUps(
      this.store,
      this.rapport.playbooks,
      this.logger,
      now,
      counted,
    );
    report.created += await createPromiseReminders(
      this.store,
      this.rapport.playbooks,
      this.logger,
      now,
      counted,
    );
    report.created += await checkDropOffs(this.store, this.rapport.playbooks, this.logger, now, counted);
    await this.deliver(now, report);
    report.updated = await this.updateClosedMessages(now);
    report.pruned = await pruneFinished(this.store, now, this.options.retentionDays, this.logger);
    if (report.created || report.delivered || report.failed || report.deferred) {
      this.logger.info({ ...report, held: report.held.length }, 'scheduler pass');
    }
    return report;
  }

  /**
   * Creates nudges for partners whose next due instant has come (see `materializeDue`), counting each in
   * the metrics.
   */
  materialize(now: Date): Promise<number> {
    return materializeDue(
      this.store,
      this.rapport.playbooks,
      this.logger,
      now,
      this.options.batchSize,
      (nudge) => this.options.metrics.nudgeCreated(nudge.ruleId, platformOfWorkspace(nudge.workspaceId)),
    );
  }

  private async deliver(now: Date, report: TickReport): Promise<void> {
    const leaseUntil = new Date(now.getTime() + this.options.leaseMs);
    const deadline = await this.gate.deadline(this.options.deliveryBudgetMs);
    const seen = new Set<number>();
    while (!this.gate.stopped) {
      // Only nudges whose platform has a running channel: the others wait, untouched, for a start that has it.
      const claimed = await this.store.nudges.claimDeliverable(now, leaseUntil, this.options.batchSize, [
        ...this.channels.keys(),
      ]);
      const batch = claimed.filter((delivery) => !seen.has(delivery.nudge.id));
      // A nudge this pass already handed back (deferred) is not retried in the same pass.
      for (const again of claimed.filter((delivery) => seen.has(delivery.nudge.id)))
        await this.store.nudges.release(again.nudge);
      if (batch.length === 0) break;
      // One queue per member: the member's budget is decided over all their nudges at once, and their
      // messages go out in order; members are served side by side.
      const queues = new Map<string, Delivery[]>();
      for (const delivery of batch) seen.add(delivery.nudge.id);
      const { direct, posted } = await this.posts.route(batch);
      for (const delivery of direct) {
        const key = conversationOf(delivery.nudge);
        queues.set(key, [...(queues.get(key) ?? []), delivery]);
      }
      const pending: (() => Promise<void>)[] = [
        ...posted.map((route) => () => this.posts.deliver(route, now, report, deadline)),
        ...[...queues.values()].map((queue) => () => this.deliverToMember(queue, now, report, deadline)),
      ];
      const workers = Array.from({ length: Math.min(this.options.concurrency, pending.length) }, async () => {
        for (let work = pending.shift(); work; work = pending.shift()) await work();
      });
      await Promise.all(workers);
    }
  }

  /**
   * One member's claimed nudges: held together when the member may not be nudged now, otherwise planned
   * by the budget (what goes, folded by partner; what waits; what expires) and sent. One failure (a store
   * error, a bug) must not end the pass for the others: it is logged and the leases given back.
   */
  private async deliverToMember(
    queue: Delivery[],
    now: Date,
    report: TickReport,
    deadline: number,
  ): Promise<void> {
    const settled = new Set<number>();
    const { member } = queue[0]!;
    const turn = conversationOf(queue[0]!.nudge);
    try {
      // Another instance serving this member now decides their daily cap with what it sends: this one
      // gives the nudges back (in `catch`) for a later pass instead of deciding beside it.
      const leaseUntil = new Date(now.getTime() + this.options.leaseMs);
      if (!(await this.gate.takeTurn(turn, this.holder, now, leaseUntil))) throw new TurnTaken();
      const workspaceHeld = this.failures.heldUntil(member.workspaceId, now);
      const waitUntil = workspaceHeld ?? this.holdUntil(member, now);
      if (waitUntil) {
        for (const { nudge } of queue) {
          // A credential hold found in this pass waits for its probe, uncounted and unreported as held.
          await this.store.nudges.reschedule(nudge, waitUntil, null, false);
          settled.add(nudge.id);
          if (!workspaceHeld) report.held.push({ nudgeId: nudge.id, until: waitUntil });
        }
        return;
      }
      // The workspace's playbook words the nudges and may set its own budget.
      const playbook = await this.rapport.playbooks.forWorkspace(member.workspaceId);
      const budget = { ...this.budget, ...playbook.budget };
      const sent = await this.store.nudges.listSentSince(
        member.workspaceId,
        member.id,
        budgetWindowStart(member, now, budget),
        now,
      );
      const plan = planMemberDeliveries(queue, sent, member, now, playbook, budget);
      for (const { nudge } of plan.expire) {
        await this.store.nudges.expireClaimed(nudge, now);
        settled.add(nudge.id);
      }
      for (const { delivery, until } of plan.hold) {
        await this.store.nudges.reschedule(delivery.nudge, until, null, false);
        settled.add(delivery.nudge.id);
        report.held.push({ nudgeId: delivery.nudge.id, until });
      }
      // An address a send refreshed (a DM opened) serves the member's next messages in this pass too.
      let address = member.address;
      for (const message of plan.send) {
        const refreshed = await this.sendMessage(message, address, now, report, deadline, playbook);
        for (const { nudge } of message) settled.add(nudge.id);
        address = refreshed ?? address;
      }
    } catch (error) {
      const unsettled = queue.filter(({ nudge }) => !settled.has(nudge.id));
      if (!(error instanceof TurnTaken))
        this.logger.error(
          {
            nudgeIds: unsettled.map(({ nudge }) => nudge.id),
            workspaceId: queue[0]!.nudge.workspaceId,
            err: describeError(error),
          },
          'nudge pass step failed',
        );
      for (const { nudge } of unsettled) await this.store.nudges.release(nudge).catch(() => undefined);
      report.deferred += unsettled.length;
    } finally {
      await this.gate.endTurn(turn, this.holder).catch(() => undefined);
    }
  }

  /**
   * Changes delivered messages whose nudges were closed meanwhile (logged, superseded, expired), so that
   * no stale buttons stay behind, where the platform can change a sent message. Best effort: a message
   * that cannot be changed is left as it is (its buttons answer "already handled"), except after a rate
   * limit, when a later pass tries again.
   */
  private async updateClosedMessages(now: Date): Promise<number> {
    let updated = 0;
    for (const nudge of await this.store.nudges.listMessageUpdates(this.options.batchSize)) {
      if (this.gate.stopped) break;
      const member = await this.store.members.get(nudge.workspaceId, nudge.memberId);
      const channel = member?.address ? this.channels.get(member.address.channel) : undefined;
      try {
        const message =
          channel?.update && member?.address ? await this.rapport.restateNudge(nudge, now) : null;
        if (message && channel?.update && member?.address) {
          await channel.update(member.address, nudge.messageRef, message);
          updated++;
        }
      } catch (error) {
        if (error instanceof ChannelError && error.code === 'RATE_LIMITED') {
          await this.gate.block(nudge.workspaceId, error.retryAfterMs ?? 1000);
          break;
        }
        this.logger.warn({ nudgeId: nudge.id, err: describeError(error) }, 'could not update a closed nudge');
      }
      await this.store.nudges.messageUpdated(nudge.workspaceId, nudge.id);
    }
    return updated;
  }

  /**
   * Sends the nudges about one partner as one message (rendered from what the claim read) and marks each
   * sent with the same message id. Returns the member's address when the send refreshed it.
   */
  private async sendMessage(
    message: Delivery[],
    address: Address,
    now: Date,
    report: TickReport,
    deadline: number,
    playbook: Playbook,
  ): Promise<Address | undefined> {
    const [first] = message as [Delivery, ...Delivery[]];
    const { member } = first;
    const channel = this.channels.get(address.channel);
    if (!channel) {
      // Not claimed in the first place (see deliver); an address changed meanwhile. Wait, uncounted.
      for (const { nudge } of message)
        await this.store.nudges.reschedule(
          nudge,
          new Date(now.getTime() + 3_600_000),
          `no ${address.channel} channel is running`,
          false,
        );
      return undefined;
    }
    if (!(await this.gate.waitForSlot(member.workspaceId, conversationOf(first.nudge), deadline))) {
      for (const { nudge } of message) await this.store.nudges.release(nudge);
      report.deferred += message.length;
      return undefined;
    }
    const held = await this.failures.beforeSend(member.workspaceId, now);
    if (held) {
      // A probe in this pass found our credentials still refused: wait with the rest, uncounted.
      for (const { nudge } of message) await this.store.nudges.reschedule(nudge, held, null, false);
      return undefined;
    }
    const views = message.map((delivery) => ({ ...delivery, member: { ...member, address } }));
    let receipt;
    try {
      receipt = await channel.deliver(address, this.rapport.renderNudges(views, now, playbook));
    } catch (error) {
      // One decision for the message (its effects on the workspace or member once), applied to each nudge.
      const decision = await this.failures.decide(first.nudge, error, first.nudge.attempts, now, this.retry);
      this.failures.afterSend(member.workspaceId);
      for (const delivery of message) await this.applyFailure(delivery, decision, now, report);
      return undefined;
    }
    this.failures.afterSend(member.workspaceId);
    for (const { nudge } of message) {
      await this.store.nudges.markSent(nudge, receipt.messageRef, now);
      this.options.metrics.nudgeSent(nudge.ruleId, address.channel, nudge.dueAt, now);
    }
    report.delivered += message.length;
    // Keep what the send taught us: a DM opened on the way, or that a stale address works again.
    if (receipt.address || member.addressStale)
      await this.store.members.setAddress(member.workspaceId, member.id, receipt.address ?? address);
    await this.failures.succeeded(member.workspaceId);
    return receipt.address;
  }

  /** When a member may not be nudged now (paused, outside working hours), when they may. */
  private holdUntil(member: Member, now: Date): Date | null {
    if (member.pausedUntil && member.pausedUntil > now) return nextWorkingSlot(member.pausedUntil, member);
    if (!isWorkingTime(now, member)) return nextWorkingSlot(now, member);
    return null;
  }

  private async applyFailure(
    delivery: Delivery,
    decision: FailureDecision,
    now: Date,
    report: TickReport,
  ): Promise<void> {
    const { nudge } = delivery;
    switch (decision.action) {
      case 'retry':
        await this.store.nudges.reschedule(nudge, decision.at, decision.detail, decision.countAttempt);
        report.retried++;
        if (decision.countAttempt)
          this.logger.warn(
            { nudgeId: nudge.id, attempts: nudge.attempts + 1, err: decision.detail },
            'delivery failed; will retry',
          );
        return;
      case 'member-unreachable':
        // Waits, uncounted, for the member's address to work again (a probe, or the member writing to us).
        await this.store.nudges.reschedule(nudge, now, decision.detail, false);
        return;
      case 'give-up':
        await this.store.nudges.markFailed(nudge, decision.detail, now);
        report.failed++;
        this.options.metrics.nudgeFailed(nudge.ruleId, platformOfWorkspace(nudge.workspaceId));
        this.logger.error(
          {
            nudgeId: nudge.id,
            workspaceId: nudge.workspaceId,
            memberId: nudge.memberId,
            err: decision.detail,
          },
          'nudge delivery failed for good',
        );
        return;
    }
  }
}

/** Another sender is serving the member: not a failure, the nudges simply wait for a later pass. */
class TurnTaken extends Error {}

/** Proactive messages go to one conversation per member (their DM or 1:1 chat). */
export function conversationOf(target: { workspaceId: string; memberId: string }): string {
  return `${target.workspaceId}\u0000${target.memberId}`;
}
