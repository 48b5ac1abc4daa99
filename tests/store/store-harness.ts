import type { NewNudge, Repositories } from '../../src/core/ports';
import type { PostgresStore } from '../../src/store/postgres/pg-store';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import { dropSchema, freshSchemaName, openTestPostgresStore } from '../support/postgres';
import type { StoreKind } from '../support/postgres';
import { tempDir } from '../support/temp-dir';

export { STORE_KINDS } from '../support/postgres';
export type { StoreKind } from '../support/postgres';

export const NOW = new Date('2026-11-27T10:00:00Z');
export const SLACK_ADDRESS = { channel: 'slack' as const, payload: {} };

/** `at` moved by `ms` milliseconds. */
export const after = (ms: number, at: Date = NOW): Date => new Date(at.getTime() + ms);
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** A bad-row report as the store made it. */
export interface BadRow {
  what: string;
  detail: Record<string, unknown>;
}

/** The store each kind opens. */
export type StoreOf<K extends StoreKind> = K extends 'postgres' ? PostgresStore : SqliteStore;

/**
 * A store with two workspaces (`slack:T1` Acme, `slack:T2` Globex) and one member, Ada (`U1` in T1,
 * Europe/Paris, no address yet): on a real temporary SQLite file, or (`'postgres'`) in a fresh schema of the
 * test PostgreSQL database. Bad-row reports are collected in `badRows`.
 */
export async function storeHarness<K extends StoreKind = 'sqlite'>(kind: K = 'sqlite' as K) {
  const dir = tempDir();
  const path = dir.file('nested/rapport.db');
  const schema = freshSchemaName();
  const badRows: BadRow[] = [];
  const onBadRow = (what: string, detail: object) =>
    badRows.push({ what, detail: detail as Record<string, unknown> });
  const open = async (): Promise<StoreOf<K>> =>
    (kind === 'postgres'
      ? await openTestPostgresStore(schema, { onBadRow })
      : openSqliteStore({ path, onBadRow })) as StoreOf<K>;
  const harness = {
    kind,
    dir,
    path,
    /** The PostgreSQL schema the store lives in (postgres only). */
    schema,
    badRows,
    store: await open(),
    /** Closes and opens the database again. */
    async reopen(): Promise<StoreOf<K>> {
      await harness.store.close();
      harness.store = await open();
      return harness.store;
    },
    /** Counts the rows of a table, read directly from the database. */
    async count(table: string): Promise<number> {
      return (await harness.rows(`SELECT COUNT(*) AS n FROM ${table}`))[0]!.n as number;
    },
    /** Runs raw SQL (written for both engines: no parameters) and returns its rows. */
    async rows(sql: string): Promise<Record<string, unknown>[]> {
      const store = harness.store as SqliteStore | PostgresStore;
      if ('db' in store) return store.db.prepare(sql).all() as Record<string, unknown>[];
      return store.sql.all(sql);
    },
    async close(): Promise<void> {
      await harness.store.close();
      dir.cleanup();
      if (kind === 'postgres') await dropSchema(schema);
    },
  };
  const { store } = harness;
  await store.workspaces.ensure('slack', 'T1', 'Acme', NOW);
  await store.workspaces.ensure('slack', 'T2', 'Globex', NOW);
  await store.members.see(
    { workspaceId: 'slack:T1', memberId: 'U1', displayName: 'Ada' },
    'Europe/Paris',
    NOW,
  );
  return harness;
}

export type StoreHarness<K extends StoreKind = 'sqlite'> = Awaited<ReturnType<typeof storeHarness<K>>>;

/** Creates a signed partner, by default in `slack:T1` and owned by U1, through the store or a transaction. */
export async function addPartner(
  repositories: Pick<Repositories, 'partners'>,
  name = 'Nissan',
  workspaceId = 'slack:T1',
  createdBy = 'U1',
) {
  return repositories.partners.create({ workspaceId, name, stage: 'signed', createdBy, now: NOW });
}

/** A nudge for U1 about `partnerId`, due and deliverable at NOW. */
export const nudgeFor = (partnerId: number, overrides: Partial<NewNudge> = {}): NewNudge => ({
  workspaceId: 'slack:T1',
  partnerId,
  memberId: 'U1',
  ruleId: 'post-signing',
  occurrence: 'd30',
  dueAt: NOW,
  deliverAfter: NOW,
  now: NOW,
  ...overrides,
});
