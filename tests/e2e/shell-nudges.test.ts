/** `nudges` in the terminal, through the real CLI: what is open can be answered after a restart. */
import Database from 'better-sqlite3';
import { runCli } from '../support/cli';
import { tempDir } from '../support/temp-dir';

const DAY = 86_400_000;

/** The next weekday at 10:00 UTC on or after `at`. */
function workingMorning(at: Date): Date {
  const day = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate(), 10));
  while (day < at || day.getUTCDay() === 0 || day.getUTCDay() === 6) day.setTime(day.getTime() + DAY);
  return day;
}

describe('nudges in the terminal', () => {
  const dir = tempDir();
  afterAll(() => dir.cleanup());

  it('lists the open nudges after a restart and answers one by its key', async () => {
    const env = { DATABASE_PATH: dir.file('rapport.db') };
    const tickAt = workingMorning(new Date(Date.now() + 15 * DAY)).toISOString();
    const first = await runCli([], `add Nissan\ntick ${tickAt}\n`, env);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('🔔 Nissan — Plan a site visit');

    // A new process: the menu printed by the first one is gone, the open nudge is not.
    const second = await runCli([], 'nudges\nD\nnudges\n', env);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Waiting for you (1)');
    expect(second.stdout).toMatch(
      /Nissan — Plan a site visit\n.*\n.*waiting for your answer\n {2}1\) Visit planned\n/,
    );
    expect(second.stdout).toContain('Dismissed.');
    expect(second.stdout).toContain('No nudge is waiting for you.');
    const db = new Database(dir.file('rapport.db'), { readonly: true });
    expect(db.prepare("SELECT status FROM nudges WHERE rule_id = 'site-visit'").all()).toEqual([
      { status: 'dismissed' },
    ]);
    db.close();
  });
});
