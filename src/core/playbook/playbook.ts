/**
 * The playbook: rules, as data, that say when a nudge becomes due for a partner and what it asks.
 * `evaluatePlaybook` is a pure function of (partner state, now, playbook).
 */
import { CONTACT_KINDS, INTERACTION_KINDS, PLANNABLE_KINDS, STAGES } from '../model';
import type { InteractionKind, IsoDate, KindHistory, PartnerState, PlannableKind, Stage } from '../model';
import { RapportError } from '../errors';
import { addDaysToDate, addDaysToInstant, dayStart, daysBetween } from '../time';
import defaultPlaybookData from './default-playbook.json';
import { NOTICE_RULES, isNoticeRule } from './notices';
import type { Recipients } from './recipients';
import { checkRecipients } from './recipients';

/** A one-tap answer to a nudge. `rating` (1–5) is recorded with the check-in when the rule records one. */
export interface RuleChoice {
  id: string;
  label: string;
  rating?: number;
  style?: 'primary' | 'danger';
  /** The answer is a fact: it records an interaction of this kind on the day of the answer ("Reached out" → a call). */
  records?: InteractionKind;
  /** The answer announces a planned event of this kind: its date is asked for, then followed up. */
  plans?: PlannableKind;
  /** The answer needs one follow-up question (what is blocking) before a next step is suggested. */
  asks?: 'blocker';
  /**
   * For a planned event's "did it happen?" (a `planned` rule, `when: 'after'`): `happened` logs it on the
   * planned day, `replan` asks for a new date, `drop` lets it go.
   */
  outcome?: PlannedOutcome;
  /** For a promise reminder (a `promise` rule): how the promise ended, or `moved` (a new date is asked for). */
  promise?: PromiseOutcome;
  /** A lesser answer: channels that can tuck choices away put it in the message's menu. */
  secondary?: true;
}

export const PROMISE_OUTCOMES = ['kept', 'late', 'broken', 'moved'] as const;
export type PromiseOutcome = (typeof PROMISE_OUTCOMES)[number];

/** What a drop-off alert suggests, from what is missing since signing (see `playbook/drop-off.ts`). */
export const DROP_OFF_SUGGESTIONS = ['visit', 'workshop', 'alignment', 'contact'] as const;
export type DropOffSuggestion = (typeof DROP_OFF_SUGGESTIONS)[number];

export const PLANNED_OUTCOMES = ['happened', 'replan', 'drop'] as const;
export type PlannedOutcome = (typeof PLANNED_OUTCOMES)[number];

/** What can block a collaboration, with the concrete next step the playbook suggests for it. */
export interface Blocker {
  /** e.g. `trust`; travels in a button id, so short and plain. */
  id: string;
  label: string;
  /** The next step, with `{partner}`: "Visit them at their premises…". */
  step: string;
  /** The interaction the step is about, when it can be planned (`plan NAME KIND DATE` is suggested). */
  plans?: PlannableKind;
}

/** How much a rule's nudge is worth when a member's attention is scarce (the daily cap picks the highest). */
export const RULE_PRIORITIES = ['high', 'normal', 'low'] as const;
export type RulePriority = (typeof RULE_PRIORITIES)[number];

/**
 * When a rule's occurrences fall due. Days are calendar days.
 * - `after-first`: once, `days` after the first interaction of `kinds` (skipped when older than `staleAfterDays`,
 *   or when one of `satisfiedBy` was logged since).
 * - `no-recent`: when nothing of `kinds` (`any` kind, or any `contact` kind) happened for `days`; before any,
 *   `firstAfterDays` after the anchor (partner added, or signed); repeats every `days` while it stays true.
 * - `after-signing`: at each of `days` after signing, then every `thenEveryDays`.
 * - `missing`: while nothing of `kinds` was ever logged, inside stage windows (from `fromDays` after entering
 *   the stage — for `signed`, after the signing date — until `untilDays`, if set).
 * - `every`: every `days`, first `firstAfterDays` after the anchor; with `sooner`, also `sooner.days` after a
 *   check-in whose rating was at most `sooner.ratingAtMost` (a "Stuck" brings the next pulse forward).
 * - `planned`: the working day before (`before`) or after (`after`) each planned event. These occurrences
 *   come from the partner's planned events and each owner's working days: the scheduler's planned-event
 *   step creates them, `evaluatePlaybook` never makes them due.
 *
 * - `promise`: a promise's reminder, `promises.remindWorkingDaysBefore` working days before its day (`before`)
 *   and on the day (`due`), for whoever recorded it; the scheduler's promise step creates them.
 * - `drop-off`: the post-signing drop-off alert, with what it `suggests`; the scheduler's drop-off step
 *   creates it (see `playbook/drop-off.ts`).
 *
 * A rule that asks for explicit `kinds` (`no-recent`, `missing`) is quiet while one of them is planned:
 * until the day after the planned day, and while "did it happen?" waits, up to `PLANNED_GRACE_DAYS` more.
 */
