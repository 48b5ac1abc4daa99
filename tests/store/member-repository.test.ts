import { DAY, NOW, SLACK_ADDRESS, STORE_KINDS, after, storeHarness } from './store-harness';
import type { StoreHarness, StoreKind } from './store-harness';

describe.each(STORE_KINDS)('%s member repository', (kind) => {
  let h: StoreHarness<StoreKind>;

  beforeEach(async () => {
    h = await storeHarness(kind);
  });

  afterEach(async () => {
    await h.close();
  });

  it('creates a member with default working hours and the given zone, and keeps it on the next sighting', async () => {
    const member = await h.store.members.get('slack:T1', 'U1');
    expect(member).toMatchObject({
      timeZone: 'Europe/Paris',
      workingDays: [1, 2, 3, 4, 5],
      workStart: 540,
      workEnd: 1020,
      digest: true,
    });
    const again = await h.store.members.see(
      { workspaceId: 'slack:T1', memberId: 'U1', timeZone: 'Asia/Tokyo' },
      'UTC',
      NOW,
    );
    expect(again).toMatchObject({ displayName: 'Ada', timeZone: 'Asia/Tokyo', timeZoneCheckedAt: NOW });
  });

  it('keeps a time zone the member chose over what the platform reports, until they follow the platform again', async () => {
    await h.store.members.updatePrefs('slack:T1', 'U1', { timeZone: 'Asia/Tokyo' });
    const later = after(2 * DAY);
    const seen = await h.store.members.see(
      { workspaceId: 'slack:T1', memberId: 'U1', timeZone: 'Europe/Paris' },
      'UTC',
      later,
    );
    expect(seen).toMatchObject({ timeZone: 'Asia/Tokyo', timeZoneChosen: true, timeZoneCheckedAt: later });
    await h.store.members.followPlatformTimeZone('slack:T1', 'U1');
    expect(await h.store.members.get('slack:T1', 'U1')).toMatchObject({
      timeZoneChosen: false,
      timeZoneCheckedAt: null,
    });
    const again = await h.store.members.see(
      { workspaceId: 'slack:T1', memberId: 'U1', timeZone: 'Europe/Paris' },
      'UTC',
      later,
    );
    expect(again.timeZone).toBe('Europe/Paris');
  });

  it('ignores an invalid reported time zone', async () => {
    const member = await h.store.members.see(
      { workspaceId: 'slack:T1', memberId: 'U1', timeZone: 'Mars/Olympus' },
      'UTC',
      NOW,
    );
    expect(member.timeZone).toBe('Europe/Paris');
  });

  it('clears a stale address when the member is seen with an address again', async () => {
    await h.store.members.markAddressStale('slack:T1', 'U1', NOW);
    expect((await h.store.members.get('slack:T1', 'U1'))?.addressStale).toBe(true);
    const seen = await h.store.members.see(
      { workspaceId: 'slack:T1', memberId: 'U1', address: { channel: 'slack', payload: { userId: 'U1' } } },
      'UTC',
      NOW,
    );
    expect(seen.addressStale).toBe(false);
    expect(seen.address).toEqual({ channel: 'slack', payload: { userId: 'U1' } });
  });

  it('keeps an address a delivery refreshed, with its platform, and clears a stale one', async () => {
    await h.store.members.see(
      { workspaceId: 'slack:T1', memberId: 'U1', address: SLACK_ADDRESS },
      'UTC',
      NOW,
    );
    await h.store.members.markAddressStale('slack:T1', 'U1', NOW);
    const refreshed = { channel: 'teams' as const, payload: { conversation: 'a:1' } };
    await h.store.members.setAddress('slack:T1', 'U1', refreshed);
    expect(await h.store.members.get('slack:T1', 'U1')).toMatchObject({
      address: refreshed,
      addressStale: false,
    });
    expect(await h.rows("SELECT address_channel, address_stale_at FROM members WHERE id = 'U1'")).toEqual([
      { address_channel: 'teams', address_stale_at: null },
    ]);
  });

  it('falls back to safe defaults for unusable stored preferences, with a warning', async () => {
    await h.rows(
      "UPDATE members SET time_zone = 'Nowhere/Land', work_start = 1000, work_end = 100 RETURNING id",
    );
    const member = await h.store.members.get('slack:T1', 'U1');
    expect(member).toMatchObject({ timeZone: 'UTC', workStart: 540, workEnd: 1020 });
    expect(h.badRows.map((row) => row.what)).toEqual(['member time zone', 'member working hours']);
  });

  it('reads a stored document that is not an address as none, with a warning', async () => {
    await h.rows(`UPDATE members SET address = '{"payload":{}}' WHERE id = 'U1' RETURNING id`);
    expect((await h.store.members.get('slack:T1', 'U1'))?.address).toBeNull();
    expect(h.badRows).toEqual([
      { what: 'member address', detail: { workspaceId: 'slack:T1', memberId: 'U1' } },
    ]);
  });

  it('stores one member when several instances see a new one at once', async () => {
    const sightings = await Promise.all(
      ['Bo', 'Bo B.', null, 'Bo'].map((displayName) =>
        h.store.members.see(
          { workspaceId: 'slack:T1', memberId: 'U9', displayName, timeZone: 'Asia/Tokyo' },
          'UTC',
          NOW,
        ),
      ),
    );
    expect(sightings.map((member) => member.timeZone)).toEqual(Array(4).fill('Asia/Tokyo'));
    expect(await h.rows("SELECT COUNT(*) AS n FROM members WHERE id = 'U9'")).toEqual([{ n: 1 }]);
  });

  it('keeps both of two preference changes made at once', async () => {
    await Promise.all([
      h.store.members.updatePrefs('slack:T1', 'U1', { timeZone: 'Asia/Tokyo' }),
      h.store.members.updatePrefs('slack:T1', 'U1', { workStart: 480 }),
      h.store.members.updatePrefs('slack:T1', 'U1', { workingDays: [1, 2, 3, 4] }),
    ]);
    expect(await h.store.members.get('slack:T1', 'U1')).toMatchObject({
      timeZone: 'Asia/Tokyo',
      timeZoneChosen: true,
      workStart: 480,
      workEnd: 1020,
      workingDays: [1, 2, 3, 4],
    });
  });

  it('lists digest recipients who can be reached, outside workspaces whose sending is held', async () => {
    await h.store.members.see(
      { workspaceId: 'slack:T1', memberId: 'U1', address: SLACK_ADDRESS },
      'UTC',
      NOW,
    );
    await h.store.members.see(
      { workspaceId: 'slack:T2', memberId: 'V1', address: SLACK_ADDRESS },
      'UTC',
      NOW,
    );
    await h.store.members.see(
      { workspaceId: 'slack:T2', memberId: 'V2', address: SLACK_ADDRESS },
      'UTC',
      NOW,
    );
    await h.store.members.markAddressStale('slack:T2', 'V2', NOW);
    const recipients = async (at: Date) =>
      (await h.store.members.listDigestRecipients(at)).map((m) => `${m.workspaceId}/${m.id}`);
    expect(await recipients(NOW)).toEqual(['slack:T1/U1', 'slack:T2/V1']);
    await h.store.workspaces.holdSending('slack:T1', after(DAY), 'token revoked');
    expect(await recipients(NOW)).toEqual(['slack:T2/V1']);
    expect(await recipients(after(DAY))).toEqual(['slack:T1/U1', 'slack:T2/V1']);
  });
});

describe('SQLite member repository', () => {
  let h: StoreHarness;

  beforeEach(async () => {
    h = await storeHarness();
  });

  afterEach(async () => {
    await h.close();
  });

  // Only SQLite can hold text that is not JSON at all; PostgreSQL's jsonb column refuses it on write.
  it('reads an unreadable address as none, with a warning', async () => {
    h.store.db.prepare(`UPDATE members SET address = '{"channel":' WHERE id = 'U1'`).run();
    expect((await h.store.members.get('slack:T1', 'U1'))?.address).toBeNull();
    expect(h.badRows).toEqual([
      { what: 'member address', detail: { workspaceId: 'slack:T1', memberId: 'U1' } },
    ]);
  });
});
