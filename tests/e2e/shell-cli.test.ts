import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store';
import { CLI, runCli } from '../support/cli';
import { tempDir } from '../support/temp-dir';

const DAY = 86_400_000;
const isoDay = (at: Date): string => at.toISOString().slice(0, 10);

/** The next weekday at 10:00 UTC, at or after now: inside default working hours for a UTC member. */
function nextWorkingMorning(now: Date): Date {
  const at = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 10));
  while (at < now || at.getUTCDay() === 0 || at.getUTCDay() === 6) at.setTime(at.getTime() + DAY);
  return at;
}

describe('the terminal channel, driven through the real CLI', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => dir.cleanup());

  it('takes a partner from signature to an answered check-in', async () => {
    const now = new Date();
    const signed = isoDay(new Date(now.getTime() - 31 * DAY));
    const visit = isoDay(new Date(now.getTime() - 10 * DAY));
    const tickAt = nextWorkingMorning(now).toISOString();
    const script = [
      'add Nissan',
      `signed Nissan ${signed}`,
      `log Nissan visit ${visit} Toured the Yokohama plant`,
      'observe Nissan Decisions are prepared by consensus before the meeting',
      `log Nissan workshop ${signed} Joint design workshop`,
      'log Nissan alignment yesterday Sales, purchasing and IT aligned',
      `tick ${tickAt}`,
      '1',
      'status Nissan',
    ].join('\n');
    const result = await runCli([], `${script}\n`, { DATABASE_PATH: dir.file('rapport.db') });

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = result.stdout;
    expect(out).toContain('Added Nissan (exploring)');
    expect(out).toMatch(
      /🔔 Nissan — Post-signing check-in\nYou signed with Nissan 30 days ago — how is the collaboration going\?/,
    );
    expect(out).toMatch(
      /1\) Going well\n {2}2\) Some friction\n {2}3\) Stuck\n {2}4\) Snooze 1 day\n {2}5\) Snooze 1 week\n {2}6\) Dismiss/,
    );
    expect(out).toContain('1 nudge(s) delivered');
    expect(out).toContain('Thanks — recorded Going well for Nissan (Post-signing check-in).');
    const status = out.slice(out.lastIndexOf('Where the relationship with Nissan stands.'));
    expect(status).toMatch(/Stage\s+signed/);
    expect(status).toMatch(/Check-in \(5\/5\) — Post-signing check-in \(d30\): Going well/);
    expect(status).toMatch(/Answers\n {2}Post-signing check-in \(d30\): Going well/);
    expect(status).toMatch(/Visit to their premises — Toured the Yokohama plant/);

    const db = new Database(dir.file('rapport.db'), { readonly: true });
    const nudge = db.prepare("SELECT status, answer FROM nudges WHERE rule_id = 'post-signing'").get();
    expect(nudge).toEqual({ status: 'answered', answer: 'well' });
    db.close();
  });

  it('keeps going after mistakes and ends cleanly at the end of input', async () => {
    const script = [
      'frobnicate',
      'log',
      'log Nobody call',
      'add "Unclosed',
      '7',
      'tick someday',
      'add Nissan',
      'list',
    ].join('\n');
    const result = await runCli([], `${script}\n`, { DATABASE_PATH: dir.file('rapport.db') });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("I don't know the command “frobnicate”");
    expect(result.stdout).toContain('What happened, and with whom?');
    expect(result.stdout).toContain("I don't know a partner called “Nobody”");
    expect(result.stdout).toContain('A quote (") is not closed.');
    expect(result.stdout).toContain('There is nothing to answer right now.');
    expect(result.stdout).toContain('“someday” is not a date.');
    expect(result.stdout).toContain('Nissan — exploring, no contact logged');
  });

  it('runs one scheduler pass from the command line with rapport tick --at', async () => {
    const db = dir.file('rapport.db');
    await runCli([], 'add Nissan\n', { DATABASE_PATH: db });
    const fifteenDaysOn = nextWorkingMorning(new Date(Date.now() + 15 * DAY)).toISOString();
    const result = await runCli(['tick', '--at', fifteenDaysOn], '', { DATABASE_PATH: db });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('🔔 Nissan — Plan a site visit');
    expect(JSON.parse(result.stdout.trim().split('\n').pop()!)).toMatchObject({
      at: fifteenDaysOn,
      created: 1,
      delivered: 1,
    });
    const again = await runCli(['tick', '--at', fifteenDaysOn], '', { DATABASE_PATH: db });
    expect(JSON.parse(again.stdout.trim())).toMatchObject({ created: 0, delivered: 0 });
  });

  it('stops with a message naming the variable when configuration is wrong', async () => {
    const result = await runCli([], '', { DATABASE_PATH: dir.file('rapport.db'), SLACK_BOT_TOKEN: 'xoxb-1' });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('SLACK_SIGNING_SECRET');
    expect(result.stderr).not.toContain('xoxb-1');
  });

  it('refuses a malformed --at', async () => {
    const result = await runCli(['tick', '--at', 'next tuesday'], '', {
      DATABASE_PATH: dir.file('rapport.db'),
    });
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('--at must be an ISO-8601 instant');
  });
});

