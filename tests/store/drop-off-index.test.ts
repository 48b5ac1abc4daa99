/**
 * The drop-off step's index: every signed partner has a state row from its signing, due at once, so the
 * partners due for a check are found through the index on the next check, never by scanning every signed
 * partner (a pass with nothing due costs the same at 10,000 and at 1,000,000 partners).
 */
import { DROP_OFF_DUE_SQL } from '../../src/store/sqlite/drop-off-repository';
import { after, DAY, NOW, STORE_KINDS, storeHarness } from './store-harness';
import type { StoreHarness, StoreKind } from './store-harness';

describe.each(STORE_KINDS)('%s: the drop-off index', (kind) => {
  let h: StoreHarness<StoreKind>;
  beforeEach(async () => {
    h = await storeHarness(kind);
    await h.store.workspaces.ensure('slack', 'T1', null, NOW);
  });
  afterEach(() => h.close());

  const due = async (at: Date) => (await h.store.dropOffs.listDue(at, 100)).map((p) => p.name);

  it('lists a partner once it is signed, until its next check is set, and never while it is not signed', async () => {
    const create = (name: string, signed: boolean) =>
      h.store.partners.create({
        workspaceId: 'slack:T1',
        name,
        stage: signed ? 'signed' : 'exploring',
        signedOn: signed ? '2026-10-01' : null,
        createdBy: 'U1',
        now: NOW,
      });
    const nissan = await create('Nissan', true);
    const toyota = await create('Toyota', false);
    expect(await due(NOW)).toEqual(['Nissan']);

    // Toyota signs: due at once. Nissan is checked, and due again tomorrow.
    await h.store.partners.update('slack:T1', toyota.id, { stage: 'signed', signedOn: '2026-11-20' });
    await h.store.dropOffs.save({
      workspaceId: 'slack:T1',
      partnerId: nissan.id,
      armed: true,
      firedPeriod: null,
      firedAt: null,
      nextCheckAt: after(DAY),
    });
    expect(await due(NOW)).toEqual(['Toyota']);
    expect(await due(after(DAY))).toEqual(['Toyota', 'Nissan']);

    // Nissan's collaboration ends: it leaves the index; signed again, it is due at once.
    await h.store.partners.update('slack:T1', nissan.id, { stage: 'ended' });
    expect(await due(after(DAY))).toEqual(['Toyota']);
    await h.store.partners.update('slack:T1', nissan.id, { stage: 'signed' });
    expect(await due(NOW)).toEqual(['Nissan', 'Toyota']);
  });

  it('keeps one state row per partner when two callers save it at once, and a later save replaces it', async () => {
    const nissan = await h.store.partners.create({
      workspaceId: 'slack:T1',
      name: 'Nissan',
      stage: 'exploring',
      createdBy: 'U1',
      now: NOW,
    });
    const state = (nextCheckAt: Date) => ({
      workspaceId: 'slack:T1',
      partnerId: nissan.id,
      armed: false,
      firedPeriod: 2,
      firedAt: NOW,
      nextCheckAt,
    });
    await Promise.all([h.store.dropOffs.save(state(after(DAY))), h.store.dropOffs.save(state(after(DAY)))]);
    expect(await h.count('drop_off_state')).toBe(1);
    expect(await h.store.dropOffs.get('slack:T1', nissan.id)).toEqual(state(after(DAY)));
    await h.store.dropOffs.save(state(after(2 * DAY)));
    expect(await h.store.dropOffs.get('slack:T1', nissan.id)).toEqual(state(after(2 * DAY)));
    // Not signed: saved, but never due.
    expect(await due(after(3 * DAY))).toEqual([]);
  });
});

describe('SQLite: the drop-off index', () => {
  let h: StoreHarness;
  beforeEach(async () => {
    h = await storeHarness();
  });
  afterEach(() => h.close());

  it('reads the partners due through the index on the next check', () => {
    const plan = (
      h.store.db.prepare(`EXPLAIN QUERY PLAN ${DROP_OFF_DUE_SQL}`).all('x', 1) as { detail: string }[]
    )
      .map((row) => row.detail)
      .join(' | ');
    expect(plan).toContain('USING COVERING INDEX drop_off_state_next_check');
    expect(plan).not.toMatch(/SCAN p\b/);
  });
});
