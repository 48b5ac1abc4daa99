import { promiseOccurrence } from '../../src/core/promise-keys';
import type { Delivery } from '../../src/core/ports';
import {
  DAY,
  HOUR,
  NOW,
  SLACK_ADDRESS,
  STORE_KINDS,
  addPartner,
  after,
  nudgeFor,
  storeHarness,
} from './store-harness';
import type { StoreHarness, StoreKind } from './store-harness';

const MINUTE = 60_000;
const ids = (deliveries: Delivery[]) => deliveries.map((d) => d.nudge.id);

describe.each(STORE_KINDS)('%s nudge repository', (kind) => {
  let h: StoreHarness<StoreKind>;
  let partnerId: number;
  const key = () => nudgeFor(partnerId);
  /** Claims at `at` with a one-minute lease, for running Slack channels only unless told. */
  const claim = (at: Date = NOW, limit = 10, platforms: ('slack' | 'teams' | 'shell')[] = ['slack']) =>
    h.store.nudges.claimDeliverable(at, after(MINUTE, at), limit, platforms);

  beforeEach(async () => {
    h = await storeHarness(kind);
    partnerId = (await addPartner(h.store, 'Nissan')).id;
    await h.store.members.see(
      { workspaceId: 'slack:T1', memberId: 'U1', address: SLACK_ADDRESS },
      'UTC',
      NOW,
    );
  });

  afterEach(async () => {
    await h.close();
  });

  it('creates the same occurrence only once', async () => {
    const first = await h.store.nudges.createIfAbsent(key());
    const second = await h.store.nudges.createIfAbsent(key());
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.nudge.id).toBe(first.nudge.id);
    expect(await h.count('nudges')).toBe(1);
  });

  it('lets only the current lease holder record an outcome', async () => {
    await h.store.nudges.createIfAbsent(key());
    const [first] = await claim(NOW);
    const later = after(61_000);
    // The first sender stalled past its lease; a second one claims the nudge.
    const [second] = await claim(later);
    expect(second?.nudge.leaseToken).not.toBe(first?.nudge.leaseToken);
    expect(await h.store.nudges.release(first!.nudge)).toBe(false);
    expect(await h.store.nudges.reschedule(first!.nudge, later, 'late', true)).toBe(false);
    expect(await h.store.nudges.markSent(first!.nudge, { ts: 'stale' }, later)).toBe(false);
    expect(await h.store.nudges.markSent(second!.nudge, { ts: 'fresh' }, later)).toBe(true);
    expect((await h.store.nudges.get('slack:T1', second!.nudge.id))?.messageRef).toEqual({ ts: 'fresh' });
  });

  it('keeps a snooze made while a send was waiting: the sender can no longer record anything', async () => {
    await h.store.nudges.createIfAbsent(key());
    const [claimed] = await claim(NOW);
    const week = after(7 * DAY);
    expect(await h.store.nudges.snooze('slack:T1', claimed!.nudge.id, week, 'U1', NOW)).toBe(true);
    expect(await h.store.nudges.reschedule(claimed!.nudge, after(30_000), 'late', false)).toBe(false);
    expect(await h.store.nudges.markSent(claimed!.nudge, { ts: 'late' }, NOW)).toBe(false);
    expect(await h.store.nudges.get('slack:T1', claimed!.nudge.id)).toMatchObject({
      status: 'snoozed',
      deliverAfter: week,
    });
  });

  it('hands out only nudges whose platform has a running channel', async () => {
    await h.store.nudges.createIfAbsent(key());
    expect(await claim(NOW, 10, ['teams', 'shell'])).toEqual([]);
    expect(await claim(NOW, 10, ['slack'])).toHaveLength(1);
  });

  it('leases a due nudge to one claimer until the lease expires', async () => {
    await h.store.nudges.createIfAbsent(key());
    expect(await claim(NOW)).toHaveLength(1);
    expect(await claim(NOW)).toHaveLength(0);
    expect(await claim(after(61_000))).toHaveLength(1);
  });

  it('does not hand out nudges for members who are paused or whose address is gone', async () => {
    await h.store.nudges.createIfAbsent(key());
    await h.store.members.setPausedUntil('slack:T1', 'U1', after(DAY));
    expect(await claim(NOW)).toHaveLength(0);
    await h.store.members.setPausedUntil('slack:T1', 'U1', null);
    await h.store.members.markAddressStale('slack:T1', 'U1', NOW);
    expect(await claim(NOW)).toHaveLength(0);
  });

  it('hands out what delivery needs with the claim: the member, the partner with its owners, its history', async () => {
    await h.store.partners.addOwner('slack:T1', partnerId, 'U2');
    await h.store.interactions.add({
      workspaceId: 'slack:T1',
      partnerId,
      memberId: 'U1',
      kind: 'visit',
      occurredOn: '2026-11-20',
      now: NOW,
    });
    const { nudge } = await h.store.nudges.createIfAbsent(key());
    const [delivery] = await claim(NOW);
    expect(delivery).toEqual({
      nudge: { ...nudge, leaseUntil: after(MINUTE), leaseToken: expect.any(String) },
      member: await h.store.members.get('slack:T1', 'U1'),
      partner: { ...(await h.store.partners.get('slack:T1', partnerId)), owners: ['U1', 'U2'] },
      history: { visit: { first: '2026-11-20', last: '2026-11-20', count: 1 } },
      // The owners with their roles: a rule's `{others}` and an owner's notice are rendered from them.
      team: [
        expect.objectContaining({ memberId: 'U1', role: 'alliance-manager', lead: true, known: true }),
        expect.objectContaining({ memberId: 'U2', role: 'alliance-manager', lead: false, known: false }),
      ],
    });
    expect(delivery?.member.address).toEqual(SLACK_ADDRESS);
  });

  it('hands out a promise reminder with its promise, and never a promise of another workspace', async () => {
    const promise = await h.store.promises.add({
      workspaceId: 'slack:T1',
      partnerId,
      direction: 'ours',
      text: 'Send the pricing',
      dueOn: '2026-12-01',
      ownerId: 'U1',
      now: NOW,
    });
    const other = await addPartner(h.store, 'Toyota', 'slack:T2', 'U9');
    const theirs = await h.store.promises.add({
      workspaceId: 'slack:T2',
      partnerId: other.id,
      direction: 'ours',
      text: 'Not ours to read',
      dueOn: '2026-12-01',
      ownerId: 'U9',
      now: NOW,
    });
    const { nudge: reminder } = await h.store.nudges.createIfAbsent({
      ...key(),
      ruleId: 'promise-reminder',
      occurrence: promiseOccurrence(promise),
    });
    // A reminder whose key names another workspace's promise goes out without it.
    const { nudge: stray } = await h.store.nudges.createIfAbsent({
      ...key(),
      ruleId: 'promise-reminder',
      occurrence: promiseOccurrence(theirs),
      deliverAfter: after(-1),
    });
    const deliveries = await claim(NOW);
    expect(ids(deliveries)).toEqual([stray.id, reminder.id]);
    expect(deliveries[0]).not.toHaveProperty('promise');
    expect(deliveries[1]?.promise).toEqual(promise);
  });

  describe('with a row that cannot be read', () => {
    let ada: number;
    let grace: number;

    beforeEach(async () => {
      await h.store.members.see(
        { workspaceId: 'slack:T1', memberId: 'U2', displayName: 'Grace', address: SLACK_ADDRESS },
        'UTC',
        NOW,
      );
      // Ada's nudge goes first: a bad row in front must not keep Grace's from going out.
      ada = (await h.store.nudges.createIfAbsent({ ...key(), deliverAfter: after(-HOUR) })).nudge.id;
      grace = (await h.store.nudges.createIfAbsent({ ...key(), memberId: 'U2' })).nudge.id;
    });

    it('skips a member whose address names no channel, with a warning, and hands out the others', async () => {
      await h.rows(`UPDATE members SET address = '{"payload":{}}' WHERE id = 'U1' RETURNING id`);
      expect(ids(await claim(NOW, 1))).toEqual([grace]);
      expect(h.badRows).toEqual([
        { what: 'member address', detail: { workspaceId: 'slack:T1', memberId: 'U1', nudgeId: ada } },
      ]);
      // The bad row keeps its lease, so it is reported again only once that lease has run out.
      expect(await claim(NOW)).toEqual([]);
      expect(h.badRows).toHaveLength(1);
    });

    it('skips a nudge whose partner is not in its workspace, with a warning, and hands out the others', async () => {
      const other = await addPartner(h.store, 'Renault');
      const orphan = (
        await h.store.nudges.createIfAbsent({ ...nudgeFor(other.id), deliverAfter: after(-DAY) })
      ).nudge.id;
      await h.rows(`UPDATE partners SET workspace_id = 'slack:T2' WHERE id = ${other.id} RETURNING id`);
      expect(ids(await claim(NOW))).toEqual([ada, grace]);
      expect(h.badRows).toEqual([
        { what: 'nudge partner', detail: { nudgeId: orphan, workspaceId: 'slack:T1', partnerId: other.id } },
      ]);
    });
  });

  it('skips the nudges of a workspace whose sending is held, until the hold has passed', async () => {
    const { nudge } = await h.store.nudges.createIfAbsent(key());
    await h.store.workspaces.holdSending('slack:T1', after(HOUR), 'credentials refused');
    expect(await claim(NOW)).toEqual([]);
    expect(await claim(after(HOUR - 1))).toEqual([]);
    expect(ids(await claim(after(HOUR)))).toEqual([nudge.id]);
  });

  it('probes a stale address with its nudges again once a day has passed since it was found stale', async () => {
    const { nudge } = await h.store.nudges.createIfAbsent(key());
    await h.store.members.markAddressStale('slack:T1', 'U1', NOW);
    expect(await claim(NOW)).toEqual([]);
    expect(await claim(after(DAY - 1))).toEqual([]);
    const [probe] = await claim(after(DAY));
    expect(probe?.nudge.id).toBe(nudge.id);
    expect(probe?.member.addressStale).toBe(true);
    // The probe failed too: another day.
    await h.store.nudges.reschedule(probe!.nudge, after(DAY), 'gone', false);
    await h.store.members.markAddressStale('slack:T1', 'U1', after(DAY));
    expect(await claim(after(DAY + HOUR))).toEqual([]);
    // A delivery that refreshed the address makes the member reachable at once.
    await h.store.members.setAddress('slack:T1', 'U1', SLACK_ADDRESS);
    expect(ids(await claim(after(DAY + HOUR)))).toEqual([nudge.id]);
  });

  it('counts the sends of a day up to now, not sends stamped in the future', async () => {
    const dayStart = new Date('2026-11-27T00:00:00Z');
    const sendAt = async (occurrence: string, at: Date) => {
      await h.store.nudges.createIfAbsent({ ...key(), occurrence, deliverAfter: at });
      const [claimed] = await claim(at);
      expect(await h.store.nudges.markSent(claimed!.nudge, { ts: occurrence }, at)).toBe(true);
    };
    await sendAt('yesterday', after(-DAY));
    await sendAt('at-midnight', dayStart);
    await sendAt('now', NOW);
    await sendAt('tomorrow', after(DAY));
    expect(await h.store.nudges.listSentSince('slack:T1', 'U1', dayStart, NOW)).toHaveLength(2);
    expect(await h.store.nudges.listSentSince('slack:T1', 'U1', dayStart, after(-1))).toHaveLength(1);
    expect(await h.store.nudges.listSentSince('slack:T1', 'U2', dayStart, NOW)).toHaveLength(0);
  });

  it('records the first answer only', async () => {
    const { nudge } = await h.store.nudges.createIfAbsent(key());
    const first = await h.store.nudges.answer('slack:T1', nudge.id, {
      choiceId: 'well',
      memberId: 'U1',
      at: NOW,
    });
    const second = await h.store.nudges.answer('slack:T1', nudge.id, {
      choiceId: 'stuck',
      memberId: 'U1',
      at: NOW,
    });
    expect(first.answered).toBe(true);
    expect(second.answered).toBe(false);
    expect(second.nudge).toMatchObject({
      status: 'answered',
      answer: 'well',
      answeredBy: 'U1',
      answeredAt: NOW,
    });
    expect(await h.count('interactions')).toBe(0);
  });

  it('expires open nudges that are no longer due, sent ones marked for a message update', async () => {
    const { nudge: stale } = await h.store.nudges.createIfAbsent(key());
    const { nudge: sent } = await h.store.nudges.createIfAbsent({ ...key(), occurrence: 'd7' });
    const claimed = (await claim(NOW)).map((d) => d.nudge);
    expect(
      await h.store.nudges.markSent(
        claimed.find((n) => n.id === sent.id)!,
        { ts: '1' },
        NOW,
      ),
    ).toBe(true);
    // A nudge still held by a live lease is its sender's to settle; once released it can expire.
    const keepSent = [{ ruleId: sent.ruleId, occurrence: sent.occurrence }];
    expect(await h.store.nudges.expirePending('slack:T1', partnerId, keepSent, NOW)).toBe(0);
    expect(await h.store.nudges.release(claimed.find((n) => n.id === stale.id)!)).toBe(true);
    expect(await h.store.nudges.expirePending('slack:T1', partnerId, keepSent, NOW)).toBe(1);
    expect((await h.store.nudges.get('slack:T1', stale.id))?.status).toBe('expired');
    expect((await h.store.nudges.get('slack:T1', sent.id))?.status).toBe('sent');
    expect(await h.store.nudges.listMessageUpdates(10)).toEqual([]);
    // Superseded once delivered: closed too, and its message is due for an update.
    expect(await h.store.nudges.expirePending('slack:T1', partnerId, [], NOW)).toBe(1);
    expect((await h.store.nudges.get('slack:T1', sent.id))?.status).toBe('expired');
    expect((await h.store.nudges.listMessageUpdates(10)).map((n) => n.id)).toEqual([sent.id]);
    await h.store.nudges.messageUpdated('slack:T1', sent.id);
    expect(await h.store.nudges.listMessageUpdates(10)).toEqual([]);
  });

  it('lists open nudges of a member and answered nudges of a workspace', async () => {
    const { nudge: answered } = await h.store.nudges.createIfAbsent(key());
    const { nudge: open } = await h.store.nudges.createIfAbsent({ ...key(), occurrence: 'd7' });
    const { nudge: dismissed } = await h.store.nudges.createIfAbsent({ ...key(), occurrence: 'd90' });
    await h.store.nudges.answer('slack:T1', answered.id, { choiceId: 'well', memberId: 'U1', at: NOW });
    expect(await h.store.nudges.dismiss('slack:T1', dismissed.id, 'U1', NOW)).toBe(true);
    expect((await h.store.nudges.listOpenForMember('slack:T1', 'U1')).map((n) => n.id)).toEqual([open.id]);
    expect((await h.store.nudges.listAnswered('slack:T1')).map((n) => n.id)).toEqual([answered.id]);
    expect(await h.store.nudges.listForPartner('slack:T1', partnerId, { limit: 2 })).toHaveLength(2);
  });
  it("closes logged and answered nudges, but not one a live lease holds nor another workspace's", async () => {
    const { nudge: held } = await h.store.nudges.createIfAbsent({ ...key(), deliverAfter: after(-HOUR) });
    const [claimed] = await claim(NOW, 1);
    expect(claimed?.nudge.id).toBe(held.id);
    const { nudge: logged } = await h.store.nudges.createIfAbsent({ ...key(), occurrence: 'd7' });
    const { nudge: otherRule } = await h.store.nudges.createIfAbsent({ ...key(), ruleId: 'check-in' });
    expect(await h.store.nudges.closeLogged('slack:T1', partnerId, ['post-signing'], 'U1', NOW)).toBe(1);
    expect(await h.store.nudges.get('slack:T1', logged.id)).toMatchObject({
      status: 'answered',
      answer: '_logged',
      answeredBy: 'U1',
      answeredAt: NOW,
    });
    expect((await h.store.nudges.get('slack:T1', held.id))?.status).toBe('pending');
    expect(await h.store.nudges.closeAnswered('slack:T2', [otherRule.id], 'kept', 'U1', NOW)).toEqual([]);
    expect(
      await h.store.nudges.closeAnswered('slack:T1', [otherRule.id, logged.id, held.id], 'kept', 'U1', NOW),
    ).toEqual([otherRule.id]);
    expect(await h.store.nudges.get('slack:T1', otherRule.id)).toMatchObject({
      status: 'answered',
      answer: 'kept',
    });
    // Undone: back to pending, the answer forgotten.
    expect(await h.store.nudges.reopen('slack:T1', otherRule.id, 'answered', 'pending', NOW)).toBe(true);
    expect(await h.store.nudges.get('slack:T1', otherRule.id)).toMatchObject({
      status: 'pending',
      answer: null,
      answeredAt: null,
      answeredBy: null,
    });
    expect(await h.store.nudges.reopen('slack:T1', otherRule.id, 'answered', 'pending', NOW)).toBe(false);
    expect(await h.store.nudges.listAnsweredBy('slack:T1', 'U1', after(-DAY), 10)).toEqual([
      expect.objectContaining({ id: logged.id }),
    ]);
  });

  it('expires overdue nudges of a rule: pending since due, snoozed since their snooze ended, sent since sent', async () => {
    const { nudge: pending } = await h.store.nudges.createIfAbsent(key());
    const { nudge: snoozed } = await h.store.nudges.createIfAbsent({ ...key(), occurrence: 'd7' });
    const { nudge: sent } = await h.store.nudges.createIfAbsent({ ...key(), occurrence: 'd90' });
    const { nudge: otherRule } = await h.store.nudges.createIfAbsent({ ...key(), ruleId: 'check-in' });
    const claimed = (await claim(NOW)).map((d) => d.nudge);
    for (const nudge of claimed.filter((n) => n.id !== sent.id)) await h.store.nudges.release(nudge);
    expect(
      await h.store.nudges.markSent(
        claimed.find((n) => n.id === sent.id)!,
        { ts: '1' },
        NOW,
      ),
    ).toBe(true);
    expect(await h.store.nudges.snooze('slack:T1', snoozed.id, after(DAY), 'U1', NOW)).toBe(true);
    const limits = [{ ruleId: 'post-signing', days: 2 }];
    expect(await h.store.nudges.expireOverdue(after(2 * DAY), limits)).toBe(0);
    expect(await h.store.nudges.expireOverdue(after(2 * DAY + 1), limits)).toBe(2);
    expect((await h.store.nudges.get('slack:T1', pending.id))?.status).toBe('expired');
    expect((await h.store.nudges.get('slack:T1', sent.id))?.status).toBe('expired');
    expect((await h.store.nudges.get('slack:T1', snoozed.id))?.status).toBe('snoozed');
    expect(await h.store.nudges.expireOverdue(after(3 * DAY + 1), limits)).toBe(1);
    expect((await h.store.nudges.get('slack:T1', otherRule.id))?.status).toBe('pending');
    expect((await h.store.nudges.listMessageUpdates(10)).map((n) => n.id)).toEqual([sent.id]);
  });

  it('expires snoozed nudges only of the rules that allow it, and never notices or rules left alone', async () => {
    const { nudge: snoozed } = await h.store.nudges.createIfAbsent(key());
    const { nudge: left } = await h.store.nudges.createIfAbsent({ ...key(), ruleId: 'promise-reminder' });
    expect(await h.store.nudges.snooze('slack:T1', snoozed.id, after(DAY), 'U1', NOW)).toBe(true);
    expect(await h.store.nudges.expirePending('slack:T1', partnerId, [], NOW, [], ['promise-reminder'])).toBe(
      0,
    );
    expect(
      await h.store.nudges.expirePending(
        'slack:T1',
        partnerId,
        [],
        NOW,
        ['post-signing'],
        ['promise-reminder'],
      ),
    ).toBe(1);
    expect((await h.store.nudges.get('slack:T1', snoozed.id))?.status).toBe('expired');
    expect((await h.store.nudges.get('slack:T1', left.id))?.status).toBe('pending');
  });
});

