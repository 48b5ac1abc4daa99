import { RapportError } from '../../src/core/errors';
import type { PostgresStore } from '../../src/store/postgres/pg-store';
import { describeWithPostgres } from '../support/postgres';
import { NOW, STORE_KINDS, addPartner, nudgeFor, storeHarness } from './store-harness';
import type { StoreHarness, StoreKind } from './store-harness';

/** A promise settled from outside, to hold a transaction open at a chosen point. */
function latch(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Lets everything already queued run: one turn of the event loop, no timer. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe.each(STORE_KINDS)('%s store transactions', (kind) => {
  let h: StoreHarness<StoreKind>;

  beforeEach(async () => {
    h = await storeHarness(kind);
  });

  afterEach(async () => {
    await h.close();
  });

  const names = async () => (await h.store.partners.list('slack:T1')).map((p) => p.name);

  it('commits everything written through the transaction together', async () => {
    const result = await h.store.transaction(async (tx) => {
      const partner = await addPartner(tx, 'Nissan');
      await tx.interactions.add({
        workspaceId: 'slack:T1',
        partnerId: partner.id,
        memberId: 'U1',
        kind: 'milestone',
        occurredOn: '2026-11-27',
        now: NOW,
      });
      return partner.id;
    });
    expect(await h.store.partners.history('slack:T1', result)).toMatchObject({ milestone: { count: 1 } });
  });

  it('leaves nothing written when the work throws midway, and rethrows', async () => {
    const failure = new Error('the milestone could not be recorded');
    await expect(
      h.store.transaction(async (tx) => {
        const partner = await addPartner(tx, 'Nissan');
        await tx.nudges.createIfAbsent(nudgeFor(partner.id));
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await names()).toEqual([]);
    expect((await h.count('nudges')) + (await h.count('partner_owners'))).toBe(0);
    // The store is usable afterwards.
    await addPartner(h.store, 'Renault');
    expect(await names()).toEqual(['Renault']);
  });

  it('joins the open transaction when one is started inside it', async () => {
    await expect(
      h.store.transaction(async (tx) => {
        await addPartner(tx, 'Nissan');
        await tx.transaction(async (inner) => {
          expect(inner).toBe(tx);
          await addPartner(inner, 'Renault');
        });
        expect((await tx.partners.list('slack:T1')).map((p) => p.name)).toEqual(['Nissan', 'Renault']);
        throw new Error('all or nothing');
      }),
    ).rejects.toThrow('all or nothing');
    expect(await names()).toEqual([]);
  });

  it('keeps the writes of repositories called side by side in a transaction when one of them fails', async () => {
    await h.store.transaction(async (tx) => {
      await addPartner(tx, 'Nissan');
      const outcomes = await Promise.allSettled([
        addPartner(tx, 'Renault'),
        addPartner(tx, 'Nissan'),
        addPartner(tx, 'Toyota'),
      ]);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'CONFLICT' });
    });
    expect(await names()).toEqual(['Nissan', 'Renault', 'Toyota']);
    expect(await h.count('partner_owners')).toBe(3);
  });

  it('refuses the store itself inside its own transaction instead of waiting forever', async () => {
    await expect(
      h.store.transaction(async () => {
        await h.store.partners.list('slack:T1');
      }),
    ).rejects.toMatchObject({ code: 'STORE' });
    await expect(h.store.transaction(() => h.store.transaction(async () => 1))).rejects.toMatchObject({
      code: 'STORE',
    });
    expect(await names()).toEqual([]);
  });

  it('refuses a transaction’s repositories once it has ended', async () => {
    const tx = await h.store.transaction(async (tx) => tx);
    await expect(tx.partners.list('slack:T1')).rejects.toMatchObject({ code: 'STORE' });
  });

  it('records an answer and its check-in together, or neither', async () => {
    const partner = await addPartner(h.store, 'Nissan');
    const { nudge } = await h.store.nudges.createIfAbsent(nudgeFor(partner.id));
    const answerWithCheckin = (choiceId: string, partnerId: number) =>
      h.store.transaction(async (tx) => {
        const result = await tx.nudges.answer('slack:T1', nudge.id, { choiceId, memberId: 'U1', at: NOW });
        if (result.answered) {
          await tx.interactions.add({
            workspaceId: 'slack:T1',
            partnerId,
            memberId: 'U1',
            kind: 'checkin',
            occurredOn: '2026-11-27',
            rating: 5,
            nudgeId: nudge.id,
            now: NOW,
          });
        }
        return result;
      });
    // The check-in cannot be stored (no such partner): the answer is not kept either.
    await expect(answerWithCheckin('well', partner.id + 100)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await h.store.nudges.get('slack:T1', nudge.id))?.status).toBe('pending');
    expect((await answerWithCheckin('well', partner.id)).answered).toBe(true);
    expect((await answerWithCheckin('stuck', partner.id)).answered).toBe(false);
    expect((await h.store.nudges.get('slack:T1', nudge.id))?.answer).toBe('well');
    expect(await h.rows(`SELECT COUNT(*) AS n FROM interactions WHERE nudge_id = ${nudge.id}`)).toEqual([
      { n: 1 },
    ]);
  });
});

