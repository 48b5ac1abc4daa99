/**
 * Delivery throughput of whole service processes (`rapport tick`), one or two at once, on SQLite and on
 * PostgreSQL, to a loopback stand-in for the Slack Web API that answers at once. `count` pending nudges,
 * one per member, spread over `WORKSPACES` workspaces so that the per-workspace rate (1,000/s, the most an
 * operator can set) is not what limits the run. Timed at the stand-in, from the first `chat.postMessage` to
 * the last: the processes' start-up is left out, and one and two instances are measured the same way.
 * Each nudge must be posted exactly once.
 *
 * PostgreSQL comes from `BENCH_DATABASE_URL` (or `TEST_DATABASE_URL`); without it the PostgreSQL rows say so.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Store } from '../src/core/ports';
import { openPostgresStore, quoteIdentifier } from '../src/store/postgres/pg-store';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store';
import { CLI } from './processes';
import type { BenchRow } from './table';
import { median } from './table';

const WORKSPACES = 20;
// Monday 30 November 2026, 10:00 UTC: working hours for the seeded members (all in UTC).
const NOW = new Date('2026-11-30T10:00:00Z');
const team = (w: number): string => `TINST${w}`;

/** Answers every Web API call at once, and notes when each DM was posted to. */
async function recordingSlack() {
  const posts: { channel: string; at: number }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      const method = (req.url ?? '').replace('/api/', '');
      if (method === 'auth.test') {
        res.end(JSON.stringify({ ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: team(0) }));
      } else if (method === 'chat.postMessage') {
        const body = Buffer.concat(chunks).toString('utf8');
        const channel =
          /"channel":"([^"]+)"/.exec(body)?.[1] ?? new URLSearchParams(body).get('channel') ?? '?';
        posts.push({ channel, at: performance.now() });
        res.end(JSON.stringify({ ok: true, channel, ts: `${Date.now() / 1000}.${posts.length}` }));
      } else res.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`,
    posts,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** `count` members, each owning one partner with one pending nudge due an hour ago, through the store. */
async function seed(store: Store, count: number): Promise<void> {
  const created = new Date(NOW.getTime() - 30 * 86_400_000);
  const due = new Date(NOW.getTime() - 3_600_000);
  await store.transaction(async (tx) => {
    for (let w = 0; w < WORKSPACES; w++) await tx.workspaces.ensure('slack', team(w), null, created);
    for (let i = 1; i <= count; i++) {
      const workspaceId = `slack:${team(i % WORKSPACES)}`;
      const memberId = `UI${String(i).padStart(6, '0')}`;
      const address = {
        channel: 'slack' as const,
        payload: { teamId: team(i % WORKSPACES), userId: memberId, dmChannelId: `D${i}` },
      };
      await tx.members.see({ workspaceId, memberId, displayName: `Member ${i}`, address }, 'UTC', created);
      // Monday morning: only nudges are counted, not the weekly digest.
      await tx.members.setDigest(workspaceId, memberId, false);
      const partner = await tx.partners.create({
        workspaceId,
        name: `Partner ${i}`,
        stage: 'negotiating',
        createdBy: memberId,
        now: created,
      });
      await tx.nudges.createIfAbsent({
        workspaceId,
        partnerId: partner.id,
        memberId,
        ruleId: 'keep-in-touch',
        occurrence: due.toISOString().slice(0, 10),
        dueAt: due,
        deliverAfter: due,
        now: created,
      });
    }
  });
}

/**
 * Runs `instances` `rapport tick` processes at once and waits for all; throws when one fails. Returns the
 * watch of the CPU they and the database server used.
 */
async function runTicks(
  instances: number,
  env: Record<string, string>,
): Promise<ReturnType<typeof cpuWatch>> {
  const pids: number[] = [];
  const watch = cpuWatch(() => pids);
  const runs = Array.from({ length: instances }, () => {
    const child = spawn(process.execPath, [CLI, 'tick', '--at', NOW.toISOString()], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    pids.push(child.pid!);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-2000)));
    return new Promise<void>((resolve, reject) =>
      child.on('close', (code) =>
        code === 0 ? resolve() : reject(new Error(`rapport tick exited ${code}: ${stderr}`)),
      ),
    );
  });
  try {
    await Promise.all(runs);
  } finally {
    watch.stop();
  }
  return watch;
}

/** CPU seconds (user + system) a process has used, from `/proc`; null once it is gone. */
function cpuSeconds(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of stat; after the command's ") " they are the 12th and 13th.
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
const CLOCK_TICKS = 100;

/** The PostgreSQL server's processes (the postmaster, its workers and one backend per connection). */
function postgresPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
      } catch {
        return false;
      }
    });
}

/** CPU seconds used so far by the service processes and by the database server, at one moment. */
interface CpuSample {
  at: number;
  service: number;
  database: number;
}

/**
 * Watches the CPU the service processes and the database server use during a run, polled every 20 ms (a
 * process keeps its last reading once it has exited), so that the CPU of the delivery itself can be read
 * between two instants, without the processes' start-up.
 */
function cpuWatch(servicePids: () => number[]) {
  const first = new Map<number, number>();
  const last = new Map<number, { cpu: number; service: boolean }>();
  const samples: CpuSample[] = [];
  const poll = () => {
    const service = new Set(servicePids());
    for (const pid of [...service, ...postgresPids()]) {
      const cpu = cpuSeconds(pid);
      if (cpu === null) continue;
      if (!first.has(pid)) first.set(pid, service.has(pid) ? 0 : cpu);
      last.set(pid, { cpu, service: service.has(pid) });
    }
    const sample: CpuSample = { at: performance.now(), service: 0, database: 0 };
    for (const [pid, { cpu, service: isService }] of last) {
      if (isService) sample.service += cpu;
      else sample.database += cpu - first.get(pid)!;
    }
    samples.push(sample);
  };
  poll();
  const timer = setInterval(poll, 20);
  return {
    stop(): void {
      clearInterval(timer);
      poll();
    },
    /** CPU seconds used from the poll nearest `from` to the poll nearest `to`. */
    between(from: number, to: number): { service: number; database: number } {
      const nearest = (at: number): CpuSample =>
        samples.reduce((best, s) => (Math.abs(s.at - at) < Math.abs(best.at - at) ? s : best));
      const a = nearest(from);
      const b = nearest(to);
      return { service: b.service - a.service, database: b.database - a.database };
    },
  };
}

type Engine = 'sqlite' | 'postgres';

/** What one run measured between the first post and the last. */
interface Run {
  perSecond: number;
  /** CPU milliseconds per nudge: the service processes', and the database server's. */
  serviceCpuMs: number;
  databaseCpuMs: number;
}

/** One measured run: nudges per second from first post to last, and the CPU they took. */
async function measure(
  engine: Engine,
  instances: number,
  count: number,
  databaseUrl: string | null,
): Promise<Run> {
  const slack = await recordingSlack();
  const dir = mkdtempSync(join(tmpdir(), 'rapport-instances-'));
  const schema = `rapport_bench_${randomBytes(4).toString('hex')}`;
  const env: Record<string, string> = {
    TICK_SCHEDULE: 'off',
    LOG_LEVEL: 'silent',
    NUDGE_DAILY_CAP: '50',
    DELIVERY_RATE_PER_WORKSPACE: '1000',
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_SIGNING_SECRET: 'bench-signing-secret',
    SLACK_API_URL: slack.url,
  };
  try {
    if (engine === 'postgres') {
      const store = await openPostgresStore({ url: databaseUrl!, schema });
      await seed(store, count);
      await store.close();
      Object.assign(env, { DATABASE_URL: databaseUrl!, DATABASE_SCHEMA: schema });
    } else {
      const path = join(dir, 'rapport.db');
      const store = openSqliteStore({ path });
      await seed(store, count);
      await store.close();
      env.DATABASE_PATH = path;
    }
    const cpu = await runTicks(instances, env);
    const channels = new Set(slack.posts.map((post) => post.channel));
    if (slack.posts.length !== count || channels.size !== count)
      throw new Error(
        `${slack.posts.length} posts to ${channels.size} members; expected ${count} to ${count}`,
      );
    const first = slack.posts[0]!.at;
    const last = slack.posts[slack.posts.length - 1]!.at;
    const used = cpu.between(first, last);
    return {
      perSecond: (count / (last - first)) * 1000,
      serviceCpuMs: (used.service * 1000) / count,
      databaseCpuMs: (used.database * 1000) / count,
    };
  } finally {
    await slack.close();
    rmSync(dir, { recursive: true, force: true });
    if (engine === 'postgres') await dropSchema(databaseUrl!, schema);
  }
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
  } finally {
    await client.end();
  }
}

export async function instancesDelivery(count: number, rounds: number): Promise<BenchRow[]> {
  const databaseUrl = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || null;
  const cases: { engine: Engine; instances: number }[] = [
    { engine: 'sqlite', instances: 1 },
    ...(databaseUrl
      ? [
          { engine: 'postgres' as const, instances: 1 },
          { engine: 'postgres' as const, instances: 2 },
        ]
      : []),
  ];
  const samples = new Map<string, Run[]>(cases.map((c) => [`${c.engine}/${c.instances}`, []]));
  // The cases alternate round by round, so that drift in the machine's load hits all of them.
  for (let round = 0; round < rounds; round++) {
    for (const c of cases)
      samples
        .get(`${c.engine}/${c.instances}`)!
        .push(await measure(c.engine, c.instances, count, databaseUrl));
  }
  const rate = (key: string): number => median(samples.get(key)!.map((run) => run.perSecond));
  // CPU per nudge, and the rate two cores could carry at that cost if nothing else ran.
  const cpu = (key: string): string => {
    const runs = samples.get(key)!;
    const service = median(runs.map((run) => run.serviceCpuMs));
    const database = median(runs.map((run) => run.databaseCpuMs));
    const ceiling = 2000 / (service + database);
    return `CPU ${service.toFixed(2)} ms service + ${database.toFixed(2)} ms database per nudge (2 cores: ≤ ${ceiling.toFixed(0)}/s)`;
  };
  const benchmark = `delivery throughput (Slack, ${WORKSPACES} workspaces, whole processes)`;
  const size = `${count.toLocaleString('en')} nudges, median of ${rounds}`;
  const rows: BenchRow[] = [
    {
      benchmark,
      case: `SQLite, 1 instance, ${size}`,
      value: `${rate('sqlite/1').toFixed(0)} nudges/s`,
      baseline: 'target ≥ 500 nudges/s',
      ratio: `${(rate('sqlite/1') / 500).toFixed(2)}× the target; ${cpu('sqlite/1')}`,
    },
  ];
  if (!databaseUrl) {
    rows.push({
      benchmark,
      case: 'PostgreSQL, 1 and 2 instances',
      value: 'not run',
      baseline: 'set BENCH_DATABASE_URL=postgres://…',
      ratio: '',
    });
    return rows;
  }
  rows.push(
    {
      benchmark,
      case: `PostgreSQL, 1 instance, ${size}`,
      value: `${rate('postgres/1').toFixed(0)} nudges/s`,
      baseline: `SQLite, 1 instance: ${rate('sqlite/1').toFixed(0)} nudges/s`,
      ratio: `${(rate('postgres/1') / rate('sqlite/1')).toFixed(2)}× SQLite; ${cpu('postgres/1')}`,
    },
    {
      benchmark,
      case: `PostgreSQL, 2 instances, ${size}`,
      value: `${rate('postgres/2').toFixed(0)} nudges/s`,
      baseline: `PostgreSQL, 1 instance; target ≥ 1.6×`,
      ratio: `${(rate('postgres/2') / rate('postgres/1')).toFixed(2)}× one instance; ${cpu('postgres/2')}`,
    },
  );
  return rows;
}
