import type { ChannelLink } from '../../src/core/ports';
import { addPartner, after, DAY, HOUR, NOW, SLACK_ADDRESS, STORE_KINDS, storeHarness } from './store-harness';
import type { StoreHarness, StoreKind } from './store-harness';

const channelAddress = (channelId: string) => ({
  channel: 'slack' as const,
  payload: { channel: channelId },
});

describe.each(STORE_KINDS)('%s channel link repository', (kind) => {
  let h: StoreHarness<StoreKind>;
  let nissan: number;

  const link = (
    channelId: string,
    overrides: Partial<Parameters<typeof h.store.channelLinks.link>[0]> = {},
  ) =>
    h.store.channelLinks.link({
      workspaceId: 'slack:T1',
      channelId,
      partnerId: nissan,
      address: channelAddress(channelId),
      external: false,
      linkedBy: 'U1',
      now: NOW,
      ...overrides,
    });

  beforeEach(async () => {
    h = await storeHarness(kind);
    nissan = (await addPartner(h.store)).id;
  });
  afterEach(() => h.close());

  it('links a channel to a partner of its workspace, lists and unlinks it', async () => {
    const linked = await link('C1');
    const expected: ChannelLink = {
      workspaceId: 'slack:T1',
      channelId: 'C1',
      partnerId: nissan,
      address: channelAddress('C1'),
      postToChannel: false,
      external: false,
      linkedBy: 'U1',
      linkedAt: NOW,
    };
    expect(linked).toEqual(expected);
    expect(await h.store.channelLinks.get('slack:T1', 'C1')).toEqual(expected);
    expect(await h.store.channelLinks.get('slack:T2', 'C1')).toBeNull();
    await link('C0', { now: after(HOUR) });
    expect((await h.store.channelLinks.listForPartner('slack:T1', nissan)).map((l) => l.channelId)).toEqual([
      'C1',
      'C0',
    ]);

    expect(await h.store.channelLinks.unlink('slack:T1', 'C1')).toEqual(expected);
    expect(await h.store.channelLinks.unlink('slack:T1', 'C1')).toBeNull();
    expect(await h.count('channel_links')).toBe(1);
  });

  it('refuses a partner of another workspace, and a channel linked already', async () => {
    const toyota = await addPartner(h.store, 'Toyota', 'slack:T2', 'U2');
    await expect(link('C1', { partnerId: toyota.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await link('C1');
    const other = await addPartner(h.store, 'Honda');
    await expect(link('C1', { partnerId: other.id })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(link('C1')).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await h.store.channelLinks.get('slack:T1', 'C1'))?.partnerId).toBe(nissan);
  });

  it('refuses a channel linked already inside a transaction, which goes on and commits', async () => {
    await link('C1');
    await h.store.transaction(async (tx) => {
      await expect(
        tx.channelLinks.link({
          workspaceId: 'slack:T1',
          channelId: 'C1',
          partnerId: nissan,
          address: channelAddress('C1'),
          external: false,
          linkedBy: 'U1',
          now: NOW,
        }),
      ).rejects.toMatchObject({ code: 'CONFLICT' });
      await tx.channelLinks.link({
        workspaceId: 'slack:T1',
        channelId: 'C2',
        partnerId: nissan,
        address: channelAddress('C2'),
        external: false,
        linkedBy: 'U1',
        now: NOW,
      });
    });
    expect((await h.store.channelLinks.listForPartner('slack:T1', nissan)).map((l) => l.channelId)).toEqual([
      'C1',
      'C2',
    ]);
  });

  it('lets exactly one of two instances link the same channel at once', async () => {
    const honda = await addPartner(h.store, 'Honda');
    const results = await Promise.allSettled([link('C1'), link('C1', { partnerId: honda.id })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const [refused] = results.filter((r) => r.status === 'rejected');
    expect((refused as PromiseRejectedResult).reason).toMatchObject({ code: 'CONFLICT' });
    expect(await h.count('channel_links')).toBe(1);
  });

  it('posts to channels that are not external, and keeps posting in the next channel linked', async () => {
    await link('C1');
    await link('X1', { external: true, address: SLACK_ADDRESS });
    expect(await h.store.channelLinks.setPostToChannel('slack:T1', nissan, true)).toBe(1);
    expect((await h.store.channelLinks.listPosting()).map((l) => l.channelId)).toEqual(['C1']);

    expect((await link('C2')).postToChannel).toBe(true);
    expect((await link('X2', { external: true })).postToChannel).toBe(false);
    expect((await h.store.channelLinks.listPosting()).map((l) => l.channelId)).toEqual(['C1', 'C2']);

    // Turning it off reaches every link, external ones included.
    expect(await h.store.channelLinks.setPostToChannel('slack:T1', nissan, false)).toBe(4);
    expect(await h.store.channelLinks.listPosting()).toEqual([]);
    expect((await link('C3')).postToChannel).toBe(false);
  });

  it('claims a week’s status once, takes over an expired claim, and allows a retry after a release', async () => {
    const claim = (week: string, at: Date = NOW) =>
      h.store.channelLinks.claimWeeklyStatus('slack:T1', 'C1', week, at, after(HOUR, at));
    expect(await claim('2026-W48')).toBe(true);
    expect(await claim('2026-W48')).toBe(false);
    expect(await claim('2026-W48', after(2 * HOUR))).toBe(true);

    await h.store.channelLinks.releaseWeeklyStatus('slack:T1', 'C1', '2026-W48');
    expect(await claim('2026-W48', after(2 * HOUR))).toBe(true);
    await h.store.channelLinks.weeklyStatusPosted(
      'slack:T1',
      'C1',
      '2026-W48',
      { ts: '1.2' },
      after(2 * HOUR),
    );
    // Posted: neither a later claim nor a release undoes it.
    await h.store.channelLinks.releaseWeeklyStatus('slack:T1', 'C1', '2026-W48');
    expect(await claim('2026-W48', after(DAY))).toBe(false);
    expect(await h.rows(`SELECT status FROM channel_status_posts WHERE week = '2026-W48'`)).toEqual([
      { status: 'sent' },
    ]);
    // Another week, or the same week of another workspace, is a claim of its own.
    expect(await claim('2026-W49', after(DAY))).toBe(true);
    expect(await h.store.channelLinks.claimWeeklyStatus('slack:T2', 'C1', '2026-W48', NOW, after(HOUR))).toBe(
      true,
    );
  });

  it('gives a week’s status to exactly one of several instances claiming it at once', async () => {
    const claims = await Promise.all(
      Array.from({ length: 4 }, () =>
        h.store.channelLinks.claimWeeklyStatus('slack:T1', 'C1', '2026-W48', NOW, after(HOUR)),
      ),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);

    // An expired claim taken over by several at once: again one wins.
    const takeovers = await Promise.all(
      Array.from({ length: 4 }, () =>
        h.store.channelLinks.claimWeeklyStatus(
          'slack:T1',
          'C1',
          '2026-W48',
          after(2 * HOUR),
          after(3 * HOUR),
        ),
      ),
    );
    expect(takeovers.filter(Boolean)).toHaveLength(1);
  });
});
