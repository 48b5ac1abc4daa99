/**
 * The write journal and the store methods that correcting the record needs, on both stores:
 * interaction ids are never handed out twice while the journal names them, a deleted interaction comes
 * back as it was, nudges reopen only from the status expected, and what a write changed is forgotten
 * after the undo window.
 */
import type { NewInteraction } from '../../src/core/ports';
import { DAY, HOUR, NOW, STORE_KINDS, addPartner, after, nudgeFor, storeHarness } from './store-harness';
import type { StoreHarness, StoreKind } from './store-harness';

const call = (partnerId: number, overrides: Partial<NewInteraction> = {}): NewInteraction => ({
  workspaceId: 'slack:T1',
  partnerId,
  memberId: 'U1',
  kind: 'call',
  occurredOn: '2026-11-20',
  note: 'Pricing',
  now: NOW,
  ...overrides,
});

describe.each(STORE_KINDS)('%s write journal', (kind) => {
  let h: StoreHarness<StoreKind>;
  let partnerId: number;

  beforeEach(async () => {
    h = await storeHarness(kind);
    partnerId = (await addPartner(h.store)).id;
  });

  afterEach(async () => {
    await h.close();
  });

  it('never gives a new interaction the id of a deleted one the journal names, so undoing the deletion puts it back as it was', async () => {
    const logged = await h.store.interactions.add(call(partnerId, { rating: 4 }));
    await h.store.journal.add(
      {
        workspaceId: 'slack:T1',
        memberId: 'U1',
        partnerId,
        change: { action: 'delete', interaction: logged },
        expiredNudges: [],
        now: NOW,
      },
      after(-DAY),
    );
    expect(await h.store.interactions.remove('slack:T1', logged.id)).toBe(true);
    expect(await h.store.interactions.remove('slack:T1', logged.id)).toBe(false);

    const next = await h.store.interactions.add(call(partnerId, { kind: 'meeting' }));
    expect(next.id).toBeGreaterThan(logged.id);

    expect(await h.store.interactions.restore(logged)).toEqual(logged);
    await expect(h.store.interactions.restore(logged)).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('corrects only the fields given, and only in the interaction’s own workspace', async () => {
    const logged = await h.store.interactions.add(call(partnerId));
    expect(await h.store.interactions.update('slack:T1', logged.id, { kind: 'visit', note: null })).toEqual({
      ...logged,
      kind: 'visit',
      note: null,
    });
    expect(await h.store.interactions.update('slack:T2', logged.id, { kind: 'meeting' })).toBeNull();
    expect(await h.store.interactions.get('slack:T2', logged.id)).toBeNull();
    expect(await h.store.interactions.remove('slack:T2', logged.id)).toBe(false);
    expect((await h.store.interactions.get('slack:T1', logged.id))?.kind).toBe('visit');
  });

  it('returns the member’s latest entry of the window that is not undone, and undoes it once', async () => {
    const entry = (at: Date, memberId = 'U1') =>
      h.store.journal.add(
        {
          workspaceId: 'slack:T1',
          memberId,
          partnerId,
          change: { action: 'rename', before: 'Nissan', after: `Nissan ${at.getTime()}` },
          expiredNudges: [{ id: 7, status: 'pending' }],
          now: at,
        },
        after(-DAY, at),
      );
    const old = await entry(after(-25 * HOUR));
    const first = await entry(after(-2 * HOUR));
    const second = await entry(after(-HOUR));
    await entry(after(-HOUR / 2), 'U2');

    const since = after(-DAY);
    expect(await h.store.journal.latest('slack:T1', 'U1', since)).toMatchObject({
      id: second.id,
      expiredNudges: [{ id: 7, status: 'pending' }],
    });
    expect(await h.store.journal.markUndone('slack:T1', second.id, NOW)).toBe(true);
    expect(await h.store.journal.markUndone('slack:T1', second.id, NOW)).toBe(false);
    expect((await h.store.journal.latest('slack:T1', 'U1', since))?.id).toBe(first.id);
    await h.store.journal.markUndone('slack:T1', first.id, NOW);
    expect(await h.store.journal.latest('slack:T1', 'U1', since)).toBeNull();
    expect(await h.store.journal.latest('slack:T2', 'U1', after(-30 * DAY))).toBeNull();
    // What an entry changed is dropped once it is older than the window a later write names.
    expect(
      await h.rows(
        `SELECT CASE WHEN change IS NULL THEN 1 ELSE 0 END AS forgotten FROM journal WHERE id = ${old.id}`,
      ),
    ).toEqual([{ forgotten: 1 }]);
  });

  it('keeps an interaction’s datetimes as dates, and lists the nudges writes about it expired', async () => {
    const logged = await h.store.interactions.add(call(partnerId));
    await h.store.journal.add(
      {
        workspaceId: 'slack:T1',
        memberId: 'U1',
        partnerId,
        change: { action: 'log', interaction: logged, answeredNudge: null },
        expiredNudges: [{ id: 3, status: 'snoozed' }],
        now: NOW,
      },
      after(-DAY),
    );
    const entry = await h.store.journal.latest('slack:T1', 'U1', after(-HOUR));
    expect(entry?.change).toEqual({ action: 'log', interaction: logged, answeredNudge: null });
    expect(await h.store.journal.expiredByInteraction('slack:T1', logged.id)).toEqual([
      { id: 3, status: 'snoozed' },
    ]);
    expect(await h.store.journal.expiredByInteraction('slack:T2', logged.id)).toEqual([]);
  });

  it('goes with its partner', async () => {
    await h.store.journal.add(
      {
        workspaceId: 'slack:T1',
        memberId: 'U1',
        partnerId,
        change: { action: 'rename', before: 'A', after: 'Nissan' },
        expiredNudges: [],
        now: NOW,
      },
      after(-DAY),
    );
    await h.store.partners.remove('slack:T1', partnerId);
    expect(await h.count('journal')).toBe(0);
  });

  it('lists a partner’s interactions most recent first, filtered by kind, day and count', async () => {
    const early = await h.store.interactions.add(call(partnerId, { occurredOn: '2026-11-01' }));
    const visit = await h.store.interactions.add(
      call(partnerId, { kind: 'visit', occurredOn: '2026-11-20' }),
    );
    const late = await h.store.interactions.add(call(partnerId, { occurredOn: '2026-11-20' }));
    const list = async (options = {}) =>
      (await h.store.interactions.listForPartner('slack:T1', partnerId, options)).map((i) => i.id);
    expect(await list()).toEqual([late.id, visit.id, early.id]);
    expect(await list({ kinds: ['call'] })).toEqual([late.id, early.id]);
    expect(await list({ kinds: [] })).toEqual([late.id, visit.id, early.id]);
    expect(await list({ since: '2026-11-20', limit: 1 })).toEqual([late.id]);
    expect(await h.store.interactions.listForPartner('slack:T2', partnerId)).toEqual([]);
    expect((await h.store.interactions.listForWorkspace('slack:T1')).map((i) => i.id)).toEqual([
      early.id,
      visit.id,
      late.id,
    ]);
    expect(await h.store.interactions.listForWorkspace('slack:T2')).toEqual([]);
  });

  it('returns the partner’s history as it stands after the insert, and refuses a partner of another workspace', async () => {
    await h.store.interactions.add(call(partnerId, { occurredOn: '2026-11-01', rating: 2 }));
    const { interaction, history } = await h.store.interactions.addReadingHistory(
      call(partnerId, { rating: 5 }),
    );
    expect(interaction).toMatchObject({ partnerId, kind: 'call', occurredOn: '2026-11-20', rating: 5 });
    expect(history).toEqual({ call: { first: '2026-11-01', last: '2026-11-20', count: 2, lastRating: 5 } });
    await expect(
      h.store.interactions.addReadingHistory(call(partnerId, { workspaceId: 'slack:T2' })),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(h.store.interactions.add(call(partnerId + 1000))).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(await h.count('interactions')).toBe(2);
  });

  it('gives each of two concurrent logs the history with its own interaction counted, and the journal both entries', async () => {
    const logs = await Promise.all([
      h.store.interactions.addReadingHistory(call(partnerId, { occurredOn: '2026-11-19' })),
      h.store.interactions.addReadingHistory(call(partnerId, { occurredOn: '2026-11-21' })),
    ]);
    expect(logs.map((log) => log.history.call?.count).sort()).toEqual([1, 2]);
    expect(await h.store.partners.history('slack:T1', partnerId)).toEqual({
      call: { first: '2026-11-19', last: '2026-11-21', count: 2 },
    });
    const entries = await Promise.all(
      logs.map(({ interaction }) =>
        h.store.journal.add(
          {
            workspaceId: 'slack:T1',
            memberId: 'U1',
            partnerId,
            change: { action: 'log', interaction, answeredNudge: null },
            expiredNudges: [],
            now: NOW,
          },
          after(-DAY),
        ),
      ),
    );
    expect(entries.map((entry) => entry.interactionId).sort()).toEqual(
      logs.map(({ interaction }) => interaction.id).sort(),
    );
    expect(await h.count('journal')).toBe(2);
  });

  it('refuses to put an interaction back into another workspace, and a refused restore leaves its transaction usable', async () => {
    const logged = await h.store.interactions.add(call(partnerId));
    await h.store.transaction(async (tx) => {
      await expect(tx.interactions.restore(logged)).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(
        tx.interactions.restore({ ...logged, id: logged.id + 1000, workspaceId: 'slack:T2' }),
      ).rejects.toMatchObject({ code: 'CONFLICT' });
      await tx.interactions.update('slack:T1', logged.id, { note: 'Pricing, again' });
    });
    expect(await h.store.interactions.get('slack:T1', logged.id)).toEqual({
      ...logged,
      note: 'Pricing, again',
    });
    expect(await h.count('interactions')).toBe(1);
  });

  it('puts back only one of two concurrent restores of the same interaction', async () => {
    const logged = await h.store.interactions.add(call(partnerId));
    expect(await h.store.interactions.remove('slack:T1', logged.id)).toBe(true);
    const outcomes = await Promise.allSettled([
      h.store.interactions.restore(logged),
      h.store.interactions.restore(logged),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toEqual([
      { status: 'fulfilled', value: logged },
    ]);
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([
      { status: 'rejected', reason: expect.objectContaining({ code: 'CONFLICT' }) },
    ]);
    expect(await h.store.partners.history('slack:T1', partnerId)).toEqual({
      call: { first: '2026-11-20', last: '2026-11-20', count: 1 },
    });
  });

  it('renames a partner, refusing a name another partner has in any case', async () => {
    await addPartner(h.store, 'Renault Group');
    expect(await h.store.partners.rename('slack:T1', partnerId, 'Nissan Motor')).toMatchObject({
      name: 'Nissan Motor',
    });
    expect((await h.store.partners.findByName('slack:T1', 'nissan motor'))?.id).toBe(partnerId);
    await expect(h.store.partners.rename('slack:T1', partnerId, 'RENAULT group')).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect(await h.store.partners.rename('slack:T1', partnerId, 'NISSAN MOTOR')).toMatchObject({
      name: 'NISSAN MOTOR',
    });
  });
});

// Reopening is the nudge repository's, not yet ported to PostgreSQL: SQLite only for now.
describe('SQLite write journal: nudges', () => {
  let h: StoreHarness;
  let partnerId: number;

  beforeEach(async () => {
    h = await storeHarness();
    partnerId = (await addPartner(h.store)).id;
  });

  afterEach(async () => {
    await h.close();
  });

  it('reopens a nudge only from the status expected, forgetting the answer it leaves', async () => {
    const { nudge } = await h.store.nudges.createIfAbsent(nudgeFor(partnerId));
    await h.store.nudges.answer('slack:T1', nudge.id, { choiceId: 'well', memberId: 'U1', at: NOW });
    expect(await h.store.nudges.listAnsweredBy('slack:T1', 'U1', after(-HOUR), 5)).toHaveLength(1);
    expect(await h.store.nudges.listAnsweredBy('slack:T1', 'U2', after(-HOUR), 5)).toEqual([]);
    expect(await h.store.nudges.reopen('slack:T1', nudge.id, 'expired', 'pending', NOW)).toBe(false);
    expect(await h.store.nudges.reopen('slack:T1', nudge.id, 'answered', 'sent', NOW)).toBe(true);
    expect(await h.store.nudges.get('slack:T1', nudge.id)).toMatchObject({
      status: 'sent',
      answer: null,
      answeredAt: null,
      answeredBy: null,
    });
    expect(await h.store.nudges.listAnsweredBy('slack:T1', 'U1', after(-HOUR), 5)).toEqual([]);
  });
});
