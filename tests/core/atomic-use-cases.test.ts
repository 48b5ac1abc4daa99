/**
 * A use case that writes several rows writes them in one transaction: a failure injected between its
 * writes leaves nothing of it behind (on a real SQLite file, or on PostgreSQL with RAPPORT_TEST_STORE=postgres).
 */
import type { Repositories, UnitOfWork } from '../../src/core/ports';
import { createPlannedFollowUps } from '../../src/scheduler/planned-follow-ups';
import { coreHarness } from '../support/core-harness';

type Harness = Awaited<ReturnType<typeof coreHarness>>;

/** Makes the store's transactions throw when `repository.method` is called inside them. */
function failInside(h: Harness, repository: keyof Repositories, method: string): void {
  const original = h.store.transaction.bind(h.store);
  const failing = <T>(work: (tx: UnitOfWork) => Promise<T>): Promise<T> =>
    original((tx) => {
      const broken = new Proxy(tx[repository], {
        get(target, key, receiver) {
          if (key === method)
            return () => Promise.reject(new Error(`injected failure in ${repository}.${method}`));
          return Reflect.get(target, key, receiver) as unknown;
        },
      });
      return work(new Proxy(tx, { get: (t, key) => (key === repository ? broken : Reflect.get(t, key)) }));
    });
  Object.assign(h.store, { transaction: failing });
}

async function snapshot(h: Harness) {
  return {
    partners: await h.query(
      'SELECT id, stage, signed_on, first_met_on, next_due_at FROM partners ORDER BY id',
    ),
    interactions: await h.query('SELECT * FROM interactions ORDER BY id'),
    nudges: await h.query('SELECT id, status, answer, answered_at FROM nudges ORDER BY id'),
    plannedEvents: await h.query('SELECT * FROM planned_events ORDER BY id'),
  };
}

