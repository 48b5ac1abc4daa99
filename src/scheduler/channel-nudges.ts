/**
 * Nudges posted to a partner's channel. When the owners chose `prefs NAME post-to-channel`, a partner's due
 * nudges go to its linked channel as one message that mentions its owners, instead of each owner's DM. They
 * stay rows of the same outbox: claimed, sent with the channel's address, marked sent with the message's id
 * (every owner's copy of an occurrence with the same id, so it is posted once), retried and given up by the
 * same failure policy. What differs from a DM: the channel is shared, so one owner's daily cap and per-partner
 * interval do not apply; a post waits for the working hours of the owner it was claimed for.
 */
import { isNoticeRule } from '../core/playbook/notice-ids';
import type { Playbook } from '../core/playbook/playbook';
import { findRule } from '../core/playbook/playbook';
import { ChannelError, describeError } from '../core/errors';
import type { Message } from '../core/messages';
import type { Platform } from '../core/model';
import type { Channel, ChannelLink, Delivery, Logger, Store } from '../core/ports';
import type { Rapport } from '../core/rapport';
import { isWorkingTime, nextWorkingSlot } from '../core/time';
import type { DeliveryFailures, RetryPolicy } from './delivery-failure';
import type { TickReport } from './nudge-scheduler';
import type { SendGate } from './send-gate';

/** A partner's claimed nudges that go to its channel. */
export interface ChannelRoute {
  link: ChannelLink;
  deliveries: Delivery[];
}

export class ChannelNudges {
  constructor(
    private readonly store: Store,
    private readonly rapport: Rapport,
    private readonly channels: ReadonlyMap<Platform, Channel>,
    private readonly logger: Logger,
    private readonly gate: SendGate,
    private readonly failures: DeliveryFailures,
    private readonly retry: RetryPolicy,
  ) {}

  /** Splits claimed nudges: those whose partner posts to its channel (by channel), and the others. */
  async route(batch: readonly Delivery[]): Promise<{ direct: Delivery[]; posted: ChannelRoute[] }> {
    const links = new Map<string, ChannelLink | null>();
    const routes = new Map<string, ChannelRoute>();
    const direct: Delivery[] = [];
    for (const delivery of batch) {
      const { workspaceId, partnerId } = delivery.nudge;
      const key = `${workspaceId}\u0000${partnerId}`;
      if (!links.has(key)) links.set(key, await this.postingLink(workspaceId, partnerId));
      const link = links.get(key);
      // What is said to one person stays in their own chat: a notice (an ownership, a handover note) and a
      // reminder of a promise they recorded.
      const playbook = await this.rapport.playbooks.forWorkspace(workspaceId);
      if (!link || isPersonal(delivery.nudge.ruleId, playbook)) direct.push(delivery);
      else routes.set(key, { link, deliveries: [...(routes.get(key)?.deliveries ?? []), delivery] });
    }
    return { direct, posted: [...routes.values()] };
  }

  /** The channel a partner's nudges are posted to, if any; null (its owners' DMs) when it cannot be read. */
  private async postingLink(workspaceId: string, partnerId: number): Promise<ChannelLink | null> {
    try {
      const found = await this.store.channelLinks.listForPartner(workspaceId, partnerId);
      return found.find((l) => l.postToChannel && this.channels.has(l.address.channel)) ?? null;
    } catch (error) {
      this.logger.warn(
        { workspaceId, partnerId, err: describeError(error) },
        'could not read partner channels',
      );
      return null;
    }
  }

  /** Posts one partner's claimed nudges to its channel. Never throws: a failure gives the leases back. */
  async deliver(route: ChannelRoute, now: Date, report: TickReport, deadline: number): Promise<void> {
    const { link, deliveries } = route;
    const settled = new Set<number>();
    try {
      await this.post(link, deliveries, now, report, deadline, settled);
    } catch (error) {
      const unsettled = deliveries.filter(({ nudge }) => !settled.has(nudge.id));
      this.logger.error(
        { workspaceId: link.workspaceId, channelId: link.channelId, err: describeError(error) },
        'posting nudges to a partner channel failed',
      );
      for (const { nudge } of unsettled) await this.store.nudges.release(nudge).catch(() => undefined);
      report.deferred += unsettled.length;
    }
  }

