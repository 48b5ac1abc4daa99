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
    expect(h.count('planned_events')).toBe(1);
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
    expect(h.count('planned_events')).toBe(0);
  });
});
