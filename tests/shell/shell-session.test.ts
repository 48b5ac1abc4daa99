/**
 * The terminal session driven directly, with a stand-in for the core: what is read from a terminal or a
 * pipe, which menu a typed key answers, the chat's clock, and an output that goes away. The same
 * behaviours run through the real CLI in tests/e2e/shell-cli.test.ts.
 */
import { PassThrough, Writable } from 'node:stream';
import { partnerChoiceId } from '../../src/core/choice-ids';
import { ChannelError } from '../../src/core/errors';
import type { Message } from '../../src/core/messages';
import type { Member, Nudge } from '../../src/core/model';
import { DEFAULT_PLAYBOOK, findRule } from '../../src/core/playbook/playbook';
import { helpMessage, nudgeChoices } from '../../src/core/views';
import type { TickReport } from '../../src/scheduler/nudge-scheduler';
import { SHELL_ADDRESS, ShellChannel, ShellSession } from '../../src/channels/shell/shell-channel';
import type { ShellCore } from '../../src/channels/shell/shell-channel';
import { recordingLogger } from '../support/silent-logger';
import { tempDir } from '../support/temp-dir';

const REAL_NOW = new Date('2026-11-27T10:00:00.000Z'); // a Friday

function nudge(id: number, ruleId: string, question: string): Message {
  const rule = findRule(DEFAULT_PLAYBOOK, ruleId)!;
  return {
    title: `Nissan — ${rule.title}`,
    text: question,
    choices: nudgeChoices({ id } as Nudge, rule),
    footer: rule.habit,
  };
}

const VISIT = nudge(1, 'site-visit', 'You have not visited *Nissan* yet — plan a visit?');
const CHECK_IN = nudge(2, 'post-signing', 'You signed with *Nissan* 30 days ago — how is it going?');

const CONFIRM_REMOVAL: Message = {
  text: 'Remove *Nissan* with all its interactions and nudges? This cannot be undone.',
  choices: [
    { id: partnerChoiceId(1, 'remove'), label: 'Remove Nissan', style: 'danger', role: 'confirm' },
    { id: partnerChoiceId(1, 'keep'), label: 'Keep it', role: 'cancel' },
  ],
};

interface Run {
  out: string;
  /** Commands the core received, with the time it was given. */
  commands: { text: string; now: Date }[];
  /** Buttons the core received. */
  choices: string[];
  /** Times the scheduler passes ran at. */
  ticks: Date[];
  logger: ReturnType<typeof recordingLogger>;
}

interface SessionSetup {
  tty?: boolean;
  prompt?: boolean;
  /** What `tick` delivers. */
  deliver?: Message[];
  /** The real clock; default REAL_NOW, fixed. */
  clock?: () => Date;
  /** Replies by command text; default a one-line echo. */
  replies?: Record<string, Message>;
  /** Called when the core receives a command. */
  onCommand?: (text: string) => void;
}

/** A session over `input`, with a core that records what it is asked and answers from `replies`. */
function startSession(input: PassThrough, output: Writable, setup: SessionSetup = {}) {
  const run: Omit<Run, 'out'> = { commands: [], choices: [], ticks: [], logger: recordingLogger() };
  const member = { timeZone: 'UTC' } as Member;
  const core: ShellCore = {
    identify: async () => ({ actor: { workspaceId: 'shell:local', memberId: 'local' }, member }),
    member: async () => member,
    handleCommand: async (_actor, text, now) => {
      run.commands.push({ text, now });
      setup.onCommand?.(text);
      const help = /^help\b/.exec(text) ? helpMessage(text.split(/\s+/)[1]) : undefined;
      return { reply: setup.replies?.[text] ?? help ?? { text: `Ran ${text}.` } };
    },
    handleChoice: async (_actor, id) => {
      run.choices.push(id);
      return { reply: { text: `Chose ${id}.` } };
    },
  };
  const channel = new ShellChannel(output, false, tempDir().path);
  const tick = async (at: Date): Promise<TickReport> => {
    run.ticks.push(at);
    for (const message of setup.deliver ?? []) await channel.deliver(SHELL_ADDRESS, message);
    const delivered = setup.deliver?.length ?? 0;
    return { created: delivered, delivered, held: [], retried: 0, failed: 0, deferred: 0 };
  };
  const session = new ShellSession({
    rapport: core,
    channel,
    input,
    clock: setup.clock ?? (() => REAL_NOW),
    tick,
    logger: run.logger,
    memberName: 'Ada',
    prompt: setup.prompt ?? false,
  });
  return { run, channel, finished: session.run() };
}

