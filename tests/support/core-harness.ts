import type Database from 'better-sqlite3';
import { Rapport } from '../../src/core/rapport';
import type { Actor } from '../../src/core/rapport';
import type { Message } from '../../src/core/messages';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import type { PostgresStore } from '../../src/store/postgres/pg-store';
import { dropSchema, freshSchemaName, openTestPostgresStore, TEST_DATABASE_URL } from './postgres';
import type { StoreKind } from './postgres';
import { recordingLogger } from './silent-logger';
import { tempDir } from './temp-dir';

/**
 * The store the core and scheduler tests run on: SQLite by default, PostgreSQL (a fresh schema per harness)
 * when `RAPPORT_TEST_STORE=postgres` and `TEST_DATABASE_URL` are set, so one suite proves both behave alike.
 */
export const CORE_TEST_STORE: StoreKind =
  process.env.RAPPORT_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';
if (CORE_TEST_STORE === 'postgres' && !TEST_DATABASE_URL) {
  throw new Error('RAPPORT_TEST_STORE=postgres needs TEST_DATABASE_URL');
}

/** `it` for a test that reads or pokes the SQLite file directly: skipped when the suite runs on PostgreSQL. */
export const sqliteOnly: jest.It = CORE_TEST_STORE === 'sqlite' ? it : it.skip;
/** `describe` for a block whose tests all read the SQLite file directly. */
export const describeSqliteOnly: jest.Describe = CORE_TEST_STORE === 'sqlite' ? describe : describe.skip;

/** A Rapport on a real temporary SQLite file (or a fresh PostgreSQL schema), with one member who has a working address. */
export async function coreHarness(options: { timeZone?: string; now?: Date } = {}) {
  const dir = tempDir();
  const schema = CORE_TEST_STORE === 'postgres' ? freshSchemaName() : undefined;
  const open = async (): Promise<SqliteStore | PostgresStore> =>
    schema ? await openTestPostgresStore(schema) : openSqliteStore({ path: dir.file('rapport.db') });
  const store = await open();
  const logger = recordingLogger();
  const rapport = new Rapport({ store, logger, defaultTimeZone: options.timeZone ?? 'UTC' });
  const now = options.now ?? new Date('2026-11-27T10:00:00Z');
  const { actor } = await rapport.identify(
    'shell',
    'local',
    { memberId: 'ada', displayName: 'Ada', address: { channel: 'shell', payload: { session: 'local' } } },
    now,
  );
  const harness = {
    kind: CORE_TEST_STORE,
    dir,
    store,
    rapport,
    actor,
    logger,
    now,
    /** The SQLite connection, for tests marked `sqliteOnly`; throws on PostgreSQL. */
    get db(): Database.Database {
      const current = harness.store;
      if (!('db' in current))
        throw new Error('This test reads the SQLite file directly: mark it sqliteOnly.');
      return current.db;
    },
    /** Closes the store and opens the same database again, as a new process would; `rapport` keeps the old one. */
    async reopen(): Promise<SqliteStore | PostgresStore> {
      await harness.store.close();
      harness.store = await open();
      return harness.store;
    },
    /** Runs a command and returns the whole reply as one string. */
    async say(text: string, at: Date = now, as: Actor = actor): Promise<string> {
      return flatten((await rapport.handleCommand(as, text, at)).reply);
    },
    /** Runs raw SQL (written for both engines: no parameters) and returns its rows. */
    async rows(sql: string): Promise<Record<string, unknown>[]> {
      const current = harness.store;
      if ('db' in current) return current.db.prepare(sql).all() as Record<string, unknown>[];
      return current.sql.all(sql);
    },
    /**
     * Runs SQL with `?` parameters (none inside string literals) on either engine and returns its rows as SQLite would: instants as ISO
     * text, flags as 0/1, JSON as text, counts as numbers — so one expectation fits both stores.
     */
    async query(sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
      const current = harness.store;
      if ('db' in current) {
        const statement = current.db.prepare(sql);
        if (!statement.reader) {
          statement.run(...params);
          return [];
        }
        return statement.all(...params) as Record<string, unknown>[];
      }
      let n = 0;
      const rows = await current.sql.all(
        sql.replace(/\?/g, () => `$${++n}`),
        params,
      );
      return rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, asSqlite(v)])));
    },
    /** The first row `query` answers, or undefined. */
    async one(sql: string, params: unknown[] = []): Promise<Record<string, unknown> | undefined> {
      return (await harness.query(sql, params))[0];
    },
    /** The first column of the first row `query` answers (as better-sqlite3's `pluck().get()`). */
    async value(sql: string, params: unknown[] = []): Promise<unknown> {
      const row = await harness.one(sql, params);
      return row === undefined ? undefined : Object.values(row)[0];
    },
    /** Counts rows in every table, to prove that a refused command wrote nothing. */
    async counts(): Promise<Record<string, number>> {
      const tables = ['partners', 'interactions', 'nudges', 'partner_owners', 'journal'];
      const counted: [string, number][] = [];
      for (const table of tables) {
        counted.push([table, Number((await harness.rows(`SELECT COUNT(*) AS n FROM ${table}`))[0]!.n)]);
      }
      return Object.fromEntries(counted);
    },
    async close() {
      await harness.store.close();
      dir.cleanup();
      if (schema) await dropSchema(schema);
    },
  };
  return harness;
}

/** A PostgreSQL value as better-sqlite3 returns the same column. */
function asSqlite(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return value;
}

/** Every text of a message in one string (title, text, facts, sections, choices, footer). */
export function flatten(message: Message): string {
  return [
    message.title,
    message.text,
    ...(message.facts ?? []).map((f) => `${f.label}: ${f.value}`),
    ...(message.sections ?? []).flatMap((s) => [s.title, ...s.lines]),
    ...(message.choices ?? []).map((c) => `[${c.label}]`),
    message.footer,
  ]
    .filter(Boolean)
    .join('\n');
}
