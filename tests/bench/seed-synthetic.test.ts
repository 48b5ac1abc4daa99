/**
 * The synthetic seeder builds what it reports, on a database migrated by the store, and the store reads
 * it back as ordinary data.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedSynthetic } from '../../bench/seed-synthetic';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store';

const NOW = new Date('2026-11-30T10:00:00Z');

describe('synthetic seeder', () => {
  let dir: string;
  let store: SqliteStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rapport-seed-'));
    store = openSqliteStore({ path: join(dir, 'seed.db') });
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const rows = (sql: string): number => (store.db.prepare(sql).get() as { n: number }).n;

  it('writes the counts it reports, per table', () => {
    const report = seedSynthetic(store.db, {
      partners: 400,
      interactions: 4_003,
      workspaces: 3,
      members: 7,
      now: NOW,
    });

    expect(report).toMatchObject({ workspaces: 3, members: 21, partners: 400, interactions: 4_003 });
    expect(rows('SELECT count(*) AS n FROM workspaces')).toBe(3);
    expect(rows('SELECT count(*) AS n FROM members')).toBe(21);
    expect(rows('SELECT count(*) AS n FROM partners')).toBe(400);
    expect(rows('SELECT count(*) AS n FROM partner_owners')).toBe(report.owners);
    expect(report.owners).toBeGreaterThan(400);
    expect(rows('SELECT count(*) AS n FROM interactions')).toBe(4_003);
    expect(rows("SELECT count(*) AS n FROM nudges WHERE status = 'pending'")).toBe(report.openNudges);
    expect(report.openNudges).toBeGreaterThan(0);
  });

  it('spreads the data: all stages, many time zones, mixed kinds over two years, owners in the workspace', () => {
    seedSynthetic(store.db, { partners: 400, interactions: 4_000, workspaces: 3, members: 7, now: NOW });

    const stages = store.db.prepare('SELECT DISTINCT stage FROM partners ORDER BY stage').pluck().all();
    expect(stages).toEqual(['ended', 'exploring', 'negotiating', 'signed']);
    expect(
      rows("SELECT count(*) AS n FROM partners WHERE stage IN ('signed', 'ended') AND signed_on IS NULL"),
    ).toBe(0);
    expect(rows('SELECT count(DISTINCT time_zone) AS n FROM members')).toBeGreaterThanOrEqual(8);
    expect(rows('SELECT count(DISTINCT kind) AS n FROM interactions')).toBeGreaterThanOrEqual(8);
    expect(
      store.db.prepare('SELECT min(occurred_on), max(occurred_on) FROM interactions').raw().get(),
    ).toEqual([expect.stringMatching(/^2024-1[12]/), expect.stringMatching(/^2026-1[01]/)]);
    expect(rows('SELECT count(DISTINCT partner_id) AS n FROM interactions')).toBe(400);
    // Every owner, and every interaction's author, is a member of the partner's own workspace.
    expect(
      rows(`SELECT count(*) AS n FROM partner_owners o JOIN partners p ON p.id = o.partner_id
            LEFT JOIN members m ON m.workspace_id = p.workspace_id AND m.id = o.member_id
            WHERE m.id IS NULL OR o.workspace_id <> p.workspace_id`),
    ).toBe(0);
    expect(
      rows(`SELECT count(*) AS n FROM interactions i LEFT JOIN members m
              ON m.workspace_id = i.workspace_id AND m.id = i.member_id WHERE m.id IS NULL`),
    ).toBe(0);
  });

  it('leaves data the store reads as ordinary partners and histories', async () => {
    seedSynthetic(store.db, { partners: 30, interactions: 300, workspaces: 2, members: 3, now: NOW });

    const partners = await store.partners.list('slack:TSYN0001');
    expect(partners).toHaveLength(15);
    const history = await store.interactions.listForPartner('slack:TSYN0001', partners[0]!.id);
    expect(history).toHaveLength(10);
    expect(
      Object.keys(await store.partners.history('slack:TSYN0001', partners[0]!.id)).length,
    ).toBeGreaterThan(0);
  });
});
