/**
 * The weekly digest: when a member's week starts, and what the digest says. Pure functions of
 * (member, data, now); the digest scheduler gathers the data and delivers the message.
 */
import type { Health } from './health';
import { byAttention } from './health';
import type { Message, Section } from './messages';
import type { Interaction, IsoDate, Partner, WorkingPrefs } from './model';
import type { Occurrence, Playbook } from './playbook/playbook';
import { findRule } from './playbook/playbook';
import {
  addDaysToDate,
  formatDay,
  isoWeekLabel,
  isWorkingTime,
  localDate,
  nextWorkingSlot,
  weekdayOf,
  zonedDayStart,
} from './time';
import { healthBadge } from './insight-views';
import { KIND_LABELS, truncate } from './views';

/** One member's working week as of an instant. */
export interface DigestWeek {
  /** The ISO week (`2026-W49`) of the day the working week starts: the key of "once per week". */
  week: string;
  /** The first day of the member's working week, in their zone. */
  weekStart: IsoDate;
  /** The start of their first working morning that week. */
  firstSlot: Date;
  /** Whether a digest may go now: on the week's first working day, from `firstSlot`, inside working hours. */
  due: boolean;
}

/**
 * The weekday a member's working week starts on: the working day after the longest run of days off
 * (Monday for mon–fri, Sunday for sun–thu); Monday when every day, or no day, is a working day.
 */
export function workWeekStartDay(workingDays: readonly number[]): number {
  const days = new Set(workingDays);
  if (days.size === 0 || days.size >= 7) return 1;
  let best = 1;
  let bestGap = -1;
  for (let day = 1; day <= 7; day++) {
    if (!days.has(day)) continue;
    let gap = 0;
    for (let before = ((day + 5) % 7) + 1; !days.has(before) && gap < 7; before = ((before + 5) % 7) + 1)
      gap++;
    if (gap > bestGap) {
      best = day;
      bestGap = gap;
    }
  }
  return best;
}

/**
 * The member's current working week at `now`. The digest goes on the first working day of the week,
 * from the start of their working hours; a pass that could not send it in the morning (rate limited,
 * platform unavailable) may still send it later that working day, never on another day: a digest about
 * "this week" is not worth sending on a Thursday.
 */
export function digestWeek(prefs: WorkingPrefs, now: Date): DigestWeek {
  const today = localDate(now, prefs.timeZone);
  const start = workWeekStartDay(prefs.workingDays);
  const back = (weekdayOf(today) - start + 7) % 7;
  const weekStart = addDaysToDate(today, -back);
  const firstSlot = nextWorkingSlot(zonedDayStart(weekStart, prefs.timeZone), prefs);
  return {
    week: isoWeekLabel(weekStart),
    weekStart,
    firstSlot,
    due:
      now.getTime() >= firstSlot.getTime() &&
      isWorkingTime(now, prefs) &&
      today === localDate(firstSlot, prefs.timeZone),
  };
}

/** What the digest says about one partner the member owns. */
export interface DigestPartner {
  partner: Partner;
  health: Health;
  /** Open nudges about this partner waiting for the member. */
  waiting: number;
  /** Interactions of the previous seven days (the week before `weekStart`). */
  lastWeek: Interaction[];
  /** What the playbook will make due in the coming seven days. */
  upcoming: Occurrence[];
  /** The single-voice flag in a sentence, when the relationship hangs on one person (`single-voice.ts`). */
  voice?: string;
}

export interface DigestInput {
  week: DigestWeek;
  partners: DigestPartner[];
  playbook: Playbook;
}

const MAX_LINES = 8;