/** Feeds `text` to a session (a terminal when `tty`), ends the input, and returns what happened. */
async function session(text: string, setup: SessionSetup = {}): Promise<Run> {
  const input = new PassThrough() as PassThrough & { isTTY?: boolean };
  if (setup.tty) input.isTTY = true;
  const output = new PassThrough();
  let out = '';
  output.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const { run, finished } = startSession(input, output, setup);
  input.end(text);
  await finished;
  return { ...run, out };
}

const lines = (...typed: string[]): string => typed.map((line) => `${line}\n`).join('');
const texts = (run: Run): string[] => run.commands.map((command) => command.text);

describe('reading lines', () => {
  it('runs an entered line but not the unfinished one when a terminal ends with Ctrl-D', async () => {
    const run = await session('list\nstatus Nis\x04', { tty: true });
    expect(texts(run)).toEqual(['list']);
  });

  it('does not run an unfinished line when Ctrl-D is pressed on it before the input ends', async () => {
    const input = new PassThrough() as PassThrough & { isTTY?: boolean };
    input.isTTY = true;
    const output = new PassThrough();
    output.resume();
    const { run, finished } = startSession(input, output);
    input.write('status Nissan');
    input.write('\x04');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(texts(run as Run)).toEqual([]);
    input.write('\x15list\r');
    input.write('\x04');
    await finished;
    expect(texts(run as Run)).toEqual(['list']);
  });

  it('brings back the previous line with the up arrow on a terminal', async () => {
    const run = await session('status Nissan\n\x1b[A\n', { tty: true });
    expect(texts(run)).toEqual(['status Nissan', 'status Nissan']);
  });

  it('draws a nudge that arrives while the member types above the line being typed, which is kept', async () => {
    const input = new PassThrough() as PassThrough & { isTTY?: boolean };
    input.isTTY = true;
    const output = new PassThrough();
    let out = '';
    output.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    const { run, channel, finished } = startSession(input, output, { prompt: true });
    while (!out.includes('> ')) await new Promise((resolve) => setImmediate(resolve));
    input.write('status Nis');
    await channel.deliver(SHELL_ADDRESS, CHECK_IN);
    input.write('san\r');
    input.end();
    await finished;
    expect(texts(run as Run)).toEqual(['status Nissan']);
    const nudge = out.indexOf('🔔 Nissan — Post-signing check-in');
    // The line being typed is cleared (erase line, column 1), the nudge printed, then the line redrawn.
    expect(out.slice(0, nudge).endsWith('status Nis\x1b[2K\x1b[1G')).toBe(true);
    const afterNudge = out.slice(out.indexOf('D) Dismiss', nudge));
    const ESCAPE = String.fromCharCode(27);
    const visible = afterNudge.replace(new RegExp(`${ESCAPE}\\[[0-9]*[A-Z]`, 'g'), '');
    expect(visible).toMatch(/\n\n> status Nissan\r?\n/);
  });

  it('runs every piped line, the last one even without a final newline', async () => {
    const run = await session('list\nstatus Nissan');
    expect(texts(run)).toEqual(['list', 'status Nissan']);
  });

  it.each(['quit', 'exit', 'partner quit'])('stops at %s', async (quit) => {
    const run = await session(lines('list', quit, 'status Nissan'));
    expect(texts(run)).toEqual(['list']);
  });
});