export type Trigger =
  | {
      type: 'after-first';
      kinds: InteractionKind[];
      days: number;
      staleAfterDays?: number;
      /** Kinds that, logged on or after the first one, make the occurrence unnecessary. */
      satisfiedBy?: InteractionKind[];
    }
  | {
      type: 'no-recent';
      kinds: InteractionKind[] | 'any' | 'contact';
      days: number;
      anchor: Anchor;
      firstAfterDays: number;
    }
  | { type: 'after-signing'; days: number[]; thenEveryDays?: number }
  | {
      type: 'missing';
      kinds: InteractionKind[];
      windows: { stage: Stage; fromDays: number; untilDays?: number }[];
    }
  | {
      type: 'every';
      days: number;
      anchor: Anchor;
      firstAfterDays: number;
      sooner?: { ratingAtMost: number; days: number };
    }
  | { type: 'planned'; when: 'before' | 'after' }
  | { type: 'promise'; when: 'before' | 'due' }
  | { type: 'drop-off'; suggests: DropOffSuggestion }
  /** Built-in notices (an owner added, a handover): created by a command, never by the playbook. */
  | { type: 'notice' };

/**
 * What a series counts from: the day the partner was added, the signing day, or `engaged` — the signing
 * day once signed, else the day the partner entered `negotiating` (nothing before that).
 */
export type Anchor = 'added' | 'signed' | 'engaged';

export interface Rule {
  id: string;
  title: string;
  /** The relationship habit the rule serves, shown in help and previews. */
  habit: string;
  trigger: Trigger;
  /** Stages in which the rule applies (default: all but `ended`). */
  stages?: Stage[];
  /**
   * Text with `{partner}`, `{days}` (days since the anchor) and `{since}` ("in 45 days", "yet"); for a
   * `planned` rule, `{event}` ("visit to *Nissan*") and `{day}` (the planned day).
   */
  prompt: string;
  /** Prompts for particular occurrences, e.g. `d7`. */
  prompts?: Record<string, string>;
  /** The interaction kind offered by "Log it now". */
  logKind?: InteractionKind;
  /** When set, an answer with a choice is also recorded as an interaction of this kind. */
  records?: 'checkin';
  choices: RuleChoice[];
  /** Default `normal`. Under the daily cap, higher priorities go first. */
  priority?: RulePriority;
  /**
   * A milestone (the post-signing reviews) is delivered on its day even when the member heard about the
   * same partner this week; other rules respect the per-partner interval.
   */
  milestone?: boolean;
  /** Days an open nudge of this rule stays useful after it fell due; then it expires instead of queueing. */
  expiresAfterDays?: number;
  /** Turned off by a workspace (`playbook off RULE`): the rule makes nothing due. */
  off?: boolean;
  /** Whom the rule nudges among the partner's owners (default `all`). */
  recipients?: Recipients;
}

export interface Playbook {
  version: number;
  rules: Rule[];
  /** What a "Stuck" or "Some friction" answer may be blocked by (choices with `asks: 'blocker'`). */
  blockers?: Blocker[];
  /** A workspace's attention budget, where it differs from the service's (`playbook budget …`). */
  budget?: PlaybookBudget;
  /** Promise reminders: how many working days before the promised day the first one comes (default 2). */
  promises?: { remindWorkingDaysBefore: number };
  /** The post-signing drop-off alert (see `DropOffSettings`); defaults apply to what is left out. */
  dropOff?: Partial<DropOffSettings>;
}

