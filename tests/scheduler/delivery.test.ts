import fc from 'fast-check';
import type { Message } from '../../src/core/messages';
import type { Address, WorkingPrefs } from '../../src/core/model';
import type { Channel, DeliveryReceipt } from '../../src/core/ports';
import { isWorkingTime, nextWorkingSlot } from '../../src/core/time';
import { NudgeScheduler } from '../../src/scheduler/nudge-scheduler';
import type { SchedulerOptions } from '../../src/scheduler/nudge-scheduler';
import { coreHarness, sqliteOnly } from '../support/core-harness';
import { RecordingChannel } from '../support/recording-channel';

const MONDAY = new Date('2026-11-30T10:00:00Z');

/** A virtual monotonic clock shared by the pacer and the channel, so deliveries carry their send time. */
function virtualClock() {
  const clock = { ms: 0 };
  const options: SchedulerOptions = {
    monotonic: () => clock.ms,
    sleep: async (wait) => {
      clock.ms += Math.max(0, wait);
    },
    random: () => 0.5,
  };
  return { clock, options };
}

class TimedChannel implements Channel {
  readonly platform = 'shell' as const;
  readonly sends: { at: number; to: string; title?: string }[] = [];
  constructor(private readonly clock: { ms: number }) {}
  async deliver(address: Address, message: Message): Promise<DeliveryReceipt> {
    this.sends.push({ at: this.clock.ms, to: JSON.stringify(address.payload), title: message.title });
    return { messageRef: this.sends.length };
  }
}

/** Seeds `partners` partners for each of `members` members, each with a site visit due on Monday. */
async function seed(h: Awaited<ReturnType<typeof coreHarness>>, members: number, partners: number) {
  const added = new Date(MONDAY.getTime() - 15 * 86_400_000);
  for (let m = 0; m < members; m++) {
    const { actor } = await h.rapport.identify(
      'shell',
      'local',
      { memberId: `m${m}`, address: { channel: 'shell', payload: { member: m } } },
      added,
    );
    for (let p = 0; p < partners; p++) {
      await h.rapport.handleCommand(actor, `add Partner-${m}-${p}`, added);
      // Keep every rule but the site visit quiet: a call is contact (keep in touch), and the cultural
      // observation rule first asks 30 days after the partner was added.
      await h.rapport.handleCommand(actor, `log Partner-${m}-${p} call 2026-11-29 Noted`, MONDAY);
    }
  }
}

