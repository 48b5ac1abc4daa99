/**
 * Promises, both ways: recorded (or refused with nothing written), reminded N working days before their day
 * and on it through the scheduler, answered Kept / Late / Broken / Moved from the reminder, a list or a
 * command, and counted in `status` and the health score. A real SQLite file, fixed clocks.
 */
import type { Message } from '../../src/core/messages';
import { promiseReminders, workingDaysBefore } from '../../src/core/promises';
import { DEFAULT_PLAYBOOK } from '../../src/core/playbook/playbook';
import type { Playbook } from '../../src/core/playbook/playbook';
import { NudgeScheduler } from '../../src/scheduler/nudge-scheduler';
import { coreHarness, flatten } from '../support/core-harness';
import { RecordingChannel } from '../support/recording-channel';

const at = (iso: string): Date => new Date(iso);
// Friday 27 Nov 2026, 10:00 UTC; Ada works Monday to Friday, 09:00–17:00 UTC.
const START = '2026-11-27T10:00:00Z';

async function journey() {
  const h = await coreHarness({ now: at(START) });
  const channel = new RecordingChannel('shell');
  const scheduler = new NudgeScheduler(h.store, h.rapport, new Map([['shell', channel]]), h.logger, {
    monotonic: () => 0,
    sleep: async () => undefined,
    random: () => 0.5,
  });
  await h.say('add Nissan');
  return {
    h,
    channel,
    async tick(when: string): Promise<Message[]> {
      const before = channel.deliveries.length;
      await scheduler.runDue(at(when));
      return channel.deliveries.slice(before).map((d) => d.message);
    },
    async promises() {
      return (await h.query(
        'SELECT id, direction, text, due_on, status, moved_count FROM promises ORDER BY id',
      )) as {
        id: number;
        direction: string;
        text: string;
        due_on: string;
        status: string;
        moved_count: number;
      }[];
    },
    async reminders() {
      return (await h.query(`SELECT id, rule_id, occurrence, status, answer, deliver_after FROM nudges
           WHERE rule_id LIKE 'promise-%' ORDER BY id`)) as {
        id: number;
        rule_id: string;
        occurrence: string;
        status: string;
        answer: string | null;
        deliver_after: string;
      }[];
    },
  };
}

/** The promise reminders among delivered messages (a message of its own, or a section of a folded one). */
function reminderIn(
  messages: Message[],
): { text: string; choices: { id: string; label: string; style?: string; secondary?: true }[] } | null {
  for (const message of messages) {
    const ids = (message.choices ?? []).map((c) => c.id);
    if (ids.some((id) => id.endsWith(':kept'))) return { text: message.text, choices: message.choices! };
    for (const section of message.sections ?? [])
      if ((section.choices ?? []).some((c) => c.id.endsWith(':kept')))
        return { text: section.lines.join('\n'), choices: section.choices! };
  }
  return null;
}