/** How many messages a member gets: see the scheduler's `BudgetOptions`. */
export interface PlaybookBudget {
  dailyCap?: number;
  partnerIntervalDays?: number;
}

/**
 * The drop-off alert compares contact touches per day in a period after signing with the period before:
 * `windowDays` long, judged once `minDays` of it have passed, when the period before had at least
 * `minTouches`; it fires when the rate falls below `share` of the one before.
 */
export interface DropOffSettings {
  share: number;
  windowDays: number;
  minDays: number;
  minTouches: number;
}

export const DEFAULT_DROP_OFF: DropOffSettings = { share: 0.5, windowDays: 90, minDays: 30, minTouches: 3 };
export const DEFAULT_PROMISE_REMINDER_DAYS = 2;

export function dropOffSettings(playbook: Playbook): DropOffSettings {
  return { ...DEFAULT_DROP_OFF, ...playbook.dropOff };
}

export function promiseReminderDays(playbook: Playbook): number {
  return playbook.promises?.remindWorkingDaysBefore ?? DEFAULT_PROMISE_REMINDER_DAYS;
}

/** How long after its day a planned event that nobody followed up still quiets the rule asking for it. */
export const PLANNED_GRACE_DAYS = 7;

/** One occurrence of a rule that is (or will be) due for a partner. */
export interface Occurrence {
  ruleId: string;
  occurrence: string;
  dueAt: Date;
  /** Days since the rule's anchor at the occurrence (for prompts), when meaningful. */
  days?: number;
}

export interface Evaluation {
  /** Occurrences due at `now`: at most one per rule, the latest. */
  due: Occurrence[];
  /** The earliest future instant at which something new may fall due; null when nothing ever will. */
  nextDueAt: Date | null;
  /** The next future occurrence of each rule, earliest first (for previews and status). */
  upcoming: Occurrence[];
}

const ACTIVE_STAGES: Stage[] = ['exploring', 'negotiating', 'signed'];

/** The playbook shipped with Rapport. */
export const DEFAULT_PLAYBOOK: Playbook = validatePlaybook(defaultPlaybookData);

