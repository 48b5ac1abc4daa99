import type { NewNudge, Repositories } from '../../src/core/ports';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import { tempDir } from '../support/temp-dir';

export const NOW = new Date('2026-11-27T10:00:00Z');
export const SLACK_ADDRESS = { channel: 'slack' as const, payload: {} };

/** `at` moved by `ms` milliseconds. */
export const after = (ms: number, at: Date = NOW): Date => new Date(at.getTime() + ms);
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** A bad-row report as the store made it. */
export interface BadRow {
  what: string;
  detail: Record<string, unknown>;
}

/**
 * A store on a real temporary SQLite file with two workspaces (`slack:T1` Acme, `slack:T2` Globex) and one
 * member, Ada (`U1` in T1, Europe/Paris, no address yet). Bad-row reports are collected in `badRows`.
 */
export async function storeHarness() {
  const dir = tempDir();
  const path = dir.file('nested/rapport.db');
  const badRows: BadRow[] = [];
  const open = (): SqliteStore =>
    openSqliteStore({
      path,
      onBadRow: (what, detail) => badRows.push({ what, detail: detail as Record<string, unknown> }),
    });
  const harness = {
    dir,
    path,
    badRows,
    store: open(),
    /** Closes and opens the file again. */
    async reopen(): Promise<SqliteStore> {
      await harness.store.close();
      harness.store = open();
      return harness.store;
    },
    /** Counts the rows of a table, read directly from the file. */
    count(table: string): number {
      return (harness.store.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    },
    async close(): Promise<void> {
      await harness.store.close();
      dir.cleanup();
    },
  };
  const { store } = harness;
  await store.workspaces.ensure('slack', 'T1', 'Acme', NOW);
  await store.workspaces.ensure('slack', 'T2', 'Globex', NOW);
  await store.members.see(
    { workspaceId: 'slack:T1', memberId: 'U1', displayName: 'Ada' },
    'Europe/Paris',
    NOW,
  );
  return harness;
}

export type StoreHarness = Awaited<ReturnType<typeof storeHarness>>;

/** Creates a signed partner, by default in `slack:T1` and owned by U1, through the store or a transaction. */
export async function addPartner(
  repositories: Pick<Repositories, 'partners'>,
  name = 'Nissan',
  workspaceId = 'slack:T1',
  createdBy = 'U1',
) {
  return repositories.partners.create({ workspaceId, name, stage: 'signed', createdBy, now: NOW });
}

/** A nudge for U1 about `partnerId`, due and deliverable at NOW. */
export const nudgeFor = (partnerId: number, overrides: Partial<NewNudge> = {}): NewNudge => ({
  workspaceId: 'slack:T1',
  partnerId,
  memberId: 'U1',
  ruleId: 'post-signing',
  occurrence: 'd30',
  dueAt: NOW,
  deliverAfter: NOW,
  now: NOW,
  ...overrides,
});
