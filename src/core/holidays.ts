/**
 * Public holidays, from `date-holidays` (offline, maintained): the days a member does not work, and the
 * days worth knowing about before visiting or calling a partner. Only holidays of type `public` count,
 * with their English names.
 *
 * A holiday calendar is a country code (`JP`), optionally with a subdivision (`GB-SCT`, `US-CA`). A country
 * whose bank holidays differ by region has a default region (`GB` → England and Wales).
 */
import Holidays from 'date-holidays';
import type { IsoDate } from './model';

/** One public holiday: its day and name. */
export interface PublicHoliday {
  date: IsoDate;
  name: string;
}

/**
 * Regions taken when only the country is given, where the country's own list leaves out holidays most
 * people there have: the United Kingdom's national list lacks England and Wales's August bank holiday.
 */
const DEFAULT_REGIONS: Readonly<Record<string, string>> = { GB: 'ENG' };

/** A calendar's holidays by year, keyed `JP:2026`. Building a calendar is slow (tens of ms); years are few. */
const byYear = new Map<string, ReadonlyMap<IsoDate, string[]>>();
/** Country code → name, for the countries date-holidays has holidays for; read on first use. */
let countryNames: Readonly<Record<string, string>> | null = null;
function countries(): Readonly<Record<string, string>> {
  countryNames ??= new Holidays().getCountries('en');
  return countryNames;
}

function split(calendar: string): { country: string; region?: string } {
  const [country, region] = calendar.toUpperCase().split('-') as [string, string | undefined];
  return { country, region: region ?? DEFAULT_REGIONS[country] };
}

/**
 * The calendar `text` names (`jp` → `JP`, `gb-sct` → `GB-SCT`) when date-holidays knows it, else null. A
 * country without a holiday list (Antarctica) is not a calendar.
 */
export function holidayCalendar(text: string): string | null {
  const calendar = text.trim().toUpperCase();
  const match = /^([A-Z]{2})(?:-([A-Z0-9]{1,3}))?$/.exec(calendar);
  if (!match) return null;
  if (!countries()[match[1]!]) return null;
  if (match[2] && !new Holidays().getStates(match[1]!, 'en')?.[match[2]]) return null;
  return calendar;
}

/** `United Kingdom (Scotland)` for `GB-SCT`; `Japan` for `JP`. */
export function calendarName(calendar: string): string {
  const [country, region] = calendar.toUpperCase().split('-') as [string, string | undefined];
  const name = countries()[country] ?? country;
  const regionName = region ? new Holidays().getStates(country, 'en')?.[region] : undefined;
  return regionName ? `${name} (${regionName})` : name;
}

function holidaysOfYear(calendar: string, year: number): ReadonlyMap<IsoDate, string[]> {
  const key = `${calendar.toUpperCase()}:${year}`;
  const cached = byYear.get(key);
  if (cached) return cached;
  const days = new Map<IsoDate, string[]>();
  const { country, region } = split(calendar);
  // A stored code date-holidays does not know (older data) has no holidays rather than failing.
  if (countries()[country]) {
    const source = region
      ? new Holidays(country, region, { languages: ['en'] })
      : new Holidays(country, { languages: ['en'] });
    for (const holiday of source.getHolidays(year, 'en') || []) {
      if (holiday.type !== 'public') continue;
      const date = holiday.date.slice(0, 10);
      days.set(date, [...(days.get(date) ?? []), holiday.name]);
    }
  }
  byYear.set(key, days);
  return days;
}

/** The names of the public holidays on a day (empty on a day that is none). */
export function holidaysOn(calendar: string | null, date: IsoDate): string[] {
  if (!calendar) return [];
  return holidaysOfYear(calendar, Number(date.slice(0, 4))).get(date) ?? [];
}

export function isPublicHoliday(calendar: string | null, date: IsoDate): boolean {
  return holidaysOn(calendar, date).length > 0;
}

/** Public holidays from `from` to `to`, both included, by day. */
export function holidaysBetween(calendar: string | null, from: IsoDate, to: IsoDate): PublicHoliday[] {
  if (!calendar || to < from) return [];
  const found: PublicHoliday[] = [];
  for (let year = Number(from.slice(0, 4)); year <= Number(to.slice(0, 4)); year++) {
    for (const [date, names] of holidaysOfYear(calendar, year)) {
      if (date >= from && date <= to) found.push({ date, name: names.join(' / ') });
    }
  }
  return found.sort((a, b) => a.date.localeCompare(b.date));
}
