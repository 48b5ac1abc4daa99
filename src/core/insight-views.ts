/**
 * Channel-neutral renderings of the insight features: health, brief, timeline preview, export.
 * Pure functions of data, like `views.ts`.
 */
import type { Health, HealthFactor } from './health';
import { monthKeys, sparkline } from './health';
import type { Message, MessageFile, Section } from './messages';
import type { Interaction, KindHistory, Member, Partner, PlannableKind, PlannedEvent } from './model';
import type { Occurrence, Playbook, Rule } from './playbook/playbook';
import { findRule, lastDayOf, renderPrompt } from './playbook/playbook';
import { formatDay, formatLocal, localDate, nextWorkingSlot, relativeDays } from './time';
import { partnerHolidayNote, partnerPlaceLine } from './calendar-views';
import { interactionLine, isFirstMeeting, sinceText, truncate } from './views';

const BAND_MARKS = { good: '🟢', fair: '🟡', poor: '🔴' } as const;
const BAND_WORDS = { good: 'good', fair: 'fair', poor: 'needs attention' } as const;

/** `🟡 55/100`. */
export function healthBadge(health: Health): string {
  return `${BAND_MARKS[health.band]} ${health.score}/100`;
}

/** `🟡 55/100 (fair)`. */
export function healthText(health: Health): string {
  return `${healthBadge(health)} (${BAND_WORDS[health.band]})`;
}

/** What can be planned, as the plan form and planned-event lines name it. */
export const PLAN_LABELS: Record<PlannableKind, string> = {
  visit: 'Visit to their premises',
  hosted: 'Hosting them at ours',
  workshop: 'Joint workshop',
  alignment: 'Internal alignment meeting',
  meeting: 'Meeting',
  call: 'Call',
};

/** `Mon 14 Dec 2026 (in 17 days)`. */
export function dayText(date: string, today: string): string {
  return `${formatDay(date)} (${relativeDays(date, today)})`;
}

/** Lines for events still planned: the day, what, the note; a passed day waits for "did it happen?". */
export function plannedLines(events: readonly PlannedEvent[], today: string): string[] {
  return events.map((event) => {
    const note = event.note ? ` — ${truncate(event.note, 140)}` : '';
    const waiting = event.plannedOn < today ? ' — did it happen? waiting for an answer' : '';
    return `${dayText(event.plannedOn, today)}: ${PLAN_LABELS[event.kind]}${note}${waiting}`;
  });
}

/**
 * A name as the command grammar reads it back (`tokenize`): bare when it is one plain word; otherwise in
 * double quotes, with `"` and `\` escaped. Names with spaces, quotes or markup characters (`*_~` and
 * backticks) are quoted, so that a suggested command keeps them as one word whatever the channel shows.
 */
