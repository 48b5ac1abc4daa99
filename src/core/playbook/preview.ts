/**
 * The timeline preview: what the playbook will make due for a partner over the coming days if nothing
 * new is logged. A pure function: it replays `evaluatePlaybook` forward from one due instant to the next.
 */
import type { PartnerState } from '../model';
import type { Occurrence, Playbook } from './playbook';
import { evaluatePlaybook } from './playbook';

export const PREVIEW_DEFAULT_DAYS = 30;
export const PREVIEW_MAX_DAYS = 365;

/** A bound on the replay, far above what any sane playbook produces in a year. */
const MAX_STEPS = 10_000;

/**
 * Occurrences that fall due after `from` and no later than `days` days after it, earliest first (ties
 * in playbook order). Occurrences already due at `from` are not included: they are nudges of today.
 */
export function previewPlaybook(
  state: PartnerState,
  from: Date,
  days: number,
  playbook: Playbook,
): Occurrence[] {
  const until = from.getTime() + days * 86_400_000;
  const seen = new Set<string>();
  const result: Occurrence[] = [];
  let at = from;
  for (let step = 0; step < MAX_STEPS; step++) {
    const { upcoming } = evaluatePlaybook(state, at, playbook);
    const next = upcoming[0];
    if (!next || next.dueAt.getTime() > until || next.dueAt.getTime() <= at.getTime()) break;
    for (const occurrence of upcoming) {
      if (occurrence.dueAt.getTime() !== next.dueAt.getTime()) continue;
      const key = `${occurrence.ruleId}\u0000${occurrence.occurrence}`;
      if (seen.has(key)) continue;
      seen.add(key);
      result.push(occurrence);
    }
    at = next.dueAt;
  }
  const order = new Map(playbook.rules.map((rule, index) => [rule.id, index]));
  return result.sort(
    (a, b) => a.dueAt.getTime() - b.dueAt.getTime() || order.get(a.ruleId)! - order.get(b.ruleId)!,
  );
}
