/**
 * How promises read: an open promise as a section with its buttons (Kept first, the rest in the menu), the
 * promises part of a status, the date form "Moved to…" opens, and how a settled promise is described.
 */
import { promiseChoiceId } from '../choice-ids';
import { dayText } from '../insight-views';
import type { Form, Section } from '../messages';
import type { IsoDate, PartnerPromise } from '../model';
import { keptRatios, keptText, promisePhrase } from '../promises';
import { daysBetween, formatDay } from '../time';

export const PROMISE_MOVE_FORM_ID = 'promise-move';

export const ENDINGS = ['kept', 'late', 'broken'] as const;
export type Ending = (typeof ENDINGS)[number];

export const ENDING_WORDS: Record<Ending, string> = {
  kept: 'kept on time',
  late: 'kept, but late',
  broken: 'broken',
};

/** The date form "Moved to…" opens. */
export function promiseMoveForm(promiseId: number, initial?: IsoDate): Form {
  return {
    id: PROMISE_MOVE_FORM_ID,
    title: 'Move a promise',
    submitLabel: 'Move it',
    fields: [{ id: 'date', label: 'New date', type: 'date', initial }],
    context: { promise: String(promiseId) },
  };
}

/** The buttons on an open promise: Kept first, the other endings and Moved in the menu. */
export function promiseChoices(promiseId: number): NonNullable<Section['choices']> {
  return [
    { id: promiseChoiceId(promiseId, 'kept'), label: 'Kept', style: 'primary' },
    { id: promiseChoiceId(promiseId, 'late'), label: 'Late', secondary: true },
    { id: promiseChoiceId(promiseId, 'broken'), label: 'Broken', secondary: true },
    { id: promiseChoiceId(promiseId, 'moved'), label: 'Moved to…', secondary: true },
  ];
}

/** One open promise as a section with its buttons: who promised what, when, and whether it is overdue. */
export function promiseSection(promise: PartnerPromise, partnerName: string, today: IsoDate): Section {
  const late = daysBetween(promise.dueOn, today);
  const when =
    late > 0
      ? `was due ${formatDay(promise.dueOn)}, ${late} day${late === 1 ? '' : 's'} overdue`
      : `due ${dayText(promise.dueOn, today)}`;
  const moved = promise.movedCount
    ? ` · moved ${promise.movedCount === 1 ? 'once' : `${promise.movedCount} times`}`
    : '';
  return {
    title: `#${promise.id} ${partnerName} — ${promise.direction === 'ours' ? 'ours' : 'theirs'}`,
    lines: [`${promisePhrase(promise, partnerName)}, ${when}${moved}`],
    choices: promiseChoices(promise.id),
  };
}

/** Open promises, overdue first (oldest due first), then by due day. */
export function byUrgency(a: PartnerPromise, b: PartnerPromise): number {
  return a.dueOn.localeCompare(b.dueOn) || a.id - b.id;
}

/** "kept on time (Mon 14 Dec 2026)", "moved to …". */
export function settledText(promise: PartnerPromise): string {
  if (promise.status === 'open') return `moved to ${formatDay(promise.dueOn)}`;
  return ENDING_WORDS[promise.status];
}

/**
 * The promises part of a partner's status: how reliably promises were kept both ways ("We kept 4 of 5 on
 * time; they kept 2 of 3"), then each open one with its buttons, overdue first. Nothing without promises.
 */
export function statusPromiseSections(
  promises: readonly PartnerPromise[],
  partnerName: string,
  today: IsoDate,
): Section[] {
  if (promises.length === 0) return [];
  const ratios = keptRatios(promises);
  const moved = ratios.ours.moved + ratios.theirs.moved;
  const open = promises.filter((p) => p.status === 'open').sort(byUrgency);
  const lines = [
    keptText(ratios) ?? 'No promise settled yet.',
    ...(moved ? [`Moved ${moved === 1 ? 'once' : `${moved} times`} all told.`] : []),
    open.length ? `${open.length} open:` : 'None open.',
  ];
  return [
    { title: 'Promises', lines },
    ...open.slice(0, 10).map((promise) => promiseSection(promise, partnerName, today)),
  ];
}
