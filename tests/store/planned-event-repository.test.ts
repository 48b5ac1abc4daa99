import { addPartner, after, DAY, HOUR, NOW, storeHarness } from './store-harness';
import type { StoreHarness } from './store-harness';

describe('SQLite planned events', () => {
  let h: StoreHarness;
  let partnerId: number;

  beforeEach(async () => {
    h = await storeHarness();
    partnerId = (await addPartner(h.store)).id;
  });
  afterEach(() => h.close());

  const plan = (overrides: { plannedOn?: string; kind?: 'visit' | 'workshop'; workspaceId?: string } = {}) =>
    h.store.plannedEvents.add({
      workspaceId: overrides.workspaceId ?? 'slack:T1',
      partnerId,
      kind: overrides.kind ?? 'visit',
      plannedOn: overrides.plannedOn ?? '2026-12-14',
      note: 'Plant tour',
      plannedBy: 'U1',
      now: NOW,
    });

  it('stores a planned event, due for its first step at once, and keeps it across a reopen', async () => {
    const event = await plan();
    expect(event).toEqual({
      id: event.id,
      workspaceId: 'slack:T1',
      partnerId,
      kind: 'visit',
      plannedOn: '2026-12-14',
      note: 'Plant tour',
      plannedBy: 'U1',
      status: 'planned',
      replacesId: null,
      createdAt: NOW,
      closedAt: null,
      closedBy: null,
    });
    const store = await h.reopen();
    expect(await store.plannedEvents.get('slack:T1', event.id)).toEqual(event);
    expect((await store.plannedEvents.listDueSteps(NOW, 10)).map((e) => e.id)).toEqual([event.id]);
  });

  it('refuses a partner of another workspace and never shows an event across workspaces', async () => {
    await expect(plan({ workspaceId: 'slack:T2' })).rejects.toThrow(/No partner/);
    const event = await plan();
    expect(await h.store.plannedEvents.get('slack:T2', event.id)).toBeNull();
    expect(await h.store.plannedEvents.listForPartner('slack:T2', partnerId)).toEqual([]);
    expect(await h.count('planned_events')).toBe(1);
  });

  it('lists a partner’s events by day, filtered by status and kind', async () => {
    const late = await plan({ plannedOn: '2027-01-20' });
    const early = await plan({ plannedOn: '2026-12-01', kind: 'workshop' });
    await h.store.plannedEvents.settle('slack:T1', late.id, 'missed', 'U1', NOW);
    const list = (options = {}) =>
      h.store.plannedEvents.listForPartner('slack:T1', partnerId, options).then((l) => l.map((e) => e.id));
    expect(await list()).toEqual([early.id, late.id]);
    expect(await list({ statuses: ['planned'] })).toEqual([early.id]);
    expect(await list({ kind: 'visit' })).toEqual([late.id]);
  });

  it('settles an event once, from the statuses allowed, clearing its next step', async () => {
    const event = await plan();
    expect(await h.store.plannedEvents.settle('slack:T1', event.id, 'happened', 'U1', after(HOUR))).toBe(
      true,
    );
    expect(await h.store.plannedEvents.settle('slack:T1', event.id, 'missed', 'U1', after(2 * HOUR))).toBe(
      false,
    );
    expect(await h.store.plannedEvents.get('slack:T1', event.id)).toMatchObject({
      status: 'happened',
      closedAt: after(HOUR),
      closedBy: 'U1',
    });
    expect(await h.store.plannedEvents.listDueSteps(after(DAY), 10)).toEqual([]);
    const missed = await plan();
    await h.store.plannedEvents.settle('slack:T1', missed.id, 'missed', 'U1', NOW);
    expect(await h.store.plannedEvents.settle('slack:T1', missed.id, 'replanned', 'U1', NOW)).toBe(false);
    expect(
      await h.store.plannedEvents.settle('slack:T1', missed.id, 'replanned', 'U1', NOW, [
        'planned',
        'missed',
      ]),
    ).toBe(true);
  });

  it('lists due steps earliest first, only while planned, and moves them with setNextStepAt', async () => {
    const first = await plan();
    const second = await plan({ plannedOn: '2026-12-20' });
    await h.store.plannedEvents.setNextStepAt('slack:T1', first.id, after(DAY));
    expect((await h.store.plannedEvents.listDueSteps(NOW, 10)).map((e) => e.id)).toEqual([second.id]);
    expect((await h.store.plannedEvents.listDueSteps(after(DAY), 10)).map((e) => e.id)).toEqual([
      second.id,
      first.id,
    ]);
    await h.store.plannedEvents.setNextStepAt('slack:T1', second.id, null);
    expect((await h.store.plannedEvents.listDueSteps(after(2 * DAY), 1)).map((e) => e.id)).toEqual([
      first.id,
    ]);
  });

  it('goes with its partner when the partner is removed', async () => {
    await plan();
    await h.store.partners.remove('slack:T1', partnerId);
    expect(await h.count('planned_events')).toBe(0);
  });
});

describe('SQLite check-in facts', () => {
  let h: StoreHarness;
  let partnerId: number;

  beforeEach(async () => {
    h = await storeHarness();
    partnerId = (await addPartner(h.store)).id;
  });
  afterEach(() => h.close());

  const checkin = (occurredOn: string, rating: number | null, nudgeId: number | null = null) =>
    h.store.interactions.add({
      workspaceId: 'slack:T1',
      partnerId,
      memberId: 'U1',
      kind: 'checkin',
      occurredOn,
      note: 'Post-signing check-in (d30): Stuck',
      rating,
      nudgeId,
      now: NOW,
    });

  it('records the blocker once, with the check-in its nudge wrote, and appends it to the note', async () => {
    const { nudge } = await h.store.nudges.createIfAbsent({
      workspaceId: 'slack:T1',
      partnerId,
      memberId: 'U1',
      ruleId: 'post-signing',
      occurrence: 'd30',
      dueAt: NOW,
      deliverAfter: NOW,
      now: NOW,
    });
    await checkin('2026-11-27', 1, nudge.id);
    expect(await h.store.interactions.recordBlocker('slack:T2', nudge.id, 'trust', ' — x')).toBeNull();
    expect(
      await h.store.interactions.recordBlocker('slack:T1', nudge.id, 'trust', ' — blocking: Trust'),
    ).toEqual({
      blocker: 'trust',
      recorded: true,
    });
    expect(
      await h.store.interactions.recordBlocker('slack:T1', nudge.id, 'value', ' — blocking: Value'),
    ).toEqual({
      blocker: 'trust',
      recorded: false,
    });
    expect(h.store.db.prepare('SELECT blocker, note FROM interactions').all()).toEqual([
      { blocker: 'trust', note: 'Post-signing check-in (d30): Stuck — blocking: Trust' },
    ]);
    expect(await h.store.interactions.recordBlocker('slack:T1', nudge.id + 1, 'trust', '')).toBeNull();
  });

  it('reads the rating of the latest check-in (by day, then by entry) into the history', async () => {
    await checkin('2026-11-20', 1);
    await checkin('2026-11-01', 5);
    await checkin('2026-11-20', 3);
    expect((await h.store.partners.history('slack:T1', partnerId)).checkin).toEqual({
      first: '2026-11-01',
      last: '2026-11-20',
      count: 3,
      lastRating: 3,
    });
    // A later check-in without a rating: nothing to read.
    await checkin('2026-11-25', null);
    expect((await h.store.partners.history('slack:T1', partnerId)).checkin).not.toHaveProperty('lastRating');
  });
});
