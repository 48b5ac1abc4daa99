/**
 * Dates as people type them: `2026-11-20`, `today`, `yesterday`, `3 days ago`, `last tuesday`, `20 Nov`,
 * `on the 12th`… Phrases are recognised by the forms below (never by guessing), then read with chrono in
 * the member's calendar. A phrase that looks like a date but fits no form is refused, never folded into a
 * note; so is a day on the wrong side of today (a logged interaction has happened, a planned one has not).
 */
import * as chrono from 'chrono-node';
import type { IsoDate } from '../model';
import { addDaysToDate, formatDay, parseIsoDate, relativeDays, weekdayOf } from '../time';
import { truncate } from '../views';

/** Whether the day must have happened (`past`: logging) or be still to come (`future`: planning). */
export type DateDirection = 'past' | 'future';

export type DatePhrase =
  /** `words` leading words made the date. */
  { ok: true; date: IsoDate; words: number } | { ok: false; error: string };

/** What `help` and refusals show. */
export const DATE_FORMS =
  '2026-11-20, today, yesterday, 3 days ago, last tuesday, 20 Nov, Nov 20 2025, on the 12th';

const MONTH =
  '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?';
/** Weekdays, abbreviated or not; alone, only the full names count (`sat down with…` is a note). */
const WEEKDAY =
  '(?:mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:rs(?:day)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?)';
const FULL_WEEKDAY = '(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)';
const DAY = '(?:[0-3]?\\d)(?:st|nd|rd|th)?';
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** Forms read by chrono (month names, relative phrases). Each must match the whole phrase. */
const CHRONO_FORMS = [
  `${DAY} ${MONTH},? ?(?:\\d{4})?`,
  `${MONTH} ${DAY},? ?(?:\\d{4})?`,
  '(?:\\d{1,3}|a|an|one|two|three|four|five|six) (?:days?|weeks?|months?) ago',
  'in (?:\\d{1,3}|a|an|one|two|three|four|five|six) (?:days?|weeks?|months?)',
  'the day (?:before yesterday|after tomorrow)',
  '(?:last|next) week',
  'today|yesterday|tomorrow',
].map((form) => new RegExp(`^(?:${form})$`, 'i'));

/** Words that look like a date on their own; one that fits no accepted form is refused. */
const DATE_LIKE_WORD = new RegExp(
  `^(?:\\d{1,4}[-/.]\\d.*|${FULL_WEEKDAY}|today|tonight|yesterday|tomorrow|\\d{1,2}(?:st|nd|rd|th))$`,
  'i',
);

/** Two words that look like a date together (`last quarter`, `31 Nov`, `3 fortnights ago`…). */
const DATE_LIKE_PAIRS: readonly [RegExp, RegExp][] = [
  [
    /^(?:last|next|this|on|coming|past)$/i,
    new RegExp(`^(?:${WEEKDAY}|week|weekend|month|year|quarter|the|${MONTH}|\\d{1,2}(?:st|nd|rd|th)?)$`, 'i'),
  ],
  [new RegExp(`^${MONTH}$`, 'i'), /^\d{1,2}(?:st|nd|rd|th)?,?$/i],
  [/^\d{1,2}(?:st|nd|rd|th)?$/i, new RegExp(`^${MONTH},?$`, 'i')],
  [/^(?:\d{1,3}|a|an)$/i, /^(?:days?|weeks?|months?|years?)$/i],
];

function looksLikeDate(first: string, second: string): boolean {
  return DATE_LIKE_WORD.test(first) || DATE_LIKE_PAIRS.some(([a, b]) => a.test(first) && b.test(second));
}

/**
 * Reads a date at the start of `words`, in the calendar of the member whose day is `today`. Null when
 * the words do not start with a date (they are all note); a refusal when they start like one that fits
 * no accepted form or falls on the wrong side of today.
 */
export function readDatePhrase(
  words: readonly string[],
  today: IsoDate,
  direction: DateDirection,
): DatePhrase | null {
  for (let count = Math.min(words.length, 4); count >= 1; count--) {
    const phrase = words.slice(0, count).join(' ');
    const date = dateOf(phrase, today, direction);
    if (date === undefined) continue;
    if (date === null) return refusal(phrase);
    const problem = wrongSide(date, today, direction);
    return problem ? { ok: false, error: problem } : { ok: true, date, words: count };
  }
  if (looksLikeDate(words[0] ?? '', words[1] ?? '')) return refusal(words.slice(0, 3).join(' '));
  return null;
}

/** Reads a whole text as one date (a form field). Empty text is null. */
export function readDate(text: string, today: IsoDate, direction: DateDirection): DatePhrase | null {
  const words = text.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return null;
  const read = readDatePhrase(words, today, direction);
  if (read && read.ok && read.words !== words.length) return refusal(text.trim());
  return read ?? refusal(text.trim());
}

/** The day understood, with how far it is from today: `Wed 25 Nov 2026 (3 days ago)`. */
export function describeDay(date: IsoDate, today: IsoDate): string {
  return date === today ? `${formatDay(date)} (today)` : `${formatDay(date)} (${relativeDays(date, today)})`;
}

