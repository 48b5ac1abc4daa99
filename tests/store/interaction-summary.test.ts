/**
 * The interaction summary that `partners.history` reads: after any sequence of logs, edits, deletions
 * and undos through the core, and after an import, a partner's removal or the migration that creates it,
 * it says what the GROUP BY over every interaction (the query it replaced, kept here as the oracle) says.
 * On SQLite, which the core harness opens; interaction-summary-triggers.test.ts checks both stores.
 */
import Database from 'better-sqlite3';
import type { InteractionKind, KindHistory } from '../../src/core/model';
import { importPortfolio } from '../../src/core/import/import-portfolio';
import { DEFAULT_PLAYBOOK } from '../../src/core/playbook/playbook';
import { INTERACTION_SUMMARY_MIGRATION } from '../../src/store/sqlite/interaction-summary';
import { migrate } from '../../src/store/sqlite/migrate';
import { MIGRATIONS } from '../../src/store/sqlite/migrations';
import { coreHarness, flatten } from '../support/core-harness';
import { tempDir } from '../support/temp-dir';
import { seededRandom } from './interaction-rows';

type Harness = Awaited<ReturnType<typeof coreHarness>>;

const NOW = new Date('2026-11-27T10:00:00Z');
const PARTNERS = ['Nissan', 'Renault Group'];
const KINDS: InteractionKind[] = ['call', 'meeting', 'visit', 'note'];

/** The per-kind history as it used to be computed on every read: over all of the partner's rows. */
function oracle(db: Database.Database, workspaceId: string, partnerId: number): KindHistory {
  const rows = db
    .prepare(
      `SELECT i.kind, MIN(i.occurred_on) AS first, MAX(i.occurred_on) AS last, COUNT(*) AS count,
         (SELECT r.rating FROM interactions r WHERE r.partner_id = i.partner_id AND r.kind = i.kind
          ORDER BY r.occurred_on DESC, r.id DESC LIMIT 1) AS last_rating
       FROM interactions i WHERE i.workspace_id = ? AND i.partner_id = ? GROUP BY i.kind`,
    )
    .all(workspaceId, partnerId) as {
    kind: InteractionKind;
    first: string;
    last: string;
    count: number;
    last_rating: number | null;
  }[];
  const history: KindHistory = {};
  for (const row of rows) {
    history[row.kind] = { first: row.first, last: row.last, count: row.count };
    if (row.last_rating !== null) history[row.kind]!.lastRating = row.last_rating;
  }
  return history;
}

async function expectSummaryMatches(h: Harness, label: string): Promise<void> {
  const { workspaceId } = h.actor;
  for (const name of PARTNERS) {
    const partner = await h.store.partners.findByName(workspaceId, name);
    if (!partner) continue;
    const expected = oracle(h.db, workspaceId, partner.id);
    const actual = await h.store.partners.history(workspaceId, partner.id);
    if (JSON.stringify(sorted(actual)) !== JSON.stringify(sorted(expected))) {
      throw new Error(`${label}: ${name} summary ${JSON.stringify(actual)} ≠ ${JSON.stringify(expected)}`);
    }
  }
}

const sorted = (history: KindHistory): [string, unknown][] =>
  Object.entries(history).sort(([a], [b]) => a.localeCompare(b));

