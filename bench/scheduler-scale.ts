/**
 * Scheduler scale: the cost of one pass must follow what is due, not how many partners exist.
 * Seeds N partners of which a fixed number are due, then times `runDue(now)` (materialise + deliver to
 * a channel that only counts). The baseline, measured in the same run, is a naive pass that evaluates
 * the playbook for every partner — what a scheduler without the `next_due_at` index would do.
 * The same pass is also timed with nothing due and with 10,000 due at every size, and compared with the
 * smallest size at the same due count: pass(1M)/pass(10k) should stay near 1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Message } from '../src/core/messages';
import type { Address, Platform } from '../src/core/model';
import type { Channel, DeliveryReceipt, Logger } from '../src/core/ports';
import { evaluatePlaybook } from '../src/core/playbook/playbook';
import { Rapport } from '../src/core/rapport';
import { NudgeScheduler } from '../src/scheduler/nudge-scheduler';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store';
import type { SqliteStore } from '../src/store/sqlite/sqlite-store';
import type { BenchRow } from './table';
import { median, time } from './table';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

class CountingChannel implements Channel {
  readonly platform: Platform = 'shell';
  count = 0;
  async deliver(_address: Address, _message: Message): Promise<DeliveryReceipt> {
    this.count++;
    return { messageRef: this.count };
  }
}

// Monday 30 November 2026, 10:00 UTC: working hours for the seeded members.
const NOW = new Date('2026-11-30T10:00:00Z');

/** Seeds `partners` partners over 1,000 members; `due` of them have a site visit due now. */
function seed(store: SqliteStore, partners: number, due: number): void {
  const db = store.db;
  const created = new Date(NOW.getTime() - 15 * 86_400_000).toISOString();
  const future = new Date(NOW.getTime() + 10 * 86_400_000).toISOString();
  db.prepare(
    "INSERT INTO workspaces (id, platform, external_id, created_at) VALUES ('shell:bench', 'shell', 'bench', ?)",
  ).run(created);
  const member = db.prepare(
    `INSERT INTO members (workspace_id, id, time_zone, address, address_channel, created_at, updated_at)
     VALUES ('shell:bench', ?, 'UTC', '{"channel":"shell","payload":{}}', 'shell', ?, ?)`,
  );
  const partner = db.prepare(
    `INSERT INTO partners (id, workspace_id, name, name_key, stage, stage_changed_at, created_at, created_by, next_due_at)
     VALUES (?, 'shell:bench', ?, ?, 'exploring', ?, ?, ?, ?)`,
  );
  const owner = db.prepare(
    "INSERT INTO partner_owners (partner_id, workspace_id, member_id, position) VALUES (?, 'shell:bench', ?, 0)",
  );
  const interaction = db.prepare(
    `INSERT INTO interactions (workspace_id, partner_id, member_id, kind, occurred_on, created_at)
     VALUES ('shell:bench', ?, ?, 'observation', '2026-11-29', ?)`,
  );
  db.transaction(() => {
    for (let m = 0; m < 1000; m++) member.run(`m${m}`, created, created);
    for (let id = 1; id <= partners; id++) {
      const owned = `m${id % 1000}`;
      const isDue = id <= due;
      partner.run(
        id,
        `Partner ${id}`,
        `partner ${id}`,
        created,
        created,
        owned,
        isDue ? NOW.toISOString() : future,
      );
      owner.run(id, owned);
      if (isDue) interaction.run(id, owned, created);
    }
  })();
}

