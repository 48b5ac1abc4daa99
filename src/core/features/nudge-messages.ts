/**
 * How nudges read when they arrive: one nudge on its own, or the nudges about one partner that came due
 * together, folded into one message (one notification, one place to answer each).
 */
import { RapportError } from '../errors';
import type { Message, Section } from '../messages';
import { partnerCalendarLines } from '../calendar-views';
import type { InteractionKind, KindHistory, Member, Nudge, Owner, Partner, PartnerPromise } from '../model';
import { noticeMessage, othersPhrase } from '../owner-views';
import { isOpenNudge } from '../nudge-rules';
import type { Playbook, Rule } from '../playbook/playbook';
import { dropOffSettings, findRule, kindsOf, lastDayOf, renderPrompt } from '../playbook/playbook';
import { dropOffNumbers, parseDropOffOccurrence } from '../playbook/drop-off';
import { eventPhrase, parsePlannedOccurrence } from '../playbook/planned-events';
import { parsePromiseOccurrence, promisePhrase } from '../promises';
import { daysBetween, formatDay, localDate, relativeDays } from '../time';
import { answerChoices, closedNudgeMessage, laterChoices, nudgeMessage, sinceText } from '../views';

/** What rendering a nudge needs: the nudge, its partner with the partner's history, and its member. */
export interface NudgeView {
  nudge: Nudge;
  partner: Partner;
  history: KindHistory;
  member: Pick<Member, 'timeZone'>;
  /** The promise a promise reminder is about (null: it was deleted since). */
  promise?: PartnerPromise | null;
  /** The partner's owners with their roles, where the caller read them (a rule's `{others}`, notices). */
  team?: readonly Owner[];
}

const COUNT_WORDS = ['', 'One', 'Two', 'Three', 'Four', 'Five', 'Six'];

function ruleOf(playbook: Playbook, nudge: Nudge): Rule {
  const rule = findRule(playbook, nudge.ruleId);
  if (!rule)
    throw new RapportError(
      'NOT_FOUND',
      `Nudge ${nudge.id} refers to rule ${nudge.ruleId}, which the playbook lacks`,
    );
  return rule;
}

/**
 * The prompt's facts as of `now`: how long the habit has been missing, and for the post-signing reviews
 * the real days since signing (a review delivered late, or after a backdated signature, says the truth).
 */
function promptFacts(
  view: NudgeView,
  rule: Rule,
  now: Date,
  playbook: Playbook,
): { since: string; days?: number; extra: Record<string, string> } {
  const today = localDate(now, view.member.timeZone);
  const trigger = rule.trigger;
  const kinds = 'kinds' in trigger ? trigger.kinds : [];
  const since = sinceText(lastDayOf(view.history, kinds), today);
  const { occurrence } = view.nudge;
  // A planned event's nudge names the event and its day, both carried by its occurrence key.
  const event = trigger.type === 'planned' ? parsePlannedOccurrence(occurrence) : null;
  const extra: Record<string, string> = event
    ? {
        event: eventPhrase(event.kind, view.partner.name),
        day: `${formatDay(event.plannedOn)} (${relativeDays(event.plannedOn, today)})`,
      }
    : {};
  // A promise reminder names the promise (read with the claim) and the day its key carries.
  const promised = trigger.type === 'promise' ? parsePromiseOccurrence(occurrence) : null;
  if (promised) {
    extra.promise = view.promise
      ? promisePhrase(view.promise, view.partner.name)
      : `A promise about *${view.partner.name}*`;
    extra.day = `${formatDay(promised.dueOn)} (${promised.dueOn === today ? 'today' : relativeDays(promised.dueOn, today)})`;
  }
  const dropped = trigger.type === 'drop-off' ? parseDropOffOccurrence(occurrence) : null;
  if (dropped) extra.numbers = dropOffNumbers(dropped, dropOffSettings(playbook).windowDays);
  extra.others = othersPhrase(view.team, view.nudge.memberId);
  const { signedOn } = view.partner;
  if (trigger.type === 'after-signing' && signedOn)
    return { since, days: Math.max(0, daysBetween(signedOn, today)), extra };
  return { since, days: occurrence.startsWith('d') ? Number(occurrence.slice(1)) : undefined, extra };
}

/** Kinds of contact a suggestion may ask for that meet or call the partner on their side's calendar. */
const MEETING_SUGGESTIONS: readonly InteractionKind[] = ['visit', 'hosted', 'meeting', 'call', 'workshop'];

/**
 * Whether a rule suggests meeting or calling them (what it asks to log is a visit, a workshop, a call…),
 * or briefs before such an event: then their public holidays ahead and their time now are worth saying.
 */
