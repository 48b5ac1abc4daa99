import { PassThrough } from 'node:stream';
import Database from 'better-sqlite3';
import { loadConfig } from '../../src/config';
import { startService } from '../../src/main';
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

describe('delivery under faults', () => {
  const fixture = deliveryFixture();

  it('delivers every nudge exactly once when 30% of calls are rate limited and 10% fail, never undercutting Retry-After', async () => {
    const path = fixture.dbPath();
    const connector = fixture.connector();
    const total = await seedTeamsNudges(path, connector.serviceUrl, TENANTS, PER_TENANT);
    const random = mulberry32(20261127);
    const delivered = new Map<string, number>();
    const arrivals = new Map<string, number[]>();
    const limited = new Map<string, number[]>();
    const counts = { ok: 0, rateLimited: 0, failed: 0 };
    connector.setResponder((request) => {
      if (request.verb !== 'POST' || !request.activity) return undefined;
      const tenant = TENANTS.find((t) => request.conversationId!.startsWith(`a:${t}-`))!;
      const now = Date.now();
      arrivals.set(tenant, [...(arrivals.get(tenant) ?? []), now]);
      const roll = random();
      if (roll < 0.3) {
        counts.rateLimited++;
        limited.set(tenant, [...(limited.get(tenant) ?? []), now]);
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

    const config = loadConfig({
      PORT: '0',
      DATABASE_PATH: path,
      TEAMS_ALLOW_UNAUTHENTICATED: 'true',
      TICK_SCHEDULE: 'off',
      LOG_LEVEL: 'silent',
      // Ten a second per workspace: sends to one tenant never overlap, so arrival order is send order.
      DELIVERY_RATE_PER_WORKSPACE: '10',
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
    for (const tenant of TENANTS) {
      for (const at of limited.get(tenant) ?? []) {
        const undercut = (arrivals.get(tenant) ?? []).filter(
          (t) => t > at && t < at + RETRY_AFTER_SEC * 1000,
        );
        expect(undercut).toEqual([]);
      }
    }
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT status, COUNT(*) AS n FROM nudges GROUP BY status').all()).toEqual([
      { status: 'sent', n: total },
    ]);
    db.close();
  }, 120_000);
});