describe('SQLite store transactions', () => {
  let h: StoreHarness;

  beforeEach(async () => {
    h = await storeHarness();
  });

  afterEach(async () => {
    await h.close();
  });

  const names = async () => (await h.store.partners.list('slack:T1')).map((p) => p.name);

  it('makes a write through the store wait while a transaction is open; a rollback does not take it along', async () => {
    const inside = latch();
    const finish = latch();
    const rolledBack = h.store.transaction(async (tx) => {
      await addPartner(tx, 'Nissan');
      inside.open();
      await finish.promise;
      throw new Error('changed my mind');
    });
    await inside.promise;
    let written = false;
    const outside = addPartner(h.store, 'Renault').then(() => (written = true));
    await settle();
    expect(written).toBe(false);
    finish.open();
    await expect(rolledBack).rejects.toThrow('changed my mind');
    await outside;
    expect(await names()).toEqual(['Renault']);
  });

  it('keeps a write made through the store while a transaction is open when that transaction commits', async () => {
    const inside = latch();
    const finish = latch();
    const committed = h.store.transaction(async (tx) => {
      await addPartner(tx, 'Nissan');
      inside.open();
      await finish.promise;
    });
    await inside.promise;
    const reading = h.store.partners.list('slack:T1');
    const outside = addPartner(h.store, 'Renault');
    finish.open();
    await committed;
    await outside;
    // Reads wait too, and callers go in turn: this one saw the commit, not yet the write queued after it.
    expect((await reading).map((p) => p.name)).toEqual(['Nissan']);
    expect(await names()).toEqual(['Nissan', 'Renault']);
  });

  it('runs transactions one after the other', async () => {
    const order: string[] = [];
    const first = latch();
    const a = h.store.transaction(async (tx) => {
      order.push('a starts');
      await first.promise;
      await addPartner(tx, 'Nissan');
      order.push('a ends');
    });
    const b = h.store.transaction(async (tx) => {
      order.push('b starts');
      await addPartner(tx, 'Renault');
      order.push('b ends');
    });
    await settle();
    first.open();
    await Promise.all([a, b]);
    expect(order).toEqual(['a starts', 'a ends', 'b starts', 'b ends']);
  });
});

