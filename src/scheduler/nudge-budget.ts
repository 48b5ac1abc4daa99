/**
 * A member's attention budget, decided for the nudges one pass could deliver to them: which go now (those
 * about one partner folded into one message), which wait (and until when), which expire. A pure function
 * of what was claimed, what was already sent, the member's calendar and `now`, like the pacer.
 *
 * - The daily cap counts messages, not nudges, and picks by priority: higher priorities go first.
 * - At most one message about a partner per `partnerIntervalDays`, unless it carries a milestone (the
 *   post-signing reviews), which also goes past the daily cap: a milestone is delivered on its day.
 * - A nudge that would have to wait past its usefulness expires instead of queueing, and so does one whose
 *   rule the workspace turned off since it was made.
 */
import type { WorkingPrefs } from '../core/model';
import type { Playbook } from '../core/playbook/playbook';
import { byRulePriority, DEFAULT_EXPIRY_DAYS, findRule } from '../core/playbook/playbook';
import type { Delivery, SentNudge } from '../core/ports';
import { addDaysToDate, localDate, nextWorkingSlot, zonedDayStart } from '../core/time';

const DAY_MS = 86_400_000;

export interface BudgetOptions {
  /** Messages per member per local day (milestones go past it). */
  dailyCap: number;
  /** Days between two messages about the same partner to the same member (milestones aside). */
  partnerIntervalDays: number;
}

export interface BudgetPlan {
  /** Messages to send now, in order: each the nudges about one partner, most important first. */
  send: Delivery[][];
  /** Nudges that wait, with the earliest instant they may go. */
  hold: { delivery: Delivery; until: Date }[];
  /** Nudges that would wait past their usefulness. */
  expire: Delivery[];
}

/** How far back sends matter to the budget: the partner interval and the member's local day. */
export function budgetWindowStart(member: WorkingPrefs, now: Date, options: BudgetOptions): Date {
  const intervalStart = new Date(now.getTime() - options.partnerIntervalDays * DAY_MS);
  const dayStart = zonedDayStart(localDate(now, member.timeZone), member.timeZone);
  return intervalStart < dayStart ? intervalStart : dayStart;
}

/** The last instant at which a nudge is still worth delivering. */
export function usefulUntil(delivery: Delivery, playbook: Playbook): Date {
  const days = findRule(playbook, delivery.nudge.ruleId)?.expiresAfterDays ?? DEFAULT_EXPIRY_DAYS;
  const { nudge } = delivery;
  // A nudge made late (an occurrence found due only now, e.g. after a backdated signature) has not waited.
  const waitingSince = nudge.createdAt > nudge.dueAt ? nudge.createdAt : nudge.dueAt;
  const from = nudge.status === 'snoozed' ? nudge.deliverAfter : waitingSince;
  return new Date(from.getTime() + days * DAY_MS);
}

function isMilestone(delivery: Delivery, playbook: Playbook): boolean {
  return findRule(playbook, delivery.nudge.ruleId)?.milestone === true;
}

/** Plans one member's deliveries (all claimed for the same member, who may be nudged now). */
export function planMemberDeliveries(
  deliveries: readonly Delivery[],
  sent: readonly SentNudge[],
  member: WorkingPrefs,
  now: Date,
  playbook: Playbook,
  options: BudgetOptions,
): BudgetPlan {
  const plan: BudgetPlan = { send: [], hold: [], expire: [] };
  const today = localDate(now, member.timeZone);
  const dayStart = zonedDayStart(today, member.timeZone);
  // Nudges folded into one message share their send instant: count messages, not nudges.
  const messagesToday = new Set(
    sent.filter((s) => s.sentAt >= dayStart).map((s) => `${s.partnerId}\u0000${s.sentAt.getTime()}`),
  );
  let messageCount = messagesToday.size;
  const lastSent = new Map<number, Date>();
  for (const s of sent) {
    const last = lastSent.get(s.partnerId);
    if (!last || s.sentAt > last) lastSent.set(s.partnerId, s.sentAt);
  }
  const waitOrExpire = (delivery: Delivery, until: Date): void => {
    if (until > usefulUntil(delivery, playbook)) plan.expire.push(delivery);
    else plan.hold.push({ delivery, until });
  };

  const byPriority = (a: Delivery, b: Delivery): number =>
    byRulePriority(playbook, a.nudge.ruleId, b.nudge.ruleId) ||
    a.nudge.dueAt.getTime() - b.nudge.dueAt.getTime() ||
    a.nudge.id - b.nudge.id;
  const groups = new Map<number, Delivery[]>();
  for (const delivery of [...deliveries].sort(byPriority)) {
    // A rule the workspace turned off since the nudge was made asks for nothing any more.
    if (findRule(playbook, delivery.nudge.ruleId)?.off) {
      plan.expire.push(delivery);
      continue;
    }
    groups.set(delivery.partner.id, [...(groups.get(delivery.partner.id) ?? []), delivery]);
  }
  // Groups in the order of their most important nudge (each group is sorted already).
  const ordered = [...groups.values()].sort((a, b) => byPriority(a[0]!, b[0]!));

  const nextMorning = nextWorkingSlot(zonedDayStart(addDaysToDate(today, 1), member.timeZone), member);
  for (const group of ordered) {
    const partnerId = group[0]!.partner.id;
    const last = lastSent.get(partnerId);
    const intervalEnds = last ? new Date(last.getTime() + options.partnerIntervalDays * DAY_MS) : null;
    // A milestone goes whatever the interval, and what is due about the same partner rides along in its
    // message: it costs the member no extra message.
    const milestone = group.some((delivery) => isMilestone(delivery, playbook));
    const ready: Delivery[] = [];
    for (const delivery of group) {
      if (milestone || !intervalEnds || intervalEnds <= now) ready.push(delivery);
      else waitOrExpire(delivery, nextWorkingSlot(intervalEnds, member));
    }
    if (ready.length === 0) continue;
    if (messageCount >= options.dailyCap && !milestone) {
      for (const delivery of ready) waitOrExpire(delivery, nextMorning);
      continue;
    }
    plan.send.push(ready);
    messageCount++;
    lastSent.set(partnerId, now);
  }
  return plan;
}