describe('SQLite nudge claims with a row SQLite alone can store', () => {
  let h: StoreHarness<'sqlite'>;
  let ada: number;
  let grace: number;
  const claim = (at: Date, limit = 10) =>
    h.store.nudges.claimDeliverable(at, after(MINUTE, at), limit, ['slack']);

  beforeEach(async () => {
    h = await storeHarness('sqlite');
    const partnerId = (await addPartner(h.store, 'Nissan')).id;
    await h.store.members.see(
      { workspaceId: 'slack:T1', memberId: 'U1', address: SLACK_ADDRESS },
      'UTC',
      NOW,
    );
    await h.store.members.see(
      { workspaceId: 'slack:T1', memberId: 'U2', displayName: 'Grace', address: SLACK_ADDRESS },
      'UTC',
      NOW,
    );
    // Ada's nudge goes first: a bad row in front must not keep Grace's from going out.
    ada = (await h.store.nudges.createIfAbsent({ ...nudgeFor(partnerId), deliverAfter: after(-HOUR) })).nudge
      .id;
    grace = (await h.store.nudges.createIfAbsent({ ...nudgeFor(partnerId), memberId: 'U2' })).nudge.id;
  });

  afterEach(async () => {
    await h.close();
  });

  it('skips a member whose address is not valid JSON, with a warning, and hands out the others', async () => {
    h.store.db.prepare(`UPDATE members SET address = '{"channel":"slack",' WHERE id = 'U1'`).run();
    expect(ids(await claim(NOW, 1))).toEqual([grace]);
    expect(h.badRows).toEqual([
      { what: 'member address', detail: { workspaceId: 'slack:T1', memberId: 'U1', nudgeId: ada } },
    ]);
    // The bad row keeps its lease, so it is reported again only once that lease has run out.
    expect(await claim(NOW)).toEqual([]);
    expect(h.badRows).toHaveLength(1);
  });

  it('skips a nudge whose partner is missing, with a warning, and hands out the others', async () => {
    const other = await addPartner(h.store, 'Renault');
    const orphan = (await h.store.nudges.createIfAbsent({ ...nudgeFor(other.id), deliverAfter: after(-DAY) }))
      .nudge.id;
    h.store.db.pragma('foreign_keys = OFF');
    h.store.db.prepare('DELETE FROM partners WHERE id = ?').run(other.id);
    h.store.db.pragma('foreign_keys = ON');
    expect(ids(await claim(NOW))).toEqual([ada, grace]);
    expect(h.badRows).toEqual([
      { what: 'nudge partner', detail: { nudgeId: orphan, workspaceId: 'slack:T1', partnerId: other.id } },
    ]);
  });
});
