import Database from 'better-sqlite3';
import { migrate, openSqliteStore } from '../../src/store/sqlite-store';
import type { SqliteStore } from '../../src/store/sqlite-store';
import { MIGRATIONS } from '../../src/store/migrations';
import { tempDir } from '../support/temp-dir';

const NOW = new Date('2026-11-27T10:00:00Z');

describe('SQLite store', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: SqliteStore;
  let badRows: string[];

  beforeEach(async () => {
    dir = tempDir();
    badRows = [];
    store = openSqliteStore({ path: dir.file('nested/rapport.db'), onBadRow: (what) => badRows.push(what) });
    await store.workspaces.ensure('slack', 'T1', 'Acme', NOW);
    await store.workspaces.ensure('slack', 'T2', 'Globex', NOW);
    await store.members.see(
      { workspaceId: 'slack:T1', memberId: 'U1', displayName: 'Ada' },
      'Europe/Paris',
      NOW,
    );
  });

  afterEach(async () => {
    await store.close();
    dir.cleanup();
  });

  it('migrates an empty file to the latest schema, in WAL mode with foreign keys on', () => {
    expect(store.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
    const tables = store.db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .pluck()
      .all();
    expect(tables).toEqual(
      expect.arrayContaining([
        'interactions',
        'members',
        'nudges',
        'partner_owners',
        'partners',
        'workspaces',
      ]),
    );
  });

  it('does nothing when migrated twice, and refuses a newer schema', () => {
    const db = new Database(dir.file('other.db'));
    expect(migrate(db)).toBe(MIGRATIONS.length);
    expect(migrate(db)).toBe(MIGRATIONS.length);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    expect(() => migrate(db)).toThrow(/newer than this program knows/);
    db.close();
  });

  it('creates a member with default working hours and the given zone, and keeps it on the next sighting', async () => {
    const member = await store.members.get('slack:T1', 'U1');
    expect(member).toMatchObject({
      timeZone: 'Europe/Paris',
      workingDays: [1, 2, 3, 4, 5],
      workStart: 540,
      workEnd: 1020,
      digest: true,
    });
    const again = await store.members.see(
      { workspaceId: 'slack:T1', memberId: 'U1', timeZone: 'Asia/Tokyo' },
      'UTC',
      NOW,
    );
    expect(again).toMatchObject({ displayName: 'Ada', timeZone: 'Asia/Tokyo', timeZoneCheckedAt: NOW });
  });

  it('keeps a time zone the member chose over what the platform reports, until they follow the platform again', async () => {
    await store.members.updatePrefs('slack:T1', 'U1', { timeZone: 'Asia/Tokyo' });
    const later = new Date(NOW.getTime() + 2 * 86_400_000);
    const seen = await store.members.see(
      { workspaceId: 'slack:T1', memberId: 'U1', timeZone: 'Europe/Paris' },
      'UTC',
      later,
    );
    expect(seen).toMatchObject({ timeZone: 'Asia/Tokyo', timeZoneChosen: true, timeZoneCheckedAt: later });
    await store.members.followPlatformTimeZone('slack:T1', 'U1');
    expect(await store.members.get('slack:T1', 'U1')).toMatchObject({
      timeZoneChosen: false,
      timeZoneCheckedAt: null,
    });
    const again = await store.members.see(
      { workspaceId: 'slack:T1', memberId: 'U1', timeZone: 'Europe/Paris' },
      'UTC',
      later,
    );
    expect(again.timeZone).toBe('Europe/Paris');
  });

  it('ignores an invalid reported time zone', async () => {
    const member = await store.members.see(
      { workspaceId: 'slack:T1', memberId: 'U1', timeZone: 'Mars/Olympus' },
      'UTC',
      NOW,
    );
    expect(member.timeZone).toBe('Europe/Paris');
  });

  it('clears a stale address when the member is seen with an address again', async () => {
    await store.members.markAddressStale('slack:T1', 'U1');
    expect((await store.members.get('slack:T1', 'U1'))?.addressStale).toBe(true);
    const seen = await store.members.see(
      { workspaceId: 'slack:T1', memberId: 'U1', address: { channel: 'slack', payload: { userId: 'U1' } } },
      'UTC',
      NOW,
    );
    expect(seen.addressStale).toBe(false);
    expect(seen.address).toEqual({ channel: 'slack', payload: { userId: 'U1' } });
  });

  it('falls back to safe defaults for unusable stored preferences, with a warning', async () => {
    store.db
      .prepare("UPDATE members SET time_zone = 'Nowhere/Land', work_start = 1000, work_end = 100")
      .run();
    const member = await store.members.get('slack:T1', 'U1');
    expect(member).toMatchObject({ timeZone: 'UTC', workStart: 540, workEnd: 1020 });
    expect(badRows).toEqual(['member time zone', 'member working hours']);
  });

  it('finds partners by name case-insensitively and refuses a duplicate name', async () => {
    await store.partners.create({
      workspaceId: 'slack:T1',
      name: 'Renault Group',
      stage: 'exploring',
      createdBy: 'U1',
      now: NOW,
    });
    expect((await store.partners.findByName('slack:T1', 'renault group'))?.owners).toEqual(['U1']);
    await expect(
      store.partners.create({
        workspaceId: 'slack:T1',
        name: 'RENAULT GROUP',
        stage: 'exploring',
        createdBy: 'U1',
        now: NOW,
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('keeps every workspace separate', async () => {
    const mine = await store.partners.create({
      workspaceId: 'slack:T1',
      name: 'Nissan',
      stage: 'exploring',
      createdBy: 'U1',
      now: NOW,
    });
    await store.partners.create({
      workspaceId: 'slack:T2',
      name: 'Nissan',
      stage: 'signed',
      createdBy: 'U9',
      now: NOW,
    });
    expect(await store.partners.get('slack:T2', mine.id)).toBeNull();
    expect((await store.partners.list('slack:T2')).map((p) => p.stage)).toEqual(['signed']);
    await expect(
      store.interactions.add({
        workspaceId: 'slack:T2',
        partnerId: mine.id,
        memberId: 'U9',
        kind: 'call',
        occurredOn: '2026-11-27',
        now: NOW,
      }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const nudge = await store.nudges.createIfAbsent({
      workspaceId: 'slack:T1',
      partnerId: mine.id,
      memberId: 'U1',
      ruleId: 'site-visit',
      occurrence: '2026-11-27',
      dueAt: NOW,
      deliverAfter: NOW,
      now: NOW,
    });
    expect(await store.nudges.get('slack:T2', nudge.nudge.id)).toBeNull();
    expect(
      (
        await store.nudges
          .answer('slack:T2', nudge.nudge.id, { choiceId: 'x', memberId: 'U9', at: NOW })
          .catch((e) => e)
      ).code,
    ).toBe('NOT_FOUND');
    expect((await store.nudges.get('slack:T1', nudge.nudge.id))?.status).toBe('pending');
  });

  it('summarises interactions per kind', async () => {
    const p = await store.partners.create({
      workspaceId: 'slack:T1',
      name: 'Nissan',
      stage: 'exploring',
      createdBy: 'U1',
      now: NOW,
    });
    for (const [kind, day] of [
      ['visit', '2026-10-01'],
      ['visit', '2026-11-20'],
      ['call', '2026-11-01'],
    ] as const) {
      await store.interactions.add({
        workspaceId: 'slack:T1',
        partnerId: p.id,
        memberId: 'U1',
        kind,
        occurredOn: day,
        now: NOW,
      });
    }
    expect(await store.partners.history('slack:T1', p.id)).toEqual({
      visit: { first: '2026-10-01', last: '2026-11-20', count: 2 },
      call: { first: '2026-11-01', last: '2026-11-01', count: 1 },
    });
    const recent = await store.interactions.listForPartner('slack:T1', p.id, { limit: 2 });
    expect(recent.map((i) => i.occurredOn)).toEqual(['2026-11-20', '2026-11-01']);
  });

  describe('nudges', () => {
    let partnerId: number;
    const key = () => ({
      workspaceId: 'slack:T1',
      partnerId,
      memberId: 'U1',
      ruleId: 'post-signing',
      occurrence: 'd30',
      dueAt: NOW,
      deliverAfter: NOW,
      now: NOW,
    });

    beforeEach(async () => {
      partnerId = (
        await store.partners.create({
          workspaceId: 'slack:T1',
          name: 'Nissan',
          stage: 'signed',
          createdBy: 'U1',
          now: NOW,
        })
      ).id;
      await store.members.see(
        { workspaceId: 'slack:T1', memberId: 'U1', address: { channel: 'slack', payload: {} } },
        'UTC',
        NOW,
      );
    });

    it('creates the same occurrence only once', async () => {
      const first = await store.nudges.createIfAbsent(key());
      const second = await store.nudges.createIfAbsent(key());
      expect(first.created).toBe(true);
      expect(second.created).toBe(false);
      expect(second.nudge.id).toBe(first.nudge.id);
      expect(store.db.prepare('SELECT COUNT(*) FROM nudges').pluck().get()).toBe(1);
    });

    it('lets only the current lease holder record an outcome', async () => {
      await store.nudges.createIfAbsent(key());
      const [first] = await store.nudges.claimDeliverable(NOW, new Date(NOW.getTime() + 60_000), 10, [
        'slack',
      ]);
      const later = new Date(NOW.getTime() + 61_000);
      // The first sender stalled past its lease; a second one claims the nudge.
      const [second] = await store.nudges.claimDeliverable(later, new Date(later.getTime() + 60_000), 10, [
        'slack',
      ]);
      expect(second?.leaseToken).not.toBe(first?.leaseToken);
      expect(await store.nudges.release(first!)).toBe(false);
      expect(await store.nudges.reschedule(first!, later, 'late', true)).toBe(false);
      expect(await store.nudges.markSent(first!, { ts: 'stale' }, later)).toBe(false);
      expect(await store.nudges.markSent(second!, { ts: 'fresh' }, later)).toBe(true);
      expect((await store.nudges.get('slack:T1', second!.id))?.messageRef).toEqual({ ts: 'fresh' });
    });

    it('keeps a snooze made while a send was waiting: the sender can no longer record anything', async () => {
      await store.nudges.createIfAbsent(key());
      const [claimed] = await store.nudges.claimDeliverable(NOW, new Date(NOW.getTime() + 60_000), 10, [
        'slack',
      ]);
      const week = new Date(NOW.getTime() + 7 * 86_400_000);
      expect(await store.nudges.snooze('slack:T1', claimed!.id, week, 'U1', NOW)).toBe(true);
      expect(await store.nudges.reschedule(claimed!, new Date(NOW.getTime() + 30_000), 'late', false)).toBe(
        false,
      );
      expect(await store.nudges.markSent(claimed!, { ts: 'late' }, NOW)).toBe(false);
      expect(await store.nudges.get('slack:T1', claimed!.id)).toMatchObject({
        status: 'snoozed',
        deliverAfter: week,
      });
    });

    it('hands out only nudges whose platform has a running channel', async () => {
      await store.nudges.createIfAbsent(key());
      expect(
        await store.nudges.claimDeliverable(NOW, new Date(NOW.getTime() + 1), 10, ['teams', 'shell']),
      ).toEqual([]);
      expect(
        await store.nudges.claimDeliverable(NOW, new Date(NOW.getTime() + 1), 10, ['slack']),
      ).toHaveLength(1);
    });

    it('leases a due nudge to one claimer until the lease expires', async () => {
      await store.nudges.createIfAbsent(key());
      const lease = new Date(NOW.getTime() + 60_000);
      expect(await store.nudges.claimDeliverable(NOW, lease, 10, ['slack'])).toHaveLength(1);
      expect(await store.nudges.claimDeliverable(NOW, lease, 10, ['slack'])).toHaveLength(0);
      const later = new Date(NOW.getTime() + 61_000);
      expect(
        await store.nudges.claimDeliverable(later, new Date(later.getTime() + 60_000), 10, ['slack']),
      ).toHaveLength(1);
    });

    it('does not hand out nudges for members who are paused or whose address is gone', async () => {
      await store.nudges.createIfAbsent(key());
      await store.members.setPausedUntil('slack:T1', 'U1', new Date(NOW.getTime() + 86_400_000));
      expect(
        await store.nudges.claimDeliverable(NOW, new Date(NOW.getTime() + 1), 10, ['slack']),
      ).toHaveLength(0);
      await store.members.setPausedUntil('slack:T1', 'U1', null);
      await store.members.markAddressStale('slack:T1', 'U1');
      expect(
        await store.nudges.claimDeliverable(NOW, new Date(NOW.getTime() + 1), 10, ['slack']),
      ).toHaveLength(0);
    });

    it('records the first answer only, with its check-in, atomically', async () => {
      const { nudge } = await store.nudges.createIfAbsent(key());
      const interaction = {
        workspaceId: 'slack:T1',
        partnerId,
        memberId: 'U1',
        kind: 'checkin' as const,
        occurredOn: '2026-11-27',
        rating: 5,
      };
      const first = await store.nudges.answer('slack:T1', nudge.id, {
        choiceId: 'well',
        memberId: 'U1',
        at: NOW,
        interaction,
      });
      const second = await store.nudges.answer('slack:T1', nudge.id, {
        choiceId: 'stuck',
        memberId: 'U1',
        at: NOW,
        interaction,
      });
      expect(first.answered).toBe(true);
      expect(second.answered).toBe(false);
      expect(second.nudge.answer).toBe('well');
      expect(
        store.db.prepare('SELECT COUNT(*) FROM interactions WHERE nudge_id = ?').pluck().get(nudge.id),
      ).toBe(1);
    });

    it('expires pending nudges that are no longer due, but never sent ones', async () => {
      const { nudge: stale } = await store.nudges.createIfAbsent(key());
      const { nudge: sent } = await store.nudges.createIfAbsent({ ...key(), occurrence: 'd7' });
      const claimed = await store.nudges.claimDeliverable(NOW, new Date(NOW.getTime() + 60_000), 10, [
        'slack',
      ]);
      expect(
        await store.nudges.markSent(
          claimed.find((n) => n.id === sent.id)!,
          { ts: '1' },
          NOW,
        ),
      ).toBe(true);
      // A nudge still held by a live lease is its sender's to settle; once released it can expire.
      expect(await store.nudges.expirePending('slack:T1', partnerId, [], NOW)).toBe(0);
      expect(await store.nudges.release(claimed.find((n) => n.id === stale.id)!)).toBe(true);
      expect(await store.nudges.expirePending('slack:T1', partnerId, [], NOW)).toBe(1);
      expect((await store.nudges.get('slack:T1', stale.id))?.status).toBe('expired');
      expect((await store.nudges.get('slack:T1', sent.id))?.status).toBe('sent');
    });

    it('deletes a partner with its interactions and nudges', async () => {
      await store.nudges.createIfAbsent(key());
      await store.interactions.add({
        workspaceId: 'slack:T1',
        partnerId,
        memberId: 'U1',
        kind: 'call',
        occurredOn: '2026-11-27',
        now: NOW,
      });
      await store.partners.remove('slack:T1', partnerId);
      expect(
        store.db
          .prepare('SELECT (SELECT COUNT(*) FROM nudges) + (SELECT COUNT(*) FROM interactions)')
          .pluck()
          .get(),
      ).toBe(0);
    });
  });

  it('lets only the current holder of a weekly digest record its outcome', async () => {
    const lease = (at: Date) => new Date(at.getTime() + 60_000);
    const first = await store.digests.claim('slack:T1', 'U1', '2026-W49', NOW, lease(NOW));
    expect(first).not.toBeNull();
    expect(await store.digests.claim('slack:T1', 'U1', '2026-W49', NOW, lease(NOW))).toBeNull();
    const later = new Date(NOW.getTime() + 61_000);
    const second = await store.digests.claim('slack:T1', 'U1', '2026-W49', later, lease(later));
    expect(second?.token).not.toBe(first?.token);
    expect(await store.digests.markSent(first!, { ts: 'stale' }, later)).toBe(false);
    expect(await store.digests.skip(first!, 'stale', later)).toBe(false);
    expect(await store.digests.markSent(second!, { ts: 'fresh' }, later)).toBe(true);
    expect(await store.digests.get('slack:T1', 'U1', '2026-W49')).toMatchObject({
      status: 'sent',
      messageRef: { ts: 'fresh' },
    });
    expect(await store.digests.claim('slack:T1', 'U1', '2026-W49', later, lease(later))).toBeNull();
  });

  it('does not count a deferred digest (no pacing slot) as an attempt', async () => {
    const claim = await store.digests.claim(
      'slack:T1',
      'U1',
      '2026-W50',
      NOW,
      new Date(NOW.getTime() + 60_000),
    );
    expect(await store.digests.release(claim!, NOW, null, false)).toBe(true);
    expect((await store.digests.get('slack:T1', 'U1', '2026-W50'))?.attempts).toBe(0);
  });

  it('keeps its data across a reopen of the file', async () => {
    await store.partners.create({
      workspaceId: 'slack:T1',
      name: 'Nissan',
      stage: 'exploring',
      createdBy: 'U1',
      now: NOW,
    });
    await store.close();
    store = openSqliteStore({ path: dir.file('nested/rapport.db') });
    expect((await store.partners.list('slack:T1')).map((p) => p.name)).toEqual(['Nissan']);
  });
});
