/** Promises in the terminal, through the real CLI: recorded, reminded, moved by command, kept by its key. */
import Database from 'better-sqlite3';
import { runCli } from '../support/cli';
import { tempDir } from '../support/temp-dir';

describe('promises in the terminal', () => {
  const dir = tempDir();
  afterAll(() => dir.cleanup());

  it('reminds two working days before, moves the promise by command and settles it by its key', async () => {
    const env = { DATABASE_PATH: dir.file('rapport.db'), DEFAULT_TIME_ZONE: 'UTC' };
    const { code, stdout } = await runCli(
      [],
      [
        'tick 2026-11-30',
        'add Nissan',
        'promise Nissan "send the pricing model" by 2026-12-04',
        'tick 2026-12-02',
        '4',
        'promise-moved 1 2026-12-11',
        'promises',
        'tick 2026-12-09',
        '1',
        'status Nissan',
        '',
      ].join('\n'),
      env,
    );
    expect(code).toBe(0);
    expect(stdout).toContain(
      'Recorded promise #1: You promised Nissan “send the pricing model”, by Fri 4 Dec 2026',
    );
    // Wednesday: the reminder, Kept first, then the other endings, then the letters every nudge has.
    expect(stdout).toMatch(
      /🔔 Nissan — Promise coming up\nYou promised Nissan “send the pricing model”, by Fri 4 Dec 2026 \(in 2 days\)\..*\n\n {2}1\) Kept\n {2}2\) Late\n {2}3\) Broken\n {2}4\) Moved to…\n {2}S\) Snooze 1 day/,
    );
    expect(stdout).toContain('Type promise-moved 1');
    expect(stdout).toContain('type the command instead: promise-moved ID DATE');
    expect(stdout).toContain('from Fri 4 Dec 2026 to Fri 11 Dec 2026');
    expect(stdout).toContain('1 open promise.');
    expect(stdout).toContain('by Fri 11 Dec 2026 (in 2 days)');
    expect(stdout).toContain('was kept on time');
    expect(stdout).toContain('We kept 1 of 1 on time; they have no promise settled yet');
    const db = new Database(dir.file('rapport.db'), { readonly: true });
    expect(db.prepare('SELECT due_on, moved_count, status FROM promises').all()).toEqual([
      { due_on: '2026-12-11', moved_count: 1, status: 'kept' },
    ]);
    db.close();
  });
});
