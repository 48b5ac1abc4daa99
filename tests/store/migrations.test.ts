import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { migrate } from '../../src/store/sqlite/migrate';
import { MIGRATIONS } from '../../src/store/sqlite/migrations';
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