function suggestsMeeting(rule: Rule, occurrence: string): boolean {
  if (rule.trigger.type === 'planned') {
    const event = parsePlannedOccurrence(occurrence);
    return rule.trigger.when === 'before' && Boolean(event && MEETING_SUGGESTIONS.includes(event.kind));
  }
  if (rule.logKind) return MEETING_SUGGESTIONS.includes(rule.logKind);
  const kinds = 'kinds' in rule.trigger ? kindsOf(rule.trigger.kinds) : [];
  return kinds.some((kind) => MEETING_SUGGESTIONS.includes(kind));
}

/**
 * The visit reminder once they came to us more recently than we went to them: hosting them counts as
 * meeting in person, so the reminder does not say we have not visited; it says what a visit would add.
 */
function afterHostingPrompt(view: NudgeView, rule: Rule, today: string): string | null {
  const { trigger } = rule;
  const asksForVisit =
    rule.logKind === 'visit' && 'kinds' in trigger && kindsOf(trigger.kinds).includes('visit');
  const hosted = view.history.hosted;
  const visit = view.history.visit;
  if (!asksForVisit || !hosted || (visit && visit.last >= hosted.last)) return null;
  const lastVisit = visit
    ? ` Your last visit to them was on ${formatDay(visit.last)} (${relativeDays(visit.last, today)}).`
    : '';
  return (
    `They came to you on ${formatDay(hosted.last)}; a visit to *${view.partner.name}*'s premises would show ` +
    `respect for their side.${lastVisit} Plan one and look them in the eye.`
  );
}

/** The prompt as this nudge should read it, then what their side's calendar adds. */
function promptLines(view: NudgeView, rule: Rule, now: Date, prompt: string): string[] {
  const today = localDate(now, view.member.timeZone);
  const text = afterHostingPrompt(view, rule, today) ?? prompt;
  const calendar = suggestsMeeting(rule, view.nudge.occurrence)
    ? partnerCalendarLines(view.partner, now, view.member.timeZone)
    : [];
  return [text, ...calendar];
}

/** One nudge as it is delivered. */
export function renderNudge(view: NudgeView, now: Date, playbook: Playbook): Message {
  const rule = ruleOf(playbook, view.nudge);
  if (rule.trigger.type === 'notice') return noticeMessage(view, rule, now, playbook);
  const { since, days, extra } = promptFacts(view, rule, now, playbook);
  const message = nudgeMessage(view.nudge, rule, view.partner, since, days, extra);
  return { ...message, text: promptLines(view, rule, now, message.text ?? '').join('\n\n') };
}

/**
 * Nudges about one partner for one member, as one message: each nudge a section with its own answers,
 * and one snooze / dismiss for the whole message. `outcomes` closes sections (the nudge was answered).
 */
export function renderNudges(
  views: readonly NudgeView[],
  now: Date,
  playbook: Playbook,
  outcomes: ReadonlyMap<number, string> = new Map(),
): Message {
  const [first] = views;
  if (!first) throw new RapportError('INVALID', 'No nudge to render');
  if (views.length === 1) {
    const single = renderNudge(first, now, playbook);
    const outcome = outcomes.get(first.nudge.id);
    return outcome ? closedNudgeMessage(single, outcome) : single;
  }
  const { partner } = first;
  const sections: Section[] = views.map((view) => {
    const rule = ruleOf(playbook, view.nudge);
    if (rule.trigger.type === 'notice') {
      const notice = noticeMessage(view, rule, now, playbook);
      const lines = [notice.text, ...(notice.facts ?? []).map((f) => `${f.label}: ${f.value}`)];
      const outcome = outcomes.get(view.nudge.id);
      return outcome
        ? { title: rule.title, lines: [...lines, `✓ ${outcome}`] }
        : { title: rule.title, lines, choices: answerChoices(view.nudge, rule) };
    }
    const { since, days, extra } = promptFacts(view, rule, now, playbook);
    const prompt = renderPrompt(
      rule,
      { occurrence: view.nudge.occurrence, days },
      partner.name,
      since,
      extra,
    );
    const lines = promptLines(view, rule, now, prompt);
    const outcome = outcomes.get(view.nudge.id);
    return outcome
      ? { title: rule.title, lines: [...lines, `✓ ${outcome}`] }
      : { title: rule.title, lines, choices: answerChoices(view.nudge, rule) };
  });
  const open = views.find((view) => !outcomes.has(view.nudge.id) && isOpenNudge(view.nudge));
  const count = COUNT_WORDS[views.length] ?? String(views.length);
  return {
    title: `${partner.name} — ${count.toLowerCase()} things to look at`,
    text: `${count} nudges about *${partner.name}* came due together, so here they are in one message.`,
    sections,
    choices: open ? laterChoices(open.nudge) : undefined,
  };
}
