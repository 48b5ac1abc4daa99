/**
 * Command latency and memory. `log NAME KIND …` runs the whole core path (parse, resolve the partner,
 * insert, re-evaluate the playbook, update the scheduler index) on a real SQLite file. The baseline,
 * measured in the same run on the same file, is one bare prepared INSERT of the same interaction.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../src/core/ports';
import { Rapport } from '../src/core/rapport';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store';
import type { BenchRow } from './table';
import { median, percentile } from './table';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export async function commandLatency(partners: number, samples: number): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-bench-'));
  try {
    const store = openSqliteStore({ path: join(dir, 'bench.db') });
    const rapport = new Rapport({ store, logger: quiet, defaultTimeZone: 'UTC' });
    const now = new Date('2026-11-30T10:00:00Z');
    const { actor } = await rapport.identify('shell', 'bench', { memberId: 'ada' }, now);
    const collect = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
    collect();
    const heapBefore = process.memoryUsage().heapUsed;
    for (let i = 0; i < partners; i++) await rapport.handleCommand(actor, `add "Partner ${i}"`, now);
    collect();
    const heapAfter = process.memoryUsage().heapUsed;

    const core: number[] = [];
    for (let i = 0; i < samples; i++) {
      const start = performance.now();
      const result = await rapport.handleCommand(
        actor,
        `log "Partner ${i % partners}" call today Quick sync`,
        now,
      );
      core.push(performance.now() - start);
      if (result.reply.isError) throw new Error(result.reply.text);
    }
    const insert = store.db.prepare(
      `INSERT INTO interactions (workspace_id, partner_id, member_id, kind, occurred_on, note, created_at)
       VALUES ('shell:bench', ?, 'ada', 'call', '2026-11-30', 'Quick sync', ?)`,
    );
    const bare: number[] = [];
    for (let i = 0; i < samples; i++) {
      const start = performance.now();
      insert.run((i % partners) + 1, now.toISOString());
      bare.push(performance.now() - start);
    }
    await store.close();
    const p50 = median(core);
    const baseP50 = median(bare);
    return [
      {
        benchmark: 'command latency',
        case: `log, ${partners.toLocaleString('en')} partners, p50`,
        value: `${p50.toFixed(3)} ms`,
        baseline: `bare INSERT ${baseP50.toFixed(3)} ms`,
        ratio: `${(p50 / baseP50).toFixed(1)}×`,
      },
      {
        benchmark: 'command latency',
        case: `log, ${partners.toLocaleString('en')} partners, p99`,
        value: `${percentile(core, 99).toFixed(3)} ms`,
        baseline: `bare INSERT ${percentile(bare, 99).toFixed(3)} ms`,
        ratio: `${(percentile(core, 99) / percentile(bare, 99)).toFixed(1)}×`,
      },
      {
        benchmark: 'memory',
        case: `JS heap growth for ${partners.toLocaleString('en')} partners`,
        // A negative figure means the collector freed more than the partners cost: within noise.
        value: `${Math.max(0, (heapAfter - heapBefore) / 1024 / 1024).toFixed(1)} MiB`,
        baseline: 'n/a (state lives in SQLite, not the heap)',
        ratio: `${Math.max(0, Math.round((heapAfter - heapBefore) / partners)).toLocaleString('en')} bytes/partner`,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
