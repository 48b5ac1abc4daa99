/**
 * The relationship health score: a transparent 0–100 number per partner, always with its reasons and the
 * one next step that would raise it most. A pure function of (partner, history, recent interactions,
 * nudges, today); the README's "Health score" section documents the same tables.
 *
 * Points (they add up to 100):
 * - Recency, 30: days since the last contact with the partner (`RECENCY_STEPS`): a meeting, call, visit
 *   either way, joint workshop or milestone (`CONTACT_KINDS`). Observations, internal alignment, check-in
 *   answers and notes are about the partner, not contact with them.
 * - Breadth of habits in the last 90 days, 35: in-person visit either way 10, cultural observation 7,
 *   joint workshop 6, internal alignment 6, check-in 6 (`HABITS`); all or nothing per habit.
 * - Pulse, 25: the latest rated check-in of the last 12 months, 1–5 → 0–20, plus its trend against the
 *   one before: up 5, steady (or first) 3, down 0. No rating in 12 months counts as a steady 3/5 (13).
 * - Post-signing check-ins answered, 10: 10 × answered / asked. Asked means delivered and either closed
 *   or unanswered for 7 days. Full marks while nothing has been asked (not signed, or too early).
 * - Reliability, 0 to −10 (a deduction, so a partner without promises scores as before): among promises
 *   settled in the last 12 months, ours and theirs together, `−round(10 × (broken + ½ late) / settled)`.
 *   Kept on time costs nothing, late half, broken all; a move alone costs nothing (the promise is judged
 *   when it ends). The factor appears once a promise has been settled.
 */
import type {
  Interaction,
  InteractionKind,
  IsoDate,
  KindHistory,
  Nudge,
  Partner,
  PartnerPromise,
} from './model';
import { CONTACT_KINDS } from './model';
import type { Playbook } from './playbook/playbook';
import { keptRatios, keptText } from './promises';
import { addDaysToDate, daysBetween } from './time';

export type HealthBand = 'good' | 'fair' | 'poor';

/** One part of the score: what it earned, out of what, and why, in words. */
export interface HealthFactor {
  id: 'recency' | HabitId | 'pulse' | 'post-signing' | 'reliability';
  points: number;
  max: number;
  reason: string;
}

/** The single action that would raise the score most, with how many points it would add. */
export interface HealthStep {
  id: 'contact' | HabitId | 'answer-checkins';
  /** The interaction kind to log for it, if the step is logging something. */
  kind: InteractionKind | null;
  text: string;
  gain: number;
}

export interface Health {
  /** 0–100. */
  score: number;
  band: HealthBand;
  /** Every factor, in the order of the formula. */
  factors: HealthFactor[];
  /** The factors' reasons, biggest loss first, then the strengths. */
  reasons: string[];
  /** Null when nothing logged today would raise the score (or the collaboration has ended). */
  nextStep: HealthStep | null;
}

export interface HealthInput {
  partner: Partner;
  /** All-time first/last day per kind ("no visit in 7 months" looks beyond 90 days). */
  history: KindHistory;
  /** The partner's interactions of at least the last 12 months, any order; older ones are ignored. */
  interactions: Interaction[];
  /** The partner's nudges; only those of `postSigningRuleIds` count. */
  nudges: Nudge[];
  /** Rules whose nudges are post-signing check-ins (see `postSigningRuleIds`). */
  postSigningRuleIds: readonly string[];
  /** The calendar day the score is for (the viewer's). */
  today: IsoDate;
  /** The instant the score is for (decides whether an unanswered check-in is overdue). */
  now: Date;
  /** The partner's promises, both ways; those settled in the last 12 months make the reliability line. */
  promises?: readonly Pick<PartnerPromise, 'direction' | 'status' | 'movedCount' | 'resolvedAt'>[];
}

type HabitId = 'visit' | 'observation' | 'workshop' | 'alignment' | 'checkin';

/** Recency points: the first row whose `maxDays` covers the days since the last touch. */
export const RECENCY_STEPS: readonly { maxDays: number; points: number }[] = [
  { maxDays: 14, points: 30 },
  { maxDays: 30, points: 24 },
  { maxDays: 60, points: 15 },
  { maxDays: 90, points: 8 },
  { maxDays: 180, points: 3 },
];
export const RECENCY_MAX = 30;

export const HABIT_WINDOW_DAYS = 90;

