/**
 * Start-up time and peak memory of the service on a large database. `node dist/src/cli.js start` runs in
 * Slack mode (a loopback stand-in for the Web API) on a database seeded with `partners` partners and
 * `interactions` interactions; timed from spawn until `/healthz` answers, then a scheduler pass runs
 * (cron every second) and the peak RSS (`VmHWM`) is read once `/metrics` counts a finished pass.
 * Each run starts from a fresh copy of the seeded file, so that every run's first pass has the same work
 * (about a tenth of the partners due). Baseline, in the same run: an empty database, and the bare Bolt app.
 */
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store';
import { BARE_BOLT, CLI, peakRssMb, startServer } from './processes';
import type { ServerProcess } from './processes';
import { seedSynthetic } from './seed-synthetic';
import { fakeSlack, SECRET, TEAM } from './slack-latency';
import type { BenchRow } from './table';
import { median } from './table';

async function passesDone(port: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  const text = await response.text();
  return Number(/^rapport_scheduler_pass_duration_seconds_count(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1] ?? 0);
}

interface Footprint {
  readyMs: number;
  rssReadyMb: number;
  rssAfterPassMb: number;
  passMs: number;
}

async function footprint(
  database: string,
  slackUrl: string,
  cpuProfileDir: string | null,
): Promise<Footprint> {
  const server: ServerProcess = await startServer(
    CLI,
    ['start'],
    {
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slackUrl,
      DATABASE_PATH: database,
      TICK_SCHEDULE: '* * * * * *',
      LOG_LEVEL: 'error',
    },
    {
      readyPath: '/healthz',
      nodeArgs: cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : [],
    },
  );
  try {
    const rssReadyMb = peakRssMb(server.pid);
    const started = performance.now();
    while ((await passesDone(server.port)) < 1) {
      if (performance.now() - started > 300_000) throw new Error('no scheduler pass within 5 minutes');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return {
      readyMs: server.readyMs,
      rssReadyMb,
      rssAfterPassMb: peakRssMb(server.pid),
      passMs: performance.now() - started,
    };
  } finally {
    await server.stop();
  }
}

export async function startupFootprint(
  partners: number,
  interactions: number,
  runs: number,
  cpuProfileDir: string | null = null,
): Promise<BenchRow[]> {
  const slack = await fakeSlack();
  const dir = mkdtempSync(join(tmpdir(), 'rapport-startup-'));
  try {
    const empty = join(dir, 'empty.db');
    openSqliteStore({ path: empty }).db.close();
    const seeded = join(dir, 'seeded.db');
    const store = openSqliteStore({ path: seeded });
    // The first workspace is the one the bot token belongs to, so its members' nudges really go out.
    const seed = seedSynthetic(store.db, {
      partners,
      interactions,
      teamIds: [TEAM, ...Array.from({ length: 9 }, (_, i) => `TSYN${i + 2}`)],
    });
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    store.db.close();
    const sizeMb = statSync(seeded).size / 1_048_576;

    const bare: number[] = [];
    const bareRss: number[] = [];
    const results: Record<'empty' | 'seeded', Footprint[]> = { empty: [], seeded: [] };
    for (let run = 0; run < runs; run++) {
      const baseline = await startServer(
        BARE_BOLT,
        [],
        { SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.url },
        {
          readyPath: '/healthz',
        },
      );
      bare.push(baseline.readyMs);
      bareRss.push(peakRssMb(baseline.pid));
      await baseline.stop();
      results.empty.push(await footprint(empty, slack.url, null));
      // A fresh copy each run: the first pass on a database is the one to measure, not a rerun on its leftovers.
      const copy = join(dir, `seeded-${run}.db`);
      copyFileSync(seeded, copy);
      results.seeded.push(await footprint(copy, slack.url, run === 0 ? cpuProfileDir : null));
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${copy}${suffix}`, { force: true });
    }
    const label = `${partners.toLocaleString('en')} partners / ${interactions.toLocaleString('en')} interactions`;
    const pick = (key: keyof Footprint, which: 'empty' | 'seeded'): number =>
      median(results[which].map((r) => r[key]));
    return [
      {
        benchmark: 'service start-up (Slack mode)',
        case: `${label} (${sizeMb.toFixed(0)} MB file, seeded in ${(seed.ms / 1000).toFixed(1)} s), to /healthz`,
        value: `${pick('readyMs', 'seeded').toFixed(0)} ms (target ≤ 1000 ms)`,
        baseline: `empty database ${pick('readyMs', 'empty').toFixed(0)} ms; bare Bolt ${median(bare).toFixed(0)} ms`,
        ratio: `${(pick('readyMs', 'seeded') / pick('readyMs', 'empty')).toFixed(2)}× empty; ${(pick('readyMs', 'seeded') / median(bare)).toFixed(2)}× bare`,
      },
      {
        benchmark: 'service peak RSS (VmHWM)',
        case: `${label}, after the first scheduler pass (${(pick('passMs', 'seeded') / 1000).toFixed(1)} s from ready)`,
        value: `${pick('rssAfterPassMb', 'seeded').toFixed(0)} MB (target ≤ 150 MB); ${pick('rssReadyMb', 'seeded').toFixed(0)} MB at ready`,
        baseline: `empty database ${pick('rssAfterPassMb', 'empty').toFixed(0)} MB; bare Bolt ${median(bareRss).toFixed(0)} MB`,
        ratio: `${(pick('rssAfterPassMb', 'seeded') / pick('rssAfterPassMb', 'empty')).toFixed(2)}× empty; ${(pick('rssAfterPassMb', 'seeded') / median(bareRss)).toFixed(2)}× bare`,
      },
    ];
  } finally {
    await slack.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
