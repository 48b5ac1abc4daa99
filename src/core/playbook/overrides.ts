/**
 * A workspace's playbook: the default playbook with the workspace's overrides applied, each a value at a
 * path inside one rule (`trigger.days`, `off`, `prompt`) or inside the playbook (`budget.dailyCap`). The
 * merge copies the default and sets only those paths, so fields the default gains later (a rule's
 * recipients, new settings) reach every workspace untouched. The result is checked by `validatePlaybook`
 * and by the checks below for what only overrides can set.
 */
import { RapportError } from '../errors';
import type { PlaybookOverride } from '../ports';
import { PLAYBOOK_WIDE } from '../ports';
import type { Playbook, Rule } from './playbook';
import { validatePlaybook } from './playbook';

/** Bounds of what a workspace may set, in days or messages. */
export const OVERRIDE_LIMITS = {
  cadenceDays: { min: 1, max: 730 },
  dailyCap: { min: 1, max: 50 },
  partnerIntervalDays: { min: 0, max: 60 },
  promptLength: 1000,
} as const;

type OverrideValue = Pick<PlaybookOverride, 'ruleId' | 'field' | 'value'>;

/** Sets `value` at a dotted `path` inside `target`, creating objects on the way. */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let at = target;
  for (const key of keys.slice(0, -1)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') return;
    const next = at[key];
    if (!next || typeof next !== 'object') at[key] = {};
    at = at[key] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1]!;
  if (last === '__proto__' || last === 'constructor' || last === 'prototype') return;
  at[last] = value;
}

/** The value at a dotted path, or undefined. */
export function valueAt(target: unknown, path: string): unknown {
  let at: unknown = target;
  for (const key of path.split('.')) {
    if (!at || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/**
 * The default with the overrides applied, unchecked. An override of a rule the default no longer has is
 * left out (the workspace's change has nothing to apply to).
 */
export function applyOverrides(base: Playbook, overrides: readonly OverrideValue[]): Playbook {
  const merged = structuredClone(base);
  for (const { ruleId, field, value } of overrides) {
    if (ruleId === PLAYBOOK_WIDE) {
      setPath(merged as unknown as Record<string, unknown>, field, value);
      continue;
    }
    const rule = merged.rules.find((r) => r.id === ruleId);
    if (rule) setPath(rule as unknown as Record<string, unknown>, field, value);
  }
  return merged;
}

/** Checks what only a workspace's overrides set (a rule turned off, the budget); throws `INVALID`. */
function validateWorkspaceSettings(playbook: Playbook): void {
  const fail = (why: string): never => {
    throw new RapportError('INVALID', `Invalid playbook: ${why}`);
  };
  for (const rule of playbook.rules) {
    if (rule.off !== undefined && typeof rule.off !== 'boolean')
      fail(`rule ${rule.id}: off must be true or false`);
    if (rule.prompt.length > OVERRIDE_LIMITS.promptLength)
      fail(`rule ${rule.id}: the wording is longer than ${OVERRIDE_LIMITS.promptLength} characters`);
    const days = cadenceDaysOf(rule);
    for (const value of [days.every, days.first, days.after])
      if (value !== undefined && !(Number.isInteger(value) && value <= OVERRIDE_LIMITS.cadenceDays.max))
        fail(`rule ${rule.id}: days must be whole and at most ${OVERRIDE_LIMITS.cadenceDays.max}`);
  }
  const budget = playbook.budget;
  if (budget === undefined) return;
  const within = (value: unknown, limits: { min: number; max: number }): boolean =>
    value === undefined ||
    (typeof value === 'number' && Number.isInteger(value) && value >= limits.min && value <= limits.max);
  if (!within(budget.dailyCap, OVERRIDE_LIMITS.dailyCap))
    fail(
      `the daily budget must be from ${OVERRIDE_LIMITS.dailyCap.min} to ${OVERRIDE_LIMITS.dailyCap.max} messages`,
    );
  if (!within(budget.partnerIntervalDays, OVERRIDE_LIMITS.partnerIntervalDays))
    fail(
      `the partner interval must be from ${OVERRIDE_LIMITS.partnerIntervalDays.min} to ${OVERRIDE_LIMITS.partnerIntervalDays.max} days`,
    );
}

/** The default with the overrides applied and checked; throws `RapportError('INVALID')` with the reason. */
export function workspacePlaybook(base: Playbook, overrides: readonly OverrideValue[]): Playbook {
  const merged = validatePlaybook(applyOverrides(base, overrides));
  validateWorkspaceSettings(merged);
  return merged;
}

/** How a rule's cadence reads: `every` (repeats), `first` (the first one, after its start), `after` (once). */
export interface CadenceDays {
  every?: number;
  first?: number;
  after?: number;
}

/** A cadence word and the field of the rule's trigger it sets, for the rule's kind of trigger. */
export function cadenceField(rule: Rule, word: keyof CadenceDays): string | null {
  const trigger = rule.trigger;
  switch (trigger.type) {
    case 'no-recent':
    case 'every':
      return word === 'every' ? 'trigger.days' : word === 'first' ? 'trigger.firstAfterDays' : null;
    case 'after-signing':
      return word === 'every' ? 'trigger.thenEveryDays' : null;
    case 'after-first':
      return word === 'after' ? 'trigger.days' : null;
    default:
      return null;
  }
}

export function cadenceDaysOf(rule: Rule): CadenceDays {
  const trigger = rule.trigger;
  switch (trigger.type) {
    case 'no-recent':
    case 'every':
      return { every: trigger.days, first: trigger.firstAfterDays };
    case 'after-signing':
      return { every: trigger.thenEveryDays };
    case 'after-first':
      return { after: trigger.days };
    default:
      return {};
  }
}

/** A rule's cadence in words: "every 30 days (first after 30)", "7, 30, 60, 100 days after signing, then every 90". */
export function describeCadence(rule: Rule): string {
  const trigger = rule.trigger;
  switch (trigger.type) {
    case 'no-recent':
      return `every ${trigger.days} days without one (first after ${trigger.firstAfterDays})`;
    case 'every':
      return `every ${trigger.days} days (first after ${trigger.firstAfterDays})`;
    case 'after-signing':
      return (
        `${trigger.days.join(', ')} days after signing` +
        (trigger.thenEveryDays ? `, then every ${trigger.thenEveryDays}` : '')
      );
    case 'after-first':
      return `${trigger.days} day${trigger.days === 1 ? '' : 's'} after the first meeting`;
    case 'missing':
      return 'while none is logged, in its stages';
    case 'planned':
      return trigger.when === 'before'
        ? 'the working day before a planned event'
        : 'the working day after one';
    case 'promise':
      return trigger.when === 'before'
        ? 'working days before a promised day (`promises.remindWorkingDaysBefore`)'
        : 'on a promised day';
    case 'drop-off':
      return `when contact drops after signing (suggests: ${trigger.suggests})`;
    case 'notice':
      return 'when someone is made an owner, or handed a partner';
  }
}