describe('help in the terminal', () => {
  it('lists every command, with the terminal’s own in a section of their own', async () => {
    const { out } = await session(lines('help'));
    for (const usage of ['remove NAME', 'help [COMMAND]', 'log NAME KIND [DATE] [NOTE…]'])
      expect(out).toContain(`  ${usage} — `);
    const terminal = out.slice(out.indexOf('In the terminal'));
    expect(terminal).toMatch(/^In the terminal\n {2}tick \[DATE \| now\] — .*\n {2}quit — /);
  });

  it('explains tick, quit and remove', async () => {
    const { out, commands } = await session(lines('help tick', 'help quit', 'help remove'));
    expect(out).toContain('Usage: tick [DATE | now]');
    expect(out).toContain('  tick 2026-12-14\n');
    expect(out).toContain('Usage: quit');
    expect(out).toContain('Usage: remove NAME');
    expect(out).not.toContain('There is no command called');
    expect(commands.map((c) => c.text)).toEqual(['help remove']);
  });
});

describe('suggested commands', () => {
  it('are shown without the partner prefix, and names with markup as typed', async () => {
    const { out } = await session(lines('brief Nisan'), {
      replies: {
        'brief Nisan': {
          text: 'Did you mean *Nissan*? Try `partner brief "*Star* \\"Co\\""` or `/partner list`.',
          footer: 'Usage: `partner brief NAME`',
        },
      },
    });
    expect(out).toContain('Did you mean Nissan? Try brief "*Star* \\"Co\\"" or list.\nUsage: brief NAME');
  });
});

describe('confirmations', () => {
  const replies = { 'remove Nissan': CONFIRM_REMOVAL };

  it.each([
    ['yes', 'remove'],
    ['y', 'remove'],
    ['YES', 'remove'],
    ['no', 'keep'],
    ['n', 'keep'],
    ['cancel', 'keep'],
  ])('takes “%s” as the %s button', async (word, action) => {
    const run = await session(lines('remove Nissan', word), { replies });
    expect(run.choices).toEqual([partnerChoiceId(1, action)]);
    expect(texts(run)).toEqual(['remove Nissan']);
    expect(run.out).toContain('  1) Remove Nissan\n  2) Keep it\nAnswer yes or no, or with a number.');
  });

  it('is dropped when another command runs: a later yes is a command, a later number answers nothing', async () => {
    const run = await session(lines('remove Nissan', 'list', 'yes', '1'), { replies });
    expect(run.choices).toEqual([]);
    expect(texts(run)).toEqual(['remove Nissan', 'list', 'yes']);
    expect(run.out).toContain('There is nothing to answer right now.');
  });

  it('never joins the nudge queue', async () => {
    const run = await session(lines('tick', 'remove Nissan', 'no', '1', '1'), {
      replies,
      deliver: [CHECK_IN],
    });
    // "no" answers the confirmation; the check-in, seen before it, is shown again before 1 answers it.
    expect(run.choices).toEqual([partnerChoiceId(1, 'keep'), 'n:2:well']);
    expect(run.out).toContain('Still waiting for an answer:\n🔔 Nissan — Post-signing check-in');
  });
});

describe('which menu a typed key answers', () => {
  it('the menu the member saw last, and no other: another one is shown first', async () => {
    const run = await session(lines('tick', 'remove Nissan', 'status Nissan', '1', '1', '1'), {
      deliver: [VISIT, CHECK_IN],
      replies: { 'remove Nissan': CONFIRM_REMOVAL },
    });
    // The first 1 would go to the check-in, but the confirmation was seen since: it is shown again.
    const shown = run.out.indexOf(
      '“1” would answer this — nothing is answered until you type your choice again:',
    );
    expect(shown).toBeGreaterThan(0);
    expect(run.out.slice(shown)).toMatch(
      /again:\n🔔 Nissan — Post-signing check-in\nYou signed with Nissan 30 days ago — how is it going\?\n\n {2}1\) Going well\n/,
    );
    // Then 1 answers the check-in, the visit nudge is shown again with its options, and 1 answers it.
    expect(run.choices).toEqual(['n:2:well', 'n:1:planned']);
    expect(run.out).toMatch(
      /Chose n:2:well\.\n\nStill waiting for an answer:\n🔔 Nissan — Plan a site visit\nYou have not visited Nissan yet — plan a visit\?\n\n {2}1\) Visit planned\n {2}L\) Log it now/,
    );
  });

  it('names a menu without markup when the key is not one of its own', async () => {
    const run = await session(lines('remove Nissan', '7'), { replies: { 'remove Nissan': CONFIRM_REMOVAL } });
    expect(run.out).toContain(
      'Choose 1 or 2 for “Remove Nissan with all its interactions and nudges? This ca…”.',
    );
    expect(run.choices).toEqual([]);
  });

  it('gives the built-in answers the same key on every nudge', async () => {
    const run = await session(lines('tick', 's', 'w'), { deliver: [VISIT, CHECK_IN] });
    expect(run.out).toContain(
      '  1) Visit planned\n  L) Log it now\n  B) Brief me\n  S) Snooze 1 day\n  W) Snooze 1 week\n  D) Dismiss\nAnswer with a number or a letter.',
    );
    expect(run.out).toContain(
      '  1) Going well\n  2) Some friction\n  3) Stuck\n  S) Snooze 1 day\n  W) Snooze 1 week\n  D) Dismiss\n',
    );
    // S snoozes the check-in (seen last) for a day; W the visit nudge, shown again, for a week.
    expect(run.choices).toEqual(['n:2:_snooze1d', 'n:1:_snooze1w']);
  });

  it('says so when there is nothing to answer', async () => {
    const run = await session(lines('1', 'd'));
    expect(
      run.out.match(/There is nothing to answer right now\. Type help for the commands\./g),
    ).toHaveLength(2);
  });
});