/** Checks playbook data (shipped or a workspace's override) and returns it typed; throws with the reason. */
export function validatePlaybook(data: unknown): Playbook {
  const fail = (why: string): never => {
    throw new RapportError('INVALID', `Invalid playbook: ${why}`);
  };
  if (!data || typeof data !== 'object') fail('not an object');
  const { version, rules, blockers } = data as { version?: unknown; rules?: unknown; blockers?: unknown };
  if (typeof version !== 'number') fail('version must be a number');
  if (!Array.isArray(rules) || rules.length === 0) fail('rules must be a non-empty list');
  if (blockers !== undefined && !Array.isArray(blockers)) fail('blockers must be a list');
  const { promises, dropOff } = data as {
    promises?: { remindWorkingDaysBefore?: unknown };
    dropOff?: object;
  };
  const lead = promises?.remindWorkingDaysBefore;
  if (promises !== undefined && !(Number.isInteger(lead) && (lead as number) >= 0 && (lead as number) <= 20))
    fail('promises.remindWorkingDaysBefore must be a whole number of working days, 0–20');
  if (dropOff !== undefined) {
    const settings = { ...DEFAULT_DROP_OFF, ...dropOff };
    if (!(settings.share > 0 && settings.share < 1)) fail('dropOff.share must be between 0 and 1');
    if (!(settings.windowDays >= 7 && settings.minDays >= 1 && settings.minDays <= settings.windowDays))
      fail('dropOff.windowDays must be at least 7, and minDays between 1 and windowDays');
    if (!(settings.minTouches >= 1)) fail('dropOff.minTouches must be at least 1');
  }
  const blockerIds = new Set<string>();
  for (const blocker of (blockers ?? []) as Blocker[]) {
    if (!blocker || typeof blocker.id !== 'string' || !/^[a-z0-9-]{1,20}$/.test(blocker.id))
      fail(`bad blocker id ${JSON.stringify(blocker?.id)}`);
    if (blockerIds.has(blocker.id)) fail(`duplicate blocker id ${blocker.id}`);
    blockerIds.add(blocker.id);
    if (typeof blocker.label !== 'string' || !blocker.label) fail(`blocker ${blocker.id} has no label`);
    if (typeof blocker.step !== 'string' || !blocker.step) fail(`blocker ${blocker.id} has no step`);
    if (blocker.plans !== undefined && !(PLANNABLE_KINDS as readonly string[]).includes(blocker.plans))
      fail(`blocker ${blocker.id} plans ${blocker.plans}, which cannot be planned`);
  }
  const ids = new Set<string>();
  for (const rule of rules as Rule[]) {
    if (!rule || typeof rule.id !== 'string' || !/^[a-z0-9-]{1,40}$/.test(rule.id))
      fail(`bad rule id ${JSON.stringify(rule?.id)}`);
    if (ids.has(rule.id)) fail(`duplicate rule id ${rule.id}`);
    if (isNoticeRule(rule.id)) fail(`rule id ${rule.id} is reserved for a built-in notice`);
    const recipientsProblem = checkRecipients(rule.recipients);
    if (recipientsProblem) fail(`rule ${rule.id}: ${recipientsProblem}`);
    ids.add(rule.id);
    if (typeof rule.prompt !== 'string' || !rule.prompt) fail(`rule ${rule.id} has no prompt`);
    if (!Array.isArray(rule.choices)) fail(`rule ${rule.id} has no choices list`);
    for (const choice of rule.choices) {
      if (!/^[a-z0-9-]{1,20}$/.test(choice.id)) fail(`rule ${rule.id} has a bad choice id ${choice.id}`);
      if (choice.rating !== undefined && ![1, 2, 3, 4, 5].includes(choice.rating))
        fail(`rule ${rule.id}: rating 1–5`);
      if ((choice.promise !== undefined) !== (rule.trigger?.type === 'promise'))
        fail(
          `rule ${rule.id}: choice ${choice.id}: a promise outcome belongs to every choice of a promise rule`,
        );
      if (choice.promise !== undefined && !PROMISE_OUTCOMES.includes(choice.promise))
        fail(`rule ${rule.id}: choice ${choice.id} has unknown promise outcome ${String(choice.promise)}`);
    }
    if (rule.logKind && !INTERACTION_KINDS.includes(rule.logKind))
      fail(`rule ${rule.id} logs unknown kind ${rule.logKind}`);
    if (rule.priority !== undefined && !RULE_PRIORITIES.includes(rule.priority))
      fail(`rule ${rule.id}: priority must be one of ${RULE_PRIORITIES.join(', ')}`);
    if (rule.expiresAfterDays !== undefined && !(rule.expiresAfterDays > 0))
      fail(`rule ${rule.id}: expiresAfterDays must be positive`);
    for (const choice of rule.choices) {
      for (const kind of [choice.records, choice.plans])
        if (kind !== undefined && !INTERACTION_KINDS.includes(kind))
          fail(`rule ${rule.id}: choice ${choice.id} names unknown kind ${kind}`);
      if (choice.plans !== undefined && !(PLANNABLE_KINDS as readonly string[]).includes(choice.plans))
        fail(`rule ${rule.id}: choice ${choice.id} plans ${choice.plans}, which cannot be planned`);
      if (choice.asks !== undefined && choice.asks !== 'blocker')
        fail(`rule ${rule.id}: choice ${choice.id} asks ${String(choice.asks)}; only blocker is known`);
      if (choice.asks === 'blocker' && blockerIds.size === 0)
        fail(`rule ${rule.id}: choice ${choice.id} asks for a blocker, but the playbook lists no blockers`);
      const followsUp = rule.trigger?.type === 'planned' && rule.trigger.when === 'after';
      if (choice.outcome !== undefined && !PLANNED_OUTCOMES.includes(choice.outcome))
        fail(`rule ${rule.id}: choice ${choice.id} has unknown outcome ${String(choice.outcome)}`);
      if ((choice.outcome !== undefined) !== followsUp)
        fail(
          `rule ${rule.id}: choice ${choice.id}: an outcome belongs to every choice of a planned follow-up`,
        );
    }
    for (const stage of rule.stages ?? [])
      if (!STAGES.includes(stage)) fail(`rule ${rule.id}: unknown stage ${stage}`);
    const trigger = rule.trigger;
    const kinds = 'kinds' in trigger ? trigger.kinds : [];
    if (kinds !== 'any' && kinds !== 'contact' && !kinds.every((kind) => INTERACTION_KINDS.includes(kind)))
      fail(`rule ${rule.id}: unknown kind`);
    switch (trigger.type) {
      case 'every':
        if (
          trigger.sooner !== undefined &&
          !([1, 2, 3, 4, 5].includes(trigger.sooner.ratingAtMost) && trigger.sooner.days > 0)
        )
          fail(`rule ${rule.id}: sooner needs ratingAtMost 1–5 and positive days`);
        if (!(trigger.days > 0)) fail(`rule ${rule.id}: days must be positive`);
        break;
      case 'after-first':
      case 'no-recent':
        if (!(trigger.days > 0)) fail(`rule ${rule.id}: days must be positive`);
        if ('anchor' in trigger && !['added', 'signed', 'engaged'].includes(trigger.anchor))
          fail(`rule ${rule.id}: anchor must be added, signed or engaged`);
        break;
      case 'planned':
        if (trigger.when !== 'before' && trigger.when !== 'after')
          fail(`rule ${rule.id}: a planned trigger is "before" or "after"`);
        break;
      case 'promise':
        if (trigger.when !== 'before' && trigger.when !== 'due')
          fail(`rule ${rule.id}: a promise trigger is "before" or "due"`);
        break;
      case 'drop-off':
        if (!DROP_OFF_SUGGESTIONS.includes(trigger.suggests))
          fail(`rule ${rule.id}: a drop-off trigger suggests one of ${DROP_OFF_SUGGESTIONS.join(', ')}`);
        break;
      case 'after-signing':
        if (!trigger.days.length || trigger.days.some((d) => !(d > 0)))
          fail(`rule ${rule.id}: days must be positive`);
        if (trigger.thenEveryDays !== undefined && !(trigger.thenEveryDays > 0))
          fail(`rule ${rule.id}: bad thenEveryDays`);
        break;
      case 'missing':
        if (!trigger.windows.length) fail(`rule ${rule.id}: no windows`);
        break;
      default:
        fail(`rule ${rule.id}: unknown trigger type ${(trigger as { type: string }).type}`);
    }
  }
  return data as Playbook;
}