export function quoteName(name: string): string {
  if (/^[^\s"'\u2018\u2019\u201C\u201D\u201E*_~`]+$/.test(name)) return name;
  return `"${name.replace(/["\\\u201C\u201D\u201E]/g, '\\$&')}"`;
}

function factorLine(factor: HealthFactor): string {
  const mark = factor.points >= factor.max ? '✓' : factor.points === 0 ? '✗' : '•';
  // A deduction (reliability) has nothing to earn: it shows what it takes off.
  if (factor.max === 0) return `${mark} ${factor.reason} (${factor.points})`;
  return `${mark} ${factor.reason} (${factor.points}/${factor.max})`;
}

/** The next step in words, with the command that records it. */
export function nextStepText(health: Health, partner: Partner): string {
  const step = health.nextStep;
  if (partner.stage === 'ended') return 'The collaboration has ended; nothing to raise.';
  if (!step) return 'Nothing you could log today would raise it: keep the rhythm.';
  const how = step.kind ? ` — \`partner log ${quoteName(partner.name)} ${step.kind}\`` : '';
  return `${step.text} (+${step.gain})${how}`;
}

/** The health score with every factor and the next step: the heart of `status`. */
export function healthSection(health: Health, partner: Partner): Section {
  const losses = [...health.factors].sort((a, b) => b.max - b.points - (a.max - a.points));
  return {
    title: `Health ${healthText(health)}`,
    lines: [...losses.map(factorLine), `*Next step:* ${nextStepText(health, partner)}`],
  };
}

/** Touches per month as a sparkline, oldest month first. */
export function touchesSection(counts: number[], today: string): Section {
  const keys = monthKeys(today, counts.length);
  const label = (key: string): string => {
    const [year, month] = key.split('-');
    return `${MONTHS[Number(month) - 1]} ${year}`;
  };
  const totalCount = counts.reduce((sum, n) => sum + n, 0);
  const busiest = counts.reduce((best, n, i) => (n > counts[best]! ? i : best), 0);
  const summary = totalCount
    ? `${totalCount} logged in ${counts.length} months; busiest ${label(keys[busiest]!)} (${counts[busiest]}), this month ${counts[counts.length - 1]}.`
    : `Nothing logged in ${counts.length} months.`;
  return {
    title: 'Touches per month',
    lines: [`${label(keys[0]!)} ${sparkline(counts)} ${label(keys[keys.length - 1]!)}`, summary],
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A rule's prompt as it would read on the day an occurrence falls due. */
export function promptOn(rule: Rule, occurrence: Occurrence, partner: Partner, history: KindHistory): string {
  const trigger = rule.trigger;
  const kinds = 'kinds' in trigger ? trigger.kinds : [];
  const day = localDate(occurrence.dueAt, 'UTC');
  return renderPrompt(rule, occurrence, partner.name, sinceText(lastDayOf(history, kinds), day));
}

export interface BriefInput {
  partner: Partner;
  health: Health;
  ownerNames: string[];
  history: KindHistory;
  /** Events still planned, soonest first. */
  planned: readonly PlannedEvent[];
  /** Most recent first. */
  observations: Interaction[];
  /** Most recent first (any kind but observations). */
  interactions: Interaction[];
  /** The latest rated check-ins, most recent first (two are enough for a trend). */
  pulses: Interaction[];
  today: string;
  /** For their time of day and public holidays ahead. */
  now?: Date;
}

/** What to read in the taxi to their office: their culture, the last exchanges, the last pulse. */
export function briefMessage(input: BriefInput): Message {
  const { partner, today } = input;
  const facts = [
    {
      label: 'Stage',
      value: partner.signedOn
        ? `${partner.stage}, signed ${formatDay(partner.signedOn)} (${relativeDays(partner.signedOn, today)})`
        : partner.stage,
    },
    { label: 'Owners', value: input.ownerNames.join(', ') || '—' },
    { label: 'Health', value: healthText(input.health) },
  ];
  const place = input.now ? partnerPlaceLine(partner, input.now) : partner.country;
  if (place) facts.splice(1, 0, { label: 'Where', value: place });
  const holidays = input.now ? partnerHolidayNote(partner, input.now, 'UTC') : null;
  if (holidays) facts.splice(2, 0, { label: 'Their holidays', value: holidays.replace(/^note: /, '') });
  if (partner.firstMetOn)
    facts.push({
      label: 'First met',
      value: `${formatDay(partner.firstMetOn)} (${relativeDays(partner.firstMetOn, today)})`,
    });
  const [latest, previous] = input.pulses;
  let pulseLines: string[];
  if (!latest) {
    pulseLines = ['No pulse yet. After the meeting: how strong are trust, respect and the win-win?'];
  } else {
    const trend = !previous
      ? ''
      : latest.rating! > previous.rating!
        ? `, up from ${previous.rating}/5`
        : latest.rating! < previous.rating!
          ? `, down from ${previous.rating}/5`
          : ', steady';
    pulseLines = [
      `${latest.rating}/5 on ${formatDay(latest.occurredOn)} (${relativeDays(latest.occurredOn, today)})${trend}`,
    ];
    if (latest.note) pulseLines.push(`“${truncate(latest.note, 300)}”`);
  }
  const name = quoteName(partner.name);
  return {
    title: `Brief: ${partner.name}`,
    text: `Before you meet *${partner.name}*: their culture, your last exchanges and how the relationship feels.`,
    facts,
    sections: [
      {
        title: 'Cultural observations',
        lines: input.observations.length
          ? input.observations.map(
              (o) => `${formatDay(o.occurredOn)}: ${truncate(o.note ?? '(no note)', 300)}`,
            )
          : [
              `None logged yet. Watch how they decide and what they value, then \`partner observe ${name} …\`.`,
            ],
      },
      ...(input.planned.length ? [{ title: 'Planned', lines: plannedLines(input.planned, today) }] : []),
      {
        title: 'Last interactions',
        lines: input.interactions.length
          ? input.interactions.map((i) => interactionLine(i, today, isFirstMeeting(i, partner)))
          : ['None logged yet.'],
      },
      { title: 'Last pulse', lines: pulseLines },
      {
        title: 'Worth raising',
        lines: [input.health.reasons[0] ?? '—', `Next step: ${nextStepText(input.health, partner)}`],
      },
    ],
    footer: `Afterwards: \`partner log ${name} meeting today NOTE\`, and one thing you learned with \`partner observe ${name} …\`.`,
  };
}

export interface PreviewInput {
  partner: Partner;
  history: KindHistory;
  occurrences: Occurrence[];
  days: number;
  now: Date;
  playbook: Playbook;
  /** The viewer: delivery times are shown in their working hours and zone. Absent on the command line. */
  member: Member | null;
  /** Open nudges about the partner, already described (`Plan a site visit — sent …`). */
  waiting: string[];
}

const MAX_TIMELINE_LINES = 60;

/** The nudges the playbook will send for one partner over the coming days. */
export function previewMessage(input: PreviewInput): Message {
  const { partner, member, occurrences, days } = input;
  const zone = member?.timeZone ?? 'UTC';
  const until = new Date(input.now.getTime() + days * 86_400_000);
  const untilText = formatDay(localDate(until, zone));
  const title = `${partner.name} — planned nudges, next ${days} day${days === 1 ? '' : 's'}`;
  if (partner.stage === 'ended') {
    return { title, text: `*${partner.name}* has ended: the playbook sends nothing more.` };
  }
  const when = (o: Occurrence): string =>
    member ? formatLocal(nextWorkingSlot(o.dueAt, member), zone) : formatDay(localDate(o.dueAt, 'UTC'));
  const timeline = occurrences.slice(0, MAX_TIMELINE_LINES).map((o) => {
    const rule = findRule(input.playbook, o.ruleId);
    return `${when(o)} — ${rule?.title ?? o.ruleId}${o.occurrence.startsWith('d') ? ` (day ${o.days})` : ''}`;
  });
  if (occurrences.length > MAX_TIMELINE_LINES)
    timeline.push(`…and ${occurrences.length - MAX_TIMELINE_LINES} more.`);
  const asks = new Map<string, string>();
  for (const o of occurrences) {
    const rule = findRule(input.playbook, o.ruleId);
    if (rule && !asks.has(rule.id))
      asks.set(rule.id, `*${rule.title}*: ${truncate(promptOn(rule, o, partner, input.history), 280)}`);
  }
  const count = occurrences.length;
  const sections: Section[] = [
    {
      title: member ? `Timeline (your time, ${zone})` : 'Timeline (due days)',
      lines: timeline.length ? timeline : ['Nothing planned in this period.'],
    },
  ];
  if (asks.size) sections.push({ title: 'What they will ask', lines: [...asks.values()] });
  if (input.waiting.length) sections.push({ title: 'Waiting now', lines: input.waiting });
  return {
    title,
    text: count
      ? `If nothing new is logged, I will send ${count} nudge${count === 1 ? '' : 's'} about *${partner.name}* until ${untilText}.`
      : `Nothing is planned for *${partner.name}* until ${untilText} if nothing changes.`,
    sections,
    footer: 'Logging changes the plan: a visit resets the visit reminder, any contact the keep-in-touch one.',
  };
}

/** The reply to `export`: counts, and the files. */
export function exportMessage(
  workspaceName: string,
  format: string,
  counts: { partners: number; interactions: number; answers: number },
  files: MessageFile[],
): Message {
  const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
  return {
    title: 'Export',
    text:
      `Exported ${plural(counts.partners, 'partner', 'partners')}, ${plural(counts.interactions, 'interaction', 'interactions')} ` +
      `and ${plural(counts.answers, 'answer', 'answers')} from ${workspaceName} as ${format.toUpperCase()} ` +
      `(${plural(files.length, 'file', 'files')}).`,
    facts: files.map((file) => ({
      label: file.name,
      value: `${new TextEncoder().encode(file.content).length} bytes`,
    })),
    files,
    footer:
      format === 'csv'
        ? 'UTF-8 CSV with a header row; it opens in any spreadsheet.'
        : 'One JSON document with partners, interactions and answers.',
  };
}
