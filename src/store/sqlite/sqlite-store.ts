/**
 * The embedded store: SQLite through better-sqlite3 (synchronous, in-process), behind the core's
 * asynchronous repository interfaces. WAL mode lets readers run beside the single writer; every
 * multi-row change is one transaction, and `transaction()` makes a use case one.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type {
  AuditRepository,
  ChannelLinkRepository,
  DigestRepository,
  InstallationRepository,
  DropOffRepository,
  InteractionRepository,
  JournalRepository,
  MemberRepository,
  NudgeRepository,
  PartnerRepository,
  PlannedEventRepository,
  PlaybookOverrideRepository,
  PrivacyRepository,
  PromiseRepository,
  Repositories,
  Store,
  WorkspaceRepository,
} from '../../core/ports';
import { SqliteChannelLinkRepository } from './channel-link-repository';
import type { Connection } from './connection';
import { RootConnection, SqliteDb, TransactionConnection, TransactionGate } from './connection';
import { SqliteDigestRepository } from './digest-repository';
import { SqliteInstallationRepository } from './installation-repository';
import { SqliteDropOffRepository } from './drop-off-repository';
import { SqliteInteractionRepository } from './interaction-repository';
import { SqliteJournalRepository } from './journal-repository';
import { SqliteMemberRepository } from './member-repository';
import { migrate } from './migrate';
import { SqliteNudgeRepository } from './nudge-repository';
import { SqlitePartnerRepository } from './partner-repository';
import { SqlitePlannedEventRepository } from './planned-event-repository';
import { SqliteAuditRepository } from './audit-repository';
import { SqlitePlaybookOverrideRepository } from './playbook-override-repository';
import { SqlitePrivacyRepository } from './privacy-repository';
import { SqlitePromiseRepository } from './promise-repository';
import type { BadRowReporter } from './rows';
import { SqliteWorkspaceRepository } from './workspace-repository';

export interface SqliteStoreOptions {
  /** Path of the database file, or `:memory:`. Parent directories are created. */
  path: string;
  /**
   * Called when a stored value is unusable: a safe default is used instead, or (for a nudge that cannot
   * be delivered as stored) the row is skipped. Never fatal.
   */
  onBadRow?: BadRowReporter;
}

/** The repositories of one open transaction; `transaction()` on it joins that transaction. */
export interface SqliteTransaction extends Repositories {
  transaction<T>(work: (tx: SqliteTransaction) => Promise<T>): Promise<T>;
}

/** Opens (and migrates) a database file. */
export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  // First, so that a second process opening the same file waits for its locks instead of failing.
  db.pragma('busy_timeout = 5000');
  useWal(db);
  db.pragma('foreign_keys = ON');
  // WAL with synchronous=NORMAL is durable across process crashes (not power loss) and much faster.
  db.pragma('synchronous = NORMAL');
  migrate(db);
  return new SqliteStore(db, options.onBadRow ?? (() => undefined));
}

/**
 * Switches the file to WAL. Doing so takes an exclusive lock without waiting for it: when two processes
 * open a new file at once, each may find the other's shared lock in the way and be told SQLITE_BUSY. Each
 * then steps back for a short random while (so that they stop meeting) and tries again, for up to about
 * five seconds; by then one of them has switched the file and the other finds WAL on.
 */
function useWal(db: Database.Database): void {
  for (let attempt = 1; ; attempt++) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || attempt === 250) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1 + Math.random() * 20);
    }
  }
}

function repositories(connection: Connection, onBadRow: BadRowReporter): Repositories {
  return {
    workspaces: new SqliteWorkspaceRepository(connection),
    members: new SqliteMemberRepository(connection, onBadRow),
    partners: new SqlitePartnerRepository(connection),
    interactions: new SqliteInteractionRepository(connection),
    nudges: new SqliteNudgeRepository(connection, onBadRow),
    digests: new SqliteDigestRepository(connection),
    journal: new SqliteJournalRepository(connection, onBadRow),
    plannedEvents: new SqlitePlannedEventRepository(connection),
    installations: new SqliteInstallationRepository(connection, onBadRow),
    playbookOverrides: new SqlitePlaybookOverrideRepository(connection),
    audit: new SqliteAuditRepository(connection),
    privacy: new SqlitePrivacyRepository(connection),
    channelLinks: new SqliteChannelLinkRepository(connection),
    promises: new SqlitePromiseRepository(connection),
    dropOffs: new SqliteDropOffRepository(connection),
  };
}

export class SqliteStore implements Store {
  readonly workspaces: WorkspaceRepository;
  readonly members: MemberRepository;
  readonly partners: PartnerRepository;
  readonly interactions: InteractionRepository;
  readonly nudges: NudgeRepository;
  readonly digests: DigestRepository;
  readonly journal: JournalRepository;
  readonly plannedEvents: PlannedEventRepository;
  readonly installations: InstallationRepository;
  readonly playbookOverrides: PlaybookOverrideRepository;
  readonly audit: AuditRepository;
  readonly privacy: PrivacyRepository;
  readonly channelLinks: ChannelLinkRepository;
  readonly promises: PromiseRepository;
  readonly dropOffs: DropOffRepository;
  private readonly sql: SqliteDb;
  private readonly gate = new TransactionGate();
  private readonly root: RootConnection;

  constructor(
    /** The raw connection, for tests and tools; repositories go through the store's connection instead. */
    readonly db: Database.Database,
    private readonly onBadRow: BadRowReporter,
  ) {
    this.sql = new SqliteDb(db);
    this.root = new RootConnection(this.sql, this.gate);
    const repos = repositories(this.root, onBadRow);
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
   * Runs `work` in one `BEGIN IMMEDIATE` transaction with repositories bound to it. Calls through the
   * store itself (from other callers) wait until it ends; from inside `work` they fail (use `tx`).
   */
  async transaction<T>(work: (tx: SqliteTransaction) => Promise<T>): Promise<T> {
    await this.gate.acquire();
    const connection = new TransactionConnection(this.sql);
    const tx: SqliteTransaction = {
      ...repositories(connection, this.onBadRow),
      transaction: (inner) => inner(tx),
    };
    try {
      this.sql.prepare('BEGIN IMMEDIATE').run();
      const result = await this.gate.runAsHolder(() => work(tx));
      this.sql.prepare('COMMIT').run();
      return result;
    } catch (error) {
      if (this.db.inTransaction) this.sql.prepare('ROLLBACK').run();
      throw error;
    } finally {
      connection.end();
      this.gate.release();
    }
  }

  /** Waits for an open transaction to end, then closes the database. */
  async close(): Promise<void> {
    await this.root.run(() => {
      if (this.db.open) this.db.close();
    });
  }
}