/** The digest message, or null when the member owns no active partner (nothing worth a message). */
export function digestMessage(input: DigestInput): Message | null {
  const active = input.partners.filter((p) => p.partner.stage !== 'ended');
  if (active.length === 0) return null;
  const { weekStart } = input.week;
  const lastWeekFrom = addDaysToDate(weekStart, -7);
  const lastWeekTo = addDaysToDate(weekStart, -1);

  const attention = active
    .filter((p) => p.health.band !== 'good' || p.waiting > 0 || p.voice)
    .sort(byAttention);
  const attentionLines = attention.slice(0, MAX_LINES).map((p) => {
    const why = p.health.reasons[0] ? ` — ${p.health.reasons[0]}` : '';
    const waiting = p.waiting ? ` · ${p.waiting} nudge${p.waiting === 1 ? '' : 's'} waiting for you` : '';
    const next = p.health.nextStep ? `. Next: ${p.health.nextStep.text} (+${p.health.nextStep.gain})` : '';
    const voice = p.voice ? `\n${p.voice}` : '';
    return `${healthBadge(p.health)} *${p.partner.name}*${why}${waiting}${next}${voice}`;
  });
  if (attention.length > MAX_LINES) attentionLines.push(`…and ${attention.length - MAX_LINES} more.`);

  const logged = active
    .map((p) => ({
      p,
      entries: p.lastWeek.filter((i) => i.occurredOn >= lastWeekFrom && i.occurredOn <= lastWeekTo),
    }))
    .filter(({ entries }) => entries.length > 0);
  const loggedCount = logged.reduce((sum, { entries }) => sum + entries.length, 0);
  const loggedLines = logged.slice(0, MAX_LINES).map(({ p, entries }) => {
    const kinds = new Map<string, number>();
    for (const entry of entries)
      kinds.set(KIND_LABELS[entry.kind], (kinds.get(KIND_LABELS[entry.kind]) ?? 0) + 1);
    const list = [...kinds].map(([label, n]) => (n > 1 ? `${label} ×${n}` : label)).join(', ');
    return `*${p.partner.name}*: ${list}`;
  });

  const coming = active
    .flatMap((p) => p.upcoming.map((o) => ({ p, o })))
    .sort((a, b) => a.o.dueAt.getTime() - b.o.dueAt.getTime());
  const comingLines = coming.slice(0, MAX_LINES).map(({ p, o }) => {
    const title = findRule(input.playbook, o.ruleId)?.title ?? o.ruleId;
    return `${formatDay(localDate(o.dueAt, 'UTC'))} — *${p.partner.name}*: ${truncate(title, 80)}`;
  });
  if (coming.length > MAX_LINES) comingLines.push(`…and ${coming.length - MAX_LINES} more.`);

  const waiting = active.reduce((sum, p) => sum + p.waiting, 0);
  const summary = [
    `${attention.length} of your ${active.length} relationship${active.length === 1 ? '' : 's'} need${attention.length === 1 ? 's' : ''} attention`,
    `${loggedCount} thing${loggedCount === 1 ? ' was' : 's were'} logged last week`,
    `${coming.length} nudge${coming.length === 1 ? ' is' : 's are'} coming this week`,
  ];
  const sections: Section[] = [
    {
      title: 'Needs attention',
      lines: attentionLines.length
        ? attentionLines
        : ['All your relationships look healthy. Keep the rhythm.'],
    },
    {
      title: `Logged last week (${formatDay(lastWeekFrom)} – ${formatDay(lastWeekTo)})`,
      lines: loggedLines.length
        ? loggedLines
        : ['Nothing was logged. Logging a call takes five seconds: `partner log NAME call`.'],
    },
    {
      title: 'Coming up this week',
      lines: comingLines.length ? comingLines : ['No nudges planned this week.'],
    },
  ];
  return {
    title: `Your partnerships — week of ${formatDay(weekStart)}`,
    text:
      `${summary.join('; ')}.` +
      (waiting ? ` ${waiting} nudge${waiting === 1 ? ' is' : 's are'} waiting for you.` : ''),
    sections,
    footer: 'Your weekly digest. Turn it off with `partner prefs digest off`.',
  };
}
