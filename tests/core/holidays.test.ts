import { countryCode, countryOfTimeZone, soleTimeZone } from '../../src/core/countries';
import { calendarName, holidayCalendar, holidaysBetween, holidaysOn } from '../../src/core/holidays';
import type { WorkingPrefs } from '../../src/core/model';
import { workingDayAfter, workingDayBefore } from '../../src/core/playbook/planned-events';
import { holidayCalendarOf, isWorkingDay, nextWorkingSlot } from '../../src/core/time';

const week = { workingDays: [1, 2, 3, 4, 5], workStart: 9 * 60, workEnd: 17 * 60 };
const TOKYO: WorkingPrefs = { ...week, timeZone: 'Asia/Tokyo' };
const NEW_YORK: WorkingPrefs = { ...week, timeZone: 'America/New_York' };
const LONDON: WorkingPrefs = { ...week, timeZone: 'Europe/London' };

describe('a member’s public holidays are not working days', () => {
  // Each row: who, when a nudge would go, and when it may (the member's next working instant).
  it.each([
    // Japan, 2026: Shōwa Day (Wed 29 Apr), then Golden Week (Sun 3 – Wed 6 May, a substitute day).
    ['Tokyo, Shōwa Day 2026', TOKYO, '2026-04-29T01:00:00Z', '2026-04-30T00:00:00Z'],
    ['Tokyo, Golden Week 2026 (Mon 4 May)', TOKYO, '2026-05-04T01:00:00Z', '2026-05-07T00:00:00Z'],
    ['Tokyo, after hours before Golden Week 2026', TOKYO, '2026-05-01T08:30:00Z', '2026-05-07T00:00:00Z'],
    [
      'Tokyo, Golden Week 2026 (Wed 6 May, substitute)',
      TOKYO,
      '2026-05-06T05:00:00Z',
      '2026-05-07T00:00:00Z',
    ],
    // Japan, 2027: Shōwa Day (Thu 29 Apr), Golden Week (Mon 3 – Wed 5 May).
    ['Tokyo, Shōwa Day 2027', TOKYO, '2027-04-29T01:00:00Z', '2027-04-30T00:00:00Z'],
    ['Tokyo, Golden Week 2027', TOKYO, '2027-05-03T00:00:00Z', '2027-05-06T00:00:00Z'],
    // United States: Thanksgiving (Thu 26 Nov 2026, Thu 25 Nov 2027); 09:00 in New York is 14:00 UTC.
    ['New York, Thanksgiving 2026', NEW_YORK, '2026-11-26T15:00:00Z', '2026-11-27T14:00:00Z'],
    ['New York, Thanksgiving 2027', NEW_YORK, '2027-11-25T15:00:00Z', '2027-11-26T14:00:00Z'],
    // United Kingdom (England): Christmas 2026 (Fri 25, Sat 26, Boxing Day substitute Mon 28 Dec).
    ['London, Christmas Eve after hours 2026', LONDON, '2026-12-24T17:30:00Z', '2026-12-29T09:00:00Z'],
    ['London, Boxing Day substitute 2026', LONDON, '2026-12-28T10:00:00Z', '2026-12-29T09:00:00Z'],
    // August bank holidays (Mon 31 Aug 2026, Mon 30 Aug 2027): 09:00 BST is 08:00 UTC.
    ['London, August bank holiday 2026', LONDON, '2026-08-31T09:00:00Z', '2026-09-01T08:00:00Z'],
    ['London, August bank holiday 2027', LONDON, '2027-08-30T09:00:00Z', '2027-08-31T08:00:00Z'],
    // Christmas 2027 falls on a weekend: Mon 27 and Tue 28 Dec are substitute days.
    ['London, Christmas 2027', LONDON, '2027-12-24T17:30:00Z', '2027-12-29T09:00:00Z'],
    // Ordinary working moments stay as they are.
    ['Tokyo, an ordinary Tuesday', TOKYO, '2026-04-28T01:00:00Z', '2026-04-28T01:00:00Z'],
    ['New York, the day after Thanksgiving 2026', NEW_YORK, '2026-11-27T15:00:00Z', '2026-11-27T15:00:00Z'],
    ['London, Christmas Eve 2026 in hours', LONDON, '2026-12-24T10:00:00Z', '2026-12-24T10:00:00Z'],
  ])('%s', (_case, prefs, at, expected) => {
    expect(nextWorkingSlot(new Date(at), prefs).toISOString()).toBe(new Date(expected).toISOString());
  });

  it('uses the holiday country the member chose over the one of their time zone', () => {
    const showaDay = new Date('2026-04-29T01:00:00Z');
    // In Tokyo but keeping UK holidays: Shōwa Day is a working day, the August bank holiday is not.
    const choseGb = { ...TOKYO, holidayCountry: 'GB' };
    expect(nextWorkingSlot(showaDay, choseGb)).toEqual(showaDay);
    expect(isWorkingDay('2026-08-31', choseGb)).toBe(false);
    // Scotland's bank holidays: the first Monday of August, not the last.
    const scotland = { ...LONDON, holidayCountry: 'GB-SCT' };
    expect(isWorkingDay('2026-08-31', scotland)).toBe(true);
    expect(isWorkingDay('2026-08-03', scotland)).toBe(false);
  });

  it('has no holidays for a zone of no country (UTC)', () => {
    const christmas = new Date('2026-12-25T10:00:00Z');
    expect(holidayCalendarOf({ timeZone: 'UTC' })).toBeNull();
    expect(nextWorkingSlot(christmas, { ...week, timeZone: 'UTC' })).toEqual(christmas);
  });

  it('moves a planned event’s brief and follow-up off holidays', () => {
    // A visit on Thu 7 May 2026: the working day before, for someone in Tokyo, is Fri 1 May.
    expect(workingDayBefore('2026-05-07', TOKYO)).toBe('2026-05-01');
    expect(workingDayAfter('2026-05-01', TOKYO)).toBe('2026-05-07');
    expect(workingDayAfter('2026-11-25', NEW_YORK)).toBe('2026-11-27');
    expect(workingDayBefore('2026-12-29', LONDON)).toBe('2026-12-24');
  });
});

