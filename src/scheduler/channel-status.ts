/**
 * The weekly status of a partner posted to its channel, when its owners chose `prefs NAME post-to-channel`:
 * once a week, at the time the digest goes to the member who linked the channel (the first working morning
 * of their week, in their zone). The ledger (`channelLinks.claimWeeklyStatus`, one row per channel and
 * week) is claimed before posting and marked after, as the digest's is: a second pass, a restart or a second
 * instance never posts a week's status twice.
 */
import { digestWeek } from '../core/digest';
import { describeError } from '../core/errors';
import type { Platform } from '../core/model';
import type { Channel, ChannelLink, Logger, Store } from '../core/ports';
import type { Rapport } from '../core/rapport';
import type { DeliveryFailures } from './delivery-failure';
import type { SendGate } from './send-gate';

/** How long a claimed post is reserved for its sender, in ms. */
const LEASE_MS = 120_000;
/** How long one pass may wait for pacing slots, in ms. */
const BUDGET_MS = 30_000;

export class ChannelStatusPoster {
  constructor(
    private readonly store: Store,
    private readonly rapport: Rapport,
    private readonly channels: ReadonlyMap<Platform, Channel>,
    private readonly logger: Logger,
    private readonly gate: SendGate,
    private readonly failures: DeliveryFailures,
  ) {}

  /** One pass as of `now`; how many statuses it posted. */
  async runDue(now: Date): Promise<number> {
    let posted = 0;
    const deadline = await this.gate.deadline(BUDGET_MS);
    for (const link of await this.store.channelLinks.listPosting()) {
      if (this.gate.stopped) break;
      try {
        if (await this.consider(link, now, deadline)) posted++;
      } catch (error) {
        this.logger.error(
          { workspaceId: link.workspaceId, channelId: link.channelId, err: describeError(error) },
          'weekly channel status failed',
        );
      }
    }
    return posted;
  }

  private async consider(link: ChannelLink, now: Date, deadline: number): Promise<boolean> {
    const channel = this.channels.get(link.address.channel);
    if (!channel || this.failures.heldUntil(link.workspaceId, now)) return false;
    // A workspace that uninstalled Rapport hears nothing more from it.
    if (await this.store.workspaces.uninstalledAt(link.workspaceId)) return false;
    const member = await this.rapport.channelStatusMember(link);
    if (!member) return false;
    const week = digestWeek(member, now);
    if (!week.due) return false;
    const { workspaceId, channelId } = link;
    const leaseUntil = new Date(now.getTime() + LEASE_MS);
    if (
      !(await this.store.channelLinks.claimWeeklyStatus(workspaceId, channelId, week.week, now, leaseUntil))
    )
      return false;
    try {
      const message = await this.rapport.channelStatus(link, now);
      if (!message || !(await this.gate.waitForSlot(workspaceId, `channel\u0000${channelId}`, deadline))) {
        await this.store.channelLinks.releaseWeeklyStatus(workspaceId, channelId, week.week);
        return false;
      }
      const receipt = await channel.deliver(link.address, message);
      await this.store.channelLinks.weeklyStatusPosted(
        workspaceId,
        channelId,
        week.week,
        receipt.messageRef,
        now,
      );
      return true;
    } catch (error) {
      // A later pass of the same working day tries again.
      await this.store.channelLinks.releaseWeeklyStatus(workspaceId, channelId, week.week);
      throw error;
    }
  }
}
