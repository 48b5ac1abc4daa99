/**
 * `/partner log` under concurrency. The service (`node dist/src/cli.js start`, Slack mode, its own process
 * and temp database) and a bare Bolt app that only acks (its own process) are driven alike with signed
 * `/partner log … call today …` requests over keep-alive connections, `concurrency` in flight at a time,
 * in alternating rounds after a warm-up. A service request counts as done when its answer arrives, in
 * the ack body or on the `response_url` (whichever carries it); a bare request when it is acked.
 * Two partners: one with 10 interactions, one with 10,000 (seeded before the service starts), so that
 * the cost of a log can be compared across history sizes. Afterwards the rows are counted: every timed
 * request must have logged.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store';
import { BARE_BOLT, CLI, peakRssMb, startServer } from './processes';
import type { ServerProcess } from './processes';
import { fakeSlack, SECRET, signedCommand, TEAM } from './slack-latency';
import type { BenchRow } from './table';
import { median, percentile } from './table';

type FakeSlack = Awaited<ReturnType<typeof fakeSlack>>;

export interface LoadRound {
  latencies: number[];
  requestsPerSecond: number;
}

const PARTNERS = [
  { name: 'Nissan', history: 10 },
  { name: 'Toyota', history: 10_000 },
];

/** Seeds the workspace, the member the fake Slack API describes (U1) and the two partners with histories. */
function seedPartners(path: string): void {
  openSqliteStore({ path }).db.close();
  const db = new Database(path);
  db.pragma('busy_timeout = 5000');
  const now = new Date().toISOString();
  db.transaction(() => {
    db.prepare(
      "INSERT INTO workspaces (id, platform, external_id, created_at) VALUES (?, 'slack', ?, ?)",
    ).run(`slack:${TEAM}`, TEAM, now);
    db.prepare(
      `INSERT INTO members (workspace_id, id, display_name, time_zone, address, address_channel, created_at, updated_at)
       VALUES (?, 'U1', 'Ada', 'UTC', ?, 'slack', ?, ?)`,
    ).run(
      `slack:${TEAM}`,
      JSON.stringify({ channel: 'slack', payload: { teamId: TEAM, userId: 'U1' } }),
      now,
      now,
    );
    const partner = db.prepare(
      `INSERT INTO partners (workspace_id, name, name_key, stage, stage_changed_at, created_at, created_by, next_due_at)
       VALUES (?, ?, ?, 'negotiating', ?, ?, 'U1', ?)`,
    );
    const owner = db.prepare(
      "INSERT INTO partner_owners (partner_id, workspace_id, member_id, position, lead) VALUES (?, ?, 'U1', 0, 1)",
    );
    const interaction = db.prepare(
      `INSERT INTO interactions (workspace_id, partner_id, member_id, kind, occurred_on, note, created_at)
       VALUES (?, ?, 'U1', ?, ?, 'Seeded history', ?)`,
    );
    const kinds = ['call', 'meeting', 'note', 'checkin', 'visit'];
    for (const { name, history } of PARTNERS) {
      const id = Number(
        partner.run(
          `slack:${TEAM}`,
          name,
          name.toLowerCase(),
          now,
          now,
          new Date(Date.now() + 30 * 86_400_000).toISOString(),
        ).lastInsertRowid,
      );
      owner.run(id, `slack:${TEAM}`);
      for (let i = 0; i < history; i++) {
        const at = new Date(Date.now() - (1 + (i % 700)) * 86_400_000).toISOString();
        interaction.run(`slack:${TEAM}`, id, kinds[i % kinds.length], at.slice(0, 10), at);
      }
    }
  })();
  db.close();
}

function countLogged(path: string, name: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (
      db
        .prepare(
          `SELECT count(*) AS n FROM interactions i JOIN partners p ON p.id = i.partner_id
           WHERE p.name = ? AND i.note = 'Load test sync'`,
        )
        .get(name) as { n: number }
    ).n;
  } finally {
    db.close();
  }
}

/** One signed slash command, signed now so that its timestamp is fresh whenever the round runs. */
function signed(text: string, responseUrl: string): { body: string; headers: Record<string, string> } {
  const { body, headers } = signedCommand(text, responseUrl);
  return { body, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } };
}

