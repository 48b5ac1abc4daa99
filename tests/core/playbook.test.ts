import type { KindHistory, Partner } from '../../src/core/model';
import { DEFAULT_PLAYBOOK, evaluatePlaybook, validatePlaybook } from '../../src/core/playbook/playbook';
import { partnerFixture } from '../support/partner-fixture';

const partner = (overrides: Partial<Partner> = {}): Partner =>
  partnerFixture('2026-01-01T12:00:00Z', overrides);

const once = (day: string) => ({ first: day, last: day, count: 1 });

function due(p: Partner, history: KindHistory, now: string): string[] {
  return evaluatePlaybook({ partner: p, history }, new Date(now), DEFAULT_PLAYBOOK)
    .due.map((o) => `${o.ruleId}@${o.occurrence}`)
    .sort();
}

describe('the default playbook', () => {
  it.each<[string, Partial<Partner>, KindHistory, string, string[]]>([
    ['asks nothing of a partner added nine days ago', {}, {}, '2026-01-10T08:00:00Z', []],
    [
      'plans a site visit 14 days after the partner is added',
      {},
      {},
      '2026-01-15T08:00:00Z',
      ['site-visit@2026-01-15'],
    ],
    [
      'asks to keep in touch after 30 days without any contact',
      {},
      {},
      '2026-01-31T08:00:00Z',
      ['keep-in-touch@2026-01-31', 'site-visit@2026-01-15'],
    ],
    [
      'resets the keep-in-touch clock with any logged contact',
      {},
      { call: once('2026-01-20') },
      // Without the call, keep-in-touch would be due since 31 Jan.
      '2026-02-02T08:00:00Z',
      ['site-visit@2026-01-15'],
    ],
    [
      'still asks to keep in touch after only internal work: an observation, an alignment meeting, a check-in',
      {},
      {
        observation: once('2026-01-29'),
        alignment: once('2026-01-29'),
        checkin: once('2026-01-30'),
        note: once('2026-01-30'),
      },
      '2026-01-31T08:00:00Z',
      ['keep-in-touch@2026-01-31', 'site-visit@2026-01-15'],
    ],
    [
      'asks again for a visit 120 days after the last one',
      {},
      { visit: once('2026-02-01'), call: once('2026-06-01'), observation: once('2026-05-20') },
      '2026-06-01T08:00:00Z',
      ['relationship-pulse@2026-04-01', 'site-visit@2026-06-01'],
    ],
    [
      'asks for a first-meeting reflection the day after the first meeting',
      {},
      { meeting: once('2026-01-05') },
      '2026-01-06T08:00:00Z',
      ['first-meeting-reflection@once'],
    ],
    [
      'skips the reflection when an observation was logged since the first meeting',
      {},
      { meeting: once('2026-01-05'), observation: once('2026-01-05') },
      '2026-01-06T08:00:00Z',
      [],
    ],
    [
      'does not ask for a reflection on a meeting logged long afterwards',
      {},
      { meeting: once('2025-06-01') },
      '2026-01-06T08:00:00Z',
      ['keep-in-touch@2025-12-28'],
    ],
    [
      'asks for a joint workshop three days into negotiations',
      { stage: 'negotiating' },
      { call: once('2026-01-03') },
      '2026-01-04T08:00:00Z',
      ['joint-workshop@negotiating'],
    ],
    [
      'does not ask for a workshop once one is logged',
      { stage: 'negotiating' },
      { workshop: once('2026-01-02') },
      '2026-01-04T08:00:00Z',
      [],
    ],
    [
      'checks in 30 days after signing, superseding the day-7 check-in',
      { stage: 'signed', signedOn: '2026-01-01' },
      {
        visit: once('2026-01-20'),
        observation: once('2026-01-25'),
        alignment: once('2026-01-30'),
        workshop: once('2026-01-10'),
      },
      '2026-01-31T08:00:00Z',
      ['post-signing@d30'],
    ],
    [
      'checks in 7 days after signing and asks for a workshop',
      { stage: 'signed', signedOn: '2026-01-01' },
      { call: once('2026-01-06') },
      '2026-01-08T08:00:00Z',
      ['joint-workshop@signed', 'post-signing@d7'],
    ],
    [
      'stops asking for a workshop 45 days after signing',
      { stage: 'signed', signedOn: '2026-01-01' },
      { visit: once('2026-02-10'), observation: once('2026-02-10'), alignment: once('2026-02-10') },
      '2026-02-20T08:00:00Z',
      ['post-signing@d30'],
    ],
    [
      'runs the launch review at day 100',
      { stage: 'signed', signedOn: '2026-01-01' },
      {
        visit: once('2026-04-05'),
        observation: once('2026-04-05'),
        alignment: once('2026-04-05'),
        workshop: once('2026-01-10'),
      },
      '2026-04-12T08:00:00Z',
      ['post-signing@d100', 'relationship-pulse@2026-04-01'],
    ],
    [
      'continues quarterly after day 100',
      { stage: 'signed', signedOn: '2026-01-01' },
      {
        visit: once('2026-07-15'),
        observation: once('2026-07-15'),
        alignment: once('2026-07-15'),
        workshop: once('2026-01-10'),
      },
      '2026-07-20T08:00:00Z',
      ['post-signing@d190', 'relationship-pulse@2026-06-30'],
    ],
    [
      'asks for internal alignment 30 days after signing when none was held',
      { stage: 'signed', signedOn: '2026-03-01', createdAt: new Date('2026-03-01T00:00:00Z') },
      { visit: once('2026-03-20'), observation: once('2026-03-20'), workshop: once('2026-03-05') },
      '2026-03-31T08:00:00Z',
      ['internal-alignment@2026-03-31', 'post-signing@d30'],
    ],
    ['asks nothing about an ended partnership', { stage: 'ended' }, {}, '2026-09-01T08:00:00Z', []],
  ])('%s', (_name, overrides, history, now, expected) => {
    expect(due(partner(overrides), history, now)).toEqual(expected);
  });

  it('names the next instant something falls due, for the scheduler index', () => {
    const evaluation = evaluatePlaybook(
      { partner: partner(), history: {} },
      new Date('2026-01-10T08:00:00Z'),
      DEFAULT_PLAYBOOK,
    );
    expect(evaluation.nextDueAt?.toISOString()).toBe('2026-01-15T00:00:00.000Z');
    expect(evaluation.upcoming[0]?.ruleId).toBe('site-visit');
  });

  it('has nothing ever due for an ended partnership', () => {
    const evaluation = evaluatePlaybook(
      { partner: partner({ stage: 'ended' }), history: {} },
      new Date('2026-01-10T08:00:00Z'),
      DEFAULT_PLAYBOOK,
    );
    expect(evaluation).toEqual({ due: [], upcoming: [], nextDueAt: null });
  });

  it('gives the same answer for the same inputs (a pure function of state and now)', () => {
    const state = { partner: partner({ stage: 'signed', signedOn: '2026-01-01' }), history: {} };
    const now = new Date('2026-02-15T08:00:00Z');
    expect(evaluatePlaybook(state, now, DEFAULT_PLAYBOOK)).toEqual(
      evaluatePlaybook(state, now, DEFAULT_PLAYBOOK),
    );
  });

  it('covers every habit of the mission', () => {
    expect(DEFAULT_PLAYBOOK.rules.map((rule) => rule.id).sort()).toEqual([
      'cultural-observation',
      'drop-off-alignment',
      'drop-off-contact',
      'drop-off-visit',
      'drop-off-workshop',
      'first-meeting-reflection',
      'internal-alignment',
      'joint-workshop',
      'keep-in-touch',
      'planned-brief',
      'planned-followup',
      'post-signing',
      'promise-before',
      'promise-due',
      'relationship-pulse',
      'site-visit',
    ]);
  });

  it('styles no answer as destructive: red is for deleting, and an answer deletes nothing', () => {
    const styled = DEFAULT_PLAYBOOK.rules.flatMap((rule) =>
      rule.choices.filter((choice) => choice.style === 'danger').map((choice) => `${rule.id}:${choice.id}`),
    );
    expect(styled).toEqual([]);
  });
});