async function measure(
  partners: number,
  due: number,
  naive: boolean,
  analyze = false,
): Promise<{ indexedMs: number; naiveMs: number | null }> {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-bench-'));
  try {
    const store = openSqliteStore({ path: join(dir, 'bench.db') });
    seed(store, partners, due);
    if (analyze) store.db.exec('ANALYZE');
    const rapport = new Rapport({ store, logger: quiet, defaultTimeZone: 'UTC' });
    const channel = new CountingChannel();
    // Pacing is measured elsewhere; here it is opened wide so the pass measures the scheduler's own work.
    const scheduler = new NudgeScheduler(store, rapport, new Map([['shell', channel]]), quiet, {
      workspaceRatePerSecond: Infinity,
      conversationIntervalMs: 0,
      dailyCap: 50,
    });
    let naiveMs: number | null = null;
    if (naive) {
      naiveMs = await time(async () => {
        for (const partner of await store.partners.list('shell:bench')) {
          const history = await store.partners.history(partner.workspaceId, partner.id);
          evaluatePlaybook({ partner, history }, NOW, rapport.playbook);
        }
      });
    }
    const indexedMs = await time(() => scheduler.runDue(NOW));
    if (channel.count !== due) throw new Error(`expected ${due} deliveries, got ${channel.count}`);
    await store.close();
    return { indexedMs, naiveMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A pass with `due` partners due (0 and 10,000 by default) at each size, against the smallest size.
 * These run on a database with statistics (`ANALYZE`): without them SQLite reads a partner's owners
 * through `partner_owners_member` (every owner in the workspace) instead of the primary key, and a pass
 * costs partners × due. One row shows that case, as the service runs today on a database never analysed.
 */
export async function schedulerScaleByDue(
  sizes: number[],
  dues: number[] = [0, 10_000],
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const smallestSize = Math.min(...sizes);
  const largestDue = Math.min(Math.max(...dues), smallestSize);
  const withStats = (await measure(smallestSize, largestDue, false, true)).indexedMs;
  const withoutStats = (await measure(smallestSize, largestDue, false, false)).indexedMs;
  rows.push({
    benchmark: 'scheduler pass by due count',
    case: `${smallestSize.toLocaleString('en')} partners, ${largestDue.toLocaleString('en')} due, no ANALYZE (as shipped)`,
    value: `${withoutStats.toFixed(1)} ms`,
    baseline: `with ANALYZE ${withStats.toFixed(1)} ms`,
    ratio: `${(withoutStats / withStats).toFixed(2)}× (owners read through the workspace index)`,
  });
  for (const due of dues) {
    let smallest: { partners: number; ms: number } | null = null;
    for (const partners of sizes.filter((size) => size >= due)) {
      const runs = partners >= 1_000_000 || due >= 10_000 ? 1 : 3;
      const results: number[] = [];
      for (let run = 0; run < runs; run++)
        results.push((await measure(partners, due, false, true)).indexedMs);
      const ms = median(results);
      smallest ??= { partners, ms };
      const target = partners >= 1_000_000 ? (due === 0 ? ' (target < 10 ms at 1M)' : '') : '';
      rows.push({
        benchmark: 'scheduler pass by due count',
        case: `${partners.toLocaleString('en')} partners, ${due.toLocaleString('en')} due, with ANALYZE`,
        value: `${ms.toFixed(1)} ms${target}`,
        baseline: `${smallest.partners.toLocaleString('en')} partners ${smallest.ms.toFixed(1)} ms`,
        ratio: `${(ms / smallest.ms).toFixed(2)}× (target ≤ 1.5× at 1M/10k)`,
      });
    }
  }
  return rows;
}

export async function schedulerScale(sizes: number[]): Promise<BenchRow[]> {
  const due = 100;
  const rows: BenchRow[] = [];
  let smallest: number | null = null;
  for (const partners of sizes) {
    const runs = partners >= 1_000_000 ? 1 : 3;
    const results = [];
    for (let run = 0; run < runs; run++)
      results.push(await measure(partners, due, partners <= 100_000 && run === 0));
    const indexed = median(results.map((r) => r.indexedMs));
    smallest ??= indexed;
    const naive = results[0]?.naiveMs ?? null;
    rows.push({
      benchmark: 'scheduler pass',
      case: `${partners.toLocaleString('en')} partners, ${due} due`,
      value: `${indexed.toFixed(1)} ms`,
      baseline: naive === null ? 'n/a (too slow to run)' : `naive full scan ${naive.toFixed(0)} ms`,
      ratio: `${(indexed / smallest).toFixed(2)}× the smallest${naive === null ? '' : `; ${(naive / indexed).toFixed(0)}× faster than naive`}`,
    });
  }
  return rows;
}
