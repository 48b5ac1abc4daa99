/**
 * Nudges as members meet them: the delivered message, its buttons (answer, log it now, brief me, snooze,
 * dismiss), the `snooze` command, and the lines that describe a nudge in status views. An answer is a
 * fact: it records what it says ("Reached out" → a call), asks the date of what it plans, or asks what
 * is blocking and answers with the playbook's next step.
 */
import { BLOCKER_ACTION_PREFIX, NUDGE_ACTIONS, nudgeChoiceId } from '../choice-ids';
import { resolvePartner } from '../commands/arguments';
import { quoteName } from '../insight-views';
import type { ChoiceResult, Message } from '../messages';
import type { InteractionKind, Member, Nudge, Partner } from '../model';
import { isOpenNudge, LOGGED_ANSWER, mayAnswer } from '../nudge-rules';
import type { Playbook, Rule } from '../playbook/playbook';
import { byRulePriority, findRule } from '../playbook/playbook';
import { refreshSchedule } from '../playbook/partner-schedule';
import { eventNoun, parsePlannedOccurrence } from '../playbook/planned-events';
import { addDaysToInstant, formatDay, formatLocal, localDate, nextWorkingSlot, parseDuration } from '../time';
import { truncate, usageError } from '../views';
import type { Actor, CommandContext, CommandTable, FeatureDeps } from './context';
import { addFact } from './facts';
import type { InteractionFeature } from './interactions';
import type { NudgeView } from './nudge-messages';
import { renderNudges } from './nudge-messages';
import type { PlannedEventFeature } from './planned-events';
import type { PromiseFeature } from './promises';
import { promiseOfNudge } from './promises';

export type { NudgeView } from './nudge-messages';

const DAY_MS = 86_400_000;
const MAX_SNOOZE_DAYS = 90;

/** How a kind an answer records reads in a sentence: "Logged a call today." */
const KIND_WORDS: Partial<Record<InteractionKind, string>> = {
  call: 'call',
  meeting: 'meeting',
  visit: 'visit to their premises',
  hosted: 'visit at yours',
  workshop: 'joint workshop',
  alignment: 'internal alignment meeting',
};

const BLOCKER_QUESTION = 'What is blocking most?';

export class NudgeFeature {
  readonly commands: CommandTable = {
    snooze: (ctx, args) => this.snoozeCommand(ctx, args),
  };

  constructor(
    private readonly deps: FeatureDeps,
    private readonly interactions: InteractionFeature,
    private readonly planned: PlannedEventFeature,
    private readonly promises?: PromiseFeature,
  ) {}

  /**
   * The message nudges about one partner are delivered as (one nudge, or several folded together), from
   * data already loaded (no store reads).
   */
  render(views: readonly NudgeView[], now: Date, playbook: Playbook = this.deps.playbook): Message {
    return renderNudges(views, now, playbook);
  }

  /**
   * The message a delivered nudge now stands as, with what closed each nudge in it: the nudges delivered
   * with it in one message (same member, partner and send), each closed one with its outcome, `closing`
   * (an outcome being recorded now) included.
   */
  async restated(
    nudge: Nudge,
    view: Omit<NudgeView, 'nudge'>,
    member: Member,
    now: Date,
    closing: ReadonlyMap<number, string> = new Map(),
  ): Promise<Message> {
    const fold = await this.foldOf(nudge);
    const outcomes = new Map(closing);
    for (const sibling of fold)
      if (!outcomes.has(sibling.id) && !isOpenNudge(sibling))
        outcomes.set(sibling.id, await this.outcomeText(sibling, member));
    // A promise reminder names its promise: read it again for each one in the message.
    const views = await Promise.all(
      fold.map(async (sibling) => ({
        ...view,
        nudge: sibling,
        promise: await promiseOfNudge(this.deps, sibling),
      })),
    );
    return renderNudges(views, now, await this.deps.playbooks.forWorkspace(nudge.workspaceId), outcomes);
  }

  /** The nudges delivered in the same message as `nudge` (itself included), in the order they were shown. */
  private async foldOf(nudge: Nudge): Promise<Nudge[]> {
    if (!nudge.sentAt) return [nudge];
    const sentAt = nudge.sentAt.getTime();
    const siblings = (
      await this.deps.store.nudges.listForPartner(nudge.workspaceId, nudge.partnerId, { limit: 50 })
    )
      .filter((n) => n.memberId === nudge.memberId && n.sentAt?.getTime() === sentAt)
      .sort((a, b) => byRulePriority(this.deps.playbook, a.ruleId, b.ruleId) || a.id - b.id);
    return siblings.some((n) => n.id === nudge.id) ? siblings : [nudge];
  }