  private async post(
    link: ChannelLink,
    deliveries: Delivery[],
    now: Date,
    report: TickReport,
    deadline: number,
    settled: Set<number>,
  ): Promise<void> {
    const [first] = deliveries as [Delivery, ...Delivery[]];
    const wait =
      this.failures.heldUntil(link.workspaceId, now) ??
      (isWorkingTime(now, first.member) ? null : nextWorkingSlot(now, first.member));
    if (wait) {
      for (const { nudge } of deliveries) {
        await this.store.nudges.reschedule(nudge, wait, null, false);
        settled.add(nudge.id);
      }
      return;
    }
    // Another owner's copy of an occurrence already posted here: the same message stands for this one.
    const open = await this.store.nudges.listOpenForPartner(link.workspaceId, first.partner.id);
    const fresh: Delivery[] = [];
    for (const delivery of deliveries) {
      const { nudge } = delivery;
      const posted = open.find(
        (o) =>
          o.id !== nudge.id &&
          o.status === 'sent' &&
          o.messageRef != null &&
          o.ruleId === nudge.ruleId &&
          o.occurrence === nudge.occurrence,
      );
      if (posted) {
        await this.store.nudges.markSent(nudge, posted.messageRef, now);
        settled.add(nudge.id);
      } else fresh.push(delivery);
    }
    if (fresh.length === 0) return;
    // One copy of each occurrence is shown; the others are marked sent with it.
    const shown = new Map<string, Delivery>();
    for (const delivery of fresh)
      if (!shown.has(occurrenceOf(delivery))) shown.set(occurrenceOf(delivery), delivery);
    const message: Message = {
      ...this.rapport.renderNudges(
        [...shown.values()],
        now,
        await this.rapport.playbooks.forWorkspace(link.workspaceId),
      ),
      mentions: await this.owners(link.workspaceId, first.partner.owners, deliveries),
    };
    const channel = this.channels.get(link.address.channel)!;
    if (!(await this.gate.waitForSlot(link.workspaceId, `channel\u0000${link.channelId}`, deadline))) {
      for (const { nudge } of fresh) {
        await this.store.nudges.release(nudge);
        settled.add(nudge.id);
      }
      report.deferred += fresh.length;
      return;
    }
    const held = await this.failures.beforeSend(link.workspaceId, now);
    if (held) {
      for (const { nudge } of fresh) {
        await this.store.nudges.reschedule(nudge, held, null, false);
        settled.add(nudge.id);
      }
      return;
    }
    let receipt;
    try {
      receipt = await channel.deliver(link.address, message);
    } catch (error) {
      this.failures.afterSend(link.workspaceId);
      await this.failed(link, fresh, error, now, report, settled);
      return;
    }
    this.failures.afterSend(link.workspaceId);
    for (const { nudge } of fresh) {
      await this.store.nudges.markSent(nudge, receipt.messageRef, now);
      settled.add(nudge.id);
    }
    report.delivered += fresh.length;
    await this.failures.succeeded(link.workspaceId);
  }

  /**
   * A post the platform refused. The channel gone (archived, the app removed from it): the partner's nudges
   * go back to its owners' DMs, at once. Otherwise the shared policy decides (retry later, or give up).
   */
  private async failed(
    link: ChannelLink,
    deliveries: Delivery[],
    error: unknown,
    now: Date,
    report: TickReport,
    settled: Set<number>,
  ): Promise<void> {
    const detail = describeError(error);
    if (error instanceof ChannelError && error.code === 'ADDRESS_GONE') {
      await this.store.channelLinks.setPostToChannel(link.workspaceId, link.partnerId, false);
      this.logger.warn(
        { workspaceId: link.workspaceId, channelId: link.channelId, err: detail },
        'partner channel unreachable; its nudges go to the owners’ DMs again',
      );
      for (const { nudge } of deliveries) {
        await this.store.nudges.reschedule(nudge, now, detail, false);
        settled.add(nudge.id);
      }
      return;
    }
    const [first] = deliveries as [Delivery, ...Delivery[]];
    const decision = await this.failures.decide(first.nudge, error, first.nudge.attempts, now, this.retry);
    for (const { nudge } of deliveries) {
      if (decision.action === 'retry') {
        await this.store.nudges.reschedule(nudge, decision.at, decision.detail, decision.countAttempt);
        report.retried++;
      } else if (decision.action === 'give-up') {
        await this.store.nudges.markFailed(nudge, decision.detail, now);
        report.failed++;
      } else await this.store.nudges.reschedule(nudge, now, decision.detail, false);
      settled.add(nudge.id);
    }
  }

  /** The partner's owners, to mention, with the names the store knows. */
  private async owners(
    workspaceId: string,
    ownerIds: readonly string[],
    deliveries: readonly Delivery[],
  ): Promise<{ id: string; name: string | null }[]> {
    return Promise.all(
      ownerIds.map(async (id) => {
        const member =
          deliveries.find((d) => d.member.id === id)?.member ??
          (await this.store.members.get(workspaceId, id));
        return { id, name: member?.displayName ?? null };
      }),
    );
  }
}

function occurrenceOf({ nudge }: Delivery): string {
  return `${nudge.ruleId}\u0000${nudge.occurrence}`;
}

/** Nudges meant for one person only, never posted to a partner's channel. */
function isPersonal(ruleId: string, playbook: Playbook): boolean {
  return isNoticeRule(ruleId) || findRule(playbook, ruleId)?.trigger.type === 'promise';
}