describe('the holiday calendar', () => {
  it('names public holidays in English, and only public ones', () => {
    expect(holidaysOn('JP', '2026-04-29')).toEqual(['Showa Day']);
    expect(holidaysOn('US', '2026-11-26')).toEqual(['Thanksgiving Day']);
    // Mother's Day in the UK is an observance, not a day off.
    expect(holidaysOn('GB', '2026-03-15')).toEqual([]);
    expect(holidaysBetween('JP', '2026-04-28', '2026-05-06').map((h) => h.date)).toEqual([
      '2026-04-29',
      '2026-05-03',
      '2026-05-04',
      '2026-05-05',
      '2026-05-06',
    ]);
    expect(holidaysBetween('GB', '2026-12-30', '2027-01-02')).toEqual([
      { date: '2027-01-01', name: "New Year's Day" },
    ]);
  });

  it('reads codes case-insensitively and refuses unknown ones', () => {
    expect(holidayCalendar('jp')).toBe('JP');
    expect(holidayCalendar('gb-sct')).toBe('GB-SCT');
    expect(holidayCalendar('XX')).toBeNull();
    expect(holidayCalendar('GB-XYZ')).toBeNull();
    expect(holidayCalendar('Japan')).toBeNull();
    expect(calendarName('GB-SCT')).toBe('United Kingdom (Scotland)');
  });

  it('maps countries and zones both ways', () => {
    expect(countryCode('jp')).toBe('JP');
    expect(countryCode('XX')).toBeNull();
    expect(soleTimeZone('JP')).toBe('Asia/Tokyo');
    expect(soleTimeZone('US')).toBeNull();
    expect(countryOfTimeZone('Asia/Tokyo')).toBe('JP');
    expect(countryOfTimeZone('America/New_York')).toBe('US');
    expect(countryOfTimeZone('Europe/London')).toBe('GB');
    expect(countryOfTimeZone('UTC')).toBeNull();
  });
});
