import Database from 'better-sqlite3';
import pg from 'pg';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { RapportError } from '../../src/core/errors';
import { migratePostgres } from '../../src/store/postgres/migrate';
import { PG_MIGRATIONS } from '../../src/store/postgres/migrations';
import { quoteIdentifier } from '../../src/store/postgres/pg-store';
import type { PostgresStore } from '../../src/store/postgres/pg-store';
import { migrate } from '../../src/store/sqlite/migrate';
import { MIGRATIONS } from '../../src/store/sqlite/migrations';
import {
  TEST_DATABASE_URL,
  describeWithPostgres,
  dropSchema,
  freshSchemaName,
  openTestPostgresStore,
} from '../support/postgres';
import { tempDir } from '../support/temp-dir';
import { addPartner, storeHarness } from './store-harness';
import type { StoreHarness } from './store-harness';
import { childEnv, transpileForChild } from './transpile';

describe('SQLite schema', () => {
  let h: StoreHarness;

  beforeEach(async () => {
    h = await storeHarness();
  });

  afterEach(async () => {
    await h.close();
  });

  it('migrates an empty file to the latest schema, in WAL mode with foreign keys on', () => {
    const { db } = h.store;
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    const tables = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
        name: string;
      }[]
    ).map((row) => row.name);
    expect(tables).toEqual(
      expect.arrayContaining([
        'interactions',
        'members',
        'nudges',
        'oauth_states_spent',
        'partner_owners',
        'partners',
        'workspaces',
      ]),
    );
  });

  it('does nothing when migrated twice, and refuses a newer schema', () => {
    const db = new Database(h.dir.file('other.db'));
    expect(migrate(db)).toBe(MIGRATIONS.length);
    expect(migrate(db)).toBe(MIGRATIONS.length);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    expect(() => migrate(db)).toThrow(/newer than this program knows/);
    db.close();
  });

  it('keeps its data across a reopen of the file', async () => {
    await addPartner(h.store, 'Nissan');
    const store = await h.reopen();
    expect((await store.partners.list('slack:T1')).map((p) => p.name)).toEqual(['Nissan']);
  });

  it('fills the address platform from valid addresses only, and dates stale addresses from the last sighting', () => {
    const db = new Database(h.dir.file('v5.db'));
    db.exec(MIGRATIONS.slice(0, 5).join('\n'));
    db.pragma('user_version = 5');
    db.exec(`INSERT INTO workspaces (id, platform, external_id, created_at)
             VALUES ('slack:T1', 'slack', 'T1', '2026-01-01T00:00:00.000Z')`);
    const member = db.prepare(
      `INSERT INTO members (workspace_id, id, time_zone, address, address_stale, created_at, updated_at)
       VALUES ('slack:T1', ?, 'UTC', ?, ?, '2026-01-01T00:00:00.000Z', ?)`,
    );
    member.run('good', '{"channel":"slack","payload":{}}', 0, '2026-01-02T00:00:00.000Z');
    member.run('corrupt', '{"channel":"slack"', 0, '2026-01-02T00:00:00.000Z');
    member.run('none', null, 0, '2026-01-02T00:00:00.000Z');
    member.run('stale', '{"channel":"teams","payload":{}}', 1, '2026-01-03T00:00:00.000Z');
    expect(migrate(db)).toBe(MIGRATIONS.length);
    expect(db.prepare('SELECT id, address_channel, address_stale_at FROM members ORDER BY id').all()).toEqual(
      [
        { id: 'corrupt', address_channel: null, address_stale_at: null },
        { id: 'good', address_channel: 'slack', address_stale_at: null },
        { id: 'none', address_channel: null, address_stale_at: null },
        { id: 'stale', address_channel: 'teams', address_stale_at: '2026-01-03T00:00:00.000Z' },
      ],
    );
    db.close();
  });
});

describe('SQLite migrations run by two processes at once', () => {
  const ROUNDS = 50;
  let dir: ReturnType<typeof tempDir>;
  let opener: string;

  beforeAll(() => {
    dir = tempDir();
    const store = transpileForChild('src/store/sqlite/sqlite-store.ts', dir.file('build'));
    opener = dir.file('open-store.js');
    // For each path it reads, opens (and so migrates) a store on it and answers with the schema version
    // or the error. Loaded once, so both processes start each round's migration at the same moment.
    writeFileSync(
      opener,
      `const { openSqliteStore } = require(${JSON.stringify(store)});
       require('node:readline').createInterface({ input: process.stdin }).on('line', (path) => {
         try {
           const store = openSqliteStore({ path });
           const version = store.db.pragma('user_version', { simple: true });
           store.db.close();
           process.stdout.write('version ' + version + '\\n');
         } catch (error) {
           process.stdout.write(String(error).replace(/\\n/g, ' ') + '\\n');
         }
       });`,
    );
  });

  afterAll(() => dir.cleanup());

  /** A child process that opens stores on request; `open(path)` resolves with its answer. */
  function opening() {
    const child = spawn(process.execPath, [opener], { env: childEnv(), stdio: ['pipe', 'pipe', 'inherit'] });
    const waiting: { resolve(line: string): void; reject(error: Error): void }[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => waiting.shift()?.resolve(line));
    const exited = new Promise<void>((resolve) =>
      child.once('close', (code) => {
        for (const answer of waiting.splice(0)) answer.reject(new Error(`opener exited (${code})`));
        resolve();
      }),
    );
    return {
      open(path: string): Promise<string> {
        return new Promise((resolve, reject) => {
          waiting.push({ resolve, reject });
          child.stdin.write(`${path}\n`);
        });
      },
      async stop(): Promise<void> {
        child.stdin.end();
        await exited;
      },
    };
  }

  it('applies each migration once when the service and `rapport migrate` start together', async () => {
    const service = opening();
    const cli = opening();
    try {
      const answers: string[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const path = dir.file(`race-${round}.db`);
        answers.push(...(await Promise.all([service.open(path), cli.open(path)])));
      }
      expect(answers).toEqual(Array.from({ length: 2 * ROUNDS }, () => `version ${MIGRATIONS.length}`));
    } finally {
      await Promise.all([service.stop(), cli.stop()]);
    }
  });
});

