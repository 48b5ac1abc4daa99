/**
 * Runs the benchmarks and prints one table. Not part of `npm test`: these machines are shared and noisy,
 * so figures are compared with baselines measured in the same run, as ratios.
 *   npm run bench                  all benchmarks
 *   npm run bench -- --quick       smaller sizes
 *   npm run bench -- --only load   only the load benchmarks (scale, load, throughput, footprint)
 *   npm run bench -- --profile DIR  also writes CPU profiles of the service under load and at start-up
 */
import { join } from 'node:path';
import { commandLatency } from './command-latency';
import { deliveryThroughput } from './delivery-throughput';
import { instancesDelivery } from './instances-delivery';
import { operationsCost } from './operations';
import { pickerLatency } from './picker-latency';
import { schedulerScale, schedulerScaleByDue } from './scheduler-scale';
import { slackLoad } from './slack-load';
import { startupFootprint } from './startup-footprint';
import { slackLatency } from './slack-latency';
import { teamsLatency } from './teams-latency';
import { printTable } from './table';
import type { BenchRow } from './table';

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const profileAt = process.argv.indexOf('--profile');
  const profileDir = profileAt >= 0 ? (process.argv[profileAt + 1] ?? null) : null;
  const loadOnly = process.argv.includes('--only') && process.argv.includes('load');
  const rows: BenchRow[] = [];
  if (!loadOnly) await latencyBenchmarks(rows, quick);
  await loadBenchmarks(rows, quick, profileDir);
  process.stdout.write(`${printTable(rows)}\n`);
}

async function latencyBenchmarks(rows: BenchRow[], quick: boolean): Promise<void> {
  rows.push(...(await schedulerScale(quick ? [1_000, 10_000] : [10_000, 100_000, 1_000_000])));
  rows.push(...(await slackLatency(quick ? 50 : 300)));
  rows.push(...(await teamsLatency(quick ? 50 : 300)));
  rows.push(...(await commandLatency(quick ? 200 : 2_000, quick ? 200 : 2_000)));
  rows.push(...(await pickerLatency(2_000, quick ? 50 : 300)));
  rows.push(...(await operationsCost(quick ? 10_000 : 100_000, quick ? 20 : 100)));
}

/** Servers in their own processes, scale, throughput and footprint. */
async function loadBenchmarks(rows: BenchRow[], quick: boolean, profileDir: string | null): Promise<void> {
  rows.push(
    ...(await schedulerScaleByDue(
      quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000],
      quick ? [0, 1_000] : [0, 10_000],
    )),
  );
  rows.push(
    ...(await slackLoad({
      concurrencies: [16, 64],
      requestsPerRound: quick ? 200 : 1_000,
      rounds: quick ? 2 : 3,
      cpuProfileDir: profileDir && join(profileDir, 'slack-load'),
    })),
  );
  rows.push(...(await deliveryThroughput(quick ? 1_000 : 5_000, quick ? 1 : 3)));
  rows.push(...(await instancesDelivery(quick ? 2_000 : 5_000, quick ? 1 : 3)));
  rows.push(
    ...(await startupFootprint(
      quick ? 10_000 : 100_000,
      quick ? 100_000 : 1_000_000,
      quick ? 1 : 3,
      profileDir && join(profileDir, 'startup'),
    )),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
