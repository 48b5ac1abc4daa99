/**
 * Planned events as the playbook sees them: the occurrence key that ties a brief or a "did it happen?"
 * nudge to its event, the working days around the planned day, and which of those nudges are due for
 * each owner at a given instant. Pure functions of data.
 */
import type { IsoDate, PlannableKind, PlannedEvent, WorkingPrefs } from '../model';
import { addDaysToDate, isWorkingDay, nextWorkingSlot, zonedDayStart } from '../time';
import type { Playbook } from './playbook';
import { plannedRule } from './playbook';

/**
 * The occurrence of a planned event's nudges: `e12:visit:2026-12-14`. It carries the kind and the day,
 * so that a delivered nudge renders without reading the event; a moved event is a new event, a new key.
 */
export function plannedOccurrence(event: Pick<PlannedEvent, 'id' | 'kind' | 'plannedOn'>): string {
  return `e${event.id}:${event.kind}:${event.plannedOn}`;
}

export function parsePlannedOccurrence(
  occurrence: string,
): { eventId: number; kind: PlannableKind; plannedOn: IsoDate } | null {
  const match = /^e(\d{1,15}):([a-z]+):(\d{4}-\d{2}-\d{2})$/.exec(occurrence);
  if (!match) return null;
  return { eventId: Number(match[1]), kind: match[2] as PlannableKind, plannedOn: match[3]! };
}

const EVENT_NOUNS: Record<PlannableKind, { noun: string; with: string }> = {
  meeting: { noun: 'meeting', with: 'with' },
  call: { noun: 'call', with: 'with' },
  visit: { noun: 'visit', with: 'to' },
  hosted: { noun: 'visit', with: 'from' },
  workshop: { noun: 'joint workshop', with: 'with' },
  alignment: { noun: 'internal alignment meeting', with: 'on' },
};

/** `visit`, `joint workshop`, `internal alignment meeting`. */
export function eventNoun(kind: PlannableKind): string {
  return EVENT_NOUNS[kind]?.noun ?? kind;
}

/** `visit to *Nissan*`, `joint workshop with *Nissan*`, `internal alignment meeting on *Nissan*`. */
export function eventPhrase(kind: PlannableKind, partnerName: string): string {
  const words = EVENT_NOUNS[kind] ?? { noun: kind, with: 'with' };
  return `${words.noun} ${words.with} *${partnerName}*`;
}

/** Whose working days these are: their weekdays, and the zone and calendar that say their public holidays. */
export type WorkingCalendar = Pick<WorkingPrefs, 'workingDays' | 'timeZone' | 'holidayCountry'>;

/**
 * The last working day strictly before `date` — a public holiday is not one (a month back at most; the
 * day before with no working days).
 */
export function workingDayBefore(date: IsoDate, calendar: WorkingCalendar): IsoDate {
  for (let back = 1; back <= 31; back++) {
    const day = addDaysToDate(date, -back);
    if (isWorkingDay(day, calendar)) return day;
  }
  return addDaysToDate(date, -1);
}

/** The first working day strictly after `date` (a public holiday is not one). */
export function workingDayAfter(date: IsoDate, calendar: WorkingCalendar): IsoDate {
  for (let ahead = 1; ahead <= 31; ahead++) {
    const day = addDaysToDate(date, ahead);
    if (isWorkingDay(day, calendar)) return day;
  }
  return addDaysToDate(date, 1);
}

/** The start of the owner's working hours on a day, in their zone. */
function workingStart(day: IsoDate, prefs: WorkingPrefs): Date {
  return nextWorkingSlot(zonedDayStart(day, prefs.timeZone), prefs);
}

/** One nudge a planned event calls for, for one owner. */
export interface FollowUpNudge {
  memberId: string;
  ruleId: string;
  occurrence: string;
  /** When it falls due (and may be delivered): the start of the owner's working hours that day. */
  at: Date;
}

/**
 * What a planned event calls for at `now`, owner by owner: the brief from the start of the working day
 * before the planned day (skipped once the planned day has begun for them), and "did it happen?" from the
 * start of the working day after. `nextAt`: when something more falls due; null when nothing will.
 */
export function plannedFollowUps(
  event: Pick<PlannedEvent, 'id' | 'kind' | 'plannedOn'>,
  owners: readonly (WorkingPrefs & { id: string })[],
  now: Date,
  playbook: Playbook,
): { due: FollowUpNudge[]; nextAt: Date | null } {
  const occurrence = plannedOccurrence(event);
  const brief = plannedRule(playbook, 'before');
  const followUp = plannedRule(playbook, 'after');
  const due: FollowUpNudge[] = [];
  let nextAt: Date | null = null;
  const consider = (memberId: string, ruleId: string, at: Date): void => {
    if (at.getTime() <= now.getTime()) due.push({ memberId, ruleId, occurrence, at });
    else if (!nextAt || at < nextAt) nextAt = at;
  };
  for (const owner of owners) {
    if (brief) {
      const eventStarts = zonedDayStart(event.plannedOn, owner.timeZone);
      const at = workingStart(workingDayBefore(event.plannedOn, owner), owner);
      if (at < eventStarts && now < eventStarts) consider(owner.id, brief.id, at);
    }
    if (followUp)
      consider(owner.id, followUp.id, workingStart(workingDayAfter(event.plannedOn, owner), owner));
  }
  return { due, nextAt };
}
