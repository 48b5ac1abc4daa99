/**
 * How nudges read when they arrive: one nudge on its own, or the nudges about one partner that came due
 * together, folded into one message (one notification, one place to answer each).
 */
import { RapportError } from '../errors';
import type { Message, Section } from '../messages';
import type { KindHistory, Member, Nudge, Owner, Partner } from '../model';
import { noticeMessage, othersPhrase } from '../owner-views';
import { isOpenNudge } from '../nudge-rules';
import type { Playbook, Rule } from '../playbook/playbook';
import { findRule, lastDayOf, renderPrompt } from '../playbook/playbook';
import { eventPhrase, parsePlannedOccurrence } from '../playbook/planned-events';
import { daysBetween, formatDay, localDate, relativeDays } from '../time';
import { answerChoices, closedNudgeMessage, laterChoices, nudgeMessage, sinceText } from '../views';

/** What rendering a nudge needs: the nudge, its partner with the partner's history, and its member. */
export interface NudgeView {
  nudge: Nudge;
  partner: Partner;
  history: KindHistory;
  member: Pick<Member, 'timeZone'>;
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
  extra.others = othersPhrase(view.team, view.nudge.memberId);
  const { signedOn } = view.partner;
  if (trigger.type === 'after-signing' && signedOn)
    return { since, days: Math.max(0, daysBetween(signedOn, today)), extra };
  return { since, days: occurrence.startsWith('d') ? Number(occurrence.slice(1)) : undefined, extra };
}

/** One nudge as it is delivered. */
export function renderNudge(view: NudgeView, now: Date, playbook: Playbook): Message {
  const rule = ruleOf(playbook, view.nudge);
  if (rule.trigger.type === 'notice') return noticeMessage(view, rule, now, playbook);
  const { since, days, extra } = promptFacts(view, rule, now);
  return nudgeMessage(view.nudge, rule, view.partner, since, days, extra);
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
    const { since, days, extra } = promptFacts(view, rule, now);
    const prompt = renderPrompt(
      rule,
      { occurrence: view.nudge.occurrence, days },
      partner.name,
      since,
      extra,
    );
    const outcome = outcomes.get(view.nudge.id);
    return outcome
      ? { title: rule.title, lines: [prompt, `✓ ${outcome}`] }
      : { title: rule.title, lines: [prompt], choices: answerChoices(view.nudge, rule) };
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
