import { ChannelError } from '../../src/core/errors';
import { NudgeScheduler } from '../../src/scheduler/nudge-scheduler';
import { Rapport } from '../../src/core/rapport';
import { coreHarness, flatten } from '../support/core-harness';
import { RecordingChannel } from '../support/recording-channel';
import { recordingLogger } from '../support/silent-logger';

// Friday 27 November 2026, 10:00 UTC: inside working hours for a member in UTC.
const NOW = new Date('2026-11-27T10:00:00Z');

/** Pacing on a virtual clock: waiting advances it instantly, so tests never sleep. */
function virtualPacing() {
  let ms = 0;
  return {
    monotonic: () => ms,
    sleep: async (wait: number) => {
      ms += Math.max(0, wait);
    },
    random: () => 0.5,
  };
}

describe('NudgeScheduler', () => {
  let h: Awaited<ReturnType<typeof coreHarness>>;
  let channel: RecordingChannel;
  let scheduler: NudgeScheduler;

  beforeEach(async () => {
    h = await coreHarness({ now: NOW });
    channel = new RecordingChannel('shell');
    scheduler = new NudgeScheduler(
      h.store,
      h.rapport,
      new Map([['shell', channel]]),
      h.logger,
      virtualPacing(),
    );
    await h.say('add Nissan');
    await h.say('signed Nissan 2026-10-27');
    await h.say('log Nissan visit 2026-11-20');
    await h.say('observe Nissan Decisions are prepared by consensus');
    await h.say('log Nissan workshop 2026-11-02');
    await h.say('log Nissan alignment 2026-11-25');
  });
  afterEach(() => h.close());

  it('creates and delivers the post-signing check-in with its choices', async () => {
    const report = await scheduler.runDue(NOW);
    expect(report).toMatchObject({ created: 1, delivered: 1, failed: 0 });
    const [delivery] = channel.deliveries;
    // Signed 27 Oct, delivered 27 Nov: the day-30 review says the real count.
    expect(delivery?.message.text).toBe(
      'You signed with *Nissan* 31 days ago — how is the collaboration going?',
    );
    expect(delivery?.message.choices?.map((c) => c.label)).toEqual([
      'Going well',
      'Some friction',
      'Stuck',
      'Snooze 1 day',
      'Snooze 1 week',
      'Dismiss',
    ]);
    const [nudge] = await h.store.nudges.listForPartner(h.actor.workspaceId, 1);
    expect(nudge).toMatchObject({
      ruleId: 'post-signing',
      occurrence: 'd30',
      status: 'sent',
      messageRef: { n: 1 },
    });
  });

  it('never creates or sends a nudge twice, across passes and a restart', async () => {
    await scheduler.runDue(NOW);
    expect(await scheduler.runDue(NOW)).toMatchObject({ created: 0, delivered: 0 });
    expect(await scheduler.runDue(new Date(NOW.getTime() + 3_600_000))).toMatchObject({
      created: 0,
      delivered: 0,
    });
    // A new process on the same database.
    const store = await h.reopen();
    const rapport = new Rapport({ store, logger: recordingLogger(), defaultTimeZone: 'UTC' });
    const restarted = new NudgeScheduler(
      store,
      rapport,
      new Map([['shell', channel]]),
      recordingLogger(),
      virtualPacing(),
    );
    expect(await restarted.runDue(new Date(NOW.getTime() + 7_200_000))).toMatchObject({
      created: 0,
      delivered: 0,
    });
    expect(channel.deliveries).toHaveLength(1);
    expect(await h.value('SELECT COUNT(*) FROM nudges')).toBe(1);
  });

  it('holds a nudge outside working hours and delivers it at the next working slot', async () => {
    const friday = new Date('2026-11-27T18:30:00Z');
    const report = await scheduler.runDue(friday);
    expect(report.delivered).toBe(0);
    expect(report.held.map((held) => held.until.toISOString())).toEqual(['2026-11-30T09:00:00.000Z']);
    expect(await scheduler.runDue(new Date('2026-11-29T12:00:00Z'))).toMatchObject({ delivered: 0 });
    expect(await scheduler.runDue(new Date('2026-11-30T09:00:00Z'))).toMatchObject({ delivered: 1 });
  });

  it('delivers in the member’s own time zone: 09:00 in Tokyo is midnight UTC', async () => {
    await h.say('prefs tz Asia/Tokyo');
    const report = await scheduler.runDue(new Date('2026-11-27T10:00:00Z')); // 19:00 in Tokyo
    expect(report.held[0]?.until.toISOString()).toBe('2026-11-30T00:00:00.000Z');
    expect(await scheduler.runDue(new Date('2026-11-30T00:00:00Z'))).toMatchObject({ delivered: 1 });
  });

  it('waits at least Retry-After when rate limited, then delivers once', async () => {
    channel.failWith(new ChannelError('RATE_LIMITED', 'slow down', { retryAfterMs: 30_000 }));
    expect(await scheduler.runDue(NOW)).toMatchObject({ delivered: 0, retried: 1 });
    expect(await scheduler.runDue(new Date(NOW.getTime() + 29_000))).toMatchObject({ delivered: 0 });
    expect(await scheduler.runDue(new Date(NOW.getTime() + 30_000))).toMatchObject({ delivered: 1 });
    expect(channel.deliveries).toHaveLength(1);
  });

  it('marks the address stale when it is gone, and resumes once the member is seen again', async () => {
    channel.failWith(new ChannelError('ADDRESS_GONE', 'channel_not_found'));
    await scheduler.runDue(NOW);
    expect((await h.store.members.get(h.actor.workspaceId, 'ada'))?.addressStale).toBe(true);
    expect(await scheduler.runDue(new Date(NOW.getTime() + 60_000))).toMatchObject({ delivered: 0 });
    await h.rapport.identify(
      'shell',
      'local',
      { memberId: 'ada', address: { channel: 'shell', payload: { session: 'local' } } },
      NOW,
    );
    expect(await scheduler.runDue(new Date(NOW.getTime() + 120_000))).toMatchObject({ delivered: 1 });
  });

  it('backs off on unavailable errors and gives up as failed after the bounded attempts, visibly', async () => {
    const bounded = new NudgeScheduler(h.store, h.rapport, new Map([['shell', channel]]), h.logger, {
      maxAttempts: 3,
      random: () => 0,
    });
    channel.failWith(...Array.from({ length: 3 }, () => new ChannelError('UNAVAILABLE', 'HTTP 503')));
    let at = NOW;
    for (let pass = 0; pass < 3; pass++) {
      await bounded.runDue(at);
      at = new Date(at.getTime() + 3_600_000);
    }
    const [nudge] = await h.store.nudges.listForPartner(h.actor.workspaceId, 1);
    expect(nudge).toMatchObject({ status: 'failed', attempts: 3, lastError: 'UNAVAILABLE: HTTP 503' });
    expect(
      h.logger.lines.some((line) => line.level === 'error' && line.msg === 'nudge delivery failed for good'),
    ).toBe(true);
    expect(await h.say('status Nissan', at)).toMatch(/Could not be delivered[\s\S]*gave up after 3 attempts/);
    expect(flatten(await h.rapport.dashboard(h.actor, at))).toContain(
      '⚠️ Post-signing check-in could not be delivered (UNAVAILABLE: HTTP 503)',
    );
  });

  it('answers a delivered nudge once and records the check-in', async () => {
    await scheduler.runDue(NOW);
    const choice = channel.deliveries[0]!.message.choices!.find((c) => c.label === 'Going well')!;
    const first = await h.rapport.handleChoice(h.actor, choice.id, NOW);
    expect(first.reply.text).toContain('recorded *Going well*');
    expect(first.replaceOriginal?.choices).toBeUndefined();
    expect(first.replaceOriginal?.footer).toContain('Recorded “Going well”');
    const second = await h.rapport.handleChoice(h.actor, choice.id, NOW);
    expect(second.reply.text).toContain('Already handled');
    const checkins = await h.store.interactions.listForPartner(h.actor.workspaceId, 1, {
      kinds: ['checkin'],
    });
    expect(checkins).toHaveLength(1);
    expect(checkins[0]).toMatchObject({ rating: 5, nudgeId: 1 });
  });

  it('snoozes without shifting the playbook cadence', async () => {
    await scheduler.runDue(NOW);
    const snooze = channel.deliveries[0]!.message.choices!.find((c) => c.label === 'Snooze 1 week')!;
    expect((await h.rapport.handleChoice(h.actor, snooze.id, NOW)).replaceOriginal?.footer).toMatch(
      /Snoozed until Fri 4 Dec, 10:00/,
    );
    expect(await scheduler.runDue(new Date('2026-12-01T10:00:00Z'))).toMatchObject({ delivered: 0 });
    expect(await scheduler.runDue(new Date('2026-12-04T10:00:00Z'))).toMatchObject({ delivered: 1 });
    // The same review, a week later, with the days since signing as they are then.
    expect(channel.deliveries[1]?.message.text).toBe(
      'You signed with *Nissan* 38 days ago — how is the collaboration going?',
    );
    // The day-60 check-in still falls due 60 days after signing (26 Dec), not 60 days after the snooze.
    await scheduler.runDue(new Date('2026-12-28T10:00:00Z'));
    const checkIns = (await h.store.nudges.listForPartner(h.actor.workspaceId, 1)).filter(
      (n) => n.ruleId === 'post-signing',
    );
    expect(checkIns.map((n) => [n.occurrence, n.dueAt.toISOString()])).toEqual([
      ['d60', '2026-12-26T00:00:00.000Z'],
      ['d30', '2026-11-26T00:00:00.000Z'],
    ]);
  });

  it('ends a snoozed visit nudge once a visit is logged', async () => {
    await scheduler.runDue(NOW);
    await h.say('add Mazda');
    const fortnight = new Date('2026-12-14T10:00:00Z');
    await scheduler.runDue(fortnight);
    const snoozeWeek = (title: string) =>
      channel.deliveries
        .find((d) => d.message.title === title)!
        .message.choices!.find((c) => c.label === 'Snooze 1 week')!.id;
    await h.rapport.handleChoice(h.actor, snoozeWeek('Mazda — Plan a site visit'), fortnight);
    await h.say('log Mazda visit 2026-12-14', fortnight);
    const byRule = async (partnerId: number, ruleId: string) =>
      await h.value('SELECT status FROM nudges WHERE partner_id = ? AND rule_id = ?', [partnerId, ruleId]);
    // Closed as done by the log (not merely expired), whatever its snooze.
    expect(await byRule(2, 'site-visit')).toBe('answered');
  });

  it('keeps a snoozed reflection snoozed after its window closes, when something else is logged', async () => {
    const tuesday = new Date('2026-12-01T10:00:00Z');
    await h.say('add Subaru', tuesday);
    await h.say('log Subaru meeting 2026-11-30', tuesday);
    await scheduler.runDue(tuesday);
    const reflection = channel.deliveries.find(
      (d) => d.message.title === 'Subaru — First-meeting reflection',
    )!;
    const snooze = reflection.message.choices!.find((c) => c.label === 'Snooze 1 week')!.id;
    await h.rapport.handleChoice(h.actor, snooze, tuesday);
    // 8 Dec, 09:00: the reflection's 7-day window has closed, the snooze (until 10:00) has not.
    await h.say('log Subaru call 2026-12-08', new Date('2026-12-08T09:00:00Z'));
    const status = await h.value("SELECT status FROM nudges WHERE rule_id = 'first-meeting-reflection'");
    expect(status).toBe('snoozed');
  });

  it('expires an undelivered nudge when what it asks for gets logged', async () => {
    await h.say('add Mazda');
    const added = new Date('2026-11-27T10:00:00Z');
    const fortnight = new Date(added.getTime() + 15 * 86_400_000); // Sat 12 Dec: site visit due, held for Monday
    const report = await scheduler.runDue(fortnight);
    expect(report.held.length).toBeGreaterThan(0);
    await h.say('log Mazda visit 2026-12-12', fortnight);
    const nudges = await h.store.nudges.listForPartner(h.actor.workspaceId, 2);
    // Done by the log, though it was never delivered.
    expect(nudges.find((n) => n.ruleId === 'site-visit')).toMatchObject({
      status: 'answered',
      answer: '_logged',
    });
  });
});

