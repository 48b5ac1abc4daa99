/**
 * The interaction summary on either store, written through raw `interactions` rows (the triggers see every
 * write, whoever makes it): after any sequence of inserts, edits, moves, deletions and restores it says what
 * the GROUP BY over the rows says. The core-level checks (commands, undo, import) are in
 * interaction-summary.test.ts.
 */
import type { InteractionKind, KindHistory } from '../../src/core/model';
import {
  readSummaries as readPgSummaries,
  readSummary as readPgSummary,
} from '../../src/store/postgres/interaction-summary';
import type { PostgresStore } from '../../src/store/postgres/pg-store';
import { SqliteDb } from '../../src/store/sqlite/connection';
import { readSummaries as readSqliteSummaries } from '../../src/store/sqlite/interaction-summary';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import { describeWithPostgres } from '../support/postgres';
import {
  deleteInteraction,
  historyByGroupBy,
  insertInteraction,
  seededRandom,
  updateInteraction,
} from './interaction-rows';
import type { InteractionRow } from './interaction-rows';
import { STORE_KINDS, addPartner, storeHarness } from './store-harness';
import type { StoreHarness, StoreKind } from './store-harness';

const PARTNERS = ['Nissan', 'Renault Group'];
const KINDS: InteractionKind[] = ['call', 'meeting', 'visit', 'note'];

const sorted = (history: KindHistory): [string, unknown][] =>
  Object.entries(history).sort(([a], [b]) => a.localeCompare(b));