/** The habits, in order of weight. */
export const HABITS: readonly {
  id: HabitId;
  kinds: InteractionKind[];
  points: number;
  one: string;
  many: string;
  step: string;
}[] = [
  {
    id: 'visit',
    kinds: ['visit', 'hosted'],
    points: 10,
    one: 'in-person visit',
    many: 'in-person visits',
    step: 'Visit them at their premises (or host them at yours)',
  },
  {
    id: 'observation',
    kinds: ['observation'],
    points: 7,
    one: 'cultural observation',
    many: 'cultural observations',
    step: 'Log a cultural observation: how they decide, what they value',
  },
  {
    id: 'workshop',
    kinds: ['workshop'],
    points: 6,
    one: 'joint workshop',
    many: 'joint workshops',
    step: 'Hold a joint workshop to shape the collaboration together',
  },
  {
    id: 'alignment',
    kinds: ['alignment'],
    points: 6,
    one: 'internal alignment meeting',
    many: 'internal alignment meetings',
    step: 'Hold an internal alignment meeting on them',
  },
  {
    id: 'checkin',
    kinds: ['checkin'],
    points: 6,
    one: 'check-in',
    many: 'check-ins',
    step: 'Check in on how the collaboration is going',
  },
];

export const PULSE_MAX = 25;
export const PULSE_WINDOW_DAYS = 365;
/** Trend points: the latest rating against the one before it. */
export const PULSE_TREND = { up: 5, steady: 3, down: 0 } as const;
export const POST_SIGNING_MAX = 10;
/** The most the reliability line takes off, and the window of settled promises it looks at. */
export const RELIABILITY_MAX_DEDUCTION = 10;
export const RELIABILITY_WINDOW_DAYS = 365;
/** An unanswered post-signing check-in counts as missed this many days after it was delivered. */
export const ANSWER_GRACE_DAYS = 7;

/** Bands: 70 and above is good, 40–69 fair, below 40 needs attention. */
export function healthBand(score: number): HealthBand {
  return score >= 70 ? 'good' : score >= 40 ? 'fair' : 'poor';
}

/** The rules of a playbook whose nudges are post-signing check-ins. */
export function postSigningRuleIds(playbook: Playbook): string[] {
  return playbook.rules.filter((rule) => rule.trigger.type === 'after-signing').map((rule) => rule.id);
}

/** Scores one partner. */
export function healthScore(input: HealthInput): Health {
  const factors = scoreFactors(input);
  const score = total(factors);
  const losses = [...factors]
    .map((factor, index) => ({ factor, index, loss: factor.max - factor.points }))
    .sort((a, b) => b.loss - a.loss || a.index - b.index);
  return {
    score,
    band: healthBand(score),
    factors,
    reasons: losses.map(({ factor }) => factor.reason),
    nextStep: input.partner.stage === 'ended' ? null : bestStep(input, score),
  };
}

function total(factors: HealthFactor[]): number {
  return Math.max(
    0,
    Math.min(
      100,
      factors.reduce((sum, f) => sum + f.points, 0),
    ),
  );
}

function scoreFactors(input: HealthInput): HealthFactor[] {
  return [
    recency(input),
    ...HABITS.map((habit) => habitFactor(input, habit)),
    pulse(input),
    postSigning(input),
    ...reliability(input),
  ];
}

/** The reliability deduction, once a promise has been settled in the window (see the doc comment above). */
function reliability(input: HealthInput): HealthFactor[] {
  const since = input.now.getTime() - RELIABILITY_WINDOW_DAYS * 86_400_000;
  const settled = (input.promises ?? []).filter(
    (p) => p.status !== 'open' && p.resolvedAt !== null && p.resolvedAt.getTime() >= since,
  );
  if (settled.length === 0) return [];
  const late = settled.filter((p) => p.status === 'late').length;
  const broken = settled.filter((p) => p.status === 'broken').length;
  const points = -Math.round((RELIABILITY_MAX_DEDUCTION * (broken + late / 2)) / settled.length);
  const text = keptText(keptRatios(settled))!;
  return [
    {
      id: 'reliability',
      points: points === 0 ? 0 : points,
      max: 0,
      reason: `${text.charAt(0).toLowerCase()}${text.slice(1)} (promises, last 12 months)`,
    },
  ];
}

function recency(input: HealthInput): HealthFactor {
  let last: IsoDate | null = null;
  for (const kind of CONTACT_KINDS) {
    const seen = input.history[kind]?.last;
    if (seen && (!last || seen > last)) last = seen;
  }
  if (!last) return { id: 'recency', points: 0, max: RECENCY_MAX, reason: 'no contact logged yet' };
  const days = Math.max(0, daysBetween(last, input.today));
  const points = RECENCY_STEPS.find((step) => days <= step.maxDays)?.points ?? 0;
  const when = days === 0 ? 'today' : days === 1 ? 'yesterday' : `${ago(days)} ago`;
  return { id: 'recency', points, max: RECENCY_MAX, reason: `last contact ${when}` };
}