function refusal(phrase: string): DatePhrase {
  return {
    ok: false,
    error: `I could not read “${truncate(phrase, 30)}” as a date. Use one of: ${DATE_FORMS}. (A note that starts with such words goes after a date, e.g. \`today\`.)`,
  };
}

function wrongSide(date: IsoDate, today: IsoDate, direction: DateDirection): string | null {
  if (direction === 'past' && date > today)
    return `${formatDay(date)} is in the future. Log things once they have happened.`;
  if (direction === 'future' && date < today) return `${formatDay(date)} has already passed.`;
  if (date < '1900-01-01' || date > '2999-12-31') return `${formatDay(date)} is too far away.`;
  return null;
}

/**
 * The day a phrase names; undefined when the phrase is not one of the accepted forms, null when it is
 * but names no real day (`31 Nov`, `2026-02-30`, an ambiguous `03/04`).
 */
function dateOf(phrase: string, today: IsoDate, direction: DateDirection): IsoDate | null | undefined {
  const lower = phrase.toLowerCase();
  const numeric = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(lower);
  if (numeric)
    return parseIsoDate(`${numeric[1]}-${numeric[2]!.padStart(2, '0')}-${numeric[3]!.padStart(2, '0')}`);
  const dayFirst = /^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$/.exec(lower);
  if (dayFirst) return slashDate(Number(dayFirst[1]), Number(dayFirst[2]), dayFirst[3]!);
  const weekday =
    new RegExp(`^(last|next|this|on) (${WEEKDAY})$`, 'i').exec(lower) ??
    new RegExp(`^()(${FULL_WEEKDAY})$`, 'i').exec(lower);
  if (weekday) return weekdayDate(weekday[2]!.slice(0, 3), weekday[1] || undefined, today, direction);
  const ordinal = /^(?:on )?(?:the )?(\d{1,2})(?:st|nd|rd|th)$/.exec(lower);
  if (ordinal) return dayOfMonth(Number(ordinal[1]), today, direction);
  const bare = lower.replace(/^on /, '');
  if (!CHRONO_FORMS.some((form) => form.test(bare))) return undefined;
  const reference = { instant: new Date(`${today}T12:00:00.000Z`), timezone: 'UTC' };
  const [result] = chrono.en.parse(bare, reference, { forwardDate: direction === 'future' });
  if (!result || result.text.length !== bare.length) return null;
  let date = result.start.date().toISOString().slice(0, 10);
  // A day and month without a year mean the nearest one on the side of today the command wants.
  if (!result.start.isCertain('year')) {
    if (direction === 'past' && date > today) date = shiftYears(date, -1);
    if (direction === 'future' && date < today) date = shiftYears(date, 1);
  }
  return parseIsoDate(date);
}

/** `20/11/2026` (day first, as most of the world writes it) when unambiguous; `03/04/2026` is refused. */
function slashDate(first: number, second: number, year: string): IsoDate | null {
  if (first <= 12 && second <= 12 && first !== second) return null;
  const [day, month] = first > 12 ? [first, second] : second > 12 ? [second, first] : [first, second];
  return parseIsoDate(`${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`);
}

/** `tuesday` (the nearest on the command's side of today), `last tuesday`, `next tuesday`, `this tuesday`. */
function weekdayDate(
  name: string,
  qualifier: string | undefined,
  today: IsoDate,
  direction: DateDirection,
): IsoDate {
  const target = WEEKDAYS.indexOf(name) + 1;
  const current = weekdayOf(today);
  const back = (current - target + 7) % 7;
  const ahead = (target - current + 7) % 7;
  switch (qualifier) {
    case 'last':
      return addDaysToDate(today, -(back === 0 ? 7 : back));
    case 'next':
      return addDaysToDate(today, ahead === 0 ? 7 : ahead);
    case 'this':
      // The one in the current ISO week (Monday first).
      return addDaysToDate(today, target - current);
    default:
      return addDaysToDate(today, direction === 'past' ? -back : ahead);
  }
}

/** `on the 12th`: the nearest 12th on the command's side of today. */
function dayOfMonth(day: number, today: IsoDate, direction: DateDirection): IsoDate | null {
  if (day < 1 || day > 31) return null;
  const [year, month] = today.split('-').map(Number) as [number, number];
  for (let step = 0; step < 24; step++) {
    const offset = direction === 'past' ? -step : step;
    const monthIndex = month - 1 + offset;
    const y = year + Math.floor(monthIndex / 12);
    const m = ((monthIndex % 12) + 12) % 12;
    const candidate = parseIsoDate(`${y}-${String(m + 1).padStart(2, '0')}-${String(day).padStart(2, '0')}`);
    if (!candidate) continue;
    if (direction === 'past' ? candidate <= today : candidate >= today) return candidate;
  }
  return null;
}

function shiftYears(date: IsoDate, years: number): IsoDate {
  const shifted = `${Number(date.slice(0, 4)) + years}${date.slice(4)}`;
  return parseIsoDate(shifted) ?? addDaysToDate(`${Number(date.slice(0, 4)) + years}-02-28`, 1);
}