/**
 * Rules whose occurrences end because what they ask for was logged (a visit, a workshop…): a snoozed
 * nudge of these may expire. Others (a check-in at day 30, a reflection window) stay snoozed as asked.
 */
export function rulesEndedByLogging(playbook: Playbook): string[] {
  return playbook.rules
    .filter((rule) => ['no-recent', 'missing', 'planned'].includes(rule.trigger.type))
    .map((rule) => rule.id);
}

/**
 * Rules that logging an interaction of `kind` answers: what they ask for is that kind (their "Log it
 * now" kind, or a kind their trigger waits for). Check-ins are answered only by answering them.
 */
export function rulesAnsweredBy(playbook: Playbook, kind: InteractionKind): string[] {
  return playbook.rules
    .filter((rule) => {
      if (rule.records === 'checkin') return false;
      if (rule.logKind === kind) return true;
      const trigger = rule.trigger;
      if (trigger.type === 'after-first') return (trigger.satisfiedBy ?? []).includes(kind);
      if (!('kinds' in trigger)) return false;
      if (trigger.kinds === 'any') return true;
      if (trigger.kinds === 'contact') return (CONTACT_KINDS as readonly InteractionKind[]).includes(kind);
      return trigger.kinds.includes(kind);
    })
    .map((rule) => rule.id);
}

/** Days an open nudge of each rule stays useful (see `Rule.expiresAfterDays`). */
export const DEFAULT_EXPIRY_DAYS = 14;

export function expiryLimits(playbook: Playbook): { ruleId: string; days: number }[] {
  return [...playbook.rules, ...NOTICE_RULES].map((rule) => ({
    ruleId: rule.id,
    days: rule.expiresAfterDays ?? DEFAULT_EXPIRY_DAYS,
  }));
}

const PRIORITY_RANK: Record<RulePriority, number> = { high: 0, normal: 1, low: 2 };

