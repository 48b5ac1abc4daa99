import { Rapport } from '../../src/core/rapport';
import type { Actor } from '../../src/core/rapport';
import type { Message } from '../../src/core/messages';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import { recordingLogger } from './silent-logger';
import { tempDir } from './temp-dir';

/** A Rapport on a real temporary SQLite file, with one member who has a working address. */
export async function coreHarness(options: { timeZone?: string; now?: Date } = {}) {
  const dir = tempDir();
  const store: SqliteStore = openSqliteStore({ path: dir.file('rapport.db') });
  const logger = recordingLogger();
  const rapport = new Rapport({ store, logger, defaultTimeZone: options.timeZone ?? 'UTC' });
  const now = options.now ?? new Date('2026-11-27T10:00:00Z');
  const { actor } = await rapport.identify(
    'shell',
    'local',
    { memberId: 'ada', displayName: 'Ada', address: { channel: 'shell', payload: { session: 'local' } } },
    now,
  );
  return {
    dir,
    store,
    rapport,
    actor,
    logger,
    now,
    /** Runs a command and returns the whole reply as one string. */
    async say(text: string, at: Date = now, as: Actor = actor): Promise<string> {
      return flatten((await rapport.handleCommand(as, text, at)).reply);
    },
    /** Counts rows in every table, to prove that a refused command wrote nothing. */
    counts(): Record<string, number> {
      const tables = ['partners', 'interactions', 'nudges', 'partner_owners', 'journal'];
      return Object.fromEntries(
        tables.map((t) => [t, store.db.prepare(`SELECT COUNT(*) FROM ${t}`).pluck().get() as number]),
      );
    },
    async close() {
      await store.close();
      dir.cleanup();
    },
  };
}

/** Every text of a message in one string (title, text, facts, sections, choices, footer). */
export function flatten(message: Message): string {
  return [
    message.title,
    message.text,
    ...(message.facts ?? []).map((f) => `${f.label}: ${f.value}`),
    ...(message.sections ?? []).flatMap((s) => [s.title, ...s.lines]),
    ...(message.choices ?? []).map((c) => `[${c.label}]`),
    message.footer,
  ]
    .filter(Boolean)
    .join('\n');
}