  /** Acts on a nudge's button. Stale, foreign or closed nudges get a clear answer and change nothing. */
  async choose(
    actor: Actor,
    member: Member,
    nudgeId: number,
    action: string,
    now: Date,
  ): Promise<ChoiceResult> {
    const { store, insights } = this.deps;
    const playbook = await this.deps.playbooks.forWorkspace(actor.workspaceId);
    const nudge = await store.nudges.get(actor.workspaceId, nudgeId);
    const partner = nudge ? await store.partners.get(actor.workspaceId, nudge.partnerId) : null;
    const rule = nudge ? findRule(playbook, nudge.ruleId) : undefined;
    if (!nudge || !partner || !rule)
      return { reply: usageError('This nudge no longer exists (its partner may have been removed).') };
    if (!mayAnswer(nudge, partner, actor.memberId)) {
      return { reply: usageError(`This nudge is for ${partner.name}'s owners; you are not one of them.`) };
    }
    // The follow-up question of an answer already given ("Stuck" → what is blocking?).
    if (action.startsWith(BLOCKER_ACTION_PREFIX))
      return this.blocker(actor, member, nudge, partner, rule, action.slice(BLOCKER_ACTION_PREFIX.length));
    const history = await store.partners.history(actor.workspaceId, partner.id);
    const view = { partner, history, member };
    /** The message the button was on, as it stands once `outcome` is recorded for `closed` nudges. */
    const replacement = (outcome: string, closed: readonly Nudge[] = [nudge]): Promise<Message> =>
      this.restated(nudge, view, member, now, new Map(closed.map((n) => [n.id, outcome])));
    if (!isOpenNudge(nudge)) {
      const outcome = await this.outcomeText(nudge, member);
      return { reply: { text: `Already handled: ${outcome}` }, replaceOriginal: await replacement(outcome) };
    }
    // Lost a race with another click or a delivery: describe the nudge as it now stands.
    const again = (): Promise<ChoiceResult> => this.choose(actor, member, nudgeId, action, now);
    const today = localDate(now, member.timeZone);
    switch (action) {
      case NUDGE_ACTIONS.log:
        return {
          reply: {
            text: `Log it with \`partner log ${quoteName(partner.name)} ${rule.logKind ?? 'note'} today NOTE\`, or use the form.`,
          },
          openForm: await this.interactions.form(actor.workspaceId, today, {
            partnerId: partner.id,
            kind: rule.logKind,
            nudgeId: nudge.id,
          }),
        };
      case NUDGE_ACTIONS.brief: {
        const brief = await insights.brief(partner, today, now);
        if (rule.trigger.type !== 'planned') return { reply: brief };
        // The brief before a planned event is what the nudge was for: reading it answers it.
        const answer = { choiceId: NUDGE_ACTIONS.brief, memberId: actor.memberId, at: now };
        if (!(await store.nudges.answer(actor.workspaceId, nudge.id, answer)).answered) return again();
        const outcome = `Brief read — ${member.displayName ?? 'you'}, ${formatDay(today)}`;
        return { reply: brief, replaceOriginal: await replacement(outcome) };
      }
      case NUDGE_ACTIONS.snoozeDay:
      case NUDGE_ACTIONS.snoozeWeek: {
        // Snooze and dismiss act on the whole message: every nudge still open in it.
        const days = action === NUDGE_ACTIONS.snoozeDay ? 1 : 7;
        const until = nextWorkingSlot(addDaysToInstant(now, days), member);
        const snoozed = await this.forEachOpenInMessage(nudge, (n) => this.snooze(actor, n, until, now));
        if (snoozed.length === 0) return again();
        const outcome = `Snoozed until ${formatLocal(until, member.timeZone)}`;
        return { reply: { text: `${outcome}.` }, replaceOriginal: await replacement(outcome, snoozed) };
      }
      case NUDGE_ACTIONS.dismiss: {
        const dismissed = await this.forEachOpenInMessage(nudge, (n) =>
          store.nudges.dismiss(actor.workspaceId, n.id, actor.memberId, now),
        );
        if (dismissed.length === 0) return again();
        const outcome = `Dismissed by ${member.displayName ?? 'you'}`;
        return { reply: { text: 'Dismissed.' }, replaceOriginal: await replacement(outcome, dismissed) };
      }
    }
    const choice = rule.choices.find((c) => c.id === action);
    if (!choice) return { reply: usageError('That answer is not one this nudge offers any more.') };
    if (choice.promise && this.promises)
      return this.promises.answerNudge(
        actor,
        member,
        nudge,
        { ...choice, promise: choice.promise },
        now,
        replacement,
        again,
      );
    if (choice.outcome)
      return this.planned.answerFollowUp(actor, member, nudge, partner, choice, now, replacement, again);
    // The answer, what it records and the schedule it changes are written together.
    const answered = await store.transaction(async (tx) => {
      const outcome = await tx.nudges.answer(actor.workspaceId, nudge.id, {
        choiceId: choice.id,
        memberId: actor.memberId,
        at: now,
      });
      if (!outcome.answered) return false;
      let current = partner;
      if (rule.records === 'checkin') {
        current = await addFact(tx, current, {
          memberId: actor.memberId,
          kind: 'checkin',
          occurredOn: today,
          note: `${rule.title} (${nudge.occurrence}): ${choice.label}`,
          rating: choice.rating ?? null,
          nudgeId: nudge.id,
          now,
        });
      }
      if (choice.records) {
        current = await addFact(tx, current, {
          memberId: actor.memberId,
          kind: choice.records,
          occurredOn: today,
          note: `${rule.title}: ${choice.label}`,
          nudgeId: nudge.id,
          now,
        });
      }
      await refreshSchedule(tx, current, now, playbook);
      return true;
    });
    if (!answered) return again();
    const replaceOriginal = await replacement(
      `Recorded “${choice.label}” — ${member.displayName ?? 'you'}, ${formatDay(today)}`,
    );
    const thanks = `Thanks — recorded *${choice.label}* for ${partner.name} (${rule.title}).`;
    if (choice.plans) {
      const ask = await this.planned.askDate(partner, choice.plans, today, thanks);
      return { ...ask, replaceOriginal };
    }
    if (choice.asks === 'blocker') return { reply: this.blockerQuestion(nudge, thanks), replaceOriginal };
    const fact = choice.records ? ` Logged a ${KIND_WORDS[choice.records] ?? choice.records} today.` : '';
    return { reply: { text: `${thanks}${fact}` }, replaceOriginal };
  }