/** Sorts before (negative) when `a`'s rule matters more than `b`'s. Unknown rules last. */
export function byRulePriority(playbook: Playbook, a: string, b: string): number {
  const rank = (ruleId: string): number => {
    const rule = findRule(playbook, ruleId);
    return rule ? PRIORITY_RANK[rule.priority ?? 'normal'] : 3;
  };
  return rank(a) - rank(b);
}

/** The rule that sends a planned event's brief (`before`) or its "did it happen?" (`after`), if any. */
export function plannedRule(playbook: Playbook, when: 'before' | 'after'): Rule | undefined {
  return playbook.rules.find(
    (rule) => rule.trigger.type === 'planned' && rule.trigger.when === when && !rule.off,
  );
}

/** The rule that reminds of a promise before its day (`before`) or on it (`due`), if any. */
export function promiseRule(playbook: Playbook, when: 'before' | 'due'): Rule | undefined {
  return playbook.rules.find(
    (rule) => rule.trigger.type === 'promise' && rule.trigger.when === when && !rule.off,
  );
}

/** The drop-off alert's rule for a suggestion (or the generic `contact` one), if any. */
export function dropOffRule(playbook: Playbook, suggests: DropOffSuggestion): Rule | undefined {
  const of = (s: DropOffSuggestion): Rule | undefined =>
    playbook.rules.find(
      (rule) => rule.trigger.type === 'drop-off' && rule.trigger.suggests === s && !rule.off,
    );
  return of(suggests) ?? of('contact');
}

/**
 * Rules whose nudges the scheduler's own steps create and close (promise reminders, drop-off alerts):
 * re-planning a partner's playbook leaves them be.
 */
export function stepManagedRuleIds(playbook: Playbook): string[] {
  return playbook.rules
    .filter((rule) => rule.trigger.type === 'promise' || rule.trigger.type === 'drop-off')
    .map((rule) => rule.id);
}

/** A rule of the playbook, or a built-in notice (see `notices.ts`). */
export function findRule(playbook: Playbook, ruleId: string): Rule | undefined {
  return playbook.rules.find((rule) => rule.id === ruleId) ?? NOTICE_RULES.find((rule) => rule.id === ruleId);
}

/** The latest occurrence at or before `now` and the first one after it, for one rule. */
interface RuleTimeline {
  latest?: Occurrence;
  next?: Occurrence;
}

function atDay(ruleId: string, occurrence: string, date: IsoDate, days?: number): Occurrence {
  return { ruleId, occurrence, dueAt: dayStart(date), days };
}

/** For a series start + k·step (k ≥ 0), the latest at or before `now` and the next after it. */
function series(ruleId: string, start: IsoDate, step: number, now: Date, daysAtStart: number): RuleTimeline {
  const today = new Date(now.getTime());
  const elapsed = Math.floor((today.getTime() - dayStart(start).getTime()) / 86_400_000);
  if (elapsed < 0) return { next: atDay(ruleId, start, start, daysAtStart) };
  const k = Math.floor(elapsed / step);
  const latestDate = addDaysToDate(start, k * step);
  const nextDate = addDaysToDate(start, (k + 1) * step);
  return {
    latest: atDay(ruleId, latestDate, latestDate, daysAtStart + k * step),
    next: atDay(ruleId, nextDate, nextDate, daysAtStart + (k + 1) * step),
  };
}

/** Kinds a trigger names, with `any` and `contact` spelled out. */
export function kindsOf(kinds: readonly InteractionKind[] | 'any' | 'contact'): readonly InteractionKind[] {
  return kinds === 'any' ? INTERACTION_KINDS : kinds === 'contact' ? CONTACT_KINDS : kinds;
}

/** The last day anything of `kinds` (default: any kind) was logged, or null. */
export function lastDayOf(
  history: KindHistory,
  kinds: readonly InteractionKind[] | 'any' | 'contact' = 'any',
): IsoDate | null {
  let last: IsoDate | null = null;
  for (const kind of kindsOf(kinds)) {
    const seen = history[kind]?.last;
    if (seen && (!last || seen > last)) last = seen;
  }
  return last;
}

