/**
 * A partner's side of the calendar, as messages show it: where they are, their time now, and the public
 * holidays coming up there. Pure functions of the partner and the instant.
 */
import { TZDate } from '@date-fns/tz';
import { format, parseISO } from 'date-fns';
import { countryName, countryOfTimeZone } from './countries';
import { calendarName, holidaysBetween } from './holidays';
import type { Partner } from './model';
import { addDaysToDate, isValidTimeZone, localDate } from './time';

/** How far ahead a suggestion to meet or call looks for the partner's public holidays. */
export const HOLIDAY_LOOKAHEAD_DAYS = 14;

type PartnerPlace = Pick<Partner, 'country' | 'timeZone'>;

/** The holiday calendar of the partner's side: their country, else the country of their zone. */
export function partnerHolidayCalendar(partner: PartnerPlace): string | null {
  return partner.country ?? (partner.timeZone ? countryOfTimeZone(partner.timeZone) : null);
}

/** Their clock now: `16:05, Thu`; null without a (valid) zone. */
export function partnerLocalTime(partner: PartnerPlace, now: Date): string | null {
  if (!partner.timeZone || !isValidTimeZone(partner.timeZone)) return null;
  return format(new TZDate(now.getTime(), partner.timeZone), 'HH:mm, EEE');
}

/** `Japan · Asia/Tokyo · their time now 16:05, Thu`; null when neither country nor zone is known. */
export function partnerPlaceLine(partner: PartnerPlace, now: Date): string | null {
  const time = partnerLocalTime(partner, now);
  const parts = [
    partner.country ? countryName(partner.country) : null,
    partner.timeZone,
    time ? `their time now ${time}` : null,
  ].filter((part): part is string => Boolean(part));
  return parts.length ? parts.join(' · ') : null;
}

/**
 * Their public holidays from today (where they are) over the next {@link HOLIDAY_LOOKAHEAD_DAYS} days:
 * `note: 29 April is a public holiday in Japan (Showa Day)`; null when there are none or their country is
 * not known. `fallbackZone` says what "today" is when their zone is not known (the member's).
 */
export function partnerHolidayNote(partner: PartnerPlace, now: Date, fallbackZone: string): string | null {
  const calendar = partnerHolidayCalendar(partner);
  if (!calendar) return null;
  const zone = partner.timeZone && isValidTimeZone(partner.timeZone) ? partner.timeZone : fallbackZone;
  const today = localDate(now, zone);
  const holidays = holidaysBetween(calendar, today, addDaysToDate(today, HOLIDAY_LOOKAHEAD_DAYS - 1));
  if (holidays.length === 0) return null;
  const where = calendarName(calendar);
  const day = (date: string): string =>
    date === today ? `today (${format(parseISO(date), 'd MMMM')})` : format(parseISO(date), 'd MMMM');
  if (holidays.length === 1) {
    const [only] = holidays as [(typeof holidays)[number]];
    return `note: ${day(only.date)} is a public holiday in ${where} (${only.name})`;
  }
  const list = holidays.map((holiday) => `${day(holiday.date)} (${holiday.name})`).join(', ');
  return `note: public holidays in ${where} in the next ${HOLIDAY_LOOKAHEAD_DAYS} days: ${list}`;
}

/**
 * What a suggestion to visit, host, meet, call or hold a workshop adds about their side: their public
 * holidays ahead and their time now. Empty when their country and zone are unknown.
 */
export function partnerCalendarLines(partner: PartnerPlace, now: Date, fallbackZone: string): string[] {
  const note = partnerHolidayNote(partner, now, fallbackZone);
  const time = partnerLocalTime(partner, now);
  return [note, time ? `Their time now: ${time} (${partner.timeZone})` : null].filter(
    (line): line is string => Boolean(line),
  );
}
