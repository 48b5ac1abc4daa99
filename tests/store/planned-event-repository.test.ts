import { addPartner, after, DAY, HOUR, NOW, STORE_KINDS, storeHarness } from './store-harness';
import type { StoreHarness, StoreKind } from './store-harness';

describe.each(STORE_KINDS)('%s planned events', (kind) => {
  let h: StoreHarness<StoreKind>;
  let partnerId: number;

  beforeEach(async () => {
    h = await storeHarness(kind);
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

  it('settles an event for only one of two concurrent answers', async () => {
    const event = await plan();
    const outcomes = await Promise.all([
      h.store.plannedEvents.settle('slack:T1', event.id, 'happened', 'U1', NOW),
      h.store.plannedEvents.settle('slack:T1', event.id, 'missed', 'U2', NOW),
    ]);
    expect(outcomes.filter(Boolean)).toEqual([true]);
    const settled = await h.store.plannedEvents.get('slack:T1', event.id);
    expect(settled?.closedBy).toBe(outcomes[0] ? 'U1' : 'U2');
    expect(settled?.status).toBe(outcomes[0] ? 'happened' : 'missed');
  });

  it('lists a partner’s events up to a limit, and refuses to settle or move an event from another workspace', async () => {
    const first = await plan({ plannedOn: '2026-12-01' });
    await plan({ plannedOn: '2026-12-02' });
    expect(
      (await h.store.plannedEvents.listForPartner('slack:T1', partnerId, { limit: 1, statuses: [] })).map(
        (e) => e.id,
      ),
    ).toEqual([first.id]);
    expect(await h.store.plannedEvents.settle('slack:T2', first.id, 'missed', 'U9', NOW)).toBe(false);
    await h.store.plannedEvents.setNextStepAt('slack:T2', first.id, null);
    expect(await h.store.plannedEvents.get('slack:T1', first.id)).toEqual(first);
    expect((await h.store.plannedEvents.listDueSteps(NOW, 10)).map((e) => e.id)).toContain(first.id);
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

describe.each(STORE_KINDS)('%s check-in facts', (kind) => {
  let h: StoreHarness<StoreKind>;
  let partnerId: number;

  beforeEach(async () => {
    h = await storeHarness(kind);
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
    // The check-in names its nudge by id only (no foreign key), so no nudge needs to exist here.
    const nudge = { id: 41 };
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
    expect(await h.rows('SELECT blocker, note FROM interactions')).toEqual([
      { blocker: 'trust', note: 'Post-signing check-in (d30): Stuck — blocking: Trust' },
    ]);
    expect(await h.store.interactions.recordBlocker('slack:T1', nudge.id + 1, 'trust', '')).toBeNull();
  });

  it('records the blocker of one of two concurrent callers, and tells the other which', async () => {
    await checkin('2026-11-27', 1, 41);
    const outcomes = await Promise.all([
      h.store.interactions.recordBlocker('slack:T1', 41, 'trust', ' — blocking: Trust'),
      h.store.interactions.recordBlocker('slack:T1', 41, 'value', ' — blocking: Value'),
    ]);
    const recorded = outcomes.find((outcome) => outcome?.recorded);
    expect(recorded).toBeDefined();
    expect(outcomes.filter((outcome) => outcome?.recorded === false)).toEqual([
      { blocker: recorded!.blocker, recorded: false },
    ]);
    const suffix = recorded!.blocker === 'trust' ? ' — blocking: Trust' : ' — blocking: Value';
    expect(await h.rows('SELECT blocker, note FROM interactions')).toEqual([
      { blocker: recorded!.blocker, note: `Post-signing check-in (d30): Stuck${suffix}` },
    ]);
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
