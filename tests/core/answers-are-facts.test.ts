/**
 * Answers are facts: "Reached out" records a call, internal answers are no contact, "Visit planned" plans
 * a visit that is briefed and followed up, "Stuck" asks what blocks and brings the next pulse forward.
 * Through the core and the scheduler, on a real SQLite file, with a fixed clock.
 */
import type { ChoiceResult, Message } from '../../src/core/messages';
import { evaluatePlaybook } from '../../src/core/playbook/playbook';
import { NudgeScheduler } from '../../src/scheduler/nudge-scheduler';
import { coreHarness, flatten } from '../support/core-harness';
import { RecordingChannel } from '../support/recording-channel';

type Harness = Awaited<ReturnType<typeof coreHarness>>;

const at = (iso: string): Date => new Date(iso);

/** A harness whose scheduler delivers to a recording channel; helpers to find and press nudges. */
async function journey(start: string) {
  const h = await coreHarness({ now: at(start) });
  const channel = new RecordingChannel('shell');
  const scheduler = new NudgeScheduler(h.store, h.rapport, new Map([['shell', channel]]), h.logger, {
    monotonic: () => 0,
    sleep: async () => undefined,
    random: () => 0.5,
  });
  return {
    h,
    channel,
    /** Runs a pass as of `when`; the messages it delivered. */
    async tick(when: string): Promise<Message[]> {
      const before = channel.deliveries.length;
      await scheduler.runDue(at(when));
      return channel.deliveries.slice(before).map((d) => d.message);
    },
    /** The nudge id a delivered message's buttons act on. */
    nudgeId(message: Message): number {
      const id = message.choices?.[0]?.id ?? '';
      return Number(/^n:(\d+):/.exec(id)?.[1]);
    },
    press(message: Message, action: string, when: string): Promise<ChoiceResult> {
      return h.rapport.handleChoice(h.actor, `n:${this.nudgeId(message)}:${action}`, at(when));
    },
    async partner() {
      return (await h.store.partners.findByName(h.actor.workspaceId, 'Nissan'))!;
    },
    async events() {
      return await h.query(
        'SELECT id, kind, planned_on, note, status, replaces_id FROM planned_events ORDER BY id',
      );
    },
  };
}

/**
 * Every nudge the messages carry, each as a message of its own. A nudge delivered alone is its message; the
 * nudges about one partner that came due together are folded into one message, where each is a section
 * with its own answers: such a nudge is its section, titled like a message of its own ("Nissan — Keep in
 * touch"), with its prompt and its answers (the snooze and dismiss of the folded message act on all of
 * its nudges, so they are not in it).
 */
function nudgesIn(messages: Message[]): Message[] {
  return messages.flatMap((m): Message[] => {
    const folded = (m.sections ?? []).filter((s) => s.choices?.length);
    if (folded.length === 0) return [m];
    const partner = (m.title ?? '').slice(0, (m.title ?? '').lastIndexOf(' — '));
    return folded.map((s) => ({
      title: `${partner} — ${s.title ?? ''}`,
      text: s.lines.join('\n'),
      choices: s.choices,
    }));
  });
}

/** Only the nudges about planned events (other rules of the playbook go on as usual meanwhile). */
function aboutPlans(messages: Message[]): Message[] {
  return nudgesIn(messages).filter((m) => /Brief before a planned event|Did it happen\?/.test(m.title ?? ''));
}

/** The nudges titled `title` ("Keep in touch", or "Nissan — Keep in touch"), alone or folded. */
function allTitled(messages: Message[], title: string): Message[] {
  return nudgesIn(messages).filter((m) => m.title?.endsWith(title));
}

function titled(messages: Message[], title: string): Message {
  const found = allTitled(messages, title)[0];
  if (!found) throw new Error(`no “${title}” in ${JSON.stringify(nudgesIn(messages).map((m) => m.title))}`);
  return found;
}