describe.each(STORE_KINDS)('%s interaction summary, kept by the triggers on interactions', (kind) => {
  let h: StoreHarness<StoreKind>;
  let partnerIds: number[];

  beforeEach(async () => {
    h = await storeHarness(kind);
    partnerIds = [];
    for (const name of PARTNERS) partnerIds.push((await addPartner(h.store, name)).id);
  });

  afterEach(async () => {
    await h.close();
  });

  /** The engine's read of several partners' histories at once (what the nudge claims read). */
  const summaries = (ids: readonly number[]): Promise<Map<number, KindHistory>> =>
    h.kind === 'postgres'
      ? readPgSummaries((h.store as PostgresStore).sql, ids)
      : Promise.resolve(readSqliteSummaries(new SqliteDb((h.store as SqliteStore).db), ids));

  async function expectRowsSummarised(label: string): Promise<void> {
    for (const partnerId of partnerIds) {
      const expected = await historyByGroupBy(h.rows, 'slack:T1', partnerId);
      const actual = await h.store.partners.history('slack:T1', partnerId);
      if (JSON.stringify(sorted(actual)) !== JSON.stringify(sorted(expected))) {
        throw new Error(
          `${label}: partner ${partnerId} summary ${JSON.stringify(actual)} ≠ ${JSON.stringify(expected)}`,
        );
      }
    }
  }

  it.each([1, 2, 3])(
    'equals the GROUP BY after random inserts, moves, edits, deletes and restores of rows (seed %i)',
    async (seed) => {
      const next = seededRandom(seed);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
      const day = (): string => `2026-11-${String(1 + Math.floor(next() * 26)).padStart(2, '0')}`;
      const live = new Map<number, InteractionRow>();
      const deleted: InteractionRow[] = [];
      const done = { insert: 0, edit: 0, move: 0, delete: 0, restore: 0 };
      for (let step = 0; step < 150; step++) {
        const roll = next();
        const ids = [...live.keys()];
        let what: string;
        if (roll < 0.4 || ids.length === 0) {
          const row: InteractionRow = {
            partnerId: pick(partnerIds),
            kind: pick(KINDS),
            occurredOn: day(),
            rating: pick([null, 2, 4]),
          };
          const id = await insertInteraction(h.rows, row);
          live.set(id, { ...row, id });
          done.insert++;
          what = `insert ${id}`;
        } else if (roll < 0.7) {
          const id = pick(ids);
          const change = pick([
            { occurredOn: day() },
            { kind: pick(KINDS) },
            { rating: pick([null, 1, 5]) },
            { occurredOn: day(), rating: 3 },
          ]);
          await updateInteraction(h.rows, id, change);
          live.set(id, { ...live.get(id)!, ...change });
          done.edit++;
          what = `edit ${id} ${JSON.stringify(change)}`;
        } else if (roll < 0.78) {
          const id = pick(ids);
          const partnerId = pick(partnerIds);
          await updateInteraction(h.rows, id, { partnerId });
          live.set(id, { ...live.get(id)!, partnerId });
          done.move++;
          what = `move ${id} to ${partnerId}`;
        } else if (roll < 0.92) {
          const id = pick(ids);
          await deleteInteraction(h.rows, id);
          deleted.push(live.get(id)!);
          live.delete(id);
          done.delete++;
          what = `delete ${id}`;
        } else {
          const row = deleted.pop();
          // SQLite may have given a deleted row's id to a newer row meanwhile (no AUTOINCREMENT here).
          if (!row || live.has(row.id!)) continue;
          await insertInteraction(h.rows, row);
          live.set(row.id!, row);
          done.restore++;
          what = `restore ${row.id}`;
        }
        await expectRowsSummarised(`seed ${seed}, step ${step} (${what})`);
      }
      const all = await summaries(partnerIds);
      for (const partnerId of partnerIds) {
        expect(all.get(partnerId)).toEqual(await historyByGroupBy(h.rows, 'slack:T1', partnerId));
      }
      expect(done.insert).toBeGreaterThan(30);
      expect(done.edit).toBeGreaterThan(20);
      expect(Math.min(done.move, done.delete, done.restore)).toBeGreaterThan(0);
    },
  );

  it('follows a restore under the old id and a rating-only edit of the latest row', async () => {
    const [nissan] = partnerIds;
    const early = await insertInteraction(h.rows, {
      partnerId: nissan!,
      kind: 'call',
      occurredOn: '2026-11-02',
      rating: 2,
    });
    const late = await insertInteraction(h.rows, {
      partnerId: nissan!,
      kind: 'call',
      occurredOn: '2026-11-20',
      rating: 4,
    });
    expect((await h.store.partners.history('slack:T1', nissan!)).call).toEqual({
      first: '2026-11-02',
      last: '2026-11-20',
      count: 2,
      lastRating: 4,
    });
    await updateInteraction(h.rows, late, { rating: 5 });
    expect((await h.store.partners.history('slack:T1', nissan!)).call?.lastRating).toBe(5);
    await deleteInteraction(h.rows, late);
    expect((await h.store.partners.history('slack:T1', nissan!)).call).toEqual({
      first: '2026-11-02',
      last: '2026-11-02',
      count: 1,
      lastRating: 2,
    });
    await insertInteraction(h.rows, {
      id: late,
      partnerId: nissan!,
      kind: 'call',
      occurredOn: '2026-11-20',
      rating: 5,
    });
    await deleteInteraction(h.rows, early);
    expect((await h.store.partners.history('slack:T1', nissan!)).call).toEqual({
      first: '2026-11-20',
      last: '2026-11-20',
      count: 1,
      lastRating: 5,
    });
    await expectRowsSummarised('after restore');
  });

  it('forgets a removed partner', async () => {
    const [nissan, renault] = partnerIds;
    await insertInteraction(h.rows, { partnerId: nissan!, kind: 'visit', occurredOn: '2026-11-03' });
    await insertInteraction(h.rows, { partnerId: renault!, kind: 'visit', occurredOn: '2026-11-04' });
    await h.store.partners.remove('slack:T1', nissan!);
    expect(await h.rows(`SELECT partner_id FROM interaction_summary`)).toEqual([{ partner_id: renault }]);
    expect(await summaries([nissan!, renault!])).toEqual(
      new Map([
        [nissan!, {}],
        [renault!, { visit: { first: '2026-11-04', last: '2026-11-04', count: 1 } }],
      ]),
    );
  });

  it('reads each partner’s history only from rows of its own workspace', async () => {
    const [nissan, renault] = partnerIds;
    const globex = (await addPartner(h.store, 'Toyota', 'slack:T2')).id;
    await insertInteraction(h.rows, {
      partnerId: nissan!,
      kind: 'call',
      occurredOn: '2026-11-03',
      rating: 3,
    });
    await insertInteraction(h.rows, {
      workspaceId: 'slack:T2',
      partnerId: globex,
      kind: 'meeting',
      occurredOn: '2026-11-05',
    });
    // A row that names another workspace than its partner's is not that partner's history.
    await insertInteraction(h.rows, {
      workspaceId: 'slack:T2',
      partnerId: renault!,
      kind: 'visit',
      occurredOn: '2026-11-06',
    });
    expect(await summaries([nissan!, renault!, globex, globex + 1000])).toEqual(
      new Map([
        [nissan!, { call: { first: '2026-11-03', last: '2026-11-03', count: 1, lastRating: 3 } }],
        [renault!, {}],
        [globex, { meeting: { first: '2026-11-05', last: '2026-11-05', count: 1 } }],
        [globex + 1000, {}],
      ]),
    );
    expect(await summaries([])).toEqual(new Map());
    expect(await h.store.partners.history('slack:T1', renault!)).toEqual({});
    expect(await h.store.partners.history('slack:T1', globex)).toEqual({});
    expect(await h.store.partners.history('slack:T2', globex)).toEqual({
      meeting: { first: '2026-11-05', last: '2026-11-05', count: 1 },
    });
  });
});

describeWithPostgres('PostgreSQL interaction summary, several writers at once', () => {
  it('counts every row when several connections insert, edit and delete one partner’s rows at once', async () => {
    const h = await storeHarness('postgres');
    try {
      const { id } = await addPartner(h.store, 'Nissan');
      const first = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          insertInteraction(h.rows, {
            partnerId: id,
            kind: 'call',
            occurredOn: `2026-11-${String(10 + i)}`,
            rating: 1 + (i % 5),
          }),
        ),
      );
      await Promise.all([
        ...first.slice(0, 4).map((row) => deleteInteraction(h.rows, row)),
        ...first
          .slice(4, 8)
          .map((row, i) => updateInteraction(h.rows, row, { occurredOn: `2026-10-0${1 + i}` })),
        ...Array.from({ length: 4 }, (_, i) =>
          insertInteraction(h.rows, { partnerId: id, kind: 'call', occurredOn: `2026-12-0${1 + i}` }),
        ),
      ]);
      expect(await h.store.partners.history('slack:T1', id)).toEqual(
        await historyByGroupBy(h.rows, 'slack:T1', id),
      );
      expect((await h.store.partners.history('slack:T1', id)).call?.count).toBe(12);
      expect(await readPgSummary(h.store.sql, 'slack:T1', id)).toEqual(
        await h.store.partners.history('slack:T1', id),
      );
    } finally {
      await h.close();
    }
  });
});
