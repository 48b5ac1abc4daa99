/**
 * Channel-neutral renderings of Rapport's answers: help, lists, statuses, nudges, confirmations.
 * Pure functions of data; the channels turn the resulting `Message`s into their own formats.
 */
import { COMMANDS, findCommand, LIMITS } from './commands/grammar';
import type { CommandSpec } from './commands/grammar';
import { NUDGE_ACTIONS, nudgeChoiceId } from './choice-ids';
import type { Choice, Form, FormOption, Message, SelectField } from './messages';
import { FORM_SELECT_OPTIONS } from './messages';
import type { Interaction, Member, Nudge, Partner } from './model';
import { INTERACTION_KINDS, MEETING_KINDS, STAGES } from './model';
import type { Occurrence, Rule } from './playbook/playbook';
import { renderPrompt } from './playbook/playbook';
import { calendarName } from './holidays';
import {
  formatClock,
  formatDay,
  formatLocal,
  formatWeekdays,
  holidayCalendarOf,
  localDate,
  relativeDays,
} from './time';

export const KIND_LABELS: Record<(typeof INTERACTION_KINDS)[number], string> = {
  meeting: 'Meeting',
  call: 'Call',
  visit: 'Visit to their premises',
  hosted: 'Hosted them at ours',
  workshop: 'Joint workshop',
  observation: 'Cultural observation',
  alignment: 'Internal alignment',
  checkin: 'Check-in',
  milestone: 'Milestone',
  note: 'Note',
};

/** One command in the help list: usage and summary. */
export function commandLine(spec: CommandSpec): string {
  return `*${spec.usage}* — ${spec.summary}`;
}

/** One command in detail: summary, usage and examples. */
export function commandHelp(spec: CommandSpec): Message {
  return {
    title: `partner ${spec.name}`,
    text: `${spec.summary}\n\nUsage: \`partner ${spec.usage}\``,
    sections: [{ title: 'Examples', lines: spec.examples.map((example) => `\`partner ${example}\``) }],
  };
}

/** The whole command list, or one command in detail. */
export function helpMessage(topic?: string): Message {
  if (topic) {
    const spec = findCommand(topic.toLowerCase());
    if (spec) return commandHelp(spec);
  }
  return {
    title: 'Rapport — relationship nudges for your partnerships',
    text:
      (topic ? `There is no command called “${topic}”. ` : '') +
      'Log what happens with your partners and I will nudge you, in your working hours, to keep building ' +
      'the relationship: visits, cultural observations, joint workshops, internal alignment, check-ins after signing.',
    sections: [{ lines: COMMANDS.map(commandLine) }],
    footer: 'Names with spaces go in quotes: "Renault Group". `help COMMAND` shows examples.',
  };
}

/** A mistake in what the member typed: what was wrong, then the right usage. */
export function usageError(problem: string, commandName?: string, extra?: string[]): Message {
  const spec = commandName ? findCommand(commandName) : undefined;
  const lines = spec
    ? [`Usage: \`partner ${spec.usage}\``, ...spec.examples.slice(0, 2).map((e) => `e.g. \`partner ${e}\``)]
    : [];
  return {
    text: [problem, ...(extra ?? []), ...lines].join('\n'),
    isError: true,
  };
}

