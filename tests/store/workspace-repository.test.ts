import { DAY, NOW, STORE_KINDS, after, nudgeFor, storeHarness } from './store-harness';
import type { StoreHarness, StoreKind } from './store-harness';

describe.each(STORE_KINDS)('%s workspace repository', (kind) => {
  let h: StoreHarness<StoreKind>;

  beforeEach(async () => {
    h = await storeHarness(kind);
  });

  afterEach(async () => {
    await h.close();
  });

  it('creates a workspace once and keeps its name unless a new one is given', async () => {
    expect(await h.store.workspaces.ensure('slack', 'T1', null, after(DAY))).toMatchObject({
      id: 'slack:T1',
      platform: 'slack',
      externalId: 'T1',
      name: 'Acme',
      createdAt: NOW,
      sendingHeldUntil: null,
      sendingHeldReason: null,
    });
    expect((await h.store.workspaces.ensure('slack', 'T1', 'Acme Corp'))?.name).toBe('Acme Corp');
  });

  it('holds sending until a given instant, with the reason, and lifts the hold', async () => {
    await h.store.workspaces.holdSending('slack:T1', after(DAY), 'credentials refused');
    expect(await h.store.workspaces.get('slack:T1')).toMatchObject({
      sendingHeldUntil: after(DAY),
      sendingHeldReason: 'credentials refused',
    });
    await h.store.workspaces.holdSending('slack:T1', null, null);
    expect(await h.store.workspaces.get('slack:T1')).toMatchObject({
      sendingHeldUntil: null,
      sendingHeldReason: null,
    });
  });

  it('keeps every workspace separate', async () => {
    const mine = await h.store.partners.create({
      workspaceId: 'slack:T1',
      name: 'Nissan',
      stage: 'exploring',
      createdBy: 'U1',
      now: NOW,
    });
    await h.store.partners.create({
      workspaceId: 'slack:T2',
      name: 'Nissan',
      stage: 'signed',
      createdBy: 'U9',
      now: NOW,
    });
    expect(await h.store.partners.get('slack:T2', mine.id)).toBeNull();
    expect((await h.store.partners.list('slack:T2')).map((p) => p.stage)).toEqual(['signed']);
    expect(await h.store.partners.findFirstNamed('slack:T2', ['nissan'])).toMatchObject({
      partner: { workspaceId: 'slack:T2' },
    });
    await expect(
      h.store.interactions.add({
        workspaceId: 'slack:T2',
        partnerId: mine.id,
        memberId: 'U9',
        kind: 'call',
        occurredOn: '2026-11-27',
        now: NOW,
      }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const { nudge } = await h.store.nudges.createIfAbsent(nudgeFor(mine.id, { ruleId: 'site-visit' }));
    expect(await h.store.nudges.get('slack:T2', nudge.id)).toBeNull();
    await expect(
      h.store.nudges.answer('slack:T2', nudge.id, { choiceId: 'x', memberId: 'U9', at: NOW }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await h.store.nudges.get('slack:T1', nudge.id))?.status).toBe('pending');
  });
});