  /** "What is blocking most?", with one button per blocker of the playbook. */
  private blockerQuestion(nudge: Nudge, lead: string): Message {
    return {
      text: `${lead} ${BLOCKER_QUESTION}`,
      choices: (this.deps.playbook.blockers ?? []).map((blocker) => ({
        id: nudgeChoiceId(nudge.id, `${BLOCKER_ACTION_PREFIX}${blocker.id}`),
        label: blocker.label,
      })),
    };
  }

  /**
   * A blocker picked after "Stuck" or "Some friction": recorded once with the check-in that answer wrote,
   * and answered with the playbook's next step for it.
   */
  private async blocker(
    actor: Actor,
    member: Member,
    nudge: Nudge,
    partner: Partner,
    rule: Rule,
    blockerId: string,
  ): Promise<ChoiceResult> {
    const { store, playbook } = this.deps;
    const blockers = playbook.blockers ?? [];
    const asked = rule.choices.find((c) => c.id === nudge.answer && c.asks === 'blocker');
    const picked = blockers.find((b) => b.id === blockerId);
    if (nudge.status !== 'answered' || !asked || !picked)
      return { reply: usageError('That question is not open any more.') };
    const onRecord = await store.interactions.recordBlocker(
      actor.workspaceId,
      nudge.id,
      picked.id,
      ` — blocking: ${picked.label}`,
    );
    if (!onRecord) return { reply: usageError('That check-in is no longer on record.') };
    const blocker = blockers.find((b) => b.id === onRecord.blocker) ?? picked;
    const name = partner.name;
    const step = blocker.step.replaceAll('{partner}', name);
    const plan = blocker.plans
      ? `\nWhen? \`partner plan ${quoteName(name)} ${blocker.plans} DATE\` and I will follow it up.`
      : '';
    const lead = onRecord.recorded
      ? `Noted: *${blocker.label}* is what blocks the collaboration with *${name}*.`
      : `Already noted: *${blocker.label}* is what blocks the collaboration with *${name}*.`;
    const by = onRecord.recorded ? ` — ${member.displayName ?? 'you'}` : '';
    return {
      reply: { text: `${lead}\n*Next step:* ${step}${plan}` },
      // The question is closed where it was asked, so it cannot be answered twice.
      replaceOriginal: { text: BLOCKER_QUESTION, footer: `Blocking: ${blocker.label}${by}` },
    };
  }

  /** Applies `act` to each nudge still open in the message `nudge` was delivered in; those it applied to. */
  private async forEachOpenInMessage(nudge: Nudge, act: (n: Nudge) => Promise<boolean>): Promise<Nudge[]> {
    const done: Nudge[] = [];
    for (const n of await this.foldOf(nudge)) if (isOpenNudge(n) && (await act(n))) done.push(n);
    return done;
  }

