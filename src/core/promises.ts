/**
 * Promises as the playbook sees them: the occurrence key that ties a reminder to its promise and day, when
 * each reminder falls due for the member who recorded it, and how reliably promises are kept. Pure
 * functions of data.
 */
import type { IsoDate, PartnerPromise, PromiseDirection, WorkingPrefs } from './model';
import type { WorkingCalendar } from './playbook/planned-events';
import { workingDayBefore } from './playbook/planned-events';
import type { Playbook } from './playbook/playbook';
import { promiseReminderDays, promiseRule } from './playbook/playbook';
import { promiseOccurrence } from './promise-keys';
import { addDaysToDate, isWorkingDay, nextWorkingSlot, zonedDayStart } from './time';

export { parsePromiseOccurrence, promiseOccurrence } from './promise-keys';

/**
 * The working day `count` working days before `date` (a working `date` itself when `count` is 0); public
 * holidays of the member's calendar are not working days.
 */
export function workingDaysBefore(date: IsoDate, count: number, calendar: WorkingCalendar): IsoDate {
  if (calendar.workingDays.length === 0) return addDaysToDate(date, -count);
  let day = isWorkingDay(date, calendar) ? date : workingDayBefore(date, calendar);
  for (let step = 0; step < count; step++) day = workingDayBefore(day, calendar);
  return day;
}

/** One reminder a promise calls for. */
export interface PromiseReminder {
  memberId: string;
  ruleId: string;
  occurrence: string;
  /** When it falls due (and may be delivered): the start of the member's working hours that day. */
  at: Date;
}

/**
 * What an open promise calls for at `now`, for the member who recorded it: a reminder from the start of
 * their working hours `remindWorkingDaysBefore` working days before the day (left out when that was before
 * the day was set, or is not before the day), and one on the day (its last working day on or before, when
 * the day itself is not a working one; never before the day was set). `nextAt`: when the next falls due.
 */
export function promiseReminders(
  promise: Pick<PartnerPromise, 'id' | 'dueOn' | 'datedAt' | 'ownerId'>,
  owner: WorkingPrefs,
  now: Date,
  playbook: Playbook,
): { due: PromiseReminder[]; nextAt: Date | null } {
  const occurrence = promiseOccurrence(promise);
  const before = promiseRule(playbook, 'before');
  const onDay = promiseRule(playbook, 'due');
  const due: PromiseReminder[] = [];
  let nextAt: Date | null = null;
  const start = (day: IsoDate): Date => nextWorkingSlot(zonedDayStart(day, owner.timeZone), owner);
  const consider = (ruleId: string, at: Date): void => {
    if (at.getTime() <= now.getTime()) due.push({ memberId: promise.ownerId, ruleId, occurrence, at });
    else if (!nextAt || at < nextAt) nextAt = at;
  };
  const dayStarts = zonedDayStart(promise.dueOn, owner.timeZone);
  const lead = promiseReminderDays(playbook);
  if (before && lead > 0) {
    const at = start(workingDaysBefore(promise.dueOn, lead, owner));
    if (at > promise.datedAt && at < dayStarts) consider(before.id, at);
  }
  if (onDay) {
    const at = start(workingDaysBefore(promise.dueOn, 0, owner));
    consider(onDay.id, at > promise.datedAt ? at : promise.datedAt);
  }
  return { due, nextAt };
}

/** How promises one way ended: kept on time out of those that ended. */
export interface KeptRatio {
  keptOnTime: number;
  late: number;
  broken: number;
  /** Promises that ended (kept, late or broken). */
  ended: number;
  /** How many times they were moved, all told. */
  moved: number;
}

export function keptRatios(
  promises: readonly Pick<PartnerPromise, 'direction' | 'status' | 'movedCount'>[],
): Record<PromiseDirection, KeptRatio> {
  const empty = (): KeptRatio => ({ keptOnTime: 0, late: 0, broken: 0, ended: 0, moved: 0 });
  const ratios = { ours: empty(), theirs: empty() };
  for (const promise of promises) {
    const ratio = ratios[promise.direction];
    ratio.moved += promise.movedCount;
    if (promise.status === 'open') continue;
    ratio.ended++;
    if (promise.status === 'kept') ratio.keptOnTime++;
    else if (promise.status === 'late') ratio.late++;
    else ratio.broken++;
  }
  return ratios;
}

/** "We kept 4 of 5 on time; they kept 2 of 3", or null when no promise has ended either way. */
export function keptText(ratios: Record<PromiseDirection, KeptRatio>): string | null {
  const { ours, theirs } = ratios;
  if (ours.ended === 0 && theirs.ended === 0) return null;
  const part = (who: string, r: KeptRatio, onTime: string): string =>
    r.ended === 0
      ? `${who} have no promise settled yet`
      : `${who} kept ${r.keptOnTime} of ${r.ended}${onTime}`;
  // "on time" once, on the first count given.
  const text =
    ours.ended > 0
      ? `${part('we', ours, ' on time')}; ${part('they', theirs, '')}`
      : `${part('we', ours, '')}; ${part('they', theirs, ' on time')}`;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `You promised *Nissan* “send the pricing model”` / `*Nissan* promised you “a site tour”`. */
export function promisePhrase(
  promise: Pick<PartnerPromise, 'direction' | 'text'>,
  partnerName: string,
): string {
  return promise.direction === 'ours'
    ? `You promised *${partnerName}* “${promise.text}”`
    : `*${partnerName}* promised you “${promise.text}”`;
}