function firstOf(state: PartnerState, kinds: InteractionKind[]): IsoDate | null {
  let first: IsoDate | null = null;
  for (const kind of kinds) {
    const seen = state.history[kind]?.first;
    if (seen && (!first || seen < first)) first = seen;
  }
  return first;
}

function anchorDate(state: PartnerState, anchor: Anchor): IsoDate | null {
  if (anchor === 'signed') return state.partner.signedOn;
  if (anchor === 'engaged') {
    const { partner } = state;
    if (partner.signedOn) return partner.signedOn;
    return partner.stage === 'negotiating' || partner.stage === 'signed'
      ? partner.stageChangedAt.toISOString().slice(0, 10)
      : null;
  }
  return state.partner.createdAt.toISOString().slice(0, 10);
}

/** Every `days`, the first `firstAfterDays` after the anchor (partner added, or signed). */
function seriesFromAnchor(
  ruleId: string,
  state: PartnerState,
  trigger: { days: number; anchor: Anchor; firstAfterDays: number },
  now: Date,
): RuleTimeline {
  const anchor = anchorDate(state, trigger.anchor);
  if (!anchor) return {};
  return series(
    ruleId,
    addDaysToDate(anchor, trigger.firstAfterDays),
    trigger.days,
    now,
    trigger.firstAfterDays,
  );
}

/**
 * A rule that asks for what is already planned waits: from now until the day after the latest planned day
 * of its kinds, plus `PLANNED_GRACE_DAYS` while the event is still open (its "did it happen?" unanswered).
 * Null when nothing it asks for is planned, or the wait is over.
 */
function quietUntil(rule: Rule, state: PartnerState, now: Date): Date | null {
  const trigger = rule.trigger;
  if (trigger.type !== 'no-recent' && trigger.type !== 'missing') return null;
  if (!Array.isArray(trigger.kinds)) return null;
  const kinds: readonly InteractionKind[] = trigger.kinds;
  let until: Date | null = null;
  for (const event of state.planned ?? []) {
    if (!kinds.includes(event.kind)) continue;
    const end = dayStart(addDaysToDate(event.plannedOn, 1 + PLANNED_GRACE_DAYS));
    if (end.getTime() > now.getTime() && (!until || end > until)) until = end;
  }
  return until;
}

function timeline(rule: Rule, state: PartnerState, now: Date): RuleTimeline {
  const until = quietUntil(rule, state, now);
  if (!until) return ruleTimeline(rule, state, now);
  // Quiet until then: what the rule makes due at that instant is its next occurrence.
  const resumed = ruleTimeline(rule, state, until);
  if (resumed.latest) return { next: { ...resumed.latest, dueAt: until } };
  return resumed.next ? { next: resumed.next } : {};
}

/** `every` with `sooner`: the regular series, and one occurrence `sooner.days` after a low check-in. */
function everyTimeline(
  rule: Rule,
  state: PartnerState,
  trigger: Extract<Trigger, { type: 'every' }>,
  now: Date,
): RuleTimeline {
  const regular = seriesFromAnchor(rule.id, state, trigger, now);
  const checkin = state.history.checkin;
  const sooner = trigger.sooner;
  if (!sooner || !checkin || checkin.lastRating === undefined || checkin.lastRating > sooner.ratingAtMost)
    return regular;
  const day = addDaysToDate(checkin.last, sooner.days);
  const early = atDay(rule.id, day, day, sooner.days);
  if (early.dueAt.getTime() <= now.getTime()) {
    const latest = !regular.latest || regular.latest.dueAt < early.dueAt ? early : regular.latest;
    return { latest, next: regular.next };
  }
  const next = !regular.next || early.dueAt < regular.next.dueAt ? early : regular.next;
  return { latest: regular.latest, next };
}