describe('“Reached out” records a contact', () => {
  let j: Awaited<ReturnType<typeof journey>>;
  let h: Harness;
  beforeEach(async () => {
    // Added on Monday 30 Nov 2026; keep-in-touch falls due 30 days later, on Wednesday 30 Dec.
    j = await journey('2026-11-30T10:00:00Z');
    h = j.h;
    await h.say('add Nissan');
  });
  afterEach(() => h.close());

  it('logs a call today: last contact and health change, and keep-in-touch is answered and advances', async () => {
    // The site-visit reminder goes out on its day (Monday 14 Dec), so keep-in-touch comes on its own.
    expect(nudgesIn(await j.tick('2026-12-14T10:00:00Z')).map((m) => m.title)).toEqual([
      'Nissan — Plan a site visit',
    ]);
    const delivered = await j.tick('2026-12-30T10:00:00Z');
    expect(delivered.map((m) => m.title)).toEqual(['Nissan — Keep in touch']);
    const keep = delivered[0]!;
    expect(keep.choices?.[0]?.label).toBe('Reached out');
    const before = await h.say('status Nissan', at('2026-12-31T10:00:00Z'));
    expect(before).toContain('Last contact: none logged');
    expect(before).toContain('Health 🔴 23/100');

    const result = await j.press(keep, 'reached-out', '2026-12-31T10:00:00Z');
    expect(result.reply.text).toContain(
      'recorded *Reached out* for Nissan (Keep in touch). Logged a call today.',
    );
    expect(result.replaceOriginal?.footer).toBe('Recorded “Reached out” — Ada, Thu 31 Dec 2026');

    const after = await h.say('status Nissan', at('2026-12-31T10:00:00Z'));
    expect(after).toContain('Last contact: Thu 31 Dec 2026 (today)');
    expect(after).toContain('Health 🟡 53/100');
    expect(after).toContain('✓ last contact today (30/30)');
    expect(after).toMatch(/Call — Keep in touch: Reached out/);
    const [nudge] = await h.query("SELECT status, answer FROM nudges WHERE rule_id = 'keep-in-touch'");
    expect(nudge).toEqual({ status: 'answered', answer: 'reached-out' });
    // Thirty days after the call, not after the occurrence it answered.
    const partner = await j.partner();
    const history = await h.store.partners.history(h.actor.workspaceId, partner.id);
    const next = evaluatePlaybook(
      { partner, history },
      at('2026-12-31T10:00:00Z'),
      h.rapport.playbook,
    ).upcoming;
    expect(next.find((o) => o.ruleId === 'keep-in-touch')?.occurrence).toBe('2027-01-30');
    expect(allTitled(await j.tick('2027-01-29T10:00:00Z'), 'Keep in touch')).toEqual([]);
  });

  it('does not count internal answers as contact: a day-7 “Going well” leaves last contact alone', async () => {
    await h.say('log Nissan meeting 2026-12-01 Kick-off', at('2026-12-01T10:00:00Z'));
    await h.say('signed Nissan 2026-12-01', at('2026-12-01T10:00:00Z'));
    await h.say('log Nissan alignment 2026-12-07 Sales and IT aligned', at('2026-12-07T10:00:00Z'));
    const checkIn = titled(await j.tick('2026-12-08T10:00:00Z'), 'Post-signing check-in');
    const before = await h.say('status Nissan', at('2026-12-08T10:00:00Z'));
    expect(before).toContain('Last contact: Tue 1 Dec 2026 (7 days ago)');

    await j.press(checkIn, 'well', '2026-12-08T10:00:00Z');

    const after = await h.say('status Nissan', at('2026-12-08T10:00:00Z'));
    expect(after).toContain('Last contact: Tue 1 Dec 2026 (7 days ago)');
    expect(after).toContain('✓ last contact 7 days ago (30/30)');
    expect(after).toMatch(/Check-in \(5\/5\) — Post-signing check-in \(d7\): Going well/);
  });
});

