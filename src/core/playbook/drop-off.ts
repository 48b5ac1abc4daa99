/**
 * The post-signing drop-off alert, as one pure rule: for a signed partner, contact touches per day in a
 * period after signing against the period before it (period 1: the `windowDays` after signing against the
 * `windowDays` before; period k: the k-th such window against the one before). When the rate falls below
 * `share` of the one before, the owners are alerted once, with the numbers and a concrete next step from
 * what is missing; the alert re-arms only once the rate has recovered.
 */
import type { InteractionKind, IsoDate } from '../model';
import { addDaysToDate, daysBetween } from '../time';
import type { DropOffSettings, DropOffSuggestion } from './playbook';

export interface DropOffInput {
  signedOn: IsoDate;
  /** The day the check is for. */
  today: IsoDate;
  /** Contact touches (meeting, call, visit either way, workshop, milestone) by day, the signature left out. */
  touches: readonly IsoDate[];
  /** What was logged, by kind and day, for the suggestion. */
  logged: readonly { kind: InteractionKind; occurredOn: IsoDate }[];
  /** False while an alert fired and the rate has not recovered since. */
  armed: boolean;
  settings: DropOffSettings;
}

export interface DropOffCheck {
  /** The period judged (1: the first window after signing); 0 when it is too early to judge anything. */
  period: number;
  /** Touches in the window before, and in the judged one so far. */
  before: number;
  after: number;
  /** Days of the judged period that have passed (at most `windowDays`). */
  days: number;
  /** The after rate as a share of the before rate; null when the window before had too few touches. */
  ratio: number | null;
  /** `fire`: alert now; `rearm`: the rate recovered after an alert; `none`: nothing changes. */
  action: 'fire' | 'rearm' | 'none';
  suggestion: DropOffSuggestion;
}

/** Checks one signed partner on `today`. */
export function checkDropOff(input: DropOffInput): DropOffCheck {
  const { signedOn, today, settings } = input;
  const window = settings.windowDays;
  const elapsed = daysBetween(signedOn, today);
  const none: DropOffCheck = {
    period: 0,
    before: 0,
    after: 0,
    days: 0,
    ratio: null,
    action: 'none',
    suggestion: 'contact',
  };
  if (elapsed < settings.minDays) return none;
  // The current window once `minDays` of it have passed; until then, the last one, complete.
  let period = Math.floor((elapsed - 1) / window) + 1;
  let days = elapsed - (period - 1) * window;
  if (days < settings.minDays) {
    period -= 1;
    days = window;
  }
  const afterFrom = addDaysToDate(signedOn, (period - 1) * window + 1);
  const afterTo = addDaysToDate(afterFrom, days - 1);
  const beforeFrom = addDaysToDate(afterFrom, -window);
  const within = (day: IsoDate, from: IsoDate, to: IsoDate): boolean => day >= from && day <= to;
  const before = input.touches.filter((d) => within(d, beforeFrom, addDaysToDate(afterFrom, -1))).length;
  const after = input.touches.filter((d) => within(d, afterFrom, afterTo)).length;
  const suggestion = suggest(
    input.logged.filter((i) => within(i.occurredOn, afterFrom, afterTo)).map((i) => i.kind),
  );
  if (before < settings.minTouches) return { ...none, period, before, after, days, suggestion };
  const ratio = after / days / (before / window);
  const dropped = ratio < settings.share;
  const action = input.armed && dropped ? 'fire' : !input.armed && !dropped ? 'rearm' : 'none';
  return { period, before, after, days, ratio, action, suggestion };
}

/** The first habit missing from what was logged: a visit, then a joint workshop, then internal alignment. */
function suggest(kinds: readonly InteractionKind[]): DropOffSuggestion {
  if (!kinds.includes('visit') && !kinds.includes('hosted')) return 'visit';
  if (!kinds.includes('workshop')) return 'workshop';
  if (!kinds.includes('alignment')) return 'alignment';
  return 'contact';
}

/** The occurrence of an alert, carrying its numbers so that it renders without reads: `q1:6:1:30`. */
export function dropOffOccurrence(check: Pick<DropOffCheck, 'period' | 'before' | 'after' | 'days'>): string {
  return `q${check.period}:${check.before}:${check.after}:${check.days}`;
}

export function parseDropOffOccurrence(
  occurrence: string,
): { period: number; before: number; after: number; days: number } | null {
  const match = /^q(\d{1,6}):(\d{1,6}):(\d{1,6}):(\d{1,6})$/.exec(occurrence);
  if (!match) return null;
  const [period, before, after, days] = match.slice(1).map(Number) as [number, number, number, number];
  return { period, before, after, days };
}

/**
 * The numbers in words: "6 touches in the 90 days before signing, 1 since" (period 1), or "6 touches in the
 * 90 days before, 1 in the 30 days since" (a later period).
 */
export function dropOffNumbers(
  alert: { period: number; before: number; after: number; days: number },
  windowDays: number,
): string {
  const touches = (n: number): string => `${n} touch${n === 1 ? '' : 'es'}`;
  if (alert.period <= 1)
    return `${touches(alert.before)} in the ${windowDays} days before signing, ${alert.after} since`;
  return `${touches(alert.before)} in the ${windowDays} days before, ${alert.after} in the ${alert.days} days since`;
}