describe("the chat's clock", () => {
  it('moves with tick DATE for every later command, button and pass, until tick now', async () => {
    const run = await session(
      lines('tick 2026-12-14', 'status Nissan', '1', 'tick', 'tick now', 'status Nissan'),
      {
        deliver: [CHECK_IN],
      },
    );
    const simulated = new Date('2026-12-14T10:00:00.000Z');
    expect(run.ticks).toEqual([simulated, simulated, REAL_NOW]);
    expect(run.commands).toEqual([
      { text: 'status Nissan', now: simulated },
      { text: 'status Nissan', now: REAL_NOW },
    ]);
    expect(run.out).toContain(
      "This chat's clock now reads Mon 14 Dec 2026, 10:00 and runs on from there; tick now goes back to the real clock.",
    );
    expect(run.out).toContain('Back on the real clock: Fri 27 Nov 2026, 10:00.');
  });

  it('runs on with the real clock from the simulated time, and shows the day in the prompt', async () => {
    let real = REAL_NOW.getTime();
    const run = await session(lines('tick 2026-12-14', 'wait', 'status Nissan'), {
      clock: () => new Date(real),
      onCommand: (text) => {
        if (text === 'wait') real += 5 * 60_000;
      },
      prompt: true,
    });
    expect(run.commands[1]).toEqual({ text: 'status Nissan', now: new Date('2026-12-14T10:05:00.000Z') });
    expect(run.out).toContain('[Mon 14 Dec 2026] > ');
  });

  it('refuses a date it cannot read and keeps the clock', async () => {
    const run = await session(lines('tick someday', 'status Nissan'));
    expect(run.out).toContain('“someday” is not a date.');
    expect(run.ticks).toEqual([]);
    expect(run.commands).toEqual([{ text: 'status Nissan', now: REAL_NOW }]);
  });
});

describe('an output that goes away', () => {
  /** An output whose reader has left after the first write (`| head -1`). */
  function closedAfterFirstWrite(): Writable & { writes: number } {
    const output = new Writable({
      write(_chunk, _encoding, callback) {
        output.writes++;
        if (output.writes === 1) callback();
        else callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE', syscall: 'write' }));
      },
    }) as Writable & { writes: number };
    output.writes = 0;
    return output;
  }

  it('ends the session quietly on EPIPE', async () => {
    const input = new PassThrough();
    const output = closedAfterFirstWrite();
    const { run, channel, finished } = startSession(input, output);
    input.write(lines('list'));
    await finished; // the input never ends: the session stops because nobody reads its output any more
    input.write(lines('status Nissan'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(texts(run as Run)).toEqual(['list']);
    expect(run.logger.lines).toEqual([]);
    await expect(channel.deliver(SHELL_ADDRESS, CHECK_IN)).rejects.toBeInstanceOf(ChannelError);
  });
});
