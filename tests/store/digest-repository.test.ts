import { NOW, STORE_KINDS, storeHarness } from './store-harness';
import type { StoreHarness, StoreKind } from './store-harness';

describe.each(STORE_KINDS)('%s digest repository', (kind) => {
  let h: StoreHarness<StoreKind>;

  beforeEach(async () => {
    h = await storeHarness(kind);
  });

  afterEach(async () => {
    await h.close();
  });

  it('lets only the current holder of a weekly digest record its outcome', async () => {
    const { digests } = h.store;
    const lease = (at: Date) => new Date(at.getTime() + 60_000);
    const first = await digests.claim('slack:T1', 'U1', '2026-W49', NOW, lease(NOW));
    expect(first).not.toBeNull();
    expect(await digests.claim('slack:T1', 'U1', '2026-W49', NOW, lease(NOW))).toBeNull();
    const later = new Date(NOW.getTime() + 61_000);
    const second = await digests.claim('slack:T1', 'U1', '2026-W49', later, lease(later));
    expect(second?.token).not.toBe(first?.token);
    expect(await digests.markSent(first!, { ts: 'stale' }, later)).toBe(false);
    expect(await digests.skip(first!, 'stale', later)).toBe(false);
    expect(await digests.markSent(second!, { ts: 'fresh' }, later)).toBe(true);
    expect(await digests.get('slack:T1', 'U1', '2026-W49')).toMatchObject({
      status: 'sent',
      messageRef: { ts: 'fresh' },
    });
    expect(await digests.claim('slack:T1', 'U1', '2026-W49', later, lease(later))).toBeNull();
  });

  it('does not count a deferred digest (no pacing slot) as an attempt', async () => {
    const claim = await h.store.digests.claim(
      'slack:T1',
      'U1',
      '2026-W50',
      NOW,
      new Date(NOW.getTime() + 60_000),
    );
    expect(await h.store.digests.release(claim!, NOW, null, false)).toBe(true);
    expect((await h.store.digests.get('slack:T1', 'U1', '2026-W50'))?.attempts).toBe(0);
  });

  it('waits for the retry time a release set before the week can be claimed again', async () => {
    const retryAt = new Date(NOW.getTime() + 3_600_000);
    const claim = await h.store.digests.claim(
      'slack:T1',
      'U1',
      '2026-W50',
      NOW,
      new Date(NOW.getTime() + 60_000),
    );
    expect(await h.store.digests.release(claim!, retryAt, 'unavailable')).toBe(true);
    expect(await h.store.digests.release(claim!, retryAt, 'twice')).toBe(false);
    expect(await h.store.digests.claim('slack:T1', 'U1', '2026-W50', NOW, retryAt)).toBeNull();
    const again = await h.store.digests.claim(
      'slack:T1',
      'U1',
      '2026-W50',
      retryAt,
      new Date(retryAt.getTime() + 1),
    );
    expect(again).not.toBeNull();
    expect(await h.store.digests.get('slack:T1', 'U1', '2026-W50')).toMatchObject({
      attempts: 2,
      lastError: 'unavailable',
    });
  });

  it('gives a week to one of many claimers racing for it, and its lease to one of those racing after it', async () => {
    const { digests } = h.store;
    const lease = (at: Date) => new Date(at.getTime() + 60_000);
    const race = (at: Date) =>
      Promise.all(
        Array.from({ length: 8 }, () => digests.claim('slack:T1', 'U1', '2026-W51', at, lease(at))),
      );
    // The first claims meet on an absent row (the insert), the later ones on an expired lease (the update).
    expect((await race(NOW)).filter(Boolean)).toHaveLength(1);
    const later = new Date(NOW.getTime() + 61_000);
    const winners = (await race(later)).filter(Boolean);
    expect(winners).toHaveLength(1);
    expect(await digests.get('slack:T1', 'U1', '2026-W51')).toMatchObject({ status: 'sending', attempts: 2 });
    expect(await digests.markSent(winners[0]!, { ts: '1' }, later)).toBe(true);
  });
});
