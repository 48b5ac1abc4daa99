import {
  nextWorkingSlot,
  isWorkingTime,
  parseDuration,
  parseWeekdays,
  parseIsoDate,
  localDate,
  parseClock,
} from '../../src/core/time';
import type { WorkingPrefs } from '../../src/core/model';

const officeHours = (timeZone: string, overrides: Partial<WorkingPrefs> = {}): WorkingPrefs => ({
  timeZone,
  workingDays: [1, 2, 3, 4, 5],
  workStart: 9 * 60,
  workEnd: 17 * 60,
  ...overrides,
});

describe('nextWorkingSlot', () => {
  it.each([
    [
      'keeps an instant inside Tokyo working hours',
      'Asia/Tokyo',
      '2026-11-27T02:00:00Z',
      '2026-11-27T02:00:00.000Z',
    ],
    [
      'moves a Tokyo early morning to 09:00 JST',
      'Asia/Tokyo',
      '2026-11-26T23:30:00Z',
      '2026-11-27T00:00:00.000Z',
    ],
    [
      'moves a Tokyo Friday evening to Monday 09:00 JST',
      'Asia/Tokyo',
      '2026-11-27T10:00:00Z',
      '2026-11-30T00:00:00.000Z',
    ],
    [
      'treats 17:00 as the end of the day (exclusive)',
      'Asia/Tokyo',
      '2026-11-27T08:00:00Z',
      '2026-11-30T00:00:00.000Z',
    ],
    // US daylight saving time ends on Sunday 1 November 2026: 09:00 is 13:00Z before and 14:00Z after.
    [
      'crosses the autumn DST change in New York',
      'America/New_York',
      '2026-10-31T20:00:00Z',
      '2026-11-02T14:00:00.000Z',
    ],
    [
      'uses daylight time before the autumn change',
      'America/New_York',
      '2026-10-29T22:00:00Z',
      '2026-10-30T13:00:00.000Z',
    ],
    // ... and starts on Sunday 8 March 2026.
    [
      'crosses the spring DST change in New York',
      'America/New_York',
      '2026-03-06T23:00:00Z',
      '2026-03-09T13:00:00.000Z',
    ],
    [
      'handles a zone with a half-hour offset',
      'Asia/Kolkata',
      '2026-11-27T00:00:00Z',
      '2026-11-27T03:30:00.000Z',
    ],
  ])('%s', (_name, zone, at, expected) => {
    expect(nextWorkingSlot(new Date(at), officeHours(zone)).toISOString()).toBe(expected);
  });

  it('starts a working day that begins inside the spring DST gap at the first real minute after it', () => {
    // 02:30 does not exist in New York on Sunday 8 March 2026: clocks jump from 02:00 to 03:00 EDT.
    const prefs = officeHours('America/New_York', {
      workingDays: [1, 2, 3, 4, 5, 6, 7],
      workStart: 150,
      workEnd: 600,
    });
    const slot = nextWorkingSlot(new Date('2026-03-08T05:00:00Z'), prefs); // 00:00 EST
    expect(isWorkingTime(slot, prefs)).toBe(true);
    expect(slot.getTime()).toBeLessThanOrEqual(new Date('2026-03-08T07:30:00Z').getTime()); // 03:30 EDT
    expect(isWorkingTime(new Date(slot.getTime() - 60_000), prefs)).toBe(false);
  });

  it('respects a Sunday-to-Thursday week', () => {
    const prefs = officeHours('Asia/Dubai', { workingDays: [7, 1, 2, 3, 4] });
    // Friday 27 Nov 2026, 10:00 in Dubai (UTC+4) → Sunday 29 Nov 09:00 = 05:00Z.
    expect(nextWorkingSlot(new Date('2026-11-27T06:00:00Z'), prefs).toISOString()).toBe(
      '2026-11-29T05:00:00.000Z',
    );
  });

  it('says whether an instant is working time', () => {
    expect(isWorkingTime(new Date('2026-11-27T02:00:00Z'), officeHours('Asia/Tokyo'))).toBe(true);
    expect(isWorkingTime(new Date('2026-11-27T12:00:00Z'), officeHours('Asia/Tokyo'))).toBe(false);
  });
});

describe('parsing', () => {
  it.each([
    ['3d', 3 * 86_400_000],
    ['1w', 7 * 86_400_000],
    ['12h', 12 * 3_600_000],
    ['2 weeks', 14 * 86_400_000],
    ['0d', null],
    ['soon', null],
    ['-1d', null],
  ])('reads the duration %s', (text, expected) => {
    expect(parseDuration(text)).toBe(expected);
  });

  it.each([
    ['mon-fri', [1, 2, 3, 4, 5]],
    ['sun-thu', [1, 2, 3, 4, 7]],
    ['mon,wed,fri', [1, 3, 5]],
    ['fri-mon', [1, 5, 6, 7]],
    ['funday', null],
  ])('reads the weekdays %s', (text, expected) => {
    expect(parseWeekdays(text)).toEqual(expected);
  });

  it.each([
    ['2026-11-20', '2026-11-20'],
    ['2026-02-30', null],
    ['2026-13-01', null],
    ['20-11-2026', null],
  ])('reads the date %s', (text, expected) => {
    expect(parseIsoDate(text)).toBe(expected);
  });

  it('reads clock times and refuses impossible ones', () => {
    expect(parseClock('08:30')).toBe(510);
    expect(parseClock('24:00')).toBe(1440);
    expect(parseClock('24:30')).toBeNull();
    expect(parseClock('9:75')).toBeNull();
  });

  it('gives the calendar day as lived in a zone', () => {
    expect(localDate(new Date('2026-11-27T20:00:00Z'), 'Asia/Tokyo')).toBe('2026-11-28');
    expect(localDate(new Date('2026-11-27T03:00:00Z'), 'America/New_York')).toBe('2026-11-26');
  });
});
