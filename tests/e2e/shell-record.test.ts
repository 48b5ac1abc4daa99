/**
 * Fixing the record in the terminal, driven through the real CLI with lines on stdin: status numbers what
 * was logged, a deletion is confirmed by typing the number of its choice, and undo takes changes back.
 */
import Database from 'better-sqlite3';
import { runCli } from '../support/cli';
import { tempDir } from '../support/temp-dir';

describe('fixing the record in the terminal', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => dir.cleanup());

  it('logs, numbers, deletes after confirmation, corrects, and undoes', async () => {
    const script = [
      'add Nissan',
      'log Nissan call yesterday Pricing questions',
      'log Nissan visit today Toured the plant',
      'status Nissan',
      'delete Nissan 2',
      '1',
      'status Nissan',
      'edit Nissan 1 kind meeting',
      'status Nissan',
      'undo',
      'undo',
      'status Nissan',
      'undo',
      'undo',
      'undo',
      'undo',
    ];
    const result = await runCli([], `${script.join('\n')}\n`, { DATABASE_PATH: dir.file('rapport.db') });

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const statuses = result.stdout.split('Where the relationship with Nissan stands.').slice(1);
    expect(statuses).toHaveLength(4);
    expect(statuses[0]).toMatch(
      /Recent interactions\n {2}1\. .* \(today\): Visit to their premises — Toured the plant · first meeting\n {2}2\. .* \(yesterday\): Call — Pricing questions\n/,
    );
    expect(result.stdout).toMatch(
      /Delete number 2 with Nissan\?\n.*Call — Pricing questions\n\n {2}1\) Delete it\n {2}2\) Keep it/,
    );
    expect(result.stdout).toMatch(/Deleted from Nissan's record: .*Call — Pricing questions/);
    expect(statuses[1]).not.toContain('Pricing questions');
    expect(statuses[2]).toMatch(/ {2}1\. .* \(today\): Meeting — Toured the plant · first meeting\n/);
    expect(result.stdout).toContain('Undone: your correction for Nissan: back to Visit to their premises');
    expect(result.stdout).toMatch(
      /Undone: your deletion: Call on .* \(“Pricing questions”\) is back on Nissan's record\./,
    );
    expect(statuses[3]).toMatch(
      / {2}1\. .*: Visit to their premises — Toured the plant · first meeting\n {2}2\. .*: Call — Pricing questions\n/,
    );
    expect(result.stdout).toMatch(
      /Undone: your log for Nissan: Visit to their premises on .* is no longer on the record\./,
    );
    expect(result.stdout).toMatch(/Undone: your log for Nissan: Call on .* is no longer on the record\./);
    expect(result.stdout).toContain('Nothing to undo');

    const db = new Database(dir.file('rapport.db'), { readonly: true });
    expect(db.prepare('SELECT COUNT(*) AS n FROM interactions').get()).toEqual({ n: 0 });
    db.close();
  });
});
