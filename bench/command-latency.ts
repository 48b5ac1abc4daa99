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
    // What one log costs on a partner with a short and with a long history (it should not grow).
    const byHistory = [
      ...(await logCostByHistory(10, Math.min(samples, 300))),
      ...(await logCostByHistory(10_000, Math.min(samples, 300))),
    ];
    return [
      ...byHistory,
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

/** The per-kind history as it was read before the summary table: a GROUP BY over all of a partner's rows. */
const HISTORY_GROUP_BY = `SELECT i.kind, MIN(i.occurred_on) AS first, MAX(i.occurred_on) AS last, COUNT(*) AS count,
    (SELECT r.rating FROM interactions r WHERE r.partner_id = i.partner_id AND r.kind = i.kind
     ORDER BY r.occurred_on DESC, r.id DESC LIMIT 1) AS last_rating
  FROM interactions i WHERE i.workspace_id = ? AND i.partner_id = ? GROUP BY i.kind`;

/**
 * What one `log` costs as a partner's history grows: the partner is given `history` interactions (spread
 * over kinds and days) through the store, then `log` runs `samples` times on it. The baseline, in the same
 * run on the same file, is the GROUP BY over the whole history that `log` used to run on every write.
 */
export async function logCostByHistory(history: number, samples: number): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-bench-'));
  try {
    const store = openSqliteStore({ path: join(dir, 'bench.db') });
    const rapport = new Rapport({ store, logger: quiet, defaultTimeZone: 'UTC' });
    const now = new Date('2026-11-30T10:00:00Z');
    const { actor } = await rapport.identify('shell', 'bench', { memberId: 'ada' }, now);
    await rapport.handleCommand(actor, 'add "Nissan"', now);
    const partnerId = (await store.partners.findByName('shell:bench', 'Nissan'))!.id;
    const kinds = ['call', 'meeting', 'visit', 'checkin', 'note'] as const;
    await store.transaction(async (tx) => {
      for (let i = 0; i < history; i++) {
        const day = new Date(Date.UTC(2020, 0, 1) + (i % 2000) * 86_400_000).toISOString().slice(0, 10);
        await tx.interactions.add({
          workspaceId: 'shell:bench',
          partnerId,
          memberId: 'ada',
          kind: kinds[i % kinds.length]!,
          occurredOn: day,
          note: null,
          rating: (i % 5) + 1,
          nudgeId: null,
          now,
        });
      }
    });
    const core: number[] = [];
    for (let i = 0; i < samples; i++) {
      const start = performance.now();
      const result = await rapport.handleCommand(actor, 'log Nissan call today Quick sync', now);
      core.push(performance.now() - start);
      if (result.reply.isError) throw new Error(result.reply.text);
    }
    const groupBy = store.db.prepare(HISTORY_GROUP_BY);
    const old: number[] = [];
    for (let i = 0; i < samples; i++) {
      const start = performance.now();
      groupBy.all('shell:bench', partnerId);
      old.push(performance.now() - start);
    }
    await store.close();
    const p50 = median(core);
    return [
      {
        benchmark: 'log cost by history',
        case: `log, ${history.toLocaleString('en')} interactions on the partner, p50`,
        value: `${p50.toFixed(3)} ms`,
        baseline: `history GROUP BY alone ${median(old).toFixed(3)} ms`,
        ratio: `${(p50 / median(old)).toFixed(1)}×`,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
