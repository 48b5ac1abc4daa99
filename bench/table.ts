/** Small helpers shared by the benchmarks: timing and a plain-text table. */
export interface BenchRow {
  benchmark: string;
  case: string;
  value: string;
  baseline: string;
  ratio: string;
}

export async function time(fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function printTable(rows: BenchRow[]): string {
  const headers: (keyof BenchRow)[] = ['benchmark', 'case', 'value', 'baseline', 'ratio'];
  const widths = headers.map((h) => Math.max(h.length, ...rows.map((r) => r[h].length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    line(headers),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map((r) => line(headers.map((h) => r[h]))),
  ].join('\n');
}

/**
 * Takes `samples` measurements of each case, round-robin (one of each in turn), so that drift in the
 * machine's load over the run hits every case alike instead of whichever ran last.
 */
export async function interleave(
  samples: number,
  cases: Record<string, () => Promise<number>>,
): Promise<Record<string, number[]>> {
  const results: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  for (let i = 0; i < samples; i++) {
    for (const [name, measure] of Object.entries(cases)) results[name]!.push(await measure());
  }
  return results;
}

/** Rows for latency cases against one baseline, p50 and p95 with their ratios. */
export function latencyRows(
  benchmark: string,
  baselineLabel: string,
  baseline: number[],
  cases: Record<string, number[]>,
): BenchRow[] {
  const fmt = (values: number[]): string =>
    `${median(values).toFixed(2)} / ${percentile(values, 95).toFixed(2)} ms`;
  return Object.entries(cases).map(([name, measured]) => ({
    benchmark,
    case: `${name}, p50 / p95`,
    value: fmt(measured),
    baseline: `${baselineLabel} ${fmt(baseline)}`,
    ratio: `${(median(measured) / median(baseline)).toFixed(2)}× / ${(percentile(measured, 95) / percentile(baseline, 95)).toFixed(2)}×`,
  }));
}

/**
 * The chat round-trip comparison both platforms run: warm up, then the same commands through the service
 * and `help` through the bare SDK app, interleaved. `trip` sends `text` to `url` `samples` times and
 * returns the times, failing unless each reply contains `expected`.
 */
export async function compareChatRoundTrips(options: {
  benchmark: string;
  baselineLabel: string;
  prefix: string;
  samples: number;
  rapportUrl: string;
  bareUrl: string;
  trip: (url: string, text: string, samples: number, expected: string) => Promise<number[]>;
}): Promise<BenchRow[]> {
  const { trip, rapportUrl, bareUrl, prefix } = options;
  await trip(rapportUrl, 'add Nissan', 1, 'Added');
  await trip(rapportUrl, 'help', 20, 'relationship nudges'); // warm-up
  await trip(bareUrl, 'help', 20, 'ok');
  const once = async (url: string, text: string, expected: string): Promise<number> =>
    (await trip(url, text, 1, expected))[0]!;
  const { baseline, ...cases } = await interleave(options.samples, {
    baseline: () => once(bareUrl, 'help', 'ok'),
    [`${prefix} help`]: () => once(rapportUrl, 'help', 'relationship nudges'),
    [`${prefix} status Nissan`]: () => once(rapportUrl, 'status Nissan', 'Where the relationship'),
    [`${prefix} log Nissan call`]: () => once(rapportUrl, 'log Nissan call today Quick sync', 'Logged for'),
  });
  return latencyRows(options.benchmark, options.baselineLabel, baseline!, cases);
}