describe('atomic use cases', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await coreHarness();
    await h.say('add Nissan');
  });
  afterEach(() => h.close());

  it.each([
    ['interactions', 'add'],
    ['nudges', 'expirePending'],
    ['partners', 'setNextDueAt'],
  ] as const)('leaves no half-written signature when %s.%s fails', async (repository, method) => {
    const before = await snapshot(h);
    failInside(h, repository, method);
    await expect(h.rapport.handleCommand(h.actor, 'signed Nissan 2026-11-20', h.now)).rejects.toThrow(
      /injected failure/,
    );
    expect(await snapshot(h)).toEqual(before);
  });

  it.each([
    ['partners', 'update'],
    ['nudges', 'expirePending'],
    ['partners', 'setNextDueAt'],
  ] as const)('leaves no half-logged visit when %s.%s fails', async (repository, method) => {
    const before = await snapshot(h);
    failInside(h, repository, method);
    // A first visit also sets the partner's first-met day: three kinds of write in one use case.
    await expect(
      h.rapport.handleCommand(h.actor, 'log Nissan visit yesterday Plant tour', h.now),
    ).rejects.toThrow(/injected failure/);
    expect(await snapshot(h)).toEqual(before);
  });

  it.each([
    ['interactions', 'add'],
    ['partners', 'setNextDueAt'],
  ] as const)(
    'leaves a check-in unanswered when %s.%s fails while answering it',
    async (repository, method) => {
      await h.say('signed Nissan 2026-11-20');
      const partner = (await h.store.partners.findByName(h.actor.workspaceId, 'Nissan'))!;
      const { nudge } = await h.store.nudges.createIfAbsent({
        workspaceId: h.actor.workspaceId,
        partnerId: partner.id,
        memberId: h.actor.memberId,
        ruleId: 'post-signing',
        occurrence: 'd7',
        dueAt: new Date('2026-11-27T00:00:00Z'),
        deliverAfter: new Date('2026-11-27T00:00:00Z'),
        now: h.now,
      });
      const before = await snapshot(h);
      failInside(h, repository, method);
      await expect(h.rapport.handleChoice(h.actor, `n:${nudge.id}:well`, h.now)).rejects.toThrow(
        /injected failure/,
      );
      expect(await snapshot(h)).toEqual(before);
    },
  );

  it.each([
    ['interactions', 'add'],
    ['partners', 'setNextDueAt'],
  ] as const)(
    'leaves “Reached out” unanswered when %s.%s fails while recording the call',
    async (repository, method) => {
      const partner = (await h.store.partners.findByName(h.actor.workspaceId, 'Nissan'))!;
      const { nudge } = await h.store.nudges.createIfAbsent({
        workspaceId: h.actor.workspaceId,
        partnerId: partner.id,
        memberId: h.actor.memberId,
        ruleId: 'keep-in-touch',
        occurrence: '2026-11-20',
        dueAt: new Date('2026-11-20T00:00:00Z'),
        deliverAfter: new Date('2026-11-20T00:00:00Z'),
        now: h.now,
      });
      const before = await snapshot(h);
      failInside(h, repository, method);
      await expect(h.rapport.handleChoice(h.actor, `n:${nudge.id}:reached-out`, h.now)).rejects.toThrow(
        /injected failure/,
      );
      expect(await snapshot(h)).toEqual(before);
    },
  );

  it.each([
    ['plannedEvents', 'add'],
    ['nudges', 'expirePending'],
    ['partners', 'setNextDueAt'],
  ] as const)('leaves a moved plan where it was when %s.%s fails', async (repository, method) => {
    await h.say('plan Nissan visit 2026-12-03');
    const before = await snapshot(h);
    failInside(h, repository, method);
    // Moving a plan settles the first one, adds the new one and quiets the schedule: one use case.
    await expect(h.rapport.handleCommand(h.actor, 'plan Nissan visit 2026-12-04', h.now)).rejects.toThrow(
      /injected failure/,
    );
    expect(await snapshot(h)).toEqual(before);
  });

  it.each([
    ['interactions', 'add'],
    ['partners', 'update'],
    ['nudges', 'expirePending'],
    ['partners', 'setNextDueAt'],
  ] as const)(
    'leaves a planned visit open and its question unanswered when %s.%s fails on “Yes”',
    async (repository, method) => {
      await h.say('plan Nissan visit 2026-11-26', new Date('2026-11-20T10:00:00Z'));
      const partner = (await h.store.partners.findByName(h.actor.workspaceId, 'Nissan'))!;
      const { nudge } = await h.store.nudges.createIfAbsent({
        workspaceId: h.actor.workspaceId,
        partnerId: partner.id,
        memberId: h.actor.memberId,
        ruleId: 'planned-followup',
        occurrence: 'e1:visit:2026-11-26',
        dueAt: new Date('2026-11-27T09:00:00Z'),
        deliverAfter: new Date('2026-11-27T09:00:00Z'),
        now: h.now,
      });
      const before = await snapshot(h);
      failInside(h, repository, method);
      // Yes settles the event, answers the question, logs the visit and its first-met day, re-plans.
      await expect(h.rapport.handleChoice(h.actor, `n:${nudge.id}:happened`, h.now)).rejects.toThrow(
        /injected failure/,
      );
      expect(await snapshot(h)).toEqual(before);
    },
  );

  it('creates no half of a planned event’s follow-ups when the step fails, and looks again in an hour', async () => {
    await h.say('plan Nissan visit 2026-11-26', new Date('2026-11-20T10:00:00Z'));
    const before = await snapshot(h);
    failInside(h, 'plannedEvents', 'setNextStepAt');
    expect(await createPlannedFollowUps(h.store, h.rapport.playbook, h.logger, h.now)).toBe(0);
    const after = await snapshot(h);
    expect(after.nudges).toEqual(before.nudges);
    expect(after.plannedEvents).toEqual([
      { ...(before.plannedEvents[0] as object), next_step_at: '2026-11-27T11:00:00.000Z' },
    ]);
  });

  it('writes the whole use case when nothing fails (the injection is what made the others fail)', async () => {
    const before = await snapshot(h);
    await h.say('log Nissan visit yesterday Plant tour');
    const after = await snapshot(h);
    expect(after.interactions).toHaveLength(before.interactions.length + 1);
    expect(after.partners).not.toEqual(before.partners);
  });
});