describe('NudgeScheduler, more places and failures', () => {
  let h: Awaited<ReturnType<typeof coreHarness>>;
  let channel: RecordingChannel;
  beforeEach(async () => {
    h = await coreHarness({ now: NOW });
    channel = new RecordingChannel('shell');
  });
  afterEach(() => h.close());
  const scheduler = (channels: Map<'shell' | 'slack', RecordingChannel>) =>
    new NudgeScheduler(h.store, h.rapport, channels, h.logger, virtualPacing());

  it('never delivers a playbook day before it has begun where the member lives (west of UTC)', async () => {
    await h.say('prefs tz America/Los_Angeles');
    const signedWednesday = new Date('2026-11-25T20:00:00Z'); // Wed 25 Nov, 12:00 in Los Angeles
    await h.say('add Nissan', signedWednesday);
    await h.say('signed Nissan', signedWednesday);
    for (const kind of ['workshop', 'visit', 'observation', 'alignment'])
      await h.say(`log Nissan ${kind}`, signedWednesday);
    const s = scheduler(new Map([['shell', channel]]));
    // Tue 1 Dec, 16:30 in Los Angeles — but already 2 Dec in UTC, the day the day-7 check-in falls due.
    expect(await s.runDue(new Date('2026-12-02T00:30:00Z'))).toMatchObject({ delivered: 0 });
    // Wed 2 Dec, 09:00 in Los Angeles.
    expect(await s.runDue(new Date('2026-12-02T17:00:00Z'))).toMatchObject({ delivered: 1 });
    expect(channel.deliveries[0]?.message.text).toContain('One week since signing');
  });

  it('leaves nudges for a platform that is not running untouched, instead of failing them', async () => {
    await h.rapport.identify(
      'slack',
      'T1',
      { memberId: 'U1', address: { channel: 'slack', payload: {} } },
      NOW,
    );
    const { actor } = await h.rapport.identify('slack', 'T1', { memberId: 'U1' }, NOW);
    await h.rapport.handleCommand(actor, 'add Nissan', NOW);
    await h.rapport.handleCommand(actor, 'signed Nissan 2026-10-27', NOW);
    const shellOnly = scheduler(new Map([['shell', channel]]));
    let at = NOW;
    for (let pass = 0; pass < 20; pass++, at = new Date(at.getTime() + 3_600_000)) await shellOnly.runDue(at);
    const rows = await h.query("SELECT status, attempts FROM nudges WHERE workspace_id = 'slack:T1'");
    expect(rows.length).toBeGreaterThan(0);
    expect(rows).toEqual(rows.map(() => ({ status: 'pending', attempts: 0 })));
  });

  it('does not give up nudges when the platform refuses our credentials', async () => {
    await h.say('add Nissan');
    await h.say('signed Nissan 2026-10-27');
    const s = scheduler(new Map([['shell', channel]]));
    channel.failWith(...Array.from({ length: 1000 }, () => new ChannelError('AUTH', 'invalid_auth')));
    let at = NOW;
    for (let pass = 0; pass < 20; pass++, at = new Date(at.getTime() + 20 * 60_000)) await s.runDue(at);
    const rows = (await h.query('SELECT status, attempts FROM nudges')) as {
      status: string;
      attempts: number;
    }[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.status === 'pending' && row.attempts === 0)).toBe(true);
    // One error line for the outage, not one per pass or per member reached during it.
    expect(
      h.logger.lines.filter((line) => String(line.msg).startsWith('platform refused our credentials')),
    ).toHaveLength(1);
  });
});
