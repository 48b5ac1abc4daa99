import { sqliteDb } from '../support/sqlite-of';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../../src/config';
import { ChannelError } from '../../src/core/errors';
import type { Message } from '../../src/core/messages';
import type { Address } from '../../src/core/model';
import type { Channel, DeliveryReceipt } from '../../src/core/ports';
import type { Actor } from '../../src/core/rapport';
import { startService } from '../../src/main';
import { virtualPacing } from '../support/virtual-pacing';
import type { Service } from '../../src/main';
import { tempDir } from '../support/shell';

/** A Teams channel at the port boundary: records what it is asked to deliver, fails on demand. */
class RecordingChannel implements Channel {
  readonly platform = 'teams' as const;
  readonly delivered: { address: Address; message: Message }[] = [];
  attempts = 0;
  private readonly failures: ChannelError[] = [];

  failNext(error: ChannelError): void {
    this.failures.push(error);
  }

  async deliver(address: Address, message: Message): Promise<DeliveryReceipt> {
    this.attempts++;
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.delivered.push({ address, message });
    return { messageRef: { activityId: `a${this.delivered.length}` } };
  }

  digests(): { address: Address; message: Message }[] {
    return this.delivered.filter((d) => d.message.title?.startsWith('Your partnerships — week of'));
  }
}

const ADDED = new Date('2026-11-20T03:00:00Z'); // Friday
const MONDAY_0900_TOKYO = new Date('2026-11-30T00:00:00Z');