  /** `snooze NAME DURATION`: every open nudge about the partner that waits for me. */
  private async snoozeCommand(ctx: CommandContext, args: string[]): Promise<Message> {
    if (args.length < 2) return usageError('Give a partner and a duration.', 'snooze');
    const durationMs = parseDuration(args[args.length - 1]!);
    if (durationMs === null)
      return usageError(
        `“${truncate(args[args.length - 1]!, 20)}” is not a duration. Use e.g. 3d, 1w or 12h.`,
        'snooze',
      );
    if (durationMs > MAX_SNOOZE_DAYS * DAY_MS)
      return usageError(`You can snooze for ${MAX_SNOOZE_DAYS} days at most.`, 'snooze');
    const { store } = this.deps;
    const resolved = await resolvePartner(store.partners, ctx, args.slice(0, -1), 'snooze');
    if (!resolved.ok) return resolved.reply;
    const { partner } = resolved;
    const until = new Date(ctx.now.getTime() + durationMs);
    const open = (await store.nudges.listOpenForMember(ctx.actor.workspaceId, ctx.actor.memberId)).filter(
      (n) => n.partnerId === partner.id,
    );
    let count = 0;
    for (const nudge of open) if (await this.snooze(ctx.actor, nudge, until, ctx.now)) count++;
    if (count === 0)
      return { text: `Nothing is open for *${partner.name}* right now, so there is nothing to snooze.` };
    return {
      text: `Snoozed ${count} nudge${count === 1 ? '' : 's'} for *${partner.name}* until ${formatLocal(until, ctx.member.timeZone)}.`,
    };
  }

  /** The one way a nudge is snoozed, from a button or the command. */
  private snooze(actor: Actor, nudge: Nudge, until: Date, now: Date): Promise<boolean> {
    return this.deps.store.nudges.snooze(actor.workspaceId, nudge.id, until, actor.memberId, now);
  }

  ruleTitle(ruleId: string): string {
    return findRule(this.deps.playbook, ruleId)?.title ?? ruleId;
  }

  /** The rule's title, with the event for a planned event's nudge: `Did it happen? (visit, Mon 14 Dec 2026)`. */
  private nudgeTitle(nudge: Nudge): string {
    const event = parsePlannedOccurrence(nudge.occurrence);
    const title = this.ruleTitle(nudge.ruleId);
    return event ? `${title} (${eventNoun(event.kind)}, ${formatDay(event.plannedOn)})` : title;
  }

  /** One line saying where an open nudge stands for the member. */
  statusLine(nudge: Nudge, member: Member): string {
    const title = this.nudgeTitle(nudge);
    if (nudge.status === 'sent')
      return `${title} — sent ${formatLocal(nudge.sentAt ?? nudge.dueAt, member.timeZone)}, waiting for your answer`;
    if (nudge.status === 'snoozed')
      return `${title} — snoozed until ${formatLocal(nudge.deliverAfter, member.timeZone)}`;
    return `${title} — due, will be sent from ${formatLocal(nextWorkingSlot(nudge.deliverAfter, member), member.timeZone)}`;
  }

  /** One line for an answered nudge: rule, occurrence, answer, day. */
  answerLine(nudge: Nudge, member: Member): string {
    const rule = findRule(this.deps.playbook, nudge.ruleId);
    const choice = rule?.choices.find((c) => c.id === nudge.answer);
    const when = nudge.answeredAt ? formatDay(localDate(nudge.answeredAt, member.timeZone)) : '';
    const title = parsePlannedOccurrence(nudge.occurrence)
      ? this.nudgeTitle(nudge)
      : `${rule?.title ?? nudge.ruleId} (${nudge.occurrence})`;
    return `${title}: ${choice?.label ?? nudge.answer} — ${when}`;
  }

  /** A line for a nudge given up after bounded retries: it must be seen, never silently dropped. */
  failedLine(nudge: Nudge): string {
    return `${this.nudgeTitle(nudge)} — gave up after ${nudge.attempts} attempts (${nudge.lastError ?? 'unknown error'})`;
  }

  /** What closed a nudge, in words. */
  async outcomeText(nudge: Nudge, member: Member): Promise<string> {
    const when = nudge.answeredAt ? formatDay(localDate(nudge.answeredAt, member.timeZone)) : '';
    const by = nudge.answeredBy
      ? (await this.deps.store.members.get(nudge.workspaceId, nudge.answeredBy))?.displayName
      : null;
    const who = by ?? (nudge.answeredBy === member.id ? 'you' : (nudge.answeredBy ?? 'someone'));
    switch (nudge.status) {
      case 'answered': {
        const rule = findRule(this.deps.playbook, nudge.ruleId);
        if (nudge.answer === LOGGED_ANSWER) return `Done — ${who} logged it, ${when}`;
        const label =
          rule?.choices.find((c) => c.id === nudge.answer)?.label ??
          (nudge.answer === NUDGE_ACTIONS.log ? 'Logged' : nudge.answer);
        return `Recorded “${label}” — ${who}, ${when}`;
      }
      case 'dismissed':
        return `Dismissed by ${who}`;
      case 'expired':
        return 'No longer needed (something newer came up, or it waited past its usefulness)';
      default:
        return `This nudge is ${nudge.status}`;
    }
  }
}