function habitFactor(input: HealthInput, habit: (typeof HABITS)[number]): HealthFactor {
  const count = input.interactions.filter(
    (i) => habit.kinds.includes(i.kind) && inWindow(i.occurredOn, input.today, HABIT_WINDOW_DAYS),
  ).length;
  if (count > 0) {
    return {
      id: habit.id,
      points: habit.points,
      max: habit.points,
      reason: `${count} ${count === 1 ? habit.one : habit.many} in the last ${HABIT_WINDOW_DAYS} days`,
    };
  }
  let last: IsoDate | null = null;
  for (const kind of habit.kinds) {
    const seen = input.history[kind]?.last;
    if (seen && (!last || seen > last)) last = seen;
  }
  const reason = last ? `no ${habit.one} in ${ago(daysBetween(last, input.today))}` : `no ${habit.one} yet`;
  return { id: habit.id, points: 0, max: habit.points, reason };
}

function pulse(input: HealthInput): HealthFactor {
  const rated = input.interactions
    .filter(
      (i) =>
        i.kind === 'checkin' && i.rating !== null && inWindow(i.occurredOn, input.today, PULSE_WINDOW_DAYS),
    )
    .sort(
      (a, b) =>
        b.occurredOn.localeCompare(a.occurredOn) ||
        b.createdAt.getTime() - a.createdAt.getTime() ||
        b.id - a.id,
    );
  const latest = rated[0];
  if (!latest) {
    return {
      id: 'pulse',
      points: 2 * 5 + PULSE_TREND.steady,
      max: PULSE_MAX,
      reason: 'no pulse in 12 months (counted as a steady 3/5)',
    };
  }
  const rating = clampRating(latest.rating!);
  const level = (rating - 1) * 5;
  const previous = rated[1];
  if (!previous) {
    return {
      id: 'pulse',
      points: level + PULSE_TREND.steady,
      max: PULSE_MAX,
      reason: `latest pulse ${rating}/5 (the first one)`,
    };
  }
  const before = clampRating(previous.rating!);
  const trend = rating > before ? 'up' : rating < before ? 'down' : 'steady';
  const reason =
    trend === 'steady'
      ? `latest pulse ${rating}/5, steady`
      : `latest pulse ${rating}/5, ${trend} from ${before}/5`;
  return { id: 'pulse', points: level + PULSE_TREND[trend], max: PULSE_MAX, reason };
}

function postSigning(input: HealthInput): HealthFactor {
  const { asked, answered } = postSigningCounts(input);
  if (asked === 0) {
    const reason = input.partner.signedOn
      ? 'no post-signing check-in asked yet'
      : 'not signed yet: no post-signing check-ins owed';
    return { id: 'post-signing', points: POST_SIGNING_MAX, max: POST_SIGNING_MAX, reason };
  }
  return {
    id: 'post-signing',
    points: Math.round((POST_SIGNING_MAX * answered) / asked),
    max: POST_SIGNING_MAX,
    reason: `answered ${answered} of ${asked} post-signing check-in${asked === 1 ? '' : 's'}`,
  };
}

function postSigningCounts(input: HealthInput): { asked: number; answered: number; overdue: Nudge[] } {
  const graceMs = ANSWER_GRACE_DAYS * 86_400_000;
  let asked = 0;
  let answered = 0;
  const overdue: Nudge[] = [];
  for (const nudge of input.nudges) {
    if (!input.postSigningRuleIds.includes(nudge.ruleId) || !nudge.sentAt) continue;
    if (nudge.status === 'answered') {
      asked++;
      answered++;
    } else if (nudge.status === 'sent' || nudge.status === 'snoozed') {
      if (input.now.getTime() - nudge.sentAt.getTime() >= graceMs) {
        asked++;
        overdue.push(nudge);
      }
    } else {
      // Dismissed, or failed/expired after a delivery: asked and not answered.
      asked++;
    }
  }
  return { asked, answered, overdue };
}

/** Candidate steps, lightest effort first: on equal gains the lighter one is suggested. */
const STEPS: readonly { id: HealthStep['id']; kind: InteractionKind; text: string }[] = [
  { id: 'contact', kind: 'call', text: 'Get in touch: a call or a short meeting' },
  ...[...HABITS]
    .sort((a, b) => stepEffort(a.id) - stepEffort(b.id))
    .map((habit) => ({ id: habit.id, kind: habit.kinds[0]!, text: habit.step })),
];

