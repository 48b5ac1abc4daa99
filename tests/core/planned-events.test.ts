import type { WorkingPrefs } from '../../src/core/model';
import {
  parsePlannedOccurrence,
  plannedFollowUps,
  plannedOccurrence,
  workingDayAfter,
  workingDayBefore,
} from '../../src/core/playbook/planned-events';
import { DEFAULT_PLAYBOOK } from '../../src/core/playbook/playbook';

const MON_FRI = [1, 2, 3, 4, 5];
const SUN_THU = [7, 1, 2, 3, 4];

const owner = (id: string, prefs: Partial<WorkingPrefs> = {}) => ({
  id,
  timeZone: 'UTC',
  workingDays: MON_FRI,
  workStart: 540,
  workEnd: 1020,
  ...prefs,
});

const visit = { id: 12, kind: 'visit' as const, plannedOn: '2026-12-14' }; // a Monday

describe('planned events in the playbook', () => {
  it('keys both nudges by the event, with its kind and day, and reads the key back', () => {
    expect(plannedOccurrence(visit)).toBe('e12:visit:2026-12-14');
    expect(parsePlannedOccurrence('e12:visit:2026-12-14')).toEqual({
      eventId: 12,
      kind: 'visit',
      plannedOn: '2026-12-14',
    });
    expect(parsePlannedOccurrence('2026-12-14')).toBeNull();
    expect(parsePlannedOccurrence('d30')).toBeNull();
  });

  it.each<[string, string, number[], string, string]>([
    [
      'a Monday visit: brief on Friday, follow-up on Tuesday',
      '2026-12-14',
      MON_FRI,
      '2026-12-11',
      '2026-12-15',
    ],
    [
      'a Saturday visit: brief on Friday, follow-up on Monday',
      '2026-12-12',
      MON_FRI,
      '2026-12-11',
      '2026-12-14',
    ],
    [
      'a Thursday visit for a Sunday–Thursday week: follow-up on Sunday',
      '2026-12-10',
      SUN_THU,
      '2026-12-09',
      '2026-12-13',
    ],
    [
      'a Sunday visit for a Sunday–Thursday week: brief on Thursday',
      '2026-12-13',
      SUN_THU,
      '2026-12-10',
      '2026-12-14',
    ],
  ])('finds the working days around %s', (_name, day, days, before, after) => {
    expect(workingDayBefore(day, { workingDays: days, timeZone: 'UTC' })).toBe(before);
    expect(workingDayAfter(day, { workingDays: days, timeZone: 'UTC' })).toBe(after);
  });

  it('makes each owner’s brief due from the start of their working day before, in their own zone', () => {
    const owners = [owner('ada'), owner('kenji', { timeZone: 'Asia/Tokyo' })];
    // Friday 11 Dec, 00:00 UTC is 09:00 in Tokyo: Kenji's brief is due, Ada's at 09:00 UTC.
    const early = plannedFollowUps(visit, owners, new Date('2026-12-11T00:00:00Z'), DEFAULT_PLAYBOOK);
    expect(early.due).toEqual([
      {
        memberId: 'kenji',
        ruleId: 'planned-brief',
        occurrence: 'e12:visit:2026-12-14',
        at: new Date('2026-12-11T00:00:00Z'),
      },
    ]);
    expect(early.nextAt).toEqual(new Date('2026-12-11T09:00:00Z'));
    const later = plannedFollowUps(visit, owners, new Date('2026-12-11T09:00:00Z'), DEFAULT_PLAYBOOK);
    expect(later.due.map((d) => `${d.memberId}:${d.ruleId}`)).toEqual([
      'ada:planned-brief',
      'kenji:planned-brief',
    ]);
    // The follow-up is next: Tuesday 09:00 in Tokyo (Monday 24:00 UTC).
    expect(later.nextAt).toEqual(new Date('2026-12-15T00:00:00Z'));
  });

  it('skips the brief once the planned day has begun, and has nothing left after the follow-up', () => {
    const sameDay = plannedFollowUps(
      visit,
      [owner('ada')],
      new Date('2026-12-14T08:00:00Z'),
      DEFAULT_PLAYBOOK,
    );
    expect(sameDay.due).toEqual([]);
    expect(sameDay.nextAt).toEqual(new Date('2026-12-15T09:00:00Z'));
    const after = plannedFollowUps(visit, [owner('ada')], new Date('2026-12-15T09:30:00Z'), DEFAULT_PLAYBOOK);
    expect(after.due.map((d) => d.ruleId)).toEqual(['planned-followup']);
    expect(after.nextAt).toBeNull();
  });
});
