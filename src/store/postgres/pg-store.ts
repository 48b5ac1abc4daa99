/**
 * The networked store: PostgreSQL through node-postgres, for organisations that run several instances of
 * Rapport (high availability, rolling deploys) on the engine they already operate. Selected by
 * `DATABASE_URL=postgres://…`; SQLite stays the embedded default.
 *
 * Every repository is written once against `PgSql`: the pool outside a transaction, one connection inside.
 * A use case's `transaction()` is SERIALIZABLE, so it behaves as if it ran alone (as on SQLite) while other
 * instances work beside it; a serialization failure is retried with a fresh transaction.
 */
import pg from 'pg';
import type { Repositories, Store } from '../../core/ports';
import type { BadRowReporter } from '../row-values';
import { migratePostgres } from './migrate';
import type { PgSql } from './pg-sql';
import { PG_TYPES, PoolSql, UNIQUE_VIOLATION } from './pg-sql';
import { PgAuditRepository } from './audit-repository';
import { PgChannelLinkRepository } from './channel-link-repository';
import { PgDigestRepository } from './digest-repository';
import { PgDropOffRepository } from './drop-off-repository';
import { PgInstallationRepository } from './installation-repository';
import { PgInteractionRepository } from './interaction-repository';
import { PgJournalRepository } from './journal-repository';
import { PgMemberRepository } from './member-repository';
import { PgNudgeRepository } from './nudge-repository';
import { PgPartnerRepository } from './partner-repository';
import { PgPlannedEventRepository } from './planned-event-repository';
import { PgPlaybookOverrideRepository } from './playbook-override-repository';
import { PgPrivacyRepository } from './privacy-repository';
import { PgPromiseRepository } from './promise-repository';
import { PgWorkspaceRepository } from './workspace-repository';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` (any libpq connection string node-postgres accepts). */
  url: string;
  /**
   * The schema Rapport's tables live in (created when missing); the connection's default otherwise. Tests
   * give each store a schema of its own.
   */
  schema?: string;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** Called when a stored value is unusable (never fatal); see the SQLite store. */
  onBadRow?: BadRowReporter;
}

/** The repositories of one open transaction; `transaction()` on it joins that transaction. */
export interface PgTransaction extends Repositories {
  transaction<T>(work: (tx: PgTransaction) => Promise<T>): Promise<T>;
}

function repositories(sql: PgSql, onBadRow: BadRowReporter): Repositories {
  return {
    workspaces: new PgWorkspaceRepository(sql),
    members: new PgMemberRepository(sql, onBadRow),
    partners: new PgPartnerRepository(sql),
    interactions: new PgInteractionRepository(sql),
    nudges: new PgNudgeRepository(sql, onBadRow),
    digests: new PgDigestRepository(sql),
    journal: new PgJournalRepository(sql, onBadRow),
    plannedEvents: new PgPlannedEventRepository(sql),
    installations: new PgInstallationRepository(sql, onBadRow),
    playbookOverrides: new PgPlaybookOverrideRepository(sql),
    audit: new PgAuditRepository(sql),
    privacy: new PgPrivacyRepository(sql),
    channelLinks: new PgChannelLinkRepository(sql),
    promises: new PgPromiseRepository(sql),
    dropOffs: new PgDropOffRepository(sql),
  };
}

/** Connects, creates the schema when asked, and migrates. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const schema = options.schema;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    types: PG_TYPES,
    // Every connection works in Rapport's schema, and in UTC (instants are compared and printed in UTC).
    options: `-c TimeZone=UTC${schema ? ` -c search_path=${quoteIdentifier(schema)}` : ''}`,
  });
  // An idle connection that breaks (the server restarted) must not crash the process: the pool drops it.
  pool.on('error', () => undefined);
  try {
    if (schema) await createSchema(pool, schema);
    const sql = new PoolSql(pool);
    await migratePostgres(sql);
    return new PostgresStore(sql, options.onBadRow ?? (() => undefined));
  } catch (error) {
    await pool.end();
    throw error;
  }
}

/**
 * `CREATE SCHEMA IF NOT EXISTS` is not safe when several instances run it at once: the one that loses the race
 * gets a unique violation (23505) or "already exists" (42P06), which both mean the schema is there.
 */
async function createSchema(pool: pg.Pool, schema: string): Promise<void> {
  try {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code !== UNIQUE_VIOLATION && code !== '42P06') throw error;
  }
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export class PostgresStore implements Store {
  readonly workspaces: Repositories['workspaces'];
  readonly members: Repositories['members'];
  readonly partners: Repositories['partners'];
  readonly interactions: Repositories['interactions'];
  readonly nudges: Repositories['nudges'];
  readonly digests: Repositories['digests'];
  readonly journal: Repositories['journal'];
  readonly plannedEvents: Repositories['plannedEvents'];
  readonly installations: Repositories['installations'];
  readonly playbookOverrides: Repositories['playbookOverrides'];
  readonly audit: Repositories['audit'];
  readonly privacy: Repositories['privacy'];
  readonly channelLinks: Repositories['channelLinks'];
  readonly promises: Repositories['promises'];
  readonly dropOffs: Repositories['dropOffs'];

  constructor(
    /** The pool, for tests and tools; repositories go through it too. */
    readonly sql: PoolSql,
    private readonly onBadRow: BadRowReporter,
  ) {
    const repos = repositories(sql, onBadRow);
    this.workspaces = repos.workspaces;
    this.members = repos.members;
    this.partners = repos.partners;
    this.interactions = repos.interactions;
    this.nudges = repos.nudges;
    this.digests = repos.digests;
    this.journal = repos.journal;
    this.plannedEvents = repos.plannedEvents;
    this.installations = repos.installations;
    this.playbookOverrides = repos.playbookOverrides;
    this.audit = repos.audit;
    this.privacy = repos.privacy;
    this.channelLinks = repos.channelLinks;
    this.promises = repos.promises;
    this.dropOffs = repos.dropOffs;
  }

  /**
   * Runs `work` in one SERIALIZABLE transaction with repositories bound to it; retried from the start when
   * PostgreSQL reports a serialization failure (so `work` reaches only the database, through `tx`). Using
   * the store itself from inside `work` is refused (use `tx`).
   */
  transaction<T>(work: (tx: PgTransaction) => Promise<T>): Promise<T> {
    return this.sql.transaction((connection) => {
      const tx: PgTransaction = {
        ...repositories(connection, this.onBadRow),
        transaction: (inner) => inner(tx),
      };
      return work(tx);
    }, 'serializable');
  }

  private closing: Promise<void> | null = null;

  /** Waits for the pool's connections to be given back, then closes them (once, however often called). */
  close(): Promise<void> {
    this.closing ??= this.sql.pool.end();
    return this.closing;
  }
}