describe('planned events and low check-ins in the playbook', () => {
  const state = (
    history: KindHistory,
    planned: { id: number; kind: 'visit' | 'workshop'; plannedOn: string }[],
  ) => ({
    partner: partner(),
    history,
    planned,
  });
  const dueAt = (s: ReturnType<typeof state>, now: string): string[] =>
    evaluatePlaybook(s, new Date(now), DEFAULT_PLAYBOOK)
      .due.map((o) => `${o.ruleId}@${o.occurrence}`)
      .sort();
  const nextOf = (s: ReturnType<typeof state>, now: string, ruleId: string) =>
    evaluatePlaybook(s, new Date(now), DEFAULT_PLAYBOOK).upcoming.find((o) => o.ruleId === ruleId);

  it('quiets the site-visit nudge while a visit is planned, and brings it back a week after the planned day', () => {
    const planned = state({ call: once('2026-01-14') }, [{ id: 7, kind: 'visit', plannedOn: '2026-01-20' }]);
    expect(dueAt(planned, '2026-01-15T08:00:00Z')).toEqual([]);
    expect(nextOf(planned, '2026-01-15T08:00:00Z', 'site-visit')).toMatchObject({
      occurrence: '2026-01-15',
      dueAt: new Date('2026-01-28T00:00:00Z'),
    });
    expect(dueAt(planned, '2026-01-27T23:00:00Z')).toEqual([]);
    expect(dueAt(planned, '2026-01-28T08:00:00Z')).toEqual(['site-visit@2026-01-15']);
  });

  it('does not quiet what the plan is not about: a planned workshop leaves the visit reminder alone', () => {
    const planned = state({ call: once('2026-01-14') }, [
      { id: 7, kind: 'workshop', plannedOn: '2026-01-20' },
    ]);
    expect(dueAt(planned, '2026-01-15T08:00:00Z')).toEqual(['site-visit@2026-01-15']);
  });

  it('never makes a planned event’s brief or follow-up due itself (the scheduler’s step does)', () => {
    const planned = state({}, [{ id: 7, kind: 'visit', plannedOn: '2026-01-20' }]);
    const all = evaluatePlaybook(planned, new Date('2026-01-21T08:00:00Z'), DEFAULT_PLAYBOOK);
    expect([...all.due, ...all.upcoming].some((o) => o.ruleId.startsWith('planned-'))).toBe(false);
  });

  it.each<[string, number | undefined, string]>([
    ['brings the pulse forward to 14 days after a check-in rated 1 (Stuck)', 1, '2026-02-14'],
    ['keeps the quarterly pulse after a check-in rated 3 (Some friction)', 3, '2026-04-01'],
    ['keeps the quarterly pulse after a check-in without a rating', undefined, '2026-04-01'],
  ])('%s', (_name, lastRating, expected) => {
    const checkin = { ...once('2026-01-31'), ...(lastRating === undefined ? {} : { lastRating }) };
    const s = state({ call: once('2026-01-31'), checkin }, []);
    expect(nextOf(s, '2026-02-01T08:00:00Z', 'relationship-pulse')?.occurrence).toBe(expected);
  });

  it('makes the early pulse due on its day, then returns to the quarter once a better pulse is logged', () => {
    const stuck = state({ call: once('2026-02-10'), checkin: { ...once('2026-01-31'), lastRating: 1 } }, []);
    expect(dueAt(stuck, '2026-02-14T08:00:00Z')).toContain('relationship-pulse@2026-02-14');
    const better = state(
      {
        call: once('2026-02-10'),
        checkin: { first: '2026-01-31', last: '2026-02-14', count: 2, lastRating: 4 },
      },
      [],
    );
    expect(nextOf(better, '2026-02-15T08:00:00Z', 'relationship-pulse')?.occurrence).toBe('2026-04-01');
  });
});

