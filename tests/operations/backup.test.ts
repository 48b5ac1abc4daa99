/**
 * `rapport backup FILE` through the built CLI while another process keeps writing to the same database
 * (WAL mode): the copy opens, passes `PRAGMA integrity_check`, and holds every row committed before the
 * backup started.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { runCli } from '../support/cli';
import { tempDir } from '../support/temp-dir';

/**
 * Inserts one interaction per transaction, for ever, printing how many it has committed after each commit;
 * the same pragmas as the service (WAL, busy timeout, synchronous NORMAL).
 */
const WRITER = `
const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))});
const db = new Database(process.argv[1]);
db.pragma('busy_timeout = 5000');
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
const { workspace_id, partner_id, member_id } = db.prepare('SELECT workspace_id, id AS partner_id, (SELECT member_id FROM partner_owners LIMIT 1) AS member_id FROM partners').get();
const insert = db.prepare("INSERT INTO interactions (workspace_id, partner_id, member_id, kind, occurred_on, note, created_at) VALUES (?, ?, ?, 'call', '2026-11-01', 'loop', ?)");
let committed = 0;
const step = () => {
  for (let i = 0; i < 20; i++) {
    insert.run(workspace_id, partner_id, member_id, new Date().toISOString());
    committed++;
    process.stdout.write(committed + '\\n');
  }
  setImmediate(step);
};
step();
`;

describe('rapport backup', () => {
  let dir: ReturnType<typeof tempDir>;
  let writer: ChildProcessWithoutNullStreams | null = null;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => {
    writer?.kill();
    writer = null;
    dir.cleanup();
  });

  it('copies the database while another process writes to it, and checks the copy', async () => {
    const env = { DATABASE_PATH: dir.file('rapport.db') };
    const setup = await runCli([], 'add Nissan\n', env);
    expect(setup.code).toBe(0);

    writer = spawn(process.execPath, ['-e', WRITER, dir.file('rapport.db')]);
    let committed = 0;
    let partial = '';
    let writerErrors = '';
    writer.stdout.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop()!;
      if (lines.length) committed = Number(lines[lines.length - 1]);
    });
    writer.stderr.on('data', (chunk: Buffer) => (writerErrors += chunk.toString('utf8')));
    while (committed < 500) await new Promise((resolve) => setTimeout(resolve, 20));

    const before = committed;
    const backup = await runCli(['backup', dir.file('copy.db')], '', env);
    const after = committed;
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    expect(backup.stdout).toMatch(/to .*copy\.db \(\d+ bytes, schema version \d+\)/);
    expect(backup.stdout).toContain('integrity_check: ok');
    // The writer kept going during the backup, and is still going.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const later = committed;
    expect(later).toBeGreaterThan(after);
    expect(after).toBeGreaterThan(before);
    expect(writerErrors).toBe('');

    const copy = new Database(dir.file('copy.db'), { readonly: true });
    try {
      expect(copy.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
      // One file, no -wal beside it to lose.
      expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
      const rows = (
        copy.prepare("SELECT count(*) AS n FROM interactions WHERE note = 'loop'").get() as {
          n: number;
        }
      ).n;
      expect(rows).toBeGreaterThanOrEqual(before);
      expect(rows).toBeLessThanOrEqual(later);
      expect(copy.prepare('SELECT name FROM partners').all()).toEqual([{ name: 'Nissan' }]);
    } finally {
      copy.close();
    }
    expect(readdirSync(dir.path).filter((file) => file.startsWith('copy.db'))).toEqual(['copy.db']);
  });

  it('refuses to overwrite a file unless --force, and a missing database', async () => {
    const env = { DATABASE_PATH: dir.file('rapport.db') };
    expect((await runCli([], 'add Nissan\n', env)).code).toBe(0);
    expect((await runCli(['backup', dir.file('copy.db')], '', env)).code).toBe(0);

    const again = await runCli(['backup', dir.file('copy.db')], '', env);
    expect(again.code).toBe(73);
    expect(again.stderr).toContain('already exists; choose another file or pass --force');

    const forced = await runCli(['backup', '--force', dir.file('copy.db')], '', env);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('integrity_check: ok');

    const noFile = await runCli(['backup'], '', env);
    expect(noFile.code).toBe(64);
    expect(noFile.stderr).toContain('give one FILE');

    const missing = await runCli(['backup', dir.file('other.db')], '', {
      DATABASE_PATH: dir.file('none.db'),
    });
    expect(missing.code).toBe(66);
    expect(missing.stderr).toContain('There is no database at');
    expect(existsSync(dir.file('other.db'))).toBe(false);
  });
});
