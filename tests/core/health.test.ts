import type { Health, HealthInput } from '../../src/core/health';
import { healthScore, monthKeys, sparkline, touchesPerMonth } from '../../src/core/health';
import type {
  Interaction,
  InteractionKind,
  KindHistory,
  Nudge,
  NudgeStatus,
  Partner,
} from '../../src/core/model';
import { addDaysToDate } from '../../src/core/time';
import { partnerFixture } from '../support/partner-fixture';

const TODAY = '2026-11-27';
const NOW = new Date('2026-11-27T12:00:00.000Z');
const DAY = 86_400_000;

const partner = (overrides: Partial<Partner> = {}): Partner =>
  partnerFixture('2025-01-01T00:00:00Z', overrides);

type Log = [kind: InteractionKind, daysAgo: number, rating?: number];

function interactions(logs: Log[]): Interaction[] {
  return logs.map(([kind, daysAgo, rating], index) => ({
    id: index + 1,
    workspaceId: 'shell:local',
    partnerId: 1,
    memberId: 'u1',
    kind,
    occurredOn: addDaysToDate(TODAY, -daysAgo),
    note: null,
    rating: rating ?? null,
    nudgeId: null,
    createdAt: new Date(NOW.getTime() - daysAgo * DAY),
  }));
}

function historyOf(list: Interaction[]): KindHistory {
  const history: KindHistory = {};
  for (const i of list) {
    const seen = history[i.kind];
    history[i.kind] = seen
      ? {
          first: i.occurredOn < seen.first ? i.occurredOn : seen.first,
          last: i.occurredOn > seen.last ? i.occurredOn : seen.last,
          count: seen.count + 1,
        }
      : { first: i.occurredOn, last: i.occurredOn, count: 1 };
  }
  return history;
}

type NudgeSpec = [ruleId: string, status: NudgeStatus, sentDaysAgo: number | null];

function nudges(specs: NudgeSpec[]): Nudge[] {
  return specs.map(([ruleId, status, sentDaysAgo], index) => ({
    id: index + 1,
    workspaceId: 'shell:local',
    partnerId: 1,
    memberId: 'u1',
    ruleId,
    occurrence: `d${index}`,
    dueAt: new Date(NOW.getTime() - 30 * DAY),
    deliverAfter: new Date(NOW.getTime() - 30 * DAY),
    status,
    attempts: 1,
    leaseUntil: null,
    leaseToken: null,
    lastError: null,
    messageRef: null,
    sentAt: sentDaysAgo === null ? null : new Date(NOW.getTime() - sentDaysAgo * DAY),
    answeredAt: status === 'answered' ? NOW : null,
    answer: status === 'answered' ? 'well' : null,
    answeredBy: status === 'answered' ? 'u1' : null,
    createdAt: NOW,
  }));
}

function score(options: { partner?: Partial<Partner>; logs?: Log[]; nudges?: NudgeSpec[] }): Health {
  const list = interactions(options.logs ?? []);
  const input: HealthInput = {
    partner: partner(options.partner),
    history: historyOf(list),
    interactions: list,
    nudges: nudges(options.nudges ?? []),
    postSigningRuleIds: ['post-signing'],
    today: TODAY,
    now: NOW,
  };
  return healthScore(input);
}

function points(health: Health): Record<string, number> {
  return Object.fromEntries(health.factors.map((f) => [f.id, f.points]));
}

/** Every habit once in the last 90 days, the last touch `lastDaysAgo` days ago. */
const ALL_HABITS = (lastDaysAgo: number): Log[] => [
  ['visit', lastDaysAgo],
  ['observation', lastDaysAgo + 1],
  ['workshop', lastDaysAgo + 2],
  ['alignment', lastDaysAgo + 3],
  ['checkin', lastDaysAgo + 4],
];

const SIGNED = { stage: 'signed' as const, signedOn: '2026-01-10' };