describe('promises', () => {
  it('records ours with quotes and theirs unquoted, read with the date reader', async () => {
    const { h, promises } = await journey();
    const ours = await h.say('promise Nissan "send the pricing model" by 2026-12-09');
    expect(ours).toContain('Recorded promise #1: You promised *Nissan* “send the pricing model”, by');
    expect(ours).toContain('I will remind you 2 working days before and on the day');
    expect(await h.say('they-promise Nissan share the plant audit by hand by friday')).toContain(
      '*Nissan* promised you “share the plant audit by hand”',
    );
    expect(await promises()).toEqual([
      {
        id: 1,
        direction: 'ours',
        text: 'send the pricing model',
        due_on: '2026-12-09',
        status: 'open',
        moved_count: 0,
      },
      // "friday" on Friday the 27th, looking ahead, is today.
      {
        id: 2,
        direction: 'theirs',
        text: 'share the plant audit by hand',
        due_on: '2026-11-27',
        status: 'open',
        moved_count: 0,
      },
    ]);
    await h.close();
  });

  it.each([
    [
      'a promise without a date',
      'promise Nissan "send the pricing model"',
      'By when? A promise needs a date',
    ],
    [
      'a date word missing after by',
      'promise Nissan send the pricing model by',
      'By when? A promise needs a date',
    ],
    ['a date in the past', 'promise Nissan "send the pricing model" by 2026-11-20', 'has already passed'],
    [
      'an unknown partner',
      'promise Toyota "send the pricing model" by friday',
      "I don't know a partner called “Toyota”",
    ],
    ['empty text', 'promise Nissan "" by friday', 'What was promised?'],
    ['no text at all', 'they-promise Nissan by friday', 'What was promised?'],
    [
      'an unknown date word',
      'promise Nissan "send the pricing model" by someday',
      'I could not read “someday” as a date',
    ],
    [
      'a date-like phrase that fits no form',
      'promise Nissan "the deck" by last quarter',
      'I could not read “last quarter”',
    ],
    ['no partner', 'promise', 'Which partner, what, and by when?'],
  ])('refuses %s with a clear reply and writes nothing', async (_name, command, reply) => {
    const { h, promises } = await journey();
    const before = await h.counts();
    const answer = await h.say(command);
    expect(answer).toContain(reply);
    expect(answer).toContain('Usage: `partner');
    expect(await promises()).toEqual([]);
    expect(await h.counts()).toEqual(before);
    await h.close();
  });

  it('reminds the recorder 2 working days before the day and on it, in working hours, then Kept closes it', async () => {
    const j = await journey();
    await j.h.say('promise Nissan "send the pricing model" by 2026-12-09'); // a Wednesday
    expect(reminderIn(await j.tick('2026-12-04T10:00:00Z'))).toBeNull();
    expect(reminderIn(await j.tick('2026-12-07T08:59:00Z'))).toBeNull();
    // Monday 7 Dec, the start of the working day two working days before.
    const before = reminderIn(await j.tick('2026-12-07T09:00:00Z'));
    expect(before?.text).toContain('You promised *Nissan* “send the pricing model”, by Wed 9 Dec 2026');
    expect(before?.choices.map((c) => [c.label, c.style ?? (c.secondary ? 'menu' : 'button')])).toEqual([
      ['Kept', 'primary'],
      ['Late', 'menu'],
      ['Broken', 'menu'],
      ['Moved to…', 'menu'],
      ['Snooze 1 day', 'menu'],
      ['Snooze 1 week', 'menu'],
      ['Dismiss', 'menu'],
    ]);
    // A second pass the same day creates nothing more.
    expect(reminderIn(await j.tick('2026-12-07T11:00:00Z'))).toBeNull();
    expect(reminderIn(await j.tick('2026-12-09T08:00:00Z'))).toBeNull();
    const onDay = reminderIn(await j.tick('2026-12-09T09:00:00Z'));
    expect(onDay?.text).toContain('due Wed 9 Dec 2026 (today). Was it kept?');
    expect((await j.reminders()).map((r) => [r.rule_id, r.occurrence, r.status, r.deliver_after])).toEqual([
      ['promise-before', 'p1:2026-12-09', 'sent', '2026-12-07T09:00:00.000Z'],
      ['promise-due', 'p1:2026-12-09', 'sent', '2026-12-09T09:00:00.000Z'],
    ]);

    // `nudges` shows both reminders with the promise they are about.
    const waiting = await j.h.say('nudges', at('2026-12-09T10:00:00Z'));
    expect(waiting.match(/You promised \*Nissan\* “send the pricing model”/g)).toHaveLength(2);

    const kept = onDay!.choices.find((c) => c.label === 'Kept')!.id;
    const answer = await j.h.rapport.handleChoice(j.h.actor, kept, at('2026-12-09T11:00:00Z'));
    expect(flatten(answer.reply)).toContain('was kept on time');
    expect(answer.replaceOriginal?.footer).toContain('Recorded “Kept” — Ada');
    expect((await j.promises())[0]).toMatchObject({ status: 'kept' });
    // Both reminders are closed: the one pressed and the earlier one.
    expect((await j.reminders()).map((r) => [r.status, r.answer])).toEqual([
      ['answered', 'kept'],
      ['answered', 'kept'],
    ]);
    // A second press answers nothing.
    const again = await j.h.rapport.handleChoice(j.h.actor, kept, at('2026-12-09T11:01:00Z'));
    expect(flatten(again.reply)).toContain('Already handled');
    expect(await j.h.say('status Nissan', at('2026-12-09T12:00:00Z'))).toContain(
      'We kept 1 of 1 on time; they have no promise settled yet',
    );
    await j.h.close();
  });

  it('Moved asks for the day, re-dates the promise, remembers the move and reminds again before the new day', async () => {
    const j = await journey();
    await j.h.say('promise Nissan "send the pricing model" by 2026-12-09');
    const before = reminderIn(await j.tick('2026-12-07T09:00:00Z'))!;
    const moved = await j.h.rapport.handleChoice(
      j.h.actor,
      before.choices.find((c) => c.label === 'Moved to…')!.id,
      at('2026-12-07T10:00:00Z'),
    );
    expect(flatten(moved.reply)).toContain('Type `partner promise-moved 1');
    expect(moved.openForm).toMatchObject({ id: 'promise-move', context: { promise: '1' } });
    expect(moved.replaceOriginal?.footer).toContain('Moving — Ada');
    // A day in the past is refused against the field; then a real one moves it.
    const refused = await j.h.rapport.submitForm(
      j.h.actor,
      'promise-move',
      { date: '2026-12-01' },
      { promise: '1' },
      at('2026-12-07T10:01:00Z'),
    );
    expect(refused).toEqual({ ok: false, errors: { date: expect.stringContaining('has already passed') } });
    const submitted = await j.h.rapport.submitForm(
      j.h.actor,
      'promise-move',
      { date: '2026-12-16' },
      { promise: '1' },
      at('2026-12-07T10:02:00Z'),
    );
    expect(submitted.ok && flatten(submitted.reply)).toContain('from Wed 9 Dec 2026 to Wed 16 Dec 2026');
    expect((await j.promises())[0]).toMatchObject({ due_on: '2026-12-16', moved_count: 1, status: 'open' });

    // The old day brings nothing; the new one is reminded on Monday 14 Dec.
    expect(reminderIn(await j.tick('2026-12-09T09:00:00Z'))).toBeNull();
    const again = reminderIn(await j.tick('2026-12-14T09:00:00Z'));
    expect(again?.text).toContain('by Wed 16 Dec 2026');
    expect((await j.reminders()).map((r) => [r.rule_id, r.occurrence, r.status])).toEqual([
      ['promise-before', 'p1:2026-12-09', 'answered'],
      ['promise-before', 'p1:2026-12-16', 'sent'],
    ]);
    // Typed, from any channel: moved once more, counted twice.
    expect(await j.h.say('promise-moved 1 2026-12-18', at('2026-12-14T10:00:00Z'))).toContain(
      'to Fri 18 Dec 2026',
    );
    expect((await j.promises())[0]).toMatchObject({ due_on: '2026-12-18', moved_count: 2 });
    expect((await j.reminders()).find((r) => r.occurrence === 'p1:2026-12-16')).toMatchObject({
      status: 'answered',
      answer: 'moved',
    });
    expect(await j.h.say('status Nissan', at('2026-12-14T10:00:00Z'))).toContain('Moved 2 times all told.');
    await j.h.close();
  });

  it('lists open promises overdue first, and a list button or a command settles one; ratios and health follow', async () => {
    const j = await journey();
    await j.h.say('promise Nissan "send the pricing model" by 2026-12-09');
    await j.h.say('they-promise Nissan "share the plant audit" by 2026-12-01');
    await j.h.say('promise Nissan "introduce our CTO" by 2026-12-02');
    const list = await j.h.rapport.handleCommand(j.h.actor, 'promises', at('2026-12-03T10:00:00Z'));
    expect(list.reply.text).toBe('3 open promises, 2 overdue.');
    expect(list.reply.sections!.map((s) => [s.title, s.lines[0]])).toEqual([
      [
        '#2 Nissan — theirs',
        '*Nissan* promised you “share the plant audit”, was due Tue 1 Dec 2026, 2 days overdue',
      ],
      [
        '#3 Nissan — ours',
        'You promised *Nissan* “introduce our CTO”, was due Wed 2 Dec 2026, 1 day overdue',
      ],
      ['#1 Nissan — ours', expect.stringContaining('You promised *Nissan* “send the pricing model”, due')],
    ]);
    expect(list.reply.sections![0]!.choices!.map((c) => c.id)).toEqual([
      'r:2:kept',
      'r:2:late',
      'r:2:broken',
      'r:2:moved',
    ]);

    const broken = await j.h.rapport.handleChoice(j.h.actor, 'r:2:broken', at('2026-12-03T10:01:00Z'));
    expect(flatten(broken.reply)).toContain('was broken. Raise it with them');
    expect(await j.h.say('promise-late 3', at('2026-12-03T10:02:00Z'))).toContain('was kept, but late');
    expect(await j.h.say('promise-kept 3', at('2026-12-03T10:03:00Z'))).toContain(
      'already settled: kept, but late',
    );
    expect(await j.h.say('promise-kept 99', at('2026-12-03T10:03:00Z'))).toContain('There is no promise #99');
    expect((await j.promises()).map((p) => p.status)).toEqual(['open', 'broken', 'late']);
    expect(await j.h.say('promises Nissan', at('2026-12-03T10:04:00Z'))).toContain(
      '1 open promise with *Nissan*.',
    );

    const status = await j.h.rapport.handleCommand(j.h.actor, 'status Nissan', at('2026-12-03T10:05:00Z'));
    const text = flatten(status.reply);
    expect(text).toContain('We kept 0 of 1 on time; they kept 0 of 1');
    // The open promise carries its buttons in the status too.
    expect(status.reply.sections!.find((s) => s.title === '#1 Nissan — ours')?.choices?.[0]).toMatchObject({
      id: 'r:1:kept',
      style: 'primary',
    });
    // Health: one broken (all) and one late (half) of two settled: −round(10 × 1.5 / 2) = −8.
    expect(text).toContain('we kept 0 of 1 on time; they kept 0 of 1 (promises, last 12 months) (-8)');
    await j.h.close();
  });

  it('only the recorder or an owner may settle a promise', async () => {
    const j = await journey();
    await j.h.say('promise Nissan "send the pricing model" by 2026-12-09');
    const { actor: bob } = await j.h.rapport.identify(
      'shell',
      'local',
      { memberId: 'bob', displayName: 'Bob' },
      at(START),
    );
    expect(await j.h.say('promise-kept 1', at(START), bob)).toContain("is for Nissan's owners");
    expect((await j.promises())[0]).toMatchObject({ status: 'open' });
    await j.h.close();
  });

  it('undo takes back recording a promise, its ending from a reminder, and a move', async () => {
    const j = await journey();
    await j.h.say('promise Nissan "introduce our CTO" by 2026-12-02');
    expect(await j.h.say('undo')).toContain(
      'Undone: your promise #1: you promised *Nissan* “introduce our CTO” is no longer on the record.',
    );
    expect(await j.promises()).toEqual([]);

    await j.h.say('promise Nissan "send the pricing model" by 2026-12-09');
    const onDay = reminderIn(await j.tick('2026-12-09T09:00:00Z'))!;
    expect((await j.reminders()).map((r) => r.status)).toEqual(['sent', 'sent']);
    await j.h.rapport.handleChoice(j.h.actor, onDay.choices[0]!.id, at('2026-12-09T10:00:00Z'));
    expect((await j.promises())[0]).toMatchObject({ status: 'kept' });
    expect(await j.h.say('undo', at('2026-12-09T10:05:00Z'))).toContain('is open again, due Wed 9 Dec 2026');
    expect((await j.promises())[0]).toMatchObject({ status: 'open' });
    expect((await j.reminders()).map((r) => [r.status, r.answer])).toEqual([
      ['sent', null],
      ['sent', null],
    ]);

    expect(await j.h.say('promise-moved 2 2026-12-16', at('2026-12-09T10:10:00Z'))).toContain(
      'Moved promise #2',
    );
    expect(await j.h.say('undo', at('2026-12-09T10:11:00Z'))).toContain('is open again, due Wed 9 Dec 2026');
    expect((await j.promises())[0]).toMatchObject({ due_on: '2026-12-09', moved_count: 0, status: 'open' });
    await j.h.close();
  });

  it('exports the promises as a table of their own, once there are any', async () => {
    const j = await journey();
    const before = await j.h.rapport.handleCommand(j.h.actor, 'export csv', at(START));
    expect(before.reply.files!.map((f) => f.name)).not.toContainEqual(expect.stringContaining('promises'));
    await j.h.say('promise Nissan "send the pricing model" by 2026-12-09');
    await j.h.say('promise-moved 1 2026-12-11');
    const csv = await j.h.rapport.handleCommand(j.h.actor, 'export csv', at(START));
    const file = csv.reply.files!.find((f) => f.name.includes('-promises-'))!;
    expect(file.content.split('\r\n').slice(0, 2)).toEqual([
      '\uFEFFid,partner_id,partner,direction,text,due_on,status,moved_count,owner_id,owner,created_at,resolved_at,resolved_by',
      '1,1,Nissan,ours,send the pricing model,2026-12-11,open,1,ada,Ada,2026-11-27T10:00:00.000Z,,',
    ]);
    const json = await j.h.rapport.handleCommand(j.h.actor, 'export json', at(START));
    expect(JSON.parse(json.reply.files![0]!.content).promises).toEqual([
      expect.objectContaining({ id: 1, text: 'send the pricing model', moved_count: 1 }),
    ]);
    await j.h.close();
  });

  it('remove deletes a partner’s promises with it', async () => {
    const j = await journey();
    await j.h.say('promise Nissan "send the pricing model" by 2026-12-09');
    await j.h.store.partners.remove(
      j.h.actor.workspaceId,
      (await j.h.store.partners.findByName(j.h.actor.workspaceId, 'Nissan'))!.id,
    );
    expect(await j.promises()).toEqual([]);
    await j.h.close();
  });
});