export function unknownPartner(name: string, suggestions: string[], commandName?: string): Message {
  const hint = suggestions.length
    ? `Did you mean ${suggestions.map((s) => `*${s}*`).join(', ')}?`
    : 'Add it first with `partner add NAME`, or see your partners with `partner list`.';
  return usageError(
    `I don't know a partner called “${truncate(name, LIMITS.partnerName)}”. ${hint}`,
    commandName,
  );
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** One logged interaction; `firstMeeting` marks the one that began the relationship. */
export function interactionLine(interaction: Interaction, today: string, firstMeeting = false): string {
  const note = interaction.note ? ` — ${truncate(interaction.note, 140)}` : '';
  const rating = interaction.rating ? ` (${interaction.rating}/5)` : '';
  const first = firstMeeting ? ' · first meeting' : '';
  return `${formatDay(interaction.occurredOn)} (${relativeDays(interaction.occurredOn, today)}): ${KIND_LABELS[interaction.kind]}${rating}${note}${first}`;
}

/** Whether an interaction is a meeting on the partner's "first met" day. */
export function isFirstMeeting(interaction: Interaction, partner: Pick<Partner, 'firstMetOn'>): boolean {
  return MEETING_KINDS.includes(interaction.kind) && interaction.occurredOn === partner.firstMetOn;
}

/** The choices every delivered nudge carries: the rule's answers, then log / snooze / dismiss. */
export function nudgeChoices(nudge: Nudge, rule: Rule): Choice[] {
  return [...answerChoices(nudge, rule), ...laterChoices(nudge)];
}

/** What answers a nudge: the rule's own answers, "Log it now" and, before meeting them, "Brief me". */
export function answerChoices(nudge: Nudge, rule: Rule): Choice[] {
  const choices: Choice[] = rule.choices.map((choice) => ({
    id: nudgeChoiceId(nudge.id, choice.id),
    label: choice.label,
    style: choice.style,
    ...(choice.secondary ? { secondary: true as const } : {}),
  }));
  if (rule.logKind) choices.push({ id: nudgeChoiceId(nudge.id, NUDGE_ACTIONS.log), label: 'Log it now' });
  const beforeEvent = rule.trigger.type === 'planned' && rule.trigger.when === 'before';
  if (rule.logKind === 'visit' || rule.logKind === 'workshop' || beforeEvent)
    choices.push({ id: nudgeChoiceId(nudge.id, NUDGE_ACTIONS.brief), label: 'Brief me' });
  return choices;
}

/**
 * What puts a nudge off: snooze or dismiss (for a folded message, every nudge in it). Secondary: the
 * answers come first, these wait in a menu where the channel has one.
 */
export function laterChoices(nudge: Nudge): Choice[] {
  return [
    { id: nudgeChoiceId(nudge.id, NUDGE_ACTIONS.snoozeDay), label: 'Snooze 1 day', secondary: true },
    { id: nudgeChoiceId(nudge.id, NUDGE_ACTIONS.snoozeWeek), label: 'Snooze 1 week', secondary: true },
    { id: nudgeChoiceId(nudge.id, NUDGE_ACTIONS.dismiss), label: 'Dismiss', secondary: true },
  ];
}

/** The nudge as it is delivered. `since` describes how long a habit has been missing. */
export function nudgeMessage(
  nudge: Nudge,
  rule: Rule,
  partner: Partner,
  since: string,
  days?: number,
  extra: Record<string, string> = {},
): Message {
  return {
    title: `${partner.name} — ${rule.title}`,
    text: renderPrompt(rule, { occurrence: nudge.occurrence, days }, partner.name, since, extra),
    choices: nudgeChoices(nudge, rule),
    footer: rule.habit,
  };
}

/** The nudge once it is closed: the same text, no buttons, and what was recorded. */
export function closedNudgeMessage(original: Message, outcome: string): Message {
  return { title: original.title, text: original.text, footer: outcome };
}

/** A partner as one option of a picker (labels fit Slack's 75 characters). */
export function partnerOption(partner: Pick<Partner, 'id' | 'name'>): FormOption {
  return { value: String(partner.id), label: truncate(partner.name, 75) };
}

/**
 * The partner picker of a form: the first {@link FORM_SELECT_OPTIONS} of `partners` (given by name), searchable
 * as the member types. The partner `initialId` names is always among the options (first when it is not among
 * the first by name); `more` says the store holds partners beyond `partners`.
 */
export function partnerField(
  partners: readonly Pick<Partner, 'id' | 'name'>[],
  initialId: number | undefined,
  more: boolean,
): SelectField {
  const chosen = initialId === undefined ? undefined : partners.find((p) => p.id === initialId);
  let shown = partners.slice(0, FORM_SELECT_OPTIONS);
  if (chosen && !shown.includes(chosen)) shown = [chosen, ...shown.slice(0, FORM_SELECT_OPTIONS - 1)];
  return {
    id: 'partner',
    label: 'Partner',
    type: 'select',
    options: shown.map(partnerOption),
    initial: chosen ? String(chosen.id) : undefined,
    search: 'partners',
    ...(more || partners.length > shown.length ? { more: true } : {}),
  };
}

/**
 * The log form, prefilled. `partners` are the ones its picker lists, by name (all of them, or the first
 * page with the initial partner added); `more` says there are others to search for.
 */
export function logForm(
  partners: readonly Pick<Partner, 'id' | 'name'>[],
  initial: { partnerId?: number; kind?: string; date: string; note?: string },
  more = false,
): Form {
  return {
    id: 'log-interaction',
    title: 'Log an interaction',
    submitLabel: 'Log it',
    fields: [
      partnerField(partners, initial.partnerId, more),
      {
        id: 'kind',
        label: 'What happened',
        type: 'select',
        options: INTERACTION_KINDS.map((kind) => ({ value: kind, label: KIND_LABELS[kind] })),
        initial: initial.kind,
      },
      { id: 'date', label: 'When', type: 'date', initial: initial.date },
      {
        id: 'note',
        label: 'Note',
        type: 'text',
        multiline: true,
        maxLength: LIMITS.note,
        optional: true,
        placeholder: 'What did you learn? What was agreed?',
        ...(initial.note ? { initial: initial.note } : {}),
      },
      {
        id: 'rating',
        label: 'How did it go? (1–5)',
        type: 'select',
        optional: true,
        options: [1, 2, 3, 4, 5].map((n) => ({ value: String(n), label: String(n) })),
      },
    ],
  };
}

export function prefsMessage(member: Member, now: Date): Message {
  const paused =
    member.pausedUntil && member.pausedUntil > now ? formatLocal(member.pausedUntil, member.timeZone) : null;
  return {
    title: 'Your preferences',
    text:
      'Nudges reach you only on your working days, within your working hours, in your time zone, and never on a ' +
      'public holiday where you live.',
    facts: [
      {
        label: 'Time zone',
        value: member.timeZoneChosen
          ? `${member.timeZone} (your choice; \`prefs tz auto\` follows your profile)`
          : member.timeZone,
      },
      { label: 'Working days', value: formatWeekdays(member.workingDays) },
      { label: 'Working hours', value: `${formatClock(member.workStart)}–${formatClock(member.workEnd)}` },
      { label: 'Public holidays', value: holidaysText(member) },
      { label: 'Paused', value: paused ? `until ${paused}` : 'no' },
      { label: 'Weekly digest', value: member.digest ? 'on' : 'off' },
    ],
    footer:
      'Change with `partner prefs tz Europe/Paris`, `prefs hours 08:30-17:30`, `prefs days mon-fri`, `prefs country GB`, `prefs digest off`.',
  };
}

/** Whose public holidays are the member's days off, and why. */
function holidaysText(member: Member): string {
  const calendar = holidayCalendarOf(member);
  if (!calendar) return 'none (your time zone belongs to no country; set one with `prefs country GB`)';
  return member.holidayCountry
    ? `${calendarName(calendar)} (your choice; \`prefs country auto\` follows your time zone)`
    : `${calendarName(calendar)} (from your time zone)`;
}

export function stageList(): string {
  return STAGES.join(', ');
}

export function kindList(): string {
  return INTERACTION_KINDS.join(', ');
}

/** "since Fri 20 Nov 2026 (37 days)" or "yet" when it never happened. */
export function sinceText(last: string | null, today: string): string {
  return last ? `since ${formatDay(last)} (${relativeDays(last, today)})` : 'yet';
}

export function upcomingLine(occurrence: Occurrence, rule: Rule | undefined): string {
  return `${formatDay(localDate(occurrence.dueAt, 'UTC'))}: ${rule?.title ?? occurrence.ruleId}`;
}