describeWithPostgres('PostgreSQL schema', () => {
  const schemas: string[] = [];
  const stores: PostgresStore[] = [];

  /** A schema name of this test's own, dropped afterwards. */
  const fresh = () => {
    const schema = freshSchemaName();
    schemas.push(schema);
    return schema;
  };

  const open = async (schema: string) => {
    const store = await openTestPostgresStore(schema);
    stores.push(store);
    return store;
  };

  /** A plain connection, for what the store would not do itself. */
  async function withClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  const tablesOf = (schema: string) =>
    withClient(async (client) =>
      (
        await client.query<{ table_name: string }>(
          `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
          [schema],
        )
      ).rows.map((row) => row.table_name),
    );

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    for (const schema of schemas.splice(0)) await dropSchema(schema);
  });

  it('migrates a fresh schema once when several stores open it at the same moment', async () => {
    const schema = fresh();
    // The schema exists, empty, as an operator creates it: the stores race for the migration itself (their
    // own CREATE SCHEMA IF NOT EXISTS is not safe against a concurrent one in PostgreSQL).
    await withClient((client) => client.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`));
    const opened = await Promise.all(Array.from({ length: 4 }, () => open(schema)));
    for (const store of opened) {
      expect(await store.sql.all('SELECT version FROM rapport_schema_version')).toEqual([
        { version: PG_MIGRATIONS.length },
      ]);
    }
    const tables = await tablesOf(schema);
    expect(tables).toEqual(
      expect.arrayContaining([
        'interactions',
        'members',
        'nudges',
        'oauth_states_spent',
        'partner_owners',
        'partners',
        'rapport_schema_version',
        'workspaces',
      ]),
    );
    expect(new Set(tables).size).toBe(tables.length);
    // Every store works on the one schema.
    await opened[0]!.workspaces.ensure('slack', 'T1', 'Acme', new Date());
    expect((await opened[3]!.workspaces.get('slack:T1'))?.name).toBe('Acme');
  });

  it('creates the schema once when several stores open one that does not exist yet', async () => {
    // Instances of a rolling deploy starting together on a new database: the race for the schema itself.
    for (let round = 0; round < 5; round++) {
      const schema = fresh();
      const opened = await Promise.all(Array.from({ length: 4 }, () => open(schema)));
      for (const store of opened) {
        expect(await store.sql.all('SELECT version FROM rapport_schema_version')).toEqual([
          { version: PG_MIGRATIONS.length },
        ]);
      }
    }
  });

  it('does nothing when migrated again, and keeps the data across a reopen', async () => {
    const schema = fresh();
    const store = await open(schema);
    await store.workspaces.ensure('slack', 'T1', 'Acme', new Date());
    const tables = await tablesOf(schema);
    expect(await migratePostgres(store.sql)).toBe(PG_MIGRATIONS.length);
    const again = await open(schema);
    expect((await again.workspaces.get('slack:T1'))?.name).toBe('Acme');
    expect(await again.sql.all('SELECT version FROM rapport_schema_version')).toEqual([
      { version: PG_MIGRATIONS.length },
    ]);
    expect(await tablesOf(schema)).toEqual(tables);
  });

  it('refuses a database whose schema is newer than the program, and leaves it as it was', async () => {
    const schema = fresh();
    const store = await open(schema);
    await store.sql.run('UPDATE rapport_schema_version SET version = $1', [PG_MIGRATIONS.length + 1]);
    const refusal = openTestPostgresStore(schema);
    await expect(refusal).rejects.toBeInstanceOf(RapportError);
    await expect(refusal).rejects.toMatchObject({
      code: 'STORE',
      message: `Database schema version ${PG_MIGRATIONS.length + 1} is newer than this program knows (${PG_MIGRATIONS.length}).`,
    });
    await expect(migratePostgres(store.sql)).rejects.toMatchObject({ code: 'STORE' });
    expect(await store.sql.all('SELECT version FROM rapport_schema_version')).toEqual([
      { version: PG_MIGRATIONS.length + 1 },
    ]);
  });

  it('leaves nothing behind when a migration fails midway', async () => {
    const schema = fresh();
    // A table in the way of migration 1, which creates `workspaces` first and `members` after it.
    await withClient(async (client) => {
      await client.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
      await client.query(`CREATE TABLE ${quoteIdentifier(schema)}.members (id text)`);
    });
    await expect(open(schema)).rejects.toMatchObject({ code: '42P07' });
    // Neither the tables created before the failure nor the version table were kept.
    expect(await tablesOf(schema)).toEqual(['members']);
    // Once the obstacle is gone, the same migration applies in full.
    await withClient((client) => client.query(`DROP TABLE ${quoteIdentifier(schema)}.members`));
    const store = await open(schema);
    expect(await store.sql.all('SELECT version FROM rapport_schema_version')).toEqual([
      { version: PG_MIGRATIONS.length },
    ]);
    expect(await tablesOf(schema)).toEqual(expect.arrayContaining(['members', 'workspaces']));
  });
});
