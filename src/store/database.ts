/**
 * The one place that chooses the engine: SQLite (the embedded default, `DATABASE_PATH`) or PostgreSQL
 * (`DATABASE_URL=postgres://…`, for several instances on one database). What the rest of the service needs
 * beyond the core's `Store` — the readiness probe, the open-nudge gauge, where the data is — comes with it.
 */
import type { Config } from '../config';
import type { Store } from '../core/ports';
import type { SendPacing, SendSlots } from '../core/send-slots-port';
import { openPostgresStore } from './postgres/pg-store';
import type { PostgresStore } from './postgres/pg-store';
import * as postgresOperations from './postgres/operations';
import { PostgresSendSlots } from './postgres/send-slots';
import type { BadRowReporter } from './row-values';
import { openSqliteStore } from './sqlite/sqlite-store';
import type { SqliteStore } from './sqlite/sqlite-store';
import * as sqliteOperations from './sqlite/operations';

interface Engine<K extends string, S extends Store> {
  readonly engine: K;
  readonly store: S;
  /** Where the data is, for people: the file, or the PostgreSQL server and database (never a password). */
  readonly location: string;
  /** Proves the database takes writes (nothing is kept); throws what the engine said otherwise. */
  probeWrite(): Promise<void>;
  /** Open nudges by rule, for the metrics gauge. */
  countOpenNudges(): Promise<Record<string, number>>;
  /**
   * Send limits (pacing, Retry-After, whose turn a member is) kept where every instance on this database
   * sees them, on the wall clock; null when one process keeps them itself (SQLite).
   */
  readonly sharedSendSlots: ((pacing: SendPacing) => SendSlots) | null;
}

export type Database = Engine<'sqlite', SqliteStore> | Engine<'postgres', PostgresStore>;

export async function openDatabase(
  config: Pick<Config, 'databasePath' | 'postgres'>,
  onBadRow?: BadRowReporter,
): Promise<Database> {
  if (config.postgres) {
    const store = await openPostgresStore({
      url: config.postgres.url,
      schema: config.postgres.schema ?? undefined,
      onBadRow,
    });
    return {
      engine: 'postgres',
      store,
      location: postgresLocation(config.postgres.url, config.postgres.schema),
      probeWrite: () => postgresOperations.probeWrite(store),
      countOpenNudges: () => postgresOperations.countOpenNudges(store),
      sharedSendSlots: (pacing) => new PostgresSendSlots(store.sql, pacing),
    };
  }
  const store = openSqliteStore({ path: config.databasePath, onBadRow });
  return {
    engine: 'sqlite',
    store,
    location: config.databasePath,
    probeWrite: () => sqliteOperations.probeWrite(store),
    countOpenNudges: () => sqliteOperations.countOpenNudges(store),
    sharedSendSlots: null,
  };
}

/** `postgres://host:port/database (schema s)`, without the user's password. */
export function postgresLocation(url: string, schema: string | null): string {
  try {
    const parsed = new URL(url);
    return `postgres://${parsed.host}${parsed.pathname}${schema ? ` (schema ${schema})` : ''}`;
  } catch {
    return 'postgres';
  }
}
