import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { quoteName } from '../../src/core/insight-views';
import { formatDay, formatLocal } from '../../src/core/time';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store';
import { CLI, runCli } from '../support/cli';
import { spawnCli } from '../support/shell';
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
    // The day-30 review says how long ago the signature really was on the day it arrives.
    const sinceSigning = Math.round((Date.parse(tickAt.slice(0, 10)) - Date.parse(signed)) / DAY);
    expect(out).toMatch(
      new RegExp(
        `🔔 Nissan — Post-signing check-in\\nYou signed with Nissan ${sinceSigning} days ago — how is the collaboration going\\?`,
      ),
    );
    expect(out).toMatch(
      /1\) Going well\n {2}2\) Some friction\n {2}3\) Stuck\n {2}S\) Snooze 1 day\n {2}W\) Snooze 1 week\n {2}D\) Dismiss/,
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

describe('terminal manners, through the real CLI', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => dir.cleanup());

  const shell = (lines: string[]): ReturnType<typeof runCli> =>
    runCli([], lines.map((line) => `${line}\n`).join(''), { DATABASE_PATH: dir.file('rapport.db') });

  const RULES: Record<string, string> = {
    'Post-signing check-in': 'post-signing',
    'Joint workshop': 'joint-workshop',
  };

  /**
   * Two partners, each with one nudge of its own kind due at the pass three days on (so two messages, not
   * one folded message): Nissan, signed 31 days ago with its other habits up to date, the day-30
   * check-in; Mazda, in negotiation since today, the joint workshop.
   */
  function twoNudgesDue(): string[] {
    const now = new Date();
    return [
      'add Nissan',
      `signed Nissan ${isoDay(new Date(now.getTime() - 31 * DAY))}`,
      'observe Nissan Decisions are prepared by consensus before the meeting',
      'log Nissan alignment yesterday Sales, purchasing and IT aligned',
      'log Nissan workshop yesterday Designed the pilot together',
      'add Mazda negotiating',
      `tick ${nextWorkingMorning(new Date(now.getTime() + 3 * DAY)).toISOString()}`,
    ];
  }

  /** The titles of the nudges the pass delivered, in the order they were printed. */
  function delivered(stdout: string): string[] {
    const pass = stdout.slice(0, stdout.indexOf('Scheduler pass as of'));
    return [...pass.matchAll(/^🔔 (?:Nissan|Mazda) — (.+)$/gm)].map((match) => match[1]!);
  }

  function nudgeStatuses(): Record<string, string> {
    const db = new Database(dir.file('rapport.db'), { readonly: true });
    const rows = db.prepare('SELECT rule_id, status FROM nudges').all() as {
      rule_id: string;
      status: string;
    }[];
    db.close();
    return Object.fromEntries(rows.map((row) => [row.rule_id, row.status]));
  }

  function partnerNames(): string[] {
    const db = new Database(dir.file('rapport.db'), { readonly: true });
    const names = db.prepare('SELECT name FROM partners ORDER BY name').pluck().all() as string[];
    db.close();
    return names;
  }

  it('help lists every command, the terminal’s own in a section of their own, and explains remove', async () => {
    const { stdout, code } = await shell(['help', 'help remove', 'help tick']);
    expect(code).toBe(0);
    expect(stdout).toContain('\n  remove NAME — Delete a partner with everything logged about it');
    expect(stdout).toMatch(
      /\nIn the terminal\n {2}tick \[DATE \| now\] — Run the scheduler as of DATE.*\n {2}quit — Leave the chat/,
    );
    expect(stdout).toContain('Usage: remove NAME\n\nExamples\n  remove Nissan\n  remove "Renault Group"');
    expect(stdout).toContain('Usage: tick [DATE | now]\n');
    expect(stdout).not.toContain('There is no command called');
  });

  it('answers a remove confirmation with yes or no, and drops it when another command runs', async () => {
    const { stdout } = await shell([
      'add Nissan',
      'add Mazda',
      'remove Nissan',
      'no',
      'remove Mazda',
      'yes',
      'remove Nissan',
      'list',
      'y',
    ]);
    expect(stdout).toContain('  1) Remove Nissan\n  2) Keep it\nAnswer yes or no, or with a number.');
    expect(stdout).toContain('Kept Nissan.');
    expect(stdout).toContain('Removed Mazda and everything logged about it.');
    expect(stdout).not.toContain('Did you mean');
    // `list` dropped the last confirmation: the y after it is an unknown command, not an answer.
    expect(stdout).toContain("I don't know the command “y”");
    expect(partnerNames()).toEqual(['Nissan']);
  });

  it('never answers with a number a menu the member has not just seen: it shows that menu first', async () => {
    // `brief` answers without a menu of its own (`status` offers "Add co-owner").
    const { stdout, code } = await shell([...twoNudgesDue(), 'remove Nissan', 'brief Nissan', '1', '1']);
    expect(code).toBe(0);
    const [first, last] = delivered(stdout);
    expect(new Set([first, last])).toEqual(new Set(Object.keys(RULES)));
    // The first 1 would answer the last nudge, but the confirmation was seen after it: it is shown again.
    const reshown = stdout.indexOf(
      '“1” would answer this — nothing is answered until you type your choice again:\n',
    );
    expect(reshown).toBeGreaterThan(stdout.indexOf('Before you meet Nissan'));
    expect(stdout.slice(reshown)).toMatch(
      new RegExp(`again:\\n🔔 (Nissan|Mazda) — ${last}\\n.+\\n\\n {2}1\\) `),
    );
    expect(stdout.slice(0, reshown)).not.toContain('Thanks — recorded');
    // The second 1 answers it; then the other nudge is shown again with its options, unanswered.
    expect(stdout.match(/Thanks — recorded/g)).toHaveLength(1);
    expect(stdout).toMatch(
      new RegExp(`Still waiting for an answer:\\n🔔 (Nissan|Mazda) — ${first}\\n.+\\n\\n {2}1\\) `),
    );
    expect(nudgeStatuses()).toMatchObject({ [RULES[last!]!]: 'answered', [RULES[first!]!]: 'sent' });
  });

  it('gives the built-in answers the same keys on two kinds of nudge', async () => {
    const { stdout } = await shell([...twoNudgesDue(), 's', 'd']);
    const [first, last] = delivered(stdout);
    const menu = (title: string): string => stdout.slice(stdout.indexOf(` — ${title}\n`));
    expect(menu('Post-signing check-in')).toMatch(
      /\n {2}1\) Going well\n {2}2\) Some friction\n {2}3\) Stuck\n {2}S\) Snooze 1 day\n {2}W\) Snooze 1 week\n {2}D\) Dismiss\nAnswer with a number or a letter\./,
    );
    expect(menu('Joint workshop')).toMatch(
      /\n {2}1\) Workshop scheduled\n {2}L\) Log it now\n {2}B\) Brief me\n {2}S\) Snooze 1 day\n {2}W\) Snooze 1 week\n {2}D\) Dismiss\n/,
    );
    // S snoozes the nudge seen last; D dismisses the other, shown again first.
    expect(stdout).toMatch(/Snoozed until .+\.\n\nStill waiting for an answer:\n/);
    expect(stdout).toContain('Dismissed.');
    expect(nudgeStatuses()).toMatchObject({ [RULES[last!]!]: 'snoozed', [RULES[first!]!]: 'dismissed' });
  });

  it('tick DATE moves the chat’s clock: status, log, snooze and pause then use the simulated day', async () => {
    const now = new Date();
    const today = isoDay(now);
    // A working morning at least 15 days on: the site visit (due 14 days after adding) is asked for.
    const at = nextWorkingMorning(new Date(now.getTime() + 15 * DAY));
    const day = isoDay(at);
    const dayBefore = isoDay(new Date(at.getTime() - DAY));
    const weekOn = formatLocal(new Date(at.getTime() + 7 * DAY), 'UTC');
    const { stdout, code } = await shell([
      'add Nissan',
      'log Nissan call today Intro',
      `tick ${day}`,
      'status Nissan',
      'log Nissan meeting yesterday Follow-up',
      'snooze Nissan 1w',
      'pause 1w',
      'status Nissan',
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain('🔔 Nissan — Plan a site visit');
    expect(stdout).toContain(
      `This chat's clock now reads ${formatDay(day)}, 10:00 and runs on from there; tick now goes back to the real clock.`,
    );
    const [firstStatus, lastStatus] = stdout.split('Where the relationship with Nissan stands.').slice(1);
    const elapsed = Math.round((Date.parse(day) - Date.parse(today)) / DAY);
    expect(firstStatus).toContain(`${formatDay(today)} (${elapsed} days ago): Call — Intro`);
    expect(stdout).toContain(`Logged for Nissan: Meeting, ${formatDay(dayBefore)}`);
    expect(stdout).toMatch(new RegExp(`Snoozed \\d nudges? for Nissan until ${weekOn}\\.`));
    expect(stdout).toContain(`Paused until ${weekOn}.`);
    expect(lastStatus).toContain(`${formatDay(dayBefore)} (yesterday): Meeting — Follow-up`);
  });

  it.each([
    ['*Star* "Co"', `'*Star* "Co"'`],
    ['`tick`', "'`tick`'"],
    ['a_b \\ c~', '"a_b \\\\ c~"'],
  ])('suggests commands for a partner named %s that work when typed back', async (name, typed) => {
    const added = await shell([`add ${typed}`]);
    expect(partnerNames()).toEqual([name]);
    const hint = /Log what happens: (.+)\n/.exec(added.stdout)![1]!;
    expect(hint).toBe(`log ${quoteName(name)} meeting today First call`);
    const { stdout } = await shell([hint, `status ${quoteName(name)}`]);
    expect(stdout).toContain(`: Meeting, ${formatDay(isoDay(new Date()))}`);
    expect(stdout).toMatch(/\(today\): Meeting — First call/);
    expect(stdout).not.toContain("I don't know a partner");
  });

  it('exits quietly with status 0 when the reader of its output stops after the first line', async () => {
    const { child, stderr, exited } = spawnCli([], { DATABASE_PATH: dir.file('rapport.db') });
    child.stdin.write('help\n');
    await new Promise((resolve) => child.stdout.once('data', resolve));
    child.stdout.destroy(); // like `| head -1`: nobody reads any more
    child.stdin.end('help\nadd Nissan\nlist\nhelp\n');
    expect(await exited).toBe(0);
    expect(stderr()).toBe('');
  });

  it('exits with status 0 and no stack trace in `rapport start < script | head -1`', () => {
    const script = dir.file('script.txt');
    writeFileSync(script, 'help\n'.repeat(200));
    const result = spawnSync(
      'bash',
      [
        '-c',
        '"$0" "$1" start < "$2" 2> "$3" | head -1; exit "${PIPESTATUS[0]}"',
        process.execPath,
        CLI,
        script,
        dir.file('stderr.txt'),
      ],
      {
        env: {
          PATH: process.env.PATH ?? '',
          TZ: 'UTC',
          TICK_SCHEDULE: 'off',
          DATABASE_PATH: dir.file('rapport.db'),
        },
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    expect(result.stdout).toBe(
      'Rapport — relationship nudges for your partnerships. Type help for the commands, quit to leave.\n',
    );
    expect(readFileSync(dir.file('stderr.txt'), 'utf8')).toBe('');
    expect(result.status).toBe(0);
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
