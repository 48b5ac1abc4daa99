/**
 * Calendar and time-zone arithmetic. Every function takes the instant it works from as an argument;
 * nothing here reads the wall clock.
 */
import { TZDate } from '@date-fns/tz';
import {
  addDays,
  differenceInCalendarDays,
  format,
  getISODay,
  getISOWeek,
  getISOWeekYear,
  isValid,
  parseISO,
} from 'date-fns';
import { countryOfTimeZone } from './countries';
import { isPublicHoliday } from './holidays';
import type { IsoDate, WorkingPrefs } from './model';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Zones already found valid. Bounded by the runtime's zone list; invalid names are never kept. */
const knownZones = new Set<string>();

/** True for an IANA zone name the runtime knows (DST rules come from the runtime's Intl data). */
export function isValidTimeZone(timeZone: string): boolean {
  if (!timeZone || timeZone.length > 64) return false;
  if (knownZones.has(timeZone)) return true;
  try {
    // Building a formatter is the only portable check, and it is slow (tens of µs): remember the answer.
    new Intl.DateTimeFormat('en-US', { timeZone });
    knownZones.add(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Parses `YYYY-MM-DD` into the same string if it names a real day, else null. */
export function parseIsoDate(text: string): IsoDate | null {
  const match = ISO_DATE.exec(text);
  if (!match) return null;
  const parsed = parseISO(text);
  if (!isValid(parsed) || format(parsed, 'yyyy-MM-dd') !== text) return null;
  return text;
}

/** The calendar day of an instant as lived in a time zone. */
export function localDate(at: Date, timeZone: string): IsoDate {
  return format(new TZDate(at.getTime(), timeZone), 'yyyy-MM-dd');
}

/** Midnight UTC at the start of a calendar day: the instant the playbook uses for a day. */
export function dayStart(date: IsoDate): Date {
  return new Date(`${date}T00:00:00.000Z`);
}

export function addDaysToDate(date: IsoDate, days: number): IsoDate {
  return format(addDays(parseISO(date), days), 'yyyy-MM-dd');
}

/** Whole calendar days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: IsoDate, to: IsoDate): number {
  return differenceInCalendarDays(parseISO(to), parseISO(from));
}

export function addDaysToInstant(at: Date, days: number): Date {
  return new Date(at.getTime() + days * DAY_MS);
}

/** A human date such as `Fri 20 Nov 2026`. */
export function formatDay(date: IsoDate): string {
  return format(parseISO(date), 'EEE d MMM yyyy');
}

/** An instant in a member's zone, e.g. `Mon 30 Nov, 09:00`. */
export function formatLocal(at: Date, timeZone: string): string {
  return format(new TZDate(at.getTime(), timeZone), 'EEE d MMM, HH:mm');
}

/** `today`, `yesterday`, `3 days ago`, `in 2 days`. */
export function relativeDays(date: IsoDate, today: IsoDate): string {
  const days = daysBetween(date, today);
  if (days === 0) return 'today';
  if (days === 1) return 'yesterday';
  if (days === -1) return 'tomorrow';
  return days > 0 ? `${days} days ago` : `in ${-days} days`;
}

/** Parses a duration such as `3d`, `1w`, `12h`, `2 weeks`. Returns milliseconds, or null. */
export function parseDuration(text: string): number | null {
  const match = /^(\d{1,3})\s*(h|hours?|d|days?|w|weeks?)$/i.exec(text.trim());
  if (!match) return null;
  const amount = Number(match[1]);
  if (amount <= 0) return null;
  const unit = match[2]!.toLowerCase()[0];
  const hours = unit === 'h' ? 1 : unit === 'd' ? 24 : 24 * 7;
  return amount * hours * 60 * 60 * 1000;
}

/** `09:30` → 570; null when not a valid time of day. `24:00` is allowed as the end of a day. */
export function parseClock(text: string): number | null {
  const match = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!match) return null;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (minutes > 59 || hours > 24 || (hours === 24 && minutes !== 0)) return null;
  return hours * 60 + minutes;
}

/** 570 → `09:30`. */
export function formatClock(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** `mon-fri`, `sun-thu`, `mon,wed,fri` → ISO weekdays; null when not understood. */
export function parseWeekdays(text: string): number[] | null {
  const days = new Set<number>();
  for (const part of text.toLowerCase().split(',')) {
    const [from, to] = part
      .trim()
      .split('-')
      .map((day) => WEEKDAYS.indexOf(day.trim().slice(0, 3)) + 1);
    if (!from) return null;
    if (to === undefined) {
      days.add(from);
      continue;
    }
    if (!to) return null;
    for (let day = from, guard = 0; guard < 7; day = (day % 7) + 1, guard++) {
      days.add(day);
      if (day === to) break;
    }
  }
  return days.size ? [...days].sort((a, b) => a - b) : null;
}

export function formatWeekdays(days: number[]): string {
  return days.map((day) => WEEKDAYS[day - 1]!.replace(/^./, (c) => c.toUpperCase())).join(', ');
}

/** True when prefs describe at least one working minute a week. */
export function hasWorkingTime(prefs: Omit<WorkingPrefs, 'timeZone'>): boolean {
  return (
    prefs.workingDays.length > 0 &&
    prefs.workingDays.every((day) => Number.isInteger(day) && day >= 1 && day <= 7) &&
    prefs.workStart >= 0 &&
    prefs.workEnd <= 24 * 60 &&
    prefs.workStart < prefs.workEnd
  );
}

/** The holiday calendar whose public holidays are the member's days off (null: none). */
export function holidayCalendarOf(prefs: Pick<WorkingPrefs, 'timeZone' | 'holidayCountry'>): string | null {
  return prefs.holidayCountry || countryOfTimeZone(prefs.timeZone);
}

/** True when a calendar day is one the member works: one of their working days, not a public holiday. */
export function isWorkingDay(
  date: IsoDate,
  prefs: Pick<WorkingPrefs, 'workingDays' | 'timeZone' | 'holidayCountry'>,
): boolean {
  return prefs.workingDays.includes(weekdayOf(date)) && !isPublicHoliday(holidayCalendarOf(prefs), date);
}

function isoWeekday(local: TZDate): number {
  const day = local.getDay();
  return day === 0 ? 7 : day;
}

/** `YYYY-MM-DD` of a zoned date, from its fields (`format` costs more, and this runs per day per slot). */
function calendarDay(local: TZDate): IsoDate {
  const month = String(local.getMonth() + 1).padStart(2, '0');
  const date = String(local.getDate()).padStart(2, '0');
  return `${local.getFullYear()}-${month}-${date}`;
}

/** Long enough to pass any run of days off: a week of holidays next to weekends, or one working day a week. */
const LOOKAHEAD_DAYS = 45;

/**
 * The earliest instant at or after `at` that falls within the member's working days and hours in their
 * own time zone (DST-correct: local clock times are built in the zone, not by adding offsets), skipping
 * the public holidays of where they live (see `holidayCalendarOf`). The one answer to "when may this
 * member be nudged": delivery, snoozes, the daily cap, planned-event briefs and the digest all use it.
 */
export function nextWorkingSlot(at: Date, prefs: WorkingPrefs): Date {
  const local = new TZDate(at.getTime(), prefs.timeZone);
  const holidays = holidayCalendarOf(prefs);
  for (let dayOffset = 0; dayOffset <= LOOKAHEAD_DAYS; dayOffset++) {
    const day = new TZDate(
      local.getFullYear(),
      local.getMonth(),
      local.getDate() + dayOffset,
      prefs.timeZone,
    );
    if (!prefs.workingDays.includes(isoWeekday(day))) continue;
    if (isPublicHoliday(holidays, calendarDay(day))) continue;
    const start = atMinute(day, prefs.workStart, prefs.timeZone);
    const end = atMinute(day, prefs.workEnd, prefs.timeZone);
    if (at.getTime() < start.getTime()) return start;
    if (at.getTime() < end.getTime()) return at;
  }
  // Unreachable with valid prefs (some working day occurs within a week); fail safe rather than loop.
  return at;
}

/** True when `at` falls within working hours. */
export function isWorkingTime(at: Date, prefs: WorkingPrefs): boolean {
  return nextWorkingSlot(at, prefs).getTime() === at.getTime();
}

function atMinute(day: TZDate, minute: number, timeZone: string): Date {
  return new Date(
    new TZDate(
      day.getFullYear(),
      day.getMonth(),
      day.getDate(),
      Math.floor(minute / 60),
      minute % 60,
      timeZone,
    ).getTime(),
  );
}

/** ISO weekday of a calendar day: 1 = Monday … 7 = Sunday. */
export function weekdayOf(date: IsoDate): number {
  return getISODay(parseISO(date));
}

/** The ISO-8601 week a calendar day belongs to, e.g. `2026-W48`. */
export function isoWeekLabel(date: IsoDate): string {
  const day = parseISO(date);
  return `${getISOWeekYear(day)}-W${String(getISOWeek(day)).padStart(2, '0')}`;
}

/** The instant a calendar day starts in a time zone (local midnight, DST-correct). */
export function zonedDayStart(date: IsoDate, timeZone: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(new TZDate(y, m - 1, d, timeZone).getTime());
}
