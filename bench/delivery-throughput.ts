/**
 * Delivery throughput: one service instance (Slack mode, SQLite) sends `count` pending nudges, one per
 * member, to a loopback stand-in for the Slack Web API that answers at once. Timed: one scheduler pass
 * (`tick`), from claim to `chat.postMessage` to marking sent. Pacing off (no per-workspace rate) and on
 * (`DELIVERY_RATE_PER_WORKSPACE` at its maximum, 1000/s, and at its default, 20/s).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../src/config';
import { startService } from '../src/main';
import { platformChannels } from '../src/platforms';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store';
import type { BenchRow } from './table';
import { median } from './table';

const TEAM = 'TDELIVERY';
// Monday 30 November 2026, 10:00 UTC: working hours for the seeded members (all in UTC).
const NOW = new Date('2026-11-30T10:00:00Z');

/** Answers every Web API call at once; `chat.postMessage` with a channel and a ts, and counted. */
async function instantSlack(): Promise<{ url: string; posts: () => number; close(): Promise<void> }> {
  let posts = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      const method = (req.url ?? '').replace('/api/', '');
      if (method === 'auth.test')
        res.end(JSON.stringify({ ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: TEAM }));
      else if (method === 'chat.postMessage') {
        posts++;
        res.end(JSON.stringify({ ok: true, channel: 'D1', ts: `${Date.now() / 1000}.${posts}` }));
      } else res.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`,
    posts: () => posts,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** One workspace, `count` members (UTC, DM known) each owning one partner with one pending nudge due now. */
function seedPending(path: string, count: number): void {
  const store = openSqliteStore({ path });
  const db = store.db;
  const workspace = `slack:${TEAM}`;
  const created = new Date(NOW.getTime() - 30 * 86_400_000).toISOString();
  const later = new Date(NOW.getTime() + 20 * 86_400_000).toISOString();
  db.transaction(() => {
    db.prepare(
      "INSERT INTO workspaces (id, platform, external_id, created_at) VALUES (?, 'slack', ?, ?)",
    ).run(workspace, TEAM, created);
    const member = db.prepare(
      // Weekly digests off: this pass is Monday morning, and only nudges are counted.
      `INSERT INTO members (workspace_id, id, display_name, time_zone, time_zone_chosen, address, address_channel,
         digest, created_at, updated_at) VALUES (?, ?, ?, 'UTC', 1, ?, 'slack', 0, ?, ?)`,
    );
    const partner = db.prepare(
      `INSERT INTO partners (id, workspace_id, name, name_key, stage, stage_changed_at, created_at, created_by, next_due_at)
       VALUES (?, ?, ?, ?, 'negotiating', ?, ?, ?, ?)`,
    );
    const owner = db.prepare(
      'INSERT INTO partner_owners (partner_id, workspace_id, member_id, position, lead) VALUES (?, ?, ?, 0, 1)',
    );
    const interaction = db.prepare(
      `INSERT INTO interactions (workspace_id, partner_id, member_id, kind, occurred_on, created_at)
       VALUES (?, ?, ?, 'meeting', ?, ?)`,
    );
    const nudge = db.prepare(
      `INSERT INTO nudges (workspace_id, partner_id, member_id, rule_id, occurrence, due_at, deliver_after, status,
         created_at, updated_at) VALUES (?, ?, ?, 'keep-in-touch', ?, ?, ?, 'pending', ?, ?)`,
    );
    const due = new Date(NOW.getTime() - 3_600_000).toISOString();
    for (let i = 1; i <= count; i++) {
      const id = `UD${String(i).padStart(6, '0')}`;
      const address = JSON.stringify({
        channel: 'slack',
        payload: { teamId: TEAM, userId: id, dmChannelId: `D${i}` },
      });
      member.run(workspace, id, `Member ${i}`, address, created, created);
      partner.run(i, workspace, `Partner ${i}`, `partner ${i}`, created, created, id, later);
      owner.run(i, workspace, id);
      interaction.run(workspace, i, id, created.slice(0, 10), created);
      nudge.run(workspace, i, id, due.slice(0, 10), due, due, due, due);
    }
  })();
  db.close();
}

async function measure(count: number, rate: number | null): Promise<{ delivered: number; ms: number }> {
  const slack = await instantSlack();
  const dir = mkdtempSync(join(tmpdir(), 'rapport-delivery-'));
  const path = join(dir, 'delivery.db');
  seedPending(path, count);
  const loaded = loadConfig({
    PORT: '0',
    DATABASE_PATH: path,
    TICK_SCHEDULE: 'off',
    LOG_LEVEL: 'silent',
    NUDGE_DAILY_CAP: '50',
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_SIGNING_SECRET: 'bench-signing-secret',
    SLACK_API_URL: slack.url,
  });
  // Pacing off: no per-workspace rate at all (not a setting operators have; the ceiling it removes is).
  const config = { ...loaded, workspaceRatePerSecond: rate ?? Infinity };
  const service = await startService(
    config,
    { stdin: new PassThrough(), stdout: new PassThrough(), clock: () => NOW },
    platformChannels,
  );
  try {
    const started = performance.now();
    const report = await service.tick(NOW);
    const ms = performance.now() - started;
    if (report.delivered !== slack.posts())
      throw new Error(`${report.delivered} nudges reported sent, ${slack.posts()} posted`);
    if ((rate === null || rate >= 1000) && report.delivered !== count)
      throw new Error(`sent ${report.delivered} of ${count} nudges`);
    return { delivered: report.delivered, ms };
  } finally {
    await service.stop();
    await slack.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function deliveryThroughput(count: number, rounds: number): Promise<BenchRow[]> {
  await measure(Math.min(500, count), null); // warm-up
  // Pacing off and on at the highest rate alternate, so that drift in the machine's load hits both.
  const off: number[] = [];
  const wide: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const a = await measure(count, null);
    off.push((a.delivered / a.ms) * 1000);
    const b = await measure(count, 1000);
    wide.push((b.delivered / b.ms) * 1000);
  }
  const offRate = median(off);
  const benchmark = 'delivery throughput (Slack, SQLite, 1 instance)';
  const rows: BenchRow[] = [
    {
      benchmark,
      case: `pacing off, ${count.toLocaleString('en')} nudges, median of ${rounds}`,
      value: `${offRate.toFixed(0)} nudges/s`,
      baseline: 'target ≥ 500 nudges/s',
      ratio: `${(offRate / 500).toFixed(2)}× the target`,
    },
  ];
  const narrow = await measure(200, 20);
  for (const [rate, sample, perSecond] of [
    [1000, count, median(wide)],
    [20, 200, (narrow.delivered / narrow.ms) * 1000],
  ] as const) {
    rows.push({
      benchmark,
      case: `pacing on, ${rate}/s per workspace, ${sample.toLocaleString('en')} nudges, 1 workspace`,
      value: `${perSecond.toFixed(0)} nudges/s`,
      baseline: `ceiling ${rate}/s`,
      ratio: `${(perSecond / rate).toFixed(2)}× the ceiling; ${(perSecond / offRate).toFixed(2)}× pacing off`,
    });
  }
  return rows;
}
