/**
 * Claiming nudges while other claimers do the same: on PostgreSQL, several service instances claim from one
 * database at once, and each nudge must go to exactly one of them without either waiting for the other.
 */
import type { Delivery } from '../../src/core/ports';
import { describeWithPostgres } from '../support/postgres';
import {
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

/** A store with Nissan (owned by U1) and U1 reachable on Slack; `claim` leases for one minute. */
function nudgeHarness<K extends StoreKind>(kind: K) {
  const fixture = {
    h: undefined as unknown as StoreHarness<K>,
    partnerId: 0,
    key: () => nudgeFor(fixture.partnerId),
    /** Claims at `at` with a one-minute lease, for running Slack channels only unless told. */
    claim: (at: Date = NOW, limit = 10, platforms: ('slack' | 'teams' | 'shell')[] = ['slack']) =>
      fixture.h.store.nudges.claimDeliverable(at, after(MINUTE, at), limit, platforms),
  };
  beforeEach(async () => {
    fixture.h = await storeHarness(kind);
    fixture.partnerId = (await addPartner(fixture.h.store, 'Nissan')).id;
    await fixture.h.store.members.see(
      { workspaceId: 'slack:T1', memberId: 'U1', address: SLACK_ADDRESS },
      'UTC',
      NOW,
    );
  });
  afterEach(async () => {
    await fixture.h.close();
  });
  return fixture;
}

describe.each(STORE_KINDS)('%s nudge claims racing', (kind) => {
  const fixture = nudgeHarness(kind);

  it('hands each of many nudges to exactly one of two claimers racing for them', async () => {
    await fixture.h.store.members.see(
      { workspaceId: 'slack:T1', memberId: 'U2', displayName: 'Grace', address: SLACK_ADDRESS },
      'UTC',
      NOW,
    );
    const created: number[] = [];
    for (let day = 0; day < 40; day++) {
      for (const memberId of ['U1', 'U2']) {
        const input = {
          ...fixture.key(),
          memberId,
          occurrence: `d${day}`,
          deliverAfter: after(-day * MINUTE),
        };
        created.push((await fixture.h.store.nudges.createIfAbsent(input)).nudge.id);
      }
    }
    const claimedBy = new Map<number, string>();
    for (let round = 0; round < 40; round++) {
      const [first, second] = await Promise.all([fixture.claim(NOW, 7), fixture.claim(NOW, 7)]);
      if (first!.length + second!.length === 0) break;
      for (const delivery of [...first!, ...second!]) {
        expect(claimedBy.has(delivery.nudge.id)).toBe(false);
        claimedBy.set(delivery.nudge.id, delivery.nudge.leaseToken!);
      }
      // Each claimer's nudges carry its own token, and go in delivery order.
      if (first!.length > 0 && second!.length > 0) {
        expect(first![0]!.nudge.leaseToken).not.toBe(second![0]!.nudge.leaseToken);
      }
      for (const deliveries of [first!, second!]) {
        expect(new Set(deliveries.map((d) => d.nudge.leaseToken)).size).toBeLessThanOrEqual(1);
        const order = deliveries.map((d) => [d.nudge.deliverAfter.getTime(), d.nudge.id] as const);
        expect(order).toEqual([...order].sort((a, b) => a[0] - b[0] || a[1] - b[1]));
      }
    }
    expect([...claimedBy.keys()].sort((a, b) => a - b)).toEqual(created.sort((a, b) => a - b));
    expect(await fixture.claim(NOW)).toEqual([]);
  });
  it('records one outcome of a lease when its holder settles it twice at once', async () => {
    const { nudge } = await fixture.h.store.nudges.createIfAbsent(fixture.key());
    const [claimed] = await fixture.claim(NOW);
    const outcomes = await Promise.all([
      fixture.h.store.nudges.markSent(claimed!.nudge, { ts: 'a' }, NOW),
      fixture.h.store.nudges.markSent(claimed!.nudge, { ts: 'b' }, NOW),
      fixture.h.store.nudges.release(claimed!.nudge),
    ]);
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect((await fixture.h.store.nudges.get('slack:T1', nudge.id))?.leaseToken).toBeNull();
  });
});

describeWithPostgres('PostgreSQL nudge claims beside other instances', () => {
  const fixture = nudgeHarness('postgres');

  it('passes over the nudges another instance holds locked, without waiting for it', async () => {
    const { h, claim } = fixture;
    const first = (await h.store.nudges.createIfAbsent({ ...fixture.key(), deliverAfter: after(-HOUR) }))
      .nudge;
    const second = (await h.store.nudges.createIfAbsent({ ...fixture.key(), occurrence: 'd7' })).nudge;
    // Another instance's claim, still open: it has locked the first nudge and not yet written its lease.
    const other = await h.store.sql.pool.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT id FROM nudges WHERE id = $1 FOR UPDATE', [first.id]);
      const started = Date.now();
      expect(ids(await claim(NOW))).toEqual([second.id]);
      expect(Date.now() - started).toBeLessThan(2_000);
      await other.query('ROLLBACK');
    } finally {
      other.release();
    }
    // Given back without a lease: the next claim takes it.
    expect(ids(await claim(NOW))).toEqual([first.id]);
  });

  it('passes over a nudge another instance is leasing, and leaves it out once that lease is committed', async () => {
    const { h, claim } = fixture;
    const { nudge } = await h.store.nudges.createIfAbsent(fixture.key());
    // Another instance is writing its lease: this claim does not wait for it, and once it is committed the
    // live lease keeps the nudge out.
    const other = await h.store.sql.pool.connect();
    try {
      await other.query('BEGIN');
      await other.query("UPDATE nudges SET lease_until = $1, lease_token = 'other' WHERE id = $2", [
        after(HOUR),
        nudge.id,
      ]);
      expect(await claim(NOW)).toEqual([]);
      await other.query('COMMIT');
    } finally {
      other.release();
    }
    expect(await claim(NOW)).toEqual([]);
    expect(ids(await claim(after(HOUR)))).toEqual([nudge.id]);
  });
});