describe('playbook validation', () => {
  const valid = JSON.parse(JSON.stringify(DEFAULT_PLAYBOOK));

  it.each([
    ['a duplicate rule id', (p: typeof valid) => p.rules.push({ ...p.rules[0] }), /duplicate rule id/],
    [
      'an unknown interaction kind',
      (p: typeof valid) => (p.rules[1].trigger.kinds = ['dinner']),
      /unknown kind/,
    ],
    [
      'an unknown trigger type',
      (p: typeof valid) => (p.rules[0].trigger.type = 'sometimes'),
      /unknown trigger type/,
    ],
    ['a rating outside 1–5', (p: typeof valid) => (p.rules[4].choices[0].rating = 9), /rating/],
    ['no rules', (p: typeof valid) => (p.rules = []), /non-empty/],
    [
      'a plan of a kind that cannot be planned',
      (p: typeof valid) => (p.rules[1].choices[0].plans = 'observation'),
      /cannot be planned/,
    ],
    ['a blocker question without blockers', (p: typeof valid) => delete p.blockers, /lists no blockers/],
    [
      'a planned follow-up choice without an outcome',
      (p: typeof valid) =>
        delete p.rules.find((r: { id: string }) => r.id === 'planned-followup').choices[0].outcome,
      /outcome belongs to every choice of a planned follow-up/,
    ],
    [
      'a planned trigger that is neither before nor after',
      (p: typeof valid) =>
        (p.rules.find((r: { id: string }) => r.id === 'planned-brief').trigger.when = 'during'),
      /before" or "after/,
    ],
    [
      'a sooner pulse without days',
      (p: typeof valid) =>
        (p.rules.find((r: { id: string }) => r.id === 'relationship-pulse').trigger.sooner = {
          ratingAtMost: 1,
        }),
      /sooner needs/,
    ],
  ])('rejects %s', (_name, mutate, message) => {
    const copy = JSON.parse(JSON.stringify(valid));
    mutate(copy);
    expect(() => validatePlaybook(copy)).toThrow(message);
  });

  it('accepts the shipped playbook', () => {
    expect(() => validatePlaybook(valid)).not.toThrow();
  });
});
