import { PassThrough } from 'node:stream';
import Database from 'better-sqlite3';
import { loadConfig } from '../../src/config';
import { startService } from '../../src/main';
import { TeamsChannel } from '../../src/channels/teams/teams-channel';
import { ChannelError } from '../../src/core/errors';
import type { Address } from '../../src/core/model';
import { platformChannels } from '../../src/platforms';
import { deliveryFixture, MONDAY, seedTeamsNudges } from './teams-seed';

/** A small seeded generator, so a failing run can be replayed. */
function mulberry32(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TENANTS = ['tenant-a', 'tenant-b', 'tenant-c'];
const PER_TENANT = 12;
const RETRY_AFTER_SEC = 1;

/** Node's timers count whole milliseconds: a wait may end up to this much before its due time on a finer clock. */
const TIMER_GRANULARITY_MS = 2;

/** What the product did, in the order it did it, on one monotonic clock shared with the fake (same process). */
type Event =
  | { kind: 'send'; tenant: string; at: number }
  | { kind: 'rate-limited'; tenant: string; at: number; retryAfterMs: number };

function tenantOf(address: Address): string {
  return (address.payload as { reference: { conversation: { tenantId: string } } }).reference.conversation
    .tenantId;
}

describe('delivery under faults', () => {
  const fixture = deliveryFixture();
  afterEach(() => jest.restoreAllMocks());

  it('delivers every nudge exactly once when 30% of calls are rate limited and 10% fail, never sending within a Retry-After', async () => {
    const path = fixture.dbPath();
    const connector = fixture.connector();
    const total = await seedTeamsNudges(path, connector.serviceUrl, TENANTS, PER_TENANT);
    const random = mulberry32(20261127);
    const delivered = new Map<string, number>();
    // At the fake: when each 429 was answered.
    const answered429 = new Map<string, number[]>();
    const counts = { ok: 0, rateLimited: 0, failed: 0 };
    connector.setResponder((request) => {
      if (request.verb !== 'POST' || !request.activity) return undefined;
      const tenant = TENANTS.find((t) => request.conversationId!.startsWith(`a:${t}-`))!;
      const roll = random();
      if (roll < 0.3) {
        counts.rateLimited++;
        answered429.set(tenant, [...(answered429.get(tenant) ?? []), performance.now()]);
        return { status: 429, retryAfterSec: RETRY_AFTER_SEC };
      }
      if (roll < 0.4) {
        counts.failed++;
        return { status: 500 };
      }
      counts.ok++;
      delivered.set(request.conversationId!, (delivered.get(request.conversationId!) ?? 0) + 1);
      return undefined;
    });
    // In the product: when each send started, and when each 429 reached it, in the order it saw them.
    const events: Event[] = [];
    const deliver = TeamsChannel.prototype.deliver;
    jest.spyOn(TeamsChannel.prototype, 'deliver').mockImplementation(async function (
      this: TeamsChannel,
      address,
      message,
    ) {
      const tenant = tenantOf(address);
      events.push({ kind: 'send', tenant, at: performance.now() });
      try {
        return await deliver.call(this, address, message);
      } catch (error) {
        if (error instanceof ChannelError && error.code === 'RATE_LIMITED') {
          events.push({
            kind: 'rate-limited',
            tenant,
            at: performance.now(),
            retryAfterMs: error.retryAfterMs ?? 0,
          });
        }
        throw error;
      }
    });

    const config = loadConfig({
      PORT: '0',
      DATABASE_PATH: path,
      TEAMS_ALLOW_UNAUTHENTICATED: 'true',
      TICK_SCHEDULE: 'off',
      LOG_LEVEL: 'silent',
    });
    const service = await startService(
      config,
      { stdin: new PassThrough(), stdout: new PassThrough() },
      platformChannels,
    );
    try {
      let now = MONDAY;
      for (let pass = 0; pass < 40 && delivered.size < total; pass++) {
        await service.tick(now);
        now = new Date(now.getTime() + 60_000); // the next cron pass
      }
    } finally {
      await service.stop();
    }

    expect(counts.rateLimited).toBeGreaterThan(0);
    expect(counts.failed).toBeGreaterThan(0);
    expect(delivered.size).toBe(total);
    expect([...delivered.values()].every((n) => n === 1)).toBe(true);
    const limited = events.filter((event) => event.kind === 'rate-limited');
    // Every 429 the fake answered reached the scheduler (no SDK retried it), after the fake answered it.
    expect(limited).toHaveLength(counts.rateLimited);
    for (const tenant of TENANTS) {
      const seen = limited.filter((event) => event.tenant === tenant).map((event) => event.at);
      const answers = answered429.get(tenant) ?? [];
      expect(seen).toHaveLength(answers.length);
      seen.forEach((at, i) => expect(at).toBeGreaterThanOrEqual(answers[i]!));
    }
    // No send to a workspace started after a 429 from it was received and before its Retry-After ended.
    // Sends started before the 429 arrived may still reach the platform after it: those are not undercuts.
    const undercuts = events.flatMap((event, index) => {
      if (event.kind !== 'rate-limited') return [];
      const until = event.at + event.retryAfterMs - TIMER_GRANULARITY_MS;
      return events
        .slice(index + 1)
        .filter((later) => later.kind === 'send' && later.tenant === event.tenant && later.at < until)
        .map((later) => ({ tenant: event.tenant, earlyByMs: Math.round(until - later.at) }));
    });
    expect(undercuts).toEqual([]);
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT status, COUNT(*) AS n FROM nudges GROUP BY status').all()).toEqual([
      { status: 'sent', n: total },
    ]);
    db.close();
  }, 120_000);
});