describe('weekly digest', () => {
  let dbPath: string;
  let channel: RecordingChannel;
  let service: Service;
  // Pacing follows the instants the tests tick at, so a platform's "wait two minutes" costs no real time.
  let tickedAt = new Date(0);
  const tick = (at: Date) => {
    tickedAt = at;
    return service.tick(at);
  };

  async function start(): Promise<Service> {
    const logs = new PassThrough();
    logs.resume();
    return startService(
      loadConfig({
        DATABASE_PATH: dbPath,
        PORT: '0',
        TICK_SCHEDULE: 'off',
        DEFAULT_TIME_ZONE: 'UTC',
        TEAMS_ALLOW_UNAUTHENTICATED: 'true',
      }),
      {
        stdin: new PassThrough(),
        stdout: new PassThrough(),
        logDestination: logs,
        pacing: virtualPacing(() => tickedAt),
      },
      async () => [{ channel, routes: [], stop: async () => undefined }],
    );
  }

  async function member(id: string, timeZone: string, partner?: string): Promise<Actor> {
    const { actor } = await service.rapport.identify(
      'teams',
      'tenant-1',
      {
        memberId: id,
        displayName: id,
        timeZone,
        address: { channel: 'teams', payload: { conversation: `c-${id}` } },
      },
      ADDED,
    );
    if (partner) await service.rapport.handleCommand(actor, `add ${partner}`, ADDED);
    return actor;
  }

  const digestsAt = async (iso: string | Date): Promise<number> => (await tick(new Date(iso))).digests ?? 0;

  beforeEach(async () => {
    dbPath = join(tempDir(), 'rapport.db');
    channel = new RecordingChannel();
    service = await start();
  });

  afterEach(async () => {
    await service.stop();
  });

  it('is sent once per week, on the first working morning in the member’s zone', async () => {
    await member('aiko', 'Asia/Tokyo', 'Nissan');
    expect(await digestsAt('2026-11-29T23:59:00Z')).toBe(0); // Monday 08:59 in Tokyo
    expect(await digestsAt(MONDAY_0900_TOKYO)).toBe(1);
    expect(await digestsAt('2026-11-30T00:05:00Z')).toBe(0);
    expect(await digestsAt('2026-11-30T06:00:00Z')).toBe(0);
    expect(await digestsAt('2026-12-01T00:00:00Z')).toBe(0); // Tuesday
    expect(await digestsAt('2026-12-07T00:00:00Z')).toBe(1); // next Monday

    const [first, second] = channel.digests();
    expect(first!.address).toEqual({ channel: 'teams', payload: { conversation: 'c-aiko' } });
    expect(first!.message.title).toBe('Your partnerships — week of Mon 30 Nov 2026');
    expect(first!.message.sections![0]).toEqual({
      title: 'Needs attention',
      lines: [expect.stringMatching(/^🔴 23\/100 \*Nissan\* — no contact logged yet\. Next: Visit them/)],
    });
    expect(first!.message.sections![2]!.title).toBe('Coming up this week');
    expect(first!.message.sections![2]!.lines).toContain('Fri 4 Dec 2026 — *Nissan*: Plan a site visit');
    expect(second!.message.title).toBe('Your partnerships — week of Mon 7 Dec 2026');
    const rows = sqliteDb(service).prepare('SELECT week, status FROM digests ORDER BY week').all();
    expect(rows).toEqual([
      { week: '2026-W49', status: 'sent' },
      { week: '2026-W50', status: 'sent' },
    ]);
  });

  it('comes on the first working day when the week starts with a public holiday', async () => {
    // Monday 23 November 2026 is Labour Thanksgiving Day in Japan: Aiko's week starts on Tuesday.
    await member('aiko', 'Asia/Tokyo', 'Nissan');
    expect(await digestsAt('2026-11-23T00:00:00Z')).toBe(0); // the holiday, 09:00 in Tokyo
    expect(await digestsAt('2026-11-23T03:00:00Z')).toBe(0);
    expect(await digestsAt('2026-11-24T00:00:00Z')).toBe(1); // Tuesday 09:00
    expect(await digestsAt('2026-11-25T00:00:00Z')).toBe(0); // once a week
    expect(channel.digests()[0]!.message.title).toBe('Your partnerships — week of Mon 23 Nov 2026');
  });

  it('reaches each member in their own zone and working week, never outside working hours', async () => {
    await member('aiko', 'Asia/Tokyo', 'Nissan');
    await member('pierre', 'Europe/Paris', 'Renault');
    const dubai = await member('layla', 'Asia/Dubai', 'Aramco');
    await service.rapport.handleCommand(dubai, 'prefs days sun-thu', ADDED);

    expect(await digestsAt('2026-11-28T03:00:00Z')).toBe(0); // Saturday
    expect(await digestsAt('2026-11-29T04:59:00Z')).toBe(0); // Sunday 08:59 in Dubai
    expect(await digestsAt('2026-11-29T05:00:00Z')).toBe(1); // Sunday 09:00 in Dubai
    expect(await digestsAt(MONDAY_0900_TOKYO)).toBe(1);
    expect(await digestsAt('2026-11-30T07:59:00Z')).toBe(0); // 08:59 in Paris
    expect(await digestsAt('2026-11-30T08:00:00Z')).toBe(1);
    expect(await digestsAt('2026-11-30T09:00:00Z')).toBe(0);
    expect(channel.digests().map((d) => d.address.payload)).toEqual([
      { conversation: 'c-layla' },
      { conversation: 'c-aiko' },
      { conversation: 'c-pierre' },
    ]);
  });

  it('is not sent at all when the member turned it off', async () => {
    const aiko = await member('aiko', 'Asia/Tokyo', 'Nissan');
    const reply = await service.rapport.handleCommand(aiko, 'prefs digest off', ADDED);
    expect(reply.reply.facts).toContainEqual({ label: 'Weekly digest', value: 'off' });
    for (const at of ['2026-11-30T00:00:00Z', '2026-11-30T03:00:00Z', '2026-12-07T00:00:00Z'])
      expect(await digestsAt(at)).toBe(0);
    expect(channel.digests()).toHaveLength(0);
    expect(sqliteDb(service).prepare('SELECT COUNT(*) AS n FROM digests').get()).toEqual({ n: 0 });
  });

  it('is not sent twice in a week after a restart', async () => {
    await member('aiko', 'Asia/Tokyo', 'Nissan');
    expect(await digestsAt(MONDAY_0900_TOKYO)).toBe(1);
    await service.stop();
    service = await start();
    expect(await digestsAt('2026-11-30T00:30:00Z')).toBe(0);
    expect(channel.digests()).toHaveLength(1);
  });

  it('waits out a rate limit, then goes in a later pass the same morning', async () => {
    await member('aiko', 'Asia/Tokyo', 'Nissan');
    channel.failNext(new ChannelError('RATE_LIMITED', 'slow down', { retryAfterMs: 120_000 }));
    const report = await tick(MONDAY_0900_TOKYO);
    expect(report.digests).toBe(0);
    expect(channel.attempts).toBe(1);
    expect(await digestsAt('2026-11-30T00:01:00Z')).toBe(0);
    expect(channel.attempts).toBe(1); // not before the platform said
    expect(await digestsAt('2026-11-30T00:02:00Z')).toBe(1);
    expect(channel.attempts).toBe(2);
    // Waiting out a Retry-After is not an attempt: only the send that went through counts.
    expect(sqliteDb(service).prepare('SELECT status, attempts FROM digests').get()).toEqual({
      status: 'sent',
      attempts: 1,
    });
  });

  it('skips the week when the address is gone, and resumes once the member is seen again', async () => {
    await member('aiko', 'Asia/Tokyo', 'Nissan');
    channel.failNext(new ChannelError('ADDRESS_GONE', 'conversation not found'));
    expect(await digestsAt(MONDAY_0900_TOKYO)).toBe(0);
    expect((await service.store.members.get('teams:tenant-1', 'aiko'))!.addressStale).toBe(true);
    expect(await digestsAt('2026-11-30T01:00:00Z')).toBe(0);
    expect(channel.attempts).toBe(1);
    await member('aiko', 'Asia/Tokyo'); // seen again: a fresh address
    expect(await digestsAt('2026-11-30T02:00:00Z')).toBe(0); // this week was given up
    expect(await digestsAt('2026-12-07T00:00:00Z')).toBe(1);
    expect(sqliteDb(service).prepare('SELECT week, status FROM digests ORDER BY week').all()).toEqual([
      { week: '2026-W49', status: 'skipped' },
      { week: '2026-W50', status: 'sent' },
    ]);
  });

  it('retries a platform outage with backoff, within the same working day', async () => {
    await member('aiko', 'Asia/Tokyo', 'Nissan');
    channel.failNext(new ChannelError('UNAVAILABLE', '503'));
    expect(await digestsAt(MONDAY_0900_TOKYO)).toBe(0);
    // The first backoff is 5 minutes with jitter: never less than half of it, never more.
    expect(await digestsAt('2026-11-30T00:02:00Z')).toBe(0);
    expect(channel.attempts).toBe(1);
    expect(await digestsAt('2026-11-30T00:05:00Z')).toBe(1);
  });

  it('says nothing to a member who owns no partner', async () => {
    await member('aiko', 'Asia/Tokyo');
    expect(await digestsAt(MONDAY_0900_TOKYO)).toBe(0);
    expect(channel.attempts).toBe(0);
    expect(sqliteDb(service).prepare('SELECT status, last_error FROM digests').get()).toEqual({
      status: 'skipped',
      last_error: 'nothing to report',
    });
  });
});