describe('a planned visit', () => {
  let j: Awaited<ReturnType<typeof journey>>;
  let h: Harness;
  beforeEach(async () => {
    // Added on Monday 16 Nov 2026: the site visit is due two weeks later, Monday 30 Nov.
    j = await journey('2026-11-16T10:00:00Z');
    h = j.h;
    await h.say('add Nissan');
  });
  afterEach(() => h.close());

  /** "Visit planned" on the site-visit nudge, then the date in the form: Monday 14 Dec. */
  async function planFromTheNudge(): Promise<void> {
    const visit = titled(await j.tick('2026-11-30T10:00:00Z'), 'Plan a site visit');
    const asked = await j.press(visit, 'planned', '2026-11-30T10:00:00Z');
    expect(asked.reply.text).toContain('When is the visit to *Nissan*?');
    expect(asked.reply.text).toContain('`partner plan Nissan visit 14 Dec`');
    expect(asked.replaceOriginal?.footer).toBe('Recorded “Visit planned” — Ada, Mon 30 Nov 2026');
    expect(asked.openForm).toMatchObject({ id: 'plan-event', title: 'Plan a visit or meeting' });
    const fields = Object.fromEntries(asked.openForm!.fields.map((f) => [f.id, f.initial]));
    expect(fields).toMatchObject({ partner: String((await j.partner()).id), kind: 'visit' });
    const submitted = await h.rapport.submitForm(
      h.actor,
      'plan-event',
      { partner: fields.partner, kind: 'visit', date: '2026-12-14', note: 'Plant tour' },
      asked.openForm!.context,
      at('2026-11-30T10:05:00Z'),
    );
    expect(submitted).toMatchObject({ ok: true });
    expect(submitted.ok && submitted.reply.text).toBe(
      'Planned: visit to *Nissan* on Mon 14 Dec 2026 (in 14 days).\nI will send you a brief the working day before, and ask the working day after whether it happened.',
    );
  }

  it('is shown in status and brief, briefed the working day before and asked about the day after; Yes logs the visit', async () => {
    await planFromTheNudge();
    expect(await h.say('status Nissan', at('2026-11-30T11:00:00Z'))).toContain(
      'Planned\nMon 14 Dec 2026 (in 14 days): Visit to their premises — Plant tour',
    );
    expect(await h.say('brief Nissan', at('2026-11-30T11:00:00Z'))).toContain(
      'Planned\nMon 14 Dec 2026 (in 14 days): Visit to their premises — Plant tour',
    );

    expect(aboutPlans(await j.tick('2026-12-10T10:00:00Z'))).toEqual([]);
    const brief = titled(await j.tick('2026-12-11T10:00:00Z'), 'Brief before a planned event');
    expect(brief.text).toBe(
      'Your visit to *Nissan* is on Mon 14 Dec 2026 (in 3 days). Before you go, read the brief: their culture, your last exchanges and how the relationship feels.',
    );
    expect(brief.choices?.map((c) => c.label)).toEqual([
      'Brief me',
      'Snooze 1 day',
      'Snooze 1 week',
      'Dismiss',
    ]);
    const read = await j.press(brief, '_brief', '2026-12-11T10:01:00Z');
    expect(read.reply.title).toBe('Brief: Nissan');
    expect(flatten(read.reply)).toContain(
      'Mon 14 Dec 2026 (in 3 days): Visit to their premises — Plant tour',
    );
    expect(read.replaceOriginal?.footer).toBe('Brief read — Ada, Fri 11 Dec 2026');

    expect(aboutPlans(await j.tick('2026-12-14T10:00:00Z'))).toEqual([]);
    const followUp = titled(await j.tick('2026-12-15T10:00:00Z'), 'Did it happen?');
    expect(followUp.text).toBe('Did the visit to *Nissan* happen on Mon 14 Dec 2026 (yesterday)?');
    expect(followUp.choices?.map((c) => c.label)).toEqual([
      'Yes',
      'No — pick a new date',
      'No — drop it',
      'Snooze 1 day',
      'Snooze 1 week',
      'Dismiss',
    ]);

    const yes = await j.press(followUp, 'happened', '2026-12-15T10:05:00Z');
    expect(yes.reply.text).toContain('Logged: visit to *Nissan* on Mon 14 Dec 2026.');
    expect(yes.replaceOriginal?.footer).toBe('Recorded “Yes” — Ada, Tue 15 Dec 2026');
    const status = await h.say('status Nissan', at('2026-12-15T10:05:00Z'));
    expect(status).toContain('Last contact: Mon 14 Dec 2026 (yesterday)');
    expect(status).toContain('First met: Mon 14 Dec 2026');
    expect(status).toContain('Visit to their premises — Plant tour');
    expect(status).not.toContain('Planned\n');
    expect(status).toContain('Did it happen? (visit, Mon 14 Dec 2026): Yes — Tue 15 Dec 2026');
    expect(await j.events()).toEqual([
      {
        id: 1,
        kind: 'visit',
        planned_on: '2026-12-14',
        note: 'Plant tour',
        status: 'happened',
        replaces_id: null,
      },
    ]);
    // The visit satisfies the playbook: the next visit reminder is 120 days after it.
    const partner = await j.partner();
    const history = await h.store.partners.history(h.actor.workspaceId, partner.id);
    const upcoming = evaluatePlaybook(
      { partner, history },
      at('2026-12-15T11:00:00Z'),
      h.rapport.playbook,
    ).upcoming;
    expect(upcoming.find((o) => o.ruleId === 'site-visit')?.occurrence).toBe('2027-04-13');

    const again = await j.press(followUp, 'drop', '2026-12-15T10:06:00Z');
    expect(again.reply.text).toContain('Already handled');
  });

  it('asks for a new date after “No — pick a new date”, and re-plans the visit', async () => {
    await planFromTheNudge();
    const followUp = titled(await j.tick('2026-12-15T10:00:00Z'), 'Did it happen?');
    const no = await j.press(followUp, 'replan', '2026-12-15T10:05:00Z');
    expect(no.reply.text).toContain('Noted: it did not happen. When is the visit to *Nissan*?');
    expect(no.openForm).toMatchObject({ id: 'plan-event', context: { replaces: '1' } });
    expect(await j.events()).toMatchObject([{ id: 1, status: 'missed' }]);
    expect(await h.value("SELECT COUNT(*) FROM interactions WHERE kind = 'visit'")).toBe(0);

    const partnerId = String((await j.partner()).id);
    const replanned = await h.rapport.submitForm(
      h.actor,
      'plan-event',
      { partner: partnerId, kind: 'visit', date: '2027-01-12' },
      no.openForm!.context,
      at('2026-12-15T10:06:00Z'),
    );
    expect(replanned.ok && replanned.reply.text).toContain('Planned: visit to *Nissan* on Tue 12 Jan 2027');
    expect(await j.events()).toMatchObject([
      { id: 1, status: 'replanned' },
      { id: 2, planned_on: '2027-01-12', status: 'planned', replaces_id: 1 },
    ]);
    expect(await h.say('status Nissan', at('2026-12-15T10:07:00Z'))).toContain(
      'Planned\nTue 12 Jan 2027 (in 28 days): Visit to their premises',
    );
  });

  it('lets the visit go after “No — drop it”', async () => {
    await planFromTheNudge();
    const followUp = titled(await j.tick('2026-12-15T10:00:00Z'), 'Did it happen?');
    const drop = await j.press(followUp, 'drop', '2026-12-15T10:05:00Z');
    expect(drop.reply.text).toContain('Dropped: the visit to *Nissan* did not happen');
    expect(drop.openForm).toBeUndefined();
    expect(await j.events()).toMatchObject([{ id: 1, status: 'missed' }]);
    expect(aboutPlans(await j.tick('2026-12-16T10:00:00Z'))).toEqual([]);
  });

  it('plans from the command on every channel, quiets the site-visit nudge until the visit has passed, and moves a plan', async () => {
    // Planned before the visit reminder (due Mon 30 Nov) has even come.
    expect(await h.say('plan Nissan visit 3 Dec', at('2026-11-27T10:00:00Z'))).toContain(
      'Planned: visit to *Nissan* on Thu 3 Dec 2026 (in 6 days).',
    );
    expect(await h.say('plan Nissan visit 2026-12-04 With their CFO', at('2026-11-27T10:00:00Z'))).toContain(
      'It replaces the one planned for Thu 3 Dec 2026.',
    );
    expect(await j.events()).toMatchObject([
      { id: 1, status: 'replanned' },
      { id: 2, planned_on: '2026-12-04', status: 'planned', note: 'With their CFO', replaces_id: 1 },
    ]);
    // The reminder waits for the visit and the week its "did it happen?" may take.
    const comingUp = (await h.say('status Nissan', at('2026-11-30T10:00:00Z'))).split('Coming up\n')[1];
    expect(comingUp).toContain('Sat 12 Dec 2026: Plan a site visit');
    expect(await j.tick('2026-11-30T10:00:00Z')).toEqual([]);
    // The brief of the moved plan, not of the first one.
    const brief = titled(await j.tick('2026-12-03T10:00:00Z'), 'Brief before a planned event');
    expect(brief.text).toContain('Fri 4 Dec 2026 (tomorrow)');
    expect(titled(await j.tick('2026-12-07T10:00:00Z'), 'Did it happen?').text).toContain('Fri 4 Dec 2026');
    // Nobody answered: a week after the planned day the visit reminder comes back.
    expect(await j.tick('2026-12-11T10:00:00Z')).toEqual([]);
    titled(await j.tick('2026-12-14T10:00:00Z'), 'Plan a site visit');
  });

  it('settles a visit logged on the planned day without asking whether it happened', async () => {
    await h.say('plan Nissan visit 2026-12-04', at('2026-11-27T10:00:00Z'));
    await h.say('log Nissan visit 2026-12-04 Toured the plant', at('2026-12-04T16:00:00Z'));
    expect(aboutPlans(await j.tick('2026-12-07T10:00:00Z'))).toEqual([]);
    expect(await j.events()).toMatchObject([{ id: 1, status: 'happened' }]);
  });

  it('refuses a date that has passed and a kind that cannot be planned, with usage', async () => {
    expect(await h.say('plan Nissan visit 2026-11-01', at('2026-11-27T10:00:00Z'))).toContain(
      'Sun 1 Nov 2026 has already passed.',
    );
    expect(await h.say('plan Nissan observation 3 Dec', at('2026-11-27T10:00:00Z'))).toContain(
      '“observation” cannot be planned.',
    );
    expect(await h.say('plan Nissan visit', at('2026-11-27T10:00:00Z'))).toContain(
      'When is the visit to *Nissan*? Give the day, e.g. `partner plan Nissan visit 11 Dec`.',
    );
    const refused = await h.rapport.submitForm(
      h.actor,
      'plan-event',
      { partner: String((await j.partner()).id), kind: 'visit', date: '2026-11-01' },
      undefined,
      at('2026-11-27T10:00:00Z'),
    );
    expect(refused).toEqual({ ok: false, errors: { date: 'Sun 1 Nov 2026 has already passed.' } });
    expect(await j.events()).toEqual([]);
  });

  it('closes a second owner’s question once the first one said it happened; a late answer changes nothing', async () => {
    const { actor: bo } = await h.rapport.identify(
      'shell',
      'local',
      { memberId: 'bo', displayName: 'Bo', address: { channel: 'shell', payload: { session: 'bo' } } },
      at('2026-11-27T10:00:00Z'),
    );
    await h.store.partners.addOwner(h.actor.workspaceId, (await j.partner()).id, 'bo');
    await h.say('plan Nissan workshop 2026-12-04', at('2026-11-27T10:00:00Z'));
    const asked = allTitled(await j.tick('2026-12-07T10:00:00Z'), 'Nissan — Did it happen?');
    expect(asked).toHaveLength(2);
    await j.press(asked[0]!, 'happened', '2026-12-07T10:05:00Z');
    // The event is settled: the other owner's question is no longer due, and closes.
    const followUps = async () =>
      await h.query(
        "SELECT member_id, status, answer FROM nudges WHERE rule_id = 'planned-followup' ORDER BY id",
      );
    expect(await followUps()).toEqual([
      { member_id: h.actor.memberId, status: 'answered', answer: 'happened' },
      { member_id: 'bo', status: 'expired', answer: null },
    ]);
    const late = await h.rapport.handleChoice(
      bo,
      `n:${j.nudgeId(asked[1]!)}:drop`,
      at('2026-12-07T10:06:00Z'),
    );
    expect(late.reply.text).toMatch(/^Already handled: /);
    expect(await followUps()).toMatchObject([{ answer: 'happened' }, { status: 'expired', answer: null }]);
    expect(await j.events()).toMatchObject([{ kind: 'workshop', status: 'happened' }]);
    expect(await h.value("SELECT COUNT(*) FROM interactions WHERE kind = 'workshop'")).toBe(1);
  });
});

