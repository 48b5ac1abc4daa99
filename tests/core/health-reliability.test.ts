/**
 * The reliability line of the health score: a deduction of up to 10 points from promises settled in the
 * last 12 months, ours and theirs together (kept on time costs nothing, late half, broken all).
 */
import type { HealthInput } from '../../src/core/health';
import { healthScore } from '../../src/core/health';
import type { PartnerPromise, PromiseDirection, PromiseStatus } from '../../src/core/model';
import { partnerFixture } from '../support/partner-fixture';

const NOW = new Date('2026-11-27T12:00:00.000Z');
const DAY = 86_400_000;

type Spec = [direction: PromiseDirection, status: PromiseStatus, settledDaysAgo?: number, moved?: number];

function promises(specs: Spec[]): HealthInput['promises'] {
  return specs.map(([direction, status, settledDaysAgo = 10, moved = 0]) => ({
    direction,
    status,
    movedCount: moved,
    resolvedAt: status === 'open' ? null : new Date(NOW.getTime() - settledDaysAgo * DAY),
  })) as Pick<PartnerPromise, 'direction' | 'status' | 'movedCount' | 'resolvedAt'>[];
}

function score(specs: Spec[] | undefined) {
  return healthScore({
    partner: partnerFixture('2025-01-01T00:00:00Z'),
    // A call yesterday and one of each habit: 30 + 35 + 13 (no pulse) + 10 = 88 before reliability.
    history: { call: { first: '2026-11-26', last: '2026-11-26', count: 1 } },
    interactions: (['call', 'visit', 'observation', 'workshop', 'alignment', 'checkin'] as const).map(
      (kind, index) => ({
        id: index + 1,
        workspaceId: 'shell:local',
        partnerId: 1,
        memberId: 'u1',
        kind,
        occurredOn: '2026-11-26',
        note: null,
        rating: null,
        nudgeId: null,
        createdAt: NOW,
      }),
    ),
    nudges: [],
    postSigningRuleIds: ['post-signing'],
    today: '2026-11-27',
    now: NOW,
    promises: specs && promises(specs),
  });
}

const BASE = 88;

describe('the reliability line of the health score', () => {
  it.each<{ name: string; promises: Spec[] | undefined; deduction: number | null; reason?: string }>([
    { name: 'no promises at all: no line, the score as before', promises: undefined, deduction: null },
    { name: 'only open promises: nothing settled, no line', promises: [['ours', 'open']], deduction: null },
    {
      name: 'one kept on time: a line that takes nothing off',
      promises: [['ours', 'kept']],
      deduction: 0,
      reason: 'we kept 1 of 1 on time; they have no promise settled yet (promises, last 12 months)',
    },
    { name: 'one broken: all ten points', promises: [['ours', 'broken']], deduction: -10 },
    { name: 'one late: half', promises: [['theirs', 'late']], deduction: -5 },
    {
      name: 'four of five kept on time ours, two of three theirs',
      promises: [
        ['ours', 'kept'],
        ['ours', 'kept'],
        ['ours', 'kept'],
        ['ours', 'kept'],
        ['ours', 'broken'],
        ['theirs', 'kept'],
        ['theirs', 'kept'],
        ['theirs', 'late'],
      ],
      // 10 × (1 + ½) / 8 = 1.875 → 2
      deduction: -2,
      reason: 'we kept 4 of 5 on time; they kept 2 of 3 (promises, last 12 months)',
    },
    {
      name: 'a move alone costs nothing: judged when the promise ends',
      promises: [['ours', 'kept', 10, 2]],
      deduction: 0,
    },
    {
      name: 'promises settled more than 12 months ago are left out',
      promises: [
        ['ours', 'broken', 400],
        ['ours', 'kept', 10],
      ],
      deduction: 0,
    },
    { name: 'only old ones: no line', promises: [['theirs', 'broken', 366]], deduction: null },
  ])('$name', ({ promises: specs, deduction, reason }) => {
    const health = score(specs);
    const line = health.factors.find((f) => f.id === 'reliability');
    if (deduction === null) {
      expect(line).toBeUndefined();
      expect(health.score).toBe(BASE);
      return;
    }
    expect(line).toMatchObject({ points: deduction, max: 0 });
    expect(health.score).toBe(BASE + deduction);
    if (reason) expect(line!.reason).toBe(reason);
  });
});