describe('stopping', () => {
  it('stops cleanly on SIGTERM while waiting for input, leaving a consistent database', async () => {
    const dir = tempDir();
    try {
      const child = spawn(process.execPath, [CLI], {
        env: {
          PATH: process.env.PATH ?? '',
          TZ: 'UTC',
          DATABASE_PATH: dir.file('rapport.db'),
          TICK_SCHEDULE: '* * * * *',
        },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stdin.write('add Nissan\n');
      const deadline = Date.now() + 10_000;
      while (!stdout.includes('Added Nissan') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect(stdout).toContain('Added Nissan');
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const db = new Database(dir.file('rapport.db'), { readonly: true });
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.prepare('SELECT name FROM partners').pluck().all()).toEqual(['Nissan']);
      db.close();
    } finally {
      dir.cleanup();
    }
  });
});

describe('rapport tick --dry-run', () => {
  it('shows what a pass would send, on every platform, without changing the database', async () => {
    const dir = tempDir();
    try {
      const path = dir.file('rapport.db');
      const store = openSqliteStore({ path });
      const created = new Date(Date.now() - 20 * DAY);
      const ws = await store.workspaces.ensure('slack', 'T1', 'Acme', created);
      await store.members.see(
        {
          workspaceId: ws.id,
          memberId: 'U1',
          address: { channel: 'slack', payload: { userId: 'U1', teamId: 'T1' } },
        },
        'UTC',
        created,
      );
      await store.partners.create({
        workspaceId: ws.id,
        name: 'Nissan',
        stage: 'exploring',
        createdBy: 'U1',
        now: created,
      });
      await store.partners.setNextDueAt(ws.id, 1, created);
      await store.close();
      const at = nextWorkingMorning(new Date()).toISOString();
      const env = { DATABASE_PATH: path, SLACK_BOT_TOKEN: 'xoxb-never-used', SLACK_SIGNING_SECRET: 'secret' };

      const dry = await runCli(['tick', '--at', at, '--dry-run'], '', env);
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain('[dry run: would send on slack]\nNissan — Plan a site visit');
      const report = JSON.parse(dry.stdout.trim().split('\n').pop()!) as {
        dryRun: boolean;
        created: number;
        delivered: number;
      };
      expect(report.dryRun).toBe(true);
      expect(report.created).toBeGreaterThanOrEqual(1);
      expect(report.delivered).toBe(report.created);
      const db = new Database(path, { readonly: true });
      expect(db.prepare('SELECT COUNT(*) FROM nudges').pluck().get()).toBe(0);
      db.close();
    } finally {
      dir.cleanup();
    }
  });
});
