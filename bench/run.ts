/**
 * Runs the benchmarks and prints one table. Not part of `npm test`: these machines are shared and noisy,
 * so figures are compared with baselines measured in the same run, as ratios.
 *   npm run bench                  all benchmarks
 *   npm run bench -- --quick       smaller sizes
 */
import { commandLatency } from './command-latency';
import { operationsCost } from './operations';
import { pickerLatency } from './picker-latency';
import { schedulerScale } from './scheduler-scale';
import { slackLatency } from './slack-latency';
import { teamsLatency } from './teams-latency';
import { printTable } from './table';
import type { BenchRow } from './table';

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const rows: BenchRow[] = [];
  rows.push(...(await schedulerScale(quick ? [1_000, 10_000] : [10_000, 100_000, 1_000_000])));
  rows.push(...(await slackLatency(quick ? 50 : 300)));
  rows.push(...(await teamsLatency(quick ? 50 : 300)));
  rows.push(...(await commandLatency(quick ? 200 : 2_000, quick ? 200 : 2_000)));
  rows.push(...(await pickerLatency(2_000, quick ? 50 : 300)));
  rows.push(...(await operationsCost(quick ? 10_000 : 100_000, quick ? 20 : 100)));
  process.stdout.write(`${printTable(rows)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
