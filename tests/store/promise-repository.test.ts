import { RapportError } from '../../src/core/errors';
import { addPartner, after, DAY, HOUR, NOW, STORE_KINDS, storeHarness } from './store-harness';
import type { StoreHarness, StoreKind } from './store-harness';

describe.each(STORE_KINDS)('%s promises and drop-off state', (kind) => {
  let h: StoreHarness<StoreKind>;
  let partnerId: number;

  beforeEach(async () => {
    h = await storeHarness(kind);
    partnerId = (await addPartner(h.store)).id;
  });
  afterEach(() => h.close());

  const promise = (overrides: { workspaceId?: string; dueOn?: string; partner?: number } = {}) =>
    h.store.promises.add({
      workspaceId: overrides.workspaceId ?? 'slack:T1',
      partnerId: overrides.partner ?? partnerId,
      direction: 'ours',
      text: 'send the pricing model',
      dueOn: overrides.dueOn ?? '2026-12-09',
      ownerId: 'U1',
      now: NOW,
    });

  it('stores an open promise due for its first step at once, and keeps it across a reopen', async () => {
    const added = await promise();
    expect(added).toEqual({
      id: added.id,
      workspaceId: 'slack:T1',
      partnerId,
      direction: 'ours',
      text: 'send the pricing model',
      dueOn: '2026-12-09',
      ownerId: 'U1',
      status: 'open',
      movedCount: 0,
      createdAt: NOW,
      datedAt: NOW,
      resolvedAt: null,
      resolvedBy: null,
    });
    expect(await h.store.promises.listDueSteps(NOW, 10)).toEqual([added]);
    await h.reopen();
    expect(await h.store.promises.get('slack:T1', added.id)).toEqual(added);
  });

  it('keeps every read and write inside its workspace', async () => {
    const added = await promise();
    await expect(promise({ workspaceId: 'slack:T2' })).rejects.toThrow(RapportError);
    expect(await h.store.promises.get('slack:T2', added.id)).toBeNull();
    expect(await h.store.promises.list('slack:T2')).toEqual([]);
    expect(await h.store.promises.resolve('slack:T2', added.id, 'kept', 'U9', NOW)).toBe(false);
    expect(await h.store.promises.move('slack:T2', added.id, '2026-12-20', NOW)).toBe(false);
    expect(await h.store.promises.remove('slack:T2', added.id)).toBe(false);
    await h.store.dropOffs.save({
      workspaceId: 'slack:T2',
      partnerId,
      armed: false,
      firedPeriod: 1,
      firedAt: NOW,
      nextCheckAt: null,
    });
    expect(await h.count('drop_off_state')).toBe(0);
    expect(await h.store.promises.get('slack:T1', added.id)).toEqual(added);
  });

  it('settles once, moves only while open, and lists by status and settling time', async () => {
    const added = await promise();
    const later = after(2 * DAY);
    expect(await h.store.promises.move('slack:T1', added.id, '2026-12-16', later)).toBe(true);
    expect(await h.store.promises.get('slack:T1', added.id)).toMatchObject({
      dueOn: '2026-12-16',
      movedCount: 1,
      datedAt: later,
    });
    expect(await h.store.promises.resolve('slack:T1', added.id, 'late', 'U1', after(HOUR, later))).toBe(true);
    expect(await h.store.promises.resolve('slack:T1', added.id, 'kept', 'U1', after(HOUR, later))).toBe(
      false,
    );
    expect(await h.store.promises.move('slack:T1', added.id, '2026-12-20', later)).toBe(false);
    expect(await h.store.promises.listDueSteps(after(DAY * 30), 10)).toEqual([]);
    expect((await h.store.promises.list('slack:T1', { statuses: ['open'] })).length).toBe(0);
    expect(await h.store.promises.list('slack:T1', { resolvedSince: later })).toEqual([
      expect.objectContaining({ status: 'late', resolvedBy: 'U1' }),
    ]);
    // Undo puts it back as it was.
    await h.store.promises.restore(added);
    expect(await h.store.promises.get('slack:T1', added.id)).toEqual(added);
  });

  it('goes with its partner, and never lends a deleted promise’s id to a new one', async () => {
    const first = await promise();
    expect(await h.store.promises.remove('slack:T1', first.id)).toBe(true);
    const second = await promise();
    expect(second.id).toBeGreaterThan(first.id);
    await h.store.dropOffs.save({
      workspaceId: 'slack:T1',
      partnerId,
      armed: false,
      firedPeriod: 1,
      firedAt: NOW,
      nextCheckAt: after(DAY),
    });
    expect(await h.store.dropOffs.get('slack:T1', partnerId)).toEqual({
      workspaceId: 'slack:T1',
      partnerId,
      armed: false,
      firedPeriod: 1,
      firedAt: NOW,
      nextCheckAt: after(DAY),
    });
    await h.store.partners.remove('slack:T1', partnerId);
    expect(await h.count('promises')).toBe(0);
    expect(await h.count('drop_off_state')).toBe(0);
  });

  it('resolves a promise for only one of two concurrent answers, and lists a partner’s promises', async () => {
    const added = await promise();
    const other = await addPartner(h.store, 'Mazda');
    const theirs = await promise({ partner: other.id, dueOn: '2026-12-01' });
    const outcomes = await Promise.all([
      h.store.promises.resolve('slack:T1', added.id, 'kept', 'U1', NOW),
      h.store.promises.resolve('slack:T1', added.id, 'broken', 'U2', NOW),
    ]);
    expect(outcomes.filter(Boolean)).toEqual([true]);
    expect(await h.store.promises.get('slack:T1', added.id)).toMatchObject(
      outcomes[0] ? { status: 'kept', resolvedBy: 'U1' } : { status: 'broken', resolvedBy: 'U2' },
    );
    expect((await h.store.promises.list('slack:T1')).map((p) => p.id)).toEqual([theirs.id, added.id]);
    expect(
      (await h.store.promises.list('slack:T1', { partnerId: other.id, statuses: [] })).map((p) => p.id),
    ).toEqual([theirs.id]);
    expect(await h.store.promises.listDueSteps(NOW, 10)).toEqual([theirs]);
    await h.store.promises.setNextStepAt('slack:T2', theirs.id, null);
    expect(await h.store.promises.listDueSteps(NOW, 10)).toEqual([theirs]);
    await h.store.promises.setNextStepAt('slack:T1', theirs.id, after(DAY));
    expect(await h.store.promises.listDueSteps(NOW, 10)).toEqual([]);
    expect(await h.store.dropOffs.get('slack:T2', partnerId)).toBeNull();
  });

  it('lists signed partners for the drop-off check until their next check', async () => {
    const signed = await h.store.partners.update('slack:T1', partnerId, { signedOn: '2026-10-01' });
    await addPartner(h.store, 'Mazda'); // signed without a day: nothing to compare around
    expect((await h.store.dropOffs.listDue(NOW, 10)).map((p) => p.id)).toEqual([signed.id]);
    await h.store.dropOffs.save({
      workspaceId: 'slack:T1',
      partnerId,
      armed: true,
      firedPeriod: null,
      firedAt: null,
      nextCheckAt: after(DAY),
    });
    expect(await h.store.dropOffs.listDue(NOW, 10)).toEqual([]);
    expect((await h.store.dropOffs.listDue(after(DAY), 10)).map((p) => p.owners)).toEqual([['U1']]);
  });
});