function stepEffort(id: HabitId): number {
  return ['observation', 'checkin', 'alignment', 'workshop', 'visit'].indexOf(id);
}

/** Tries each step as if it were logged today and keeps the one that adds the most points. */
function bestStep(input: HealthInput, score: number): HealthStep | null {
  let best: HealthStep | null = null;
  const consider = (step: HealthStep): void => {
    if (step.gain > 0 && (!best || step.gain > best.gain)) best = step;
  };
  const { overdue } = postSigningCounts(input);
  if (overdue.length) {
    const answeredAll = input.nudges.map((n) =>
      overdue.includes(n) ? { ...n, status: 'answered' as const } : n,
    );
    const gain = total(scoreFactors({ ...input, nudges: answeredAll })) - score;
    consider({
      id: 'answer-checkins',
      kind: null,
      text: `Answer the open post-signing check-in${overdue.length === 1 ? '' : 's'}`,
      gain,
    });
  }
  for (const step of STEPS) {
    const history: KindHistory = { ...input.history };
    const seen = history[step.kind];
    history[step.kind] = {
      first: seen?.first ?? input.today,
      last: input.today,
      count: (seen?.count ?? 0) + 1,
    };
    const logged: Interaction = {
      id: -1,
      workspaceId: input.partner.workspaceId,
      partnerId: input.partner.id,
      memberId: '',
      kind: step.kind,
      occurredOn: input.today,
      note: null,
      rating: null,
      nudgeId: null,
      createdAt: input.now,
    };
    const gain =
      total(scoreFactors({ ...input, history, interactions: [...input.interactions, logged] })) - score;
    consider({ ...step, gain });
  }
  return best;
}

function inWindow(date: IsoDate, today: IsoDate, days: number): boolean {
  const age = daysBetween(date, today);
  return age >= 0 && age < days;
}

function clampRating(rating: number): number {
  return Math.max(1, Math.min(5, Math.round(rating)));
}

/** "12 days", "7 months", "2 years": how long ago, in words. */
export function ago(days: number): string {
  if (days < 60) return `${days} day${days === 1 ? '' : 's'}`;
  if (days < 730) return `${Math.round(days / 30.44)} months`;
  return `${Math.floor(days / 365.25)} years`;
}

/** Attention order: partners that need attention first (lowest score, then most waiting nudges), ended last. */
export function byAttention<T extends { partner: Partner; health: Health; waiting: number }>(
  a: T,
  b: T,
): number {
  const endedA = a.partner.stage === 'ended' ? 1 : 0;
  const endedB = b.partner.stage === 'ended' ? 1 : 0;
  return (
    endedA - endedB ||
    a.health.score - b.health.score ||
    b.waiting - a.waiting ||
    a.partner.name.localeCompare(b.partner.name)
  );
}

/** A 12-month window ending with `today`'s month: the `YYYY-MM` keys, oldest first. */
export function monthKeys(today: IsoDate, months: number): string[] {
  const [year, month] = today.split('-').map(Number) as [number, number];
  const keys: string[] = [];
  for (let back = months - 1; back >= 0; back--) {
    const index = year * 12 + (month - 1) - back;
    keys.push(`${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`);
  }
  return keys;
}

/** How many interactions happened in each of the last `months` months (oldest first). */
export function touchesPerMonth(interactions: Interaction[], today: IsoDate, months: number): number[] {
  const keys = monthKeys(today, months);
  const counts = new Map(keys.map((key) => [key, 0]));
  for (const interaction of interactions) {
    const key = interaction.occurredOn.slice(0, 7);
    if (counts.has(key)) counts.set(key, counts.get(key)! + 1);
  }
  return keys.map((key) => counts.get(key)!);
}

const BARS = '▁▂▃▄▅▆▇█';

/**
 * A Unicode sparkline: zero is the lowest bar, any positive count at least the second, the maximum the
 * highest, so an empty month never looks like a quiet one.
 */
export function sparkline(values: number[]): string {
  const max = Math.max(0, ...values);
  return values
    .map((value) => {
      if (value <= 0 || max === 0) return BARS[0];
      return BARS[1 + Math.round((value / max) * (BARS.length - 2))];
    })
    .join('');
}

/** The first day whose interactions the score looks at, for callers fetching them. */
export function healthWindowStart(today: IsoDate): IsoDate {
  return addDaysToDate(today, -PULSE_WINDOW_DAYS);
}