describe('“Stuck” and “Some friction”', () => {
  let j: Awaited<ReturnType<typeof journey>>;
  let h: Harness;
  beforeEach(async () => {
    j = await journey('2026-10-01T10:00:00Z');
    h = j.h;
    await h.say('add Nissan');
    await h.say('signed Nissan 2026-10-28', at('2026-10-28T10:00:00Z'));
    await h.say('log Nissan visit 2026-11-20', at('2026-11-20T10:00:00Z'));
    await h.say('log Nissan workshop 2026-11-02', at('2026-11-20T10:00:00Z'));
    await h.say('log Nissan alignment 2026-11-25', at('2026-11-25T10:00:00Z'));
    await h.say('observe Nissan Decisions by consensus', at('2026-11-25T10:00:00Z'));
  });
  afterEach(() => h.close());

  async function pulseDay(): Promise<string | undefined> {
    const partner = await j.partner();
    const history = await h.store.partners.history(h.actor.workspaceId, partner.id);
    return evaluatePlaybook(
      { partner, history },
      at('2026-11-27T12:00:00Z'),
      h.rapport.playbook,
    ).upcoming.find((o) => o.ruleId === 'relationship-pulse')?.occurrence;
  }

  it('asks what is blocking, answers with the playbook’s next step, records it with the check-in, and brings the pulse forward', async () => {
    expect(await pulseDay()).toBe('2026-12-30');
    const checkIn = titled(await j.tick('2026-11-27T10:00:00Z'), 'Post-signing check-in');
    const stuck = await j.press(checkIn, 'stuck', '2026-11-27T10:05:00Z');
    expect(stuck.reply.text).toBe(
      'Thanks — recorded *Stuck* for Nissan (Post-signing check-in). What is blocking most?',
    );
    const id = j.nudgeId(checkIn);
    expect(stuck.reply.choices).toEqual([
      { id: `n:${id}:_b-alignment`, label: 'Alignment' },
      { id: `n:${id}:_b-trust`, label: 'Trust' },
      { id: `n:${id}:_b-resources`, label: 'Resources' },
      { id: `n:${id}:_b-value`, label: 'Value' },
    ]);

    const trust = await h.rapport.handleChoice(h.actor, `n:${id}:_b-trust`, at('2026-11-27T10:06:00Z'));
    expect(trust.reply.text).toBe(
      'Noted: *Trust* is what blocks the collaboration with *Nissan*.\n' +
        '*Next step:* Visit Nissan at their premises and look them in the eye: trust is built face to face, not by e-mail.\n' +
        'When? `partner plan Nissan visit DATE` and I will follow it up.',
    );
    expect(trust.replaceOriginal).toEqual({
      text: 'What is blocking most?',
      footer: 'Blocking: Trust — Ada',
    });
    expect(await h.query("SELECT rating, blocker, note FROM interactions WHERE kind = 'checkin'")).toEqual([
      { rating: 1, blocker: 'trust', note: 'Post-signing check-in (d30): Stuck — blocking: Trust' },
    ]);
    // One blocker per answer: a second pick says what is on record.
    const value = await h.rapport.handleChoice(h.actor, `n:${id}:_b-value`, at('2026-11-27T10:07:00Z'));
    expect(value.reply.text).toContain('Already noted: *Trust*');
    // The next pulse comes two weeks after the "Stuck", not at the quarter.
    expect(await pulseDay()).toBe('2026-12-11');
  });

  it('gives the value blocker its workshop step after “Some friction”, and keeps the pulse at the quarter', async () => {
    const checkIn = titled(await j.tick('2026-11-27T10:00:00Z'), 'Post-signing check-in');
    await j.press(checkIn, 'friction', '2026-11-27T10:05:00Z');
    const value = await h.rapport.handleChoice(
      h.actor,
      `n:${j.nudgeId(checkIn)}:_b-value`,
      at('2026-11-27T10:06:00Z'),
    );
    expect(value.reply.text).toContain(
      '*Next step:* Hold a joint workshop with Nissan to re-design the win-win',
    );
    expect(await pulseDay()).toBe('2026-12-30');
  });

  it('offers no blocker question after “Going well”, and refuses a blocker button on it', async () => {
    const checkIn = titled(await j.tick('2026-11-27T10:00:00Z'), 'Post-signing check-in');
    const well = await j.press(checkIn, 'well', '2026-11-27T10:05:00Z');
    expect(well.reply.choices).toBeUndefined();
    const refused = await j.press(checkIn, '_b-trust', '2026-11-27T10:06:00Z');
    expect(refused.reply.text).toBe('That question is not open any more.');
  });
});