describe('delivery', () => {
  let h: Awaited<ReturnType<typeof coreHarness>>;
  beforeEach(async () => {
    h = await coreHarness({ now: MONDAY });
  });
  const schedulerWith = (
    channel: Channel,
    options: SchedulerOptions = virtualClock().options,
  ): NudgeScheduler =>
    new NudgeScheduler(h.store, h.rapport, new Map([['shell', channel]]), h.logger, options);
  afterEach(() => h.close());

  it('sends at most the daily cap per member and holds the rest for the next working morning', async () => {
    await seed(h, 1, 5);
    const { options } = virtualClock();
    const channel = new RecordingChannel('shell');
    const scheduler = schedulerWith(channel, {
      ...options,
      dailyCap: 3,
    });
    const monday = await scheduler.runDue(MONDAY);
    expect(monday.delivered).toBe(3);
    expect(monday.held.map((held) => held.until.toISOString())).toEqual([
      '2026-12-01T09:00:00.000Z',
      '2026-12-01T09:00:00.000Z',
    ]);
    expect(await scheduler.runDue(new Date('2026-11-30T16:00:00Z'))).toMatchObject({ delivered: 0 });
    expect(await scheduler.runDue(new Date('2026-12-01T09:00:00Z'))).toMatchObject({ delivered: 2 });
    expect(channel.deliveries).toHaveLength(5);
  });

  it('holds everything while a member is paused, then resumes', async () => {
    await seed(h, 1, 2);
    const { actor } = await h.rapport.identify('shell', 'local', { memberId: 'm0' }, MONDAY);
    await h.rapport.handleCommand(actor, 'pause 1w', MONDAY);
    const channel = new RecordingChannel('shell');
    const scheduler = schedulerWith(channel, virtualClock().options);
    expect(await scheduler.runDue(MONDAY)).toMatchObject({ delivered: 0 });
    expect(await scheduler.runDue(new Date('2026-12-04T10:00:00Z'))).toMatchObject({ delivered: 0 });
    expect(await scheduler.runDue(new Date('2026-12-07T10:00:00Z'))).toMatchObject({ delivered: 2 });
  });

  it('spaces messages to one conversation and caps the workspace rate, keeping each member’s order', async () => {
    await seed(h, 4, 3);
    const { clock, options } = virtualClock();
    const channel = new TimedChannel(clock);
    const scheduler = schedulerWith(channel, {
      ...options,
      workspaceRatePerSecond: 4,
      conversationIntervalMs: 1000,
    });
    expect(await scheduler.runDue(MONDAY)).toMatchObject({ delivered: 12 });
    const byMember = new Map<string, { at: number; title?: string }[]>();
    for (const send of channel.sends) byMember.set(send.to, [...(byMember.get(send.to) ?? []), send]);
    for (const sends of byMember.values()) {
      for (let i = 1; i < sends.length; i++)
        expect(sends[i]!.at - sends[i - 1]!.at).toBeGreaterThanOrEqual(1000);
      // Each member's nudges go out in creation order (partners were added 0, 1, 2).
      expect(sends.map((s) => s.title?.split(' ')[0])).toEqual(
        [...sends.map((s) => s.title?.split(' ')[0])].sort(),
      );
    }
    const times = channel.sends.map((send) => send.at).sort((a, b) => a - b);
    for (let i = 4; i < times.length; i++) expect(times[i]! - times[i - 4]!).toBeGreaterThanOrEqual(1000);
  });

  it('leaves what does not fit in the pass budget for the next pass, unsent and unleased', async () => {
    await seed(h, 1, 3);
    const { clock, options } = virtualClock();
    const channel = new RecordingChannel('shell');
    const scheduler = schedulerWith(channel, {
      ...options,
      conversationIntervalMs: 30_000,
      deliveryBudgetMs: 45_000,
    });
    expect(await scheduler.runDue(MONDAY)).toMatchObject({ delivered: 2, deferred: 1 });
    const leased = await h.value(
      "SELECT COUNT(*) FROM nudges WHERE status = 'pending' AND lease_until IS NOT NULL",
    );
    expect(leased).toBe(0);
    clock.ms += 60_000; // the next pass, a minute later
    expect(await scheduler.runDue(new Date(MONDAY.getTime() + 60_000))).toMatchObject({ delivered: 1 });
  });

  it('finishes sends in flight on stop, gives the rest back, and a new start delivers them once', async () => {
    await seed(h, 1, 3);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let sending!: () => void;
    const firstSendStarted = new Promise<void>((resolve) => (sending = resolve));
    const sent: string[] = [];
    const slow: Channel = {
      platform: 'shell',
      async deliver(_address, message) {
        sending();
        await gate;
        sent.push(message.title ?? '');
        return { messageRef: sent.length };
      },
    };
    const scheduler = schedulerWith(slow, {
      conversationIntervalMs: 20,
    });
    const pass = scheduler.runDue(MONDAY);
    // Stop once the first send is in flight (a fixed sleep raced the store on a slower engine).
    await firstSendStarted;
    scheduler.stop();
    release();
    const report = await pass;
    expect(report).toMatchObject({ delivered: 1, deferred: 2 });
    const rows = (await h.query('SELECT status, lease_until FROM nudges ORDER BY id')) as {
      status: string;
      lease_until: string | null;
    }[];
    expect(rows.map((r) => r.status)).toEqual(['sent', 'pending', 'pending']);
    expect(rows.every((r) => r.lease_until === null)).toBe(true);
    const restarted = schedulerWith(slow, virtualClock().options);
    expect(await restarted.runDue(MONDAY)).toMatchObject({ delivered: 2 });
    expect(new Set(sent).size).toBe(3);
  });

  // SQLite only: PostgreSQL's `date` column refuses the garbage this test plants, so it cannot be stored there.
  sqliteOnly('keeps going when one partner’s stored data is unusable', async () => {
    await seed(h, 1, 2);
    await h.query("UPDATE partners SET stage = 'signed', signed_on = 'garbage' WHERE name = 'Partner-0-0'");
    await h.query('UPDATE partners SET next_due_at = ?', [MONDAY.toISOString()]);
    const channel = new RecordingChannel('shell');
    const scheduler = schedulerWith(channel, virtualClock().options);
    const report = await scheduler.runDue(MONDAY);
    expect(report.delivered).toBeGreaterThanOrEqual(1);
    expect(channel.deliveries.map((d) => d.message.title)).toContain('Partner-0-1 — Plan a site visit');
    expect(h.logger.lines.some((l) => l.level === 'error' && l.msg === 'playbook evaluation failed')).toBe(
      true,
    );
  });
});

describe('working-hours placement (property-based)', () => {
  const zones = [
    'UTC',
    'Europe/Paris',
    'Europe/London',
    'America/New_York',
    'America/Los_Angeles',
    'America/Sao_Paulo',
    'Asia/Tokyo',
    'Asia/Kolkata',
    'Australia/Sydney',
    'Pacific/Auckland',
    'Asia/Kathmandu',
    'America/St_Johns',
    'Africa/Cairo',
  ];
  const prefs = fc
    .record({
      timeZone: fc.constantFrom(...zones),
      workingDays: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
      start: fc.integer({ min: 0, max: 94 }),
      length: fc.integer({ min: 1, max: 40 }),
    })
    .map(({ timeZone, workingDays, start, length }): WorkingPrefs => ({
      timeZone,
      workingDays,
      workStart: start * 15,
      workEnd: Math.min(24 * 60, (start + length) * 15),
    }));
  // Instants across 2026–2027, including every DST change of the zones above, on quarter hours.
  const instants = fc
    .integer({ min: 0, max: 2 * 365 * 96 })
    .map((q) => new Date(Date.UTC(2026, 0, 1) + q * 15 * 60_000));

  it('never places a nudge outside the member’s hours, nor later than the first working quarter-hour', () => {
    fc.assert(
      fc.property(prefs, instants, (p, at) => {
        const slot = nextWorkingSlot(at, p);
        expect(slot.getTime()).toBeGreaterThanOrEqual(at.getTime());
        expect(isWorkingTime(slot, p)).toBe(true);
        for (let t = at.getTime(); t < slot.getTime(); t += 15 * 60_000) {
          expect(isWorkingTime(new Date(t), p)).toBe(false);
        }
      }),
      { numRuns: 150 },
    );
  });
});