describe('health score', () => {
  it.each([
    {
      name: 'a new partner with no contact logged scores 23, and a visit would raise it most',
      input: {},
      expected: { score: 23, band: 'poor', recency: 0, visit: 0, pulse: 13, 'post-signing': 10 },
      reasons: [
        'no contact logged yet',
        'no pulse in 12 months (counted as a steady 3/5)',
        'no in-person visit yet',
      ],
      step: { id: 'visit', gain: 40 },
    },
    {
      name: 'every habit, a rising pulse and every post-signing check-in answered score 100; the last contact is the visit, not the later check-in',
      input: {
        partner: SIGNED,
        logs: [...ALL_HABITS(3), ['checkin', 2, 5], ['checkin', 100, 4]] as Log[],
        nudges: [
          ['post-signing', 'answered', 200],
          ['post-signing', 'answered', 170],
        ] as NudgeSpec[],
      },
      expected: {
        score: 100,
        band: 'good',
        recency: 30,
        visit: 10,
        observation: 7,
        pulse: 25,
        'post-signing': 10,
      },
      reasons: [
        'last contact 3 days ago',
        'latest pulse 5/5, up from 4/5',
        'answered 2 of 2 post-signing check-ins',
      ],
      step: null,
    },
    {
      name: 'a visit seven months ago is the last contact: three cultural observations this quarter earn their habit, not recency',
      input: {
        logs: [
          ['visit', 214],
          ['observation', 10],
          ['observation', 40],
          ['observation', 89],
        ] as Log[],
      },
      expected: { score: 0 + 7 + 13 + 10, band: 'poor', recency: 0, visit: 0, observation: 7 },
      reasons: [
        'last contact 7 months ago',
        'no in-person visit in 7 months',
        '3 cultural observations in the last 90 days',
      ],
      step: { id: 'visit', gain: 30 + 10 },
    },
    {
      name: 'hosting them counts as an in-person visit',
      input: { logs: [['hosted', 5]] as Log[] },
      expected: { score: 30 + 10 + 13 + 10, visit: 10 },
      reasons: ['1 in-person visit in the last 90 days'],
      step: { id: 'observation', gain: 7 },
    },
    {
      name: 'an observation exactly 90 days old is out of the window (and, being no contact, earns no recency)',
      input: { logs: [['observation', 90]] as Log[] },
      expected: { recency: 0, observation: 0 },
      reasons: ['no cultural observation in 3 months', 'no contact logged yet'],
      step: { id: 'visit', gain: 30 + 10 },
    },
    {
      name: 'a falling pulse earns no trend points',
      input: {
        logs: [
          ['checkin', 3, 2],
          ['checkin', 60, 4],
        ] as Log[],
      },
      expected: { pulse: 5, checkin: 6 },
      reasons: ['latest pulse 2/5, down from 4/5'],
    },
    {
      name: 'a rising pulse earns the trend points',
      input: {
        logs: [
          ['checkin', 3, 4],
          ['checkin', 60, 2],
        ] as Log[],
      },
      expected: { pulse: 15 + 5 },
      reasons: ['latest pulse 4/5, up from 2/5'],
    },
    {
      name: 'a steady pulse earns part of the trend points',
      input: {
        logs: [
          ['checkin', 3, 3],
          ['checkin', 60, 3],
        ] as Log[],
      },
      expected: { pulse: 13 },
      reasons: ['latest pulse 3/5, steady'],
    },
    {
      name: 'a first pulse counts as steady',
      input: { logs: [['checkin', 3, 5]] as Log[] },
      expected: { pulse: 23 },
      reasons: ['latest pulse 5/5 (the first one)'],
    },
    {
      name: 'a pulse older than a year counts as neutral',
      input: { logs: [['checkin', 400, 1]] as Log[] },
      expected: { pulse: 13 },
      reasons: ['no pulse in 12 months (counted as a steady 3/5)'],
    },
    {
      name: 'post-signing check-ins count answered over asked (dismissed and overdue asked; recent and undelivered not)',
      input: {
        partner: SIGNED,
        logs: [...ALL_HABITS(1), ['checkin', 1, 5]] as Log[],
        nudges: [
          ['post-signing', 'answered', 300],
          ['post-signing', 'dismissed', 250],
          ['post-signing', 'sent', 10],
          ['post-signing', 'sent', 2],
          ['post-signing', 'pending', null],
          ['site-visit', 'dismissed', 30],
        ] as NudgeSpec[],
      },
      expected: { score: 30 + 35 + 23 + 3, 'post-signing': 3 },
      reasons: ['answered 1 of 3 post-signing check-ins'],
      step: { id: 'answer-checkins', gain: 4 },
    },
    {
      name: 'signed but no post-signing check-in asked yet earns full marks',
      input: { partner: SIGNED },
      expected: { 'post-signing': 10 },
      reasons: ['no post-signing check-in asked yet'],
    },
    {
      name: 'when only recency is missing, the lightest step wins: get in touch',
      input: { logs: ALL_HABITS(50) },
      expected: { score: 15 + 35 + 13 + 10, band: 'good', recency: 15 },
      reasons: ['last contact 50 days ago'],
      step: { id: 'contact', gain: 15 },
    },
    {
      name: 'a check-in answered today (the day-7 internal debrief) is no contact: recency stays with the meeting 40 days ago',
      input: {
        logs: [
          ['meeting', 40],
          ['checkin', 0, 5],
        ] as Log[],
      },
      expected: { recency: 15, checkin: 6 },
      reasons: ['last contact 40 days ago'],
    },
    {
      name: 'internal alignment and notes are about the partner, not contact with them',
      input: {
        logs: [
          ['alignment', 1],
          ['note', 1],
        ] as Log[],
      },
      expected: { recency: 0, alignment: 6 },
      reasons: ['no contact logged yet'],
      step: { id: 'visit', gain: 30 + 10 },
    },
    {
      name: 'an ended collaboration has no next step',
      input: { partner: { stage: 'ended' as const } },
      expected: { score: 23 },
      step: null,
    },
  ])('$name', ({ input, expected, reasons, step }) => {
    const health = score(input);
    const { score: total, band, ...factors } = expected as Record<string, number | string | undefined>;
    if (total !== undefined) expect(health.score).toBe(total);
    if (band !== undefined) expect(health.band).toBe(band);
    expect(points(health)).toMatchObject(factors);
    expect(health.factors.reduce((sum, f) => sum + f.points, 0)).toBe(health.score);
    for (const reason of reasons ?? []) expect(health.reasons).toContain(reason);
    if (step === null) expect(health.nextStep).toBeNull();
    else if (step) expect(health.nextStep).toMatchObject(step);
  });

  it.each([
    [0, 30, 'last contact today'],
    [1, 30, 'last contact yesterday'],
    [14, 30, 'last contact 14 days ago'],
    [15, 24, 'last contact 15 days ago'],
    [30, 24, 'last contact 30 days ago'],
    [31, 15, 'last contact 31 days ago'],
    [60, 15, 'last contact 2 months ago'],
    [61, 8, 'last contact 2 months ago'],
    [90, 8, 'last contact 3 months ago'],
    [91, 3, 'last contact 3 months ago'],
    [180, 3, 'last contact 6 months ago'],
    [181, 0, 'last contact 6 months ago'],
    [800, 0, 'last contact 2 years ago'],
  ])('gives %i days since the last touch %i recency points', (daysAgo, expected, reason) => {
    const health = score({ logs: [['call', daysAgo]] });
    expect(health.factors.find((f) => f.id === 'recency')).toEqual({
      id: 'recency',
      points: expected,
      max: 30,
      reason,
    });
  });

  it.each(['meeting', 'call', 'visit', 'hosted', 'workshop', 'milestone'] as const)(
    'counts a %s as contact for recency',
    (kind) => {
      expect(score({ logs: [[kind, 2]] }).factors[0]).toMatchObject({
        id: 'recency',
        points: 30,
        reason: 'last contact 2 days ago',
      });
    },
  );

  it('lists the biggest loss first (a cultural observation alone is no contact)', () => {
    const health = score({ logs: [['observation', 3]] });
    expect(health.reasons[0]).toBe('no contact logged yet');
    expect(health.reasons[1]).toBe('no pulse in 12 months (counted as a steady 3/5)');
    expect(health.reasons[2]).toBe('no in-person visit yet');
    expect(health.reasons.slice(-1)[0]).toBe('not signed yet: no post-signing check-ins owed');
  });

  it('the next step really raises the score by its gain', () => {
    const base = {
      logs: [
        ['call', 100],
        ['observation', 120],
      ] as Log[],
    };
    const health = score(base);
    const step = health.nextStep!;
    const after = score({ logs: [...base.logs, [step.kind!, 0]] });
    expect(after.score - health.score).toBe(step.gain);
  });
});

describe('touches per month', () => {
  it('counts the last months, oldest first, by the month of the day it happened', () => {
    expect(monthKeys('2026-02-10', 3)).toEqual(['2025-12', '2026-01', '2026-02']);
    const list = interactions([
      ['call', 0],
      ['call', 5],
      ['visit', 40],
      ['note', 400],
    ]);
    expect(touchesPerMonth(list, TODAY, 3)).toEqual([0, 1, 2]);
  });

  it.each([
    [[0, 1, 2, 4], '▁▄▅█'],
    [[0, 0, 0], '▁▁▁'],
    [[0, 5], '▁█'],
    [[1, 1], '██'],
    [[1, 100], '▂█'],
  ])('draws %j as %s, an empty month lower than any busy one', (values, expected) => {
    expect(sparkline(values)).toBe(expected);
  });
});