describeWithPostgres('PostgreSQL store transactions', () => {
  let h: StoreHarness<'postgres'>;
  let store: PostgresStore;

  beforeEach(async () => {
    h = await storeHarness('postgres');
    store = h.store;
  });

  afterEach(async () => {
    await h.close();
  });

  const names = async () => (await store.partners.list('slack:T1')).map((p) => p.name);

  it('ends two concurrent read-then-write transactions as if one ran after the other, retrying the loser', async () => {
    const read = { a: latch(), b: latch() };
    let attempts = 0;
    // Each counts the workspace's partners and adds "Partner <count + 1>". Both read before either writes,
    // so run side by side without isolation they would both add "Partner 1".
    const addNext = (mine: 'a' | 'b', theirs: 'a' | 'b') =>
      store.transaction(async (tx) => {
        attempts++;
        const count = (await tx.partners.list('slack:T1')).length;
        read[mine].open();
        await read[theirs].promise;
        await addPartner(tx, `Partner ${count + 1}`);
        return count + 1;
      });
    const numbers = await Promise.all([addNext('a', 'b'), addNext('b', 'a')]);
    expect([...numbers].sort()).toEqual([1, 2]);
    expect(await names()).toEqual(['Partner 1', 'Partner 2']);
    // One of them met a serialization failure and ran again from the start.
    expect(attempts).toBeGreaterThanOrEqual(3);
  });

  it('keeps a counter exact under many concurrent read-then-write transactions', async () => {
    const runs = 6;
    await Promise.all(
      Array.from({ length: runs }, () =>
        store.transaction(async (tx) => {
          const count = (await tx.partners.list('slack:T1')).length;
          await addPartner(tx, `Partner ${count + 1}`);
        }),
      ),
    );
    expect(await names()).toEqual(
      Array.from({ length: runs }, (_, i) => `Partner ${i + 1}`).sort((a, b) => a.localeCompare(b)),
    );
  });

  it('rolls back a use case’s error and rethrows it unchanged, without running the work again', async () => {
    class UseCaseError extends Error {}
    const failure = new UseCaseError('the partner was not worth keeping');
    let attempts = 0;
    await expect(
      store.transaction(async (tx) => {
        attempts++;
        await addPartner(tx, 'Nissan');
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(attempts).toBe(1);
    expect(await names()).toEqual([]);
    expect(await h.count('partner_owners')).toBe(0);
    const refused = new RapportError('INVALID', 'refused by the use case');
    await expect(store.transaction(() => Promise.reject(refused))).rejects.toBe(refused);
  });

  it('rolls back the whole transaction when a statement fails outside a savepoint', async () => {
    await expect(
      store.sql.transaction(async (tx) => {
        await tx.run(`INSERT INTO partners (workspace_id, name, name_key, stage, stage_changed_at, created_at,
                        created_by) VALUES ('slack:T1', 'Nissan', 'nissan', 'signed', now(), now(), 'U1')`);
        await tx.run('SELECT 1 / 0');
      }, 'serializable'),
    ).rejects.toMatchObject({ code: '22012' });
    expect(await names()).toEqual([]);
  });

  it('keeps the transaction usable after a statement fails inside a savepoint', async () => {
    const result = await store.sql.transaction(async (tx) => {
      await tx.run(`INSERT INTO partners (workspace_id, name, name_key, stage, stage_changed_at, created_at,
                      created_by) VALUES ('slack:T1', 'Nissan', 'nissan', 'signed', now(), now(), 'U1')`);
      await expect(
        tx.atomic(async (inner) => {
          await inner.run(`INSERT INTO partners (workspace_id, name, name_key, stage, stage_changed_at,
                             created_at, created_by)
                           VALUES ('slack:T1', 'Renault', 'renault', 'signed', now(), now(), 'U1')`);
          await inner.run('SELECT 1 / 0');
        }),
      ).rejects.toMatchObject({ code: '22012' });
      // Nested savepoints: the inner one fails, the outer one keeps its own write.
      await tx.atomic(async (outer) => {
        await outer.run(`INSERT INTO partners (workspace_id, name, name_key, stage, stage_changed_at,
                           created_at, created_by)
                         VALUES ('slack:T1', 'Toyota', 'toyota', 'signed', now(), now(), 'U1')`);
        await expect(outer.atomic((inner) => inner.run('SELECT 1 / 0'))).rejects.toMatchObject({
          code: '22012',
        });
      });
      return (await tx.one<{ n: number }>('SELECT COUNT(*) AS n FROM partners'))!.n;
    }, 'serializable');
    expect(result).toBe(2);
    expect(await names()).toEqual(['Nissan', 'Toyota']);
  });

  it('runs savepoints started side by side one after the other, so a failing one undoes only its own work', async () => {
    const insert = (name: string) =>
      `INSERT INTO partners (workspace_id, name, name_key, stage, stage_changed_at, created_at, created_by)
       VALUES ('slack:T1', '${name}', '${name.toLowerCase()}', 'signed', now(), now(), 'U1')`;
    const outcomes = await store.sql.transaction(
      (tx) =>
        Promise.allSettled([
          tx.atomic(async (sql) => {
            await sql.run(insert('Nissan'));
            await sql.run('SELECT pg_sleep(0.05)');
            await sql.run('SELECT 1 / 0');
          }),
          tx.atomic(async (sql) => {
            await sql.run(insert('Renault'));
            await sql.atomic((inner) => inner.run(insert('Toyota')));
          }),
        ]),
      'serializable',
    );
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'fulfilled']);
    expect(await names()).toEqual(['Renault', 'Toyota']);
  });

  it('carries on after a repository’s conflict inside a use case’s transaction', async () => {
    await store.transaction(async (tx) => {
      await addPartner(tx, 'Nissan');
      await expect(addPartner(tx, 'Nissan')).rejects.toMatchObject({ code: 'CONFLICT' });
      await addPartner(tx, 'Renault');
    });
    expect(await names()).toEqual(['Nissan', 'Renault']);
    expect(await h.count('partner_owners')).toBe(2);
  });

  it('lets the store be used beside an open transaction, without seeing what that transaction has not committed', async () => {
    const inside = latch();
    const finish = latch();
    const open = store.transaction(async (tx) => {
      await addPartner(tx, 'Nissan');
      inside.open();
      await finish.promise;
    });
    await inside.promise;
    // Outside the transaction's async context the pool is free to use, and does not see the uncommitted row.
    expect(await names()).toEqual([]);
    finish.open();
    await open;
    expect(await names()).toEqual(['Nissan']);
  });
});