function post(
  agent: Agent,
  port: number,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/slack/events', method: 'POST', agent, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

let sequence = 0;

/**
 * Sends `total` requests with `concurrency` in flight. With `expected`, a request is done when a reply
 * containing it arrives (ack body or `response_url`); without, when it is acked with 200.
 */
async function round(
  agent: Agent,
  port: number,
  slack: FakeSlack,
  text: string,
  total: number,
  concurrency: number,
  expected: string | null,
): Promise<LoadRound> {
  const latencies: number[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      next++;
      const id = `load-${++sequence}`;
      const { body, headers } = signed(text, `${slack.origin}/response/${id}`);
      const replied = expected === null ? null : slack.nextResponse(id);
      const start = performance.now();
      const ack = await post(agent, port, body, headers);
      if (ack.status !== 200) throw new Error(`HTTP ${ack.status} for "${text}": ${ack.text.slice(0, 200)}`);
      if (expected !== null && !ack.text.includes(expected)) {
        const reply = await replied!;
        if (!reply.includes(expected))
          throw new Error(`unexpected reply to "${text}": ${reply.slice(0, 300)}`);
      }
      latencies.push(performance.now() - start);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latencies, requestsPerSecond: (total / (performance.now() - started)) * 1000 };
}

function summarise(rounds: LoadRound[]): { p50: number; p99: number; rps: number } {
  const all = rounds.flatMap((r) => r.latencies);
  return {
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    rps: median(rounds.map((r) => r.requestsPerSecond)),
  };
}

export async function slackLoad(options: {
  concurrencies: number[];
  requestsPerRound: number;
  rounds: number;
  /** Where the service process writes a `--cpu-prof` profile, if anywhere. */
  cpuProfileDir?: string | null;
}): Promise<BenchRow[]> {
  const slack = await fakeSlack();
  const dir = mkdtempSync(join(tmpdir(), 'rapport-load-'));
  const database = join(dir, 'load.db');
  seedPartners(database);
  const env = { SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.url };
  let service: ServerProcess | null = null;
  let bare: ServerProcess | null = null;
  const rows: BenchRow[] = [];
  try {
    service = await startServer(
      CLI,
      ['start'],
      {
        ...env,
        SLACK_BOT_TOKEN: 'xoxb-bench',
        DATABASE_PATH: database,
        TICK_SCHEDULE: 'off',
        LOG_LEVEL: 'error',
      },
      {
        readyPath: '/healthz',
        nodeArgs: options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [],
      },
    );
    bare = await startServer(BARE_BOLT, [], env, { readyPath: '/healthz' });
    const logText = (name: string): string => `log ${name} call today Load test sync`;
    const logged: Record<string, number> = Object.fromEntries(PARTNERS.map((p) => [p.name, 0]));
    for (const concurrency of options.concurrencies) {
      const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
      const run = async (target: 'service' | 'bare', partner: string, total: number): Promise<LoadRound> => {
        if (target === 'bare')
          return round(agent, bare!.port, slack, logText(partner), total, concurrency, null);
        logged[partner]! += total;
        return round(agent, service!.port, slack, logText(partner), total, concurrency, 'Logged for');
      };
      // Warm-up: connections open, code paths compiled, caches filled, on both servers.
      for (const { name } of PARTNERS) await run('service', name, Math.max(100, concurrency * 4));
      await run('bare', PARTNERS[0]!.name, Math.max(100, concurrency * 4));
      const results: Record<string, LoadRound[]> = { bare: [] };
      for (const { name } of PARTNERS) results[name] = [];
      for (let r = 0; r < options.rounds; r++) {
        results.bare!.push(await run('bare', PARTNERS[0]!.name, options.requestsPerRound));
        for (const { name } of PARTNERS)
          results[name]!.push(await run('service', name, options.requestsPerRound));
      }
      agent.destroy();
      const base = summarise(results.bare!);
      const fmt = (s: { p50: number; p99: number; rps: number }): string =>
        `p50 ${s.p50.toFixed(1)} / p99 ${s.p99.toFixed(1)} ms, ${s.rps.toFixed(0)} req/s`;
      const flat = summarise(results[PARTNERS[0]!.name]!);
      for (const { name, history } of PARTNERS) {
        const s = summarise(results[name]!);
        rows.push({
          benchmark: 'slack /partner log under load',
          case: `c=${concurrency}, ${history.toLocaleString('en')} interactions`,
          value: fmt(s),
          baseline: `bare Bolt ack ${fmt(base)}`,
          ratio:
            `p99 ${(s.p99 / base.p99).toFixed(2)}× (target ≤ 1.3×), req/s ${(s.rps / base.rps).toFixed(2)}× (≥ 0.8×)` +
            (history === PARTNERS[0]!.history
              ? ''
              : `; p50 ${(s.p50 / flat.p50).toFixed(2)}× the 10-interaction partner`),
        });
      }
    }
    const serviceRss = peakRssMb(service.pid);
    const bareRss = peakRssMb(bare.pid);
    rows.push({
      benchmark: 'slack /partner log under load',
      case: 'peak RSS (VmHWM) over all rounds',
      value: `service ${serviceRss.toFixed(0)} MB`,
      baseline: `bare Bolt ${bareRss.toFixed(0)} MB`,
      ratio: `${(serviceRss / bareRss).toFixed(2)}×`,
    });
    await service.stop();
    service = null;
    // Every timed request must have been a real log, not a refusal the reply check missed.
    for (const { name } of PARTNERS) {
      const rowsLogged = countLogged(database, name);
      if (rowsLogged !== logged[name])
        throw new Error(`${name}: ${logged[name]} logs sent, ${rowsLogged} rows written`);
    }
    return rows;
  } finally {
    await service?.stop();
    await bare?.stop();
    await slack.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
