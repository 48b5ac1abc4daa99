/**
 * What the operational endpoints cost the service, whose event loop they share: a `/metrics` scrape (the
 * open-nudge gauge is one indexed count in the database, run on every scrape) and a `/readyz` write probe,
 * on a database holding `nudges` nudges, 30% of them open. Baseline, measured in the same run, interleaved:
 * the same registry's text without the gauge that reads the store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrometheusMetrics } from '../src/metrics';
import { countOpenNudges, probeWrite } from '../src/store/sqlite/operations';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store';
import type { BenchRow } from './table';
import { interleave, latencyRows, time } from './table';

const STATUSES = [
  'pending',
  'sent',
  'snoozed',
  'answered',
  'dismissed',
  'expired',
  'answered',
  'expired',
  'answered',
  'answered',
];

export async function operationsCost(nudges: number, samples: number): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-bench-ops-'));
  const store = openSqliteStore({ path: join(dir, 'rapport.db') });
  try {
    // Raw rows: only the columns the count reads matter; the foreign keys are not what is measured.
    store.db.pragma('foreign_keys = OFF');
    const insert = store.db.prepare(
      `INSERT INTO nudges (workspace_id, partner_id, member_id, rule_id, occurrence, due_at, deliver_after, status,
         attempts, created_at, updated_at, message_update)
       VALUES ('slack:T1', ?, 'U1', ?, ?, '2026-01-01', '2026-01-01', ?, 0, '2026-01-01', '2026-01-01', 0)`,
    );
    store.db.transaction(() => {
      for (let i = 0; i < nudges; i++)
        insert.run(i % Math.max(1, nudges / 3), `rule-${i % 12}`, String(i), STATUSES[i % STATUSES.length]);
    })();
    const withGauge = new PrometheusMetrics({ openNudges: () => countOpenNudges(store) });
    const without = new PrometheusMetrics();
    for (let i = 0; i < 5; i++) await Promise.all([withGauge.text(), without.text(), probeWrite(store)]);
    const { baseline, ...cases } = await interleave(samples, {
      baseline: () => time(() => without.text()),
      [`open-nudge count (${nudges} nudges)`]: () => time(() => countOpenNudges(store)),
      [`/metrics text (${nudges} nudges)`]: () => time(() => withGauge.text()),
      '/readyz write probe': () => time(() => probeWrite(store)),
    });
    return latencyRows('operations', '/metrics without the store gauge', baseline!, cases);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
