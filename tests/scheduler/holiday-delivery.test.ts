import { NudgeScheduler } from '../../src/scheduler/nudge-scheduler';
import { coreHarness } from '../support/core-harness';
import { RecordingChannel } from '../support/recording-channel';
import { virtualPacing } from '../support/virtual-pacing';

interface NudgeRow {
  rule_id: string;
  status: string;
  attempts: number;
  deliver_after: string;
}

describe('no nudge lands on a member’s public holiday', () => {
  let h: Awaited<ReturnType<typeof coreHarness>>;
  afterEach(() => h.close());

  async function rows(): Promise<NudgeRow[]> {
    return (await h.query(
      'SELECT rule_id, status, attempts, deliver_after FROM nudges ORDER BY id',
    )) as unknown as NudgeRow[];
  }

  /** A partner signed on `day` with every habit logged, so that only the day-7 check-in falls due. */
  async function signedOn(day: string, at: Date): Promise<void> {
    await h.say('add Nissan', at);
    await h.say(`signed Nissan ${day}`, at);
    for (const kind of ['workshop', 'visit', 'observation', 'alignment'])
      await h.say(`log Nissan ${kind}`, at);
  }

  it('holds a nudge due on Shōwa Day in Tokyo for the next working morning, then delivers it', async () => {
    const signedAt = new Date('2026-04-22T01:00:00Z'); // Wed 22 Apr, 10:00 in Tokyo
    h = await coreHarness({ timeZone: 'Asia/Tokyo', now: signedAt });
    await signedOn('2026-04-22', signedAt);
    const channel = new RecordingChannel('shell');
    const scheduler = new NudgeScheduler(
      h.store,
      h.rapport,
      new Map([['shell', channel]]),
      h.logger,
      virtualPacing(() => signedAt),
    );

    // Wed 29 Apr, 10:00 in Tokyo: the day-7 check-in falls due, on a public holiday.
    const onHoliday = await scheduler.runDue(new Date('2026-04-29T01:00:00Z'));
    expect(onHoliday).toMatchObject({ created: 1, delivered: 0 });
    expect(channel.deliveries).toEqual([]);
    // Set, from the start, to Thu 30 Apr 09:00 in Tokyo.
    expect(await rows()).toEqual([
      { rule_id: 'post-signing', status: 'pending', attempts: 0, deliver_after: '2026-04-30T00:00:00.000Z' },
    ]);
    expect(await scheduler.runDue(new Date('2026-04-29T07:00:00Z'))).toMatchObject({ delivered: 0 });

    const nextDay = await scheduler.runDue(new Date('2026-04-30T00:05:00Z'));
    expect(nextDay).toMatchObject({ delivered: 1, failed: 0 });
    expect(channel.deliveries[0]?.message.text).toContain('One week since signing with *Nissan*');
  });

  it('reschedules a nudge claimed on a holiday to the next working day without counting an attempt', async () => {
    const signedAt = new Date('2026-12-18T10:00:00Z'); // Fri 18 Dec, London
    h = await coreHarness({ timeZone: 'Europe/London', now: signedAt });
    // The member has kept no holidays so far (a country whose holidays are none of these days).
    await h.say('prefs country JP', signedAt);
    await signedOn('2026-12-18', signedAt);
    const channel = new RecordingChannel('shell');
    const scheduler = new NudgeScheduler(
      h.store,
      h.rapport,
      new Map([['shell', channel]]),
      h.logger,
      virtualPacing(() => signedAt),
    );
    // Fri 25 Dec, 00:30: the day-7 check-in is made, to go at 09:00 that day.
    expect(await scheduler.runDue(new Date('2026-12-25T00:30:00Z'))).toMatchObject({
      created: 1,
      delivered: 0,
    });
    expect((await rows())[0]).toMatchObject({ deliver_after: '2026-12-25T09:00:00.000Z' });

    // Then the member says their holidays are the UK's: at 10:00 the nudge is claimed, and held.
    await h.say('prefs country auto', new Date('2026-12-25T00:40:00Z'));
    const christmas = await scheduler.runDue(new Date('2026-12-25T10:00:00Z'));
    expect(christmas).toMatchObject({ delivered: 0, failed: 0, retried: 0 });
    expect(christmas.held.map((held) => held.until.toISOString())).toEqual(['2026-12-29T09:00:00.000Z']);
    expect(await rows()).toEqual([
      { rule_id: 'post-signing', status: 'pending', attempts: 0, deliver_after: '2026-12-29T09:00:00.000Z' },
    ]);
    // Boxing Day's substitute (Mon 28 Dec) delivers nothing either.
    expect(await scheduler.runDue(new Date('2026-12-28T10:00:00Z'))).toMatchObject({ delivered: 0 });

    const tuesday = await scheduler.runDue(new Date('2026-12-29T09:00:00Z'));
    expect(tuesday).toMatchObject({ delivered: 1 });
    expect(channel.deliveries).toHaveLength(1);
    // One attempt in all: the send itself; the holidays cost none.
    expect((await rows())[0]).toMatchObject({ status: 'sent', attempts: 1 });
  });
});