describe('SQLite interaction summary, through the core', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await coreHarness({ now: NOW });
    for (const name of PARTNERS) await h.say(`add "${name}"`, new Date('2026-09-01T10:00:00Z'));
  });
  afterEach(() => h.close());

  it.each([1, 2, 3])(
    'equals the GROUP BY over all interactions after random logs, edits, deletes and undos (seed %i)',
    async (seed) => {
      const next = seededRandom(seed);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
      const day = (): string => `2026-11-${String(1 + Math.floor(next() * 26)).padStart(2, '0')}`;
      const done: Record<string, number> = { log: 0, edit: 0, delete: 0, undo: 0 };
      for (let step = 0; step < 120; step++) {
        const partner = `"${pick(PARTNERS)}"`;
        const roll = next();
        let command: string;
        let kind: keyof typeof done;
        if (roll < 0.45) {
          kind = 'log';
          command = `log ${partner} ${pick(KINDS)} ${day()} step ${step}`;
        } else if (roll < 0.75) {
          kind = 'edit';
          const field = pick(['date', 'kind', 'rating', 'rating', 'note']);
          const value =
            field === 'date'
              ? day()
              : field === 'kind'
                ? pick(KINDS)
                : field === 'rating'
                  ? pick(['1', '3', '5', 'none'])
                  : `edited at ${step}`;
          command = `edit ${partner} ${1 + Math.floor(next() * 4)} ${field} ${value}`;
        } else if (roll < 0.9) {
          kind = 'delete';
          command = `delete ${partner} ${1 + Math.floor(next() * 4)}`;
        } else {
          kind = 'undo';
          command = 'undo';
        }
        const { reply } = await h.rapport.handleCommand(h.actor, command, NOW);
        if (kind === 'delete') {
          const button = reply.choices?.find((c) => c.style === 'danger');
          if (button) {
            await h.rapport.handleChoice(h.actor, button.id, NOW);
            done.delete!++;
          }
        } else if (!reply.isError && !/nothing/i.test(flatten(reply))) done[kind]!++;
        await expectSummaryMatches(h, `seed ${seed}, step ${step} (${command})`);
      }
      // The sequence did exercise every kind of write, not just logs.
      expect(done.log).toBeGreaterThan(20);
      expect(done.edit).toBeGreaterThan(10);
      expect(done.delete).toBeGreaterThan(5);
      expect(done.undo).toBeGreaterThan(0);
    },
  );

  it('follows a restore under the old id and a rating-only edit of the latest interaction', async () => {
    const { workspaceId } = h.actor;
    const nissan = (await h.store.partners.findByName(workspaceId, 'Nissan'))!;
    const base = { workspaceId, partnerId: nissan.id, memberId: h.actor.memberId, note: null, nudgeId: null };
    const early = await h.store.interactions.add({
      ...base,
      kind: 'call',
      occurredOn: '2026-11-02',
      rating: 2,
      now: NOW,
    });
    const late = await h.store.interactions.add({
      ...base,
      kind: 'call',
      occurredOn: '2026-11-20',
      rating: 4,
      now: NOW,
    });
    expect((await h.store.partners.history(workspaceId, nissan.id)).call).toEqual({
      first: '2026-11-02',
      last: '2026-11-20',
      count: 2,
      lastRating: 4,
    });
    await h.store.interactions.update(workspaceId, late.id, { rating: 5 });
    expect((await h.store.partners.history(workspaceId, nissan.id)).call?.lastRating).toBe(5);
    const removed = (await h.store.interactions.get(workspaceId, late.id))!;
    await h.store.interactions.remove(workspaceId, late.id);
    expect((await h.store.partners.history(workspaceId, nissan.id)).call).toEqual({
      first: '2026-11-02',
      last: '2026-11-02',
      count: 1,
      lastRating: 2,
    });
    await h.store.interactions.restore(removed);
    await h.store.interactions.remove(workspaceId, early.id);
    expect((await h.store.partners.history(workspaceId, nissan.id)).call).toEqual({
      first: '2026-11-20',
      last: '2026-11-20',
      count: 1,
      lastRating: 5,
    });
    await expectSummaryMatches(h, 'after restore');
  });

  it('keeps up with an imported portfolio and forgets a removed partner', async () => {
    const { workspaceId } = h.actor;
    await h.say('log Nissan visit 2026-11-03');
    const outcome = await importPortfolio(
      h.store,
      DEFAULT_PLAYBOOK,
      workspaceId,
      'name,first_meeting,last_contact\nNissan,2026-01-05,2026-11-20\nToyota,2025-06-01,2026-10-01\n',
      { apply: true, defaultOwner: h.actor.memberId, importedBy: h.actor.memberId, today: '2026-11-27' },
      NOW,
    );
    expect(outcome.ok && outcome.applied).toBe(true);
    PARTNERS.push('Toyota');
    await expectSummaryMatches(h, 'after import');
    const toyota = (await h.store.partners.findByName(workspaceId, 'Toyota'))!;
    expect(Object.keys(await h.store.partners.history(workspaceId, toyota.id)).length).toBeGreaterThan(0);
    PARTNERS.pop();
    const nissan = (await h.store.partners.findByName(workspaceId, 'Nissan'))!;
    await h.store.partners.remove(workspaceId, nissan.id);
    const left = h.db
      .prepare('SELECT COUNT(*) FROM interaction_summary WHERE partner_id = ?')
      .pluck()
      .get(nissan.id);
    expect(left).toBe(0);
    await expectSummaryMatches(h, 'after removal');
  });
});

describe('SQLite interaction summary migration', () => {
  it('fills the summary from the interactions already stored', () => {
    const dir = tempDir();
    const db = new Database(dir.file('old.db'));
    try {
      db.pragma('foreign_keys = ON');
      // The schema just before this migration (others may be appended after it).
      const previous = MIGRATIONS.indexOf(INTERACTION_SUMMARY_MIGRATION);
      expect(previous).toBeGreaterThan(0);
      for (const sql of MIGRATIONS.slice(0, previous)) db.exec(sql);
      db.pragma(`user_version = ${previous}`);
      db.prepare(
        `INSERT INTO workspaces (id, platform, external_id, created_at) VALUES ('shell:w', 'shell', 'w', '2026-01-01')`,
      ).run();
      db.prepare(
        `INSERT INTO partners (id, workspace_id, name, name_key, stage, stage_changed_at, created_at, created_by)
         VALUES (7, 'shell:w', 'Nissan', 'nissan', 'exploring', '2026-01-01', '2026-01-01', 'ada')`,
      ).run();
      const insert = db.prepare(
        `INSERT INTO interactions (workspace_id, partner_id, member_id, kind, occurred_on, rating, created_at)
         VALUES ('shell:w', 7, 'ada', ?, ?, ?, '2026-01-01')`,
      );
      insert.run('call', '2026-03-01', 3);
      insert.run('call', '2026-05-01', null);
      insert.run('call', '2026-05-01', 4);
      insert.run('visit', '2026-02-10', null);
      const before = oracle(db, 'shell:w', 7);
      expect(migrate(db)).toBe(MIGRATIONS.length);
      const rows = db
        .prepare('SELECT kind, first_on, last_on, count, last_rating FROM interaction_summary')
        .all();
      expect(rows).toEqual([
        { kind: 'call', first_on: '2026-03-01', last_on: '2026-05-01', count: 3, last_rating: 4 },
        { kind: 'visit', first_on: '2026-02-10', last_on: '2026-02-10', count: 1, last_rating: null },
      ]);
      expect(before.call).toEqual({ first: '2026-03-01', last: '2026-05-01', count: 3, lastRating: 4 });
    } finally {
      db.close();
      dir.cleanup();
    }
  });
});