describe('promise reminders, as a pure rule', () => {
  const owner = { timeZone: 'Asia/Tokyo', workingDays: [1, 2, 3, 4, 5], workStart: 540, workEnd: 1020 };
  const promise = { id: 4, dueOn: '2026-12-14', datedAt: at('2026-12-01T00:00:00Z'), ownerId: 'kenji' }; // a Monday
  const withLead = (days: number): Playbook => ({
    ...DEFAULT_PLAYBOOK,
    promises: { remindWorkingDaysBefore: days },
  });

  it.each<[string, number, string | null]>([
    ['2 working days before a Monday: the Thursday before', 2, '2026-12-10T00:00:00.000Z'],
    ['1 working day before: the Friday', 1, '2026-12-11T00:00:00.000Z'],
    ['5 working days before: the Monday a week earlier', 5, '2026-12-07T00:00:00.000Z'],
    ['0: no reminder before, only on the day', 0, null],
  ])('%s, at 09:00 in the owner’s zone', (_name, lead, beforeAt) => {
    const { due, nextAt } = promiseReminders(promise, owner, at('2026-12-01T01:00:00Z'), withLead(lead));
    expect(due).toEqual([]);
    expect(nextAt?.toISOString()).toBe(beforeAt ?? '2026-12-14T00:00:00.000Z');
  });

  it('makes no reminder of a rule the workspace turned off', () => {
    const off = (ids: string[]): Playbook => ({
      ...DEFAULT_PLAYBOOK,
      rules: DEFAULT_PLAYBOOK.rules.map((rule) => (ids.includes(rule.id) ? { ...rule, off: true } : rule)),
    });
    const onlyOnTheDay = promiseReminders(
      promise,
      owner,
      at('2026-12-01T01:00:00Z'),
      off(['promise-before']),
    );
    expect(onlyOnTheDay.nextAt?.toISOString()).toBe('2026-12-14T00:00:00.000Z');
    const none = promiseReminders(
      promise,
      owner,
      at('2026-12-15T01:00:00Z'),
      off(['promise-before', 'promise-due']),
    );
    expect(none).toEqual({ due: [], nextAt: null });
  });

  it('leaves out a reminder before that falls before the promise was recorded', () => {
    const late = { ...promise, datedAt: at('2026-12-11T05:00:00Z') };
    const { due, nextAt } = promiseReminders(late, owner, at('2026-12-11T05:00:00Z'), DEFAULT_PLAYBOOK);
    expect(due).toEqual([]);
    expect(nextAt?.toISOString()).toBe('2026-12-14T00:00:00.000Z');
  });

  it('reminds on the last working day when the day itself is not one', () => {
    const weekdays = { workingDays: [1, 2, 3, 4, 5], timeZone: 'UTC', holidayCountry: null };
    expect(workingDaysBefore('2026-12-13', 0, weekdays)).toBe('2026-12-11');
    expect(workingDaysBefore('2026-12-13', 2, weekdays)).toBe('2026-12-09');
    // A public holiday of the member's calendar is not a working day: 25 Dec 2026 in London.
    const london = { workingDays: [1, 2, 3, 4, 5], timeZone: 'Europe/London', holidayCountry: 'GB' };
    expect(workingDaysBefore('2026-12-29', 2, london)).toBe('2026-12-23');
  });
});