function ruleTimeline(rule: Rule, state: PartnerState, now: Date): RuleTimeline {
  const trigger = rule.trigger;
  const { partner } = state;
  switch (trigger.type) {
    case 'after-first': {
      const first = firstOf(state, trigger.kinds);
      if (!first) return {};
      const satisfied = trigger.satisfiedBy ? lastDayOf(state.history, trigger.satisfiedBy) : null;
      if (satisfied && satisfied >= first) return {};
      const due = atDay(rule.id, 'once', addDaysToDate(first, trigger.days), trigger.days);
      if (due.dueAt.getTime() > now.getTime()) return { next: due };
      const staleAt = addDaysToInstant(due.dueAt, trigger.staleAfterDays ?? 7);
      return now.getTime() <= staleAt.getTime() ? { latest: due } : {};
    }
    case 'no-recent': {
      const last = lastDayOf(state.history, trigger.kinds);
      if (last) return series(rule.id, addDaysToDate(last, trigger.days), trigger.days, now, trigger.days);
      return seriesFromAnchor(rule.id, state, trigger, now);
    }
    case 'every':
      return everyTimeline(rule, state, trigger, now);
    case 'planned':
    case 'promise':
    case 'drop-off':
    case 'notice':
      return {};
    case 'after-signing': {
      const signed = partner.signedOn;
      if (!signed) return {};
      const offsets = [...trigger.days].sort((a, b) => a - b);
      const lastFixed = offsets[offsets.length - 1]!;
      const result: RuleTimeline = {};
      for (const days of offsets) {
        const occurrence = atDay(rule.id, `d${days}`, addDaysToDate(signed, days), days);
        if (occurrence.dueAt.getTime() <= now.getTime()) result.latest = occurrence;
        else return { ...result, next: occurrence };
      }
      if (!trigger.thenEveryDays) return result;
      const repeat = series(
        rule.id,
        addDaysToDate(signed, lastFixed + trigger.thenEveryDays),
        trigger.thenEveryDays,
        now,
        lastFixed + trigger.thenEveryDays,
      );
      const named = (o?: Occurrence): Occurrence | undefined => o && { ...o, occurrence: `d${o.days}` };
      return { latest: named(repeat.latest) ?? result.latest, next: named(repeat.next) };
    }
    case 'missing': {
      if (firstOf(state, trigger.kinds)) return {};
      const window = trigger.windows.find((w) => w.stage === partner.stage);
      if (!window) return {};
      const entered =
        window.stage === 'signed' && partner.signedOn
          ? partner.signedOn
          : partner.stageChangedAt.toISOString().slice(0, 10);
      const from = addDaysToDate(entered, window.fromDays);
      const occurrence = atDay(rule.id, window.stage, from, window.fromDays);
      if (window.untilDays !== undefined) {
        const until = addDaysToDate(entered, window.untilDays);
        if (daysBetween(until, now.toISOString().slice(0, 10)) > 0) return {};
      }
      return occurrence.dueAt.getTime() <= now.getTime() ? { latest: occurrence } : { next: occurrence };
    }
  }
}

/**
 * What the playbook makes due for one partner at `now`: the latest occurrence of each applicable rule
 * (earlier missed occurrences are superseded, never piled up), and when to look again.
 */
export function evaluatePlaybook(state: PartnerState, now: Date, playbook: Playbook): Evaluation {
  const due: Occurrence[] = [];
  const upcoming: Occurrence[] = [];
  for (const rule of playbook.rules) {
    const stages = rule.stages ?? ACTIVE_STAGES;
    if (rule.off || !stages.includes(state.partner.stage) || state.partner.stage === 'ended') continue;
    const { latest, next } = timeline(rule, state, now);
    if (latest) due.push(latest);
    if (next) upcoming.push(next);
  }
  upcoming.sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
  return { due, upcoming, nextDueAt: upcoming[0]?.dueAt ?? null };
}

/** Fills a rule's prompt for an occurrence; `extra` fills further placeholders (`{event}`, `{day}`). */
export function renderPrompt(
  rule: Rule,
  occurrence: Pick<Occurrence, 'occurrence' | 'days'>,
  partnerName: string,
  since: string,
  extra: Record<string, string> = {},
): string {
  const template = rule.prompts?.[occurrence.occurrence] ?? rule.prompt;
  let text = template
    .replaceAll('{partner}', partnerName)
    .replaceAll('{days}', String(occurrence.days ?? ''))
    .replaceAll('{since}', since);
  for (const [name, value] of Object.entries(extra)) text = text.replaceAll(`{${name}}`, value);
  // `{others}` names the other owners where the caller knows them (" with Aiko (sales)"); nothing otherwise.
  return text.replaceAll('{others}', '');
}
