/**
 * How repositories reach the database. better-sqlite3 is one synchronous connection, while a unit of
 * work (`store.transaction`) is asynchronous: between its statements other callers get the event loop.
 * So every repository runs its SQL through a `Connection`. The store's own connection waits while a
 * transaction is open (its writes would otherwise join, and could be rolled back with, somebody else's
 * transaction); a transaction's connection runs at once, inside the transaction.
 */
import type Database from 'better-sqlite3';
import { AsyncLocalStorage } from 'node:async_hooks';
import { RapportError } from '../../core/errors';

/**
 * The database as repository code sees it: each SQL text is prepared once and reused. Variable-length
 * lists are bound as one JSON parameter (`IN (SELECT value FROM json_each(?))`), so the set of SQL texts,
 * and with it the cache, stays as small as the code that writes them.
 */
export class SqliteDb {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(readonly raw: Database.Database) {}

  /** The prepared statement for `sql`. Callers must not toggle its modes (`pluck`, `raw`, `expand`). */
  prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.raw.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * Runs `work` atomically: its own transaction (`BEGIN IMMEDIATE` when `immediate`, taking the write lock
   * before reading), or a savepoint inside the transaction already open.
   */
  atomic<T>(work: () => T, immediate = false): T {
    const run = this.raw.transaction(work);
    return immediate ? run.immediate() : run();
  }
}

/** Where a repository runs its SQL. */
export interface Connection {
  /** Runs `work` (synchronous SQL) when this connection may use the database. */
  run<T>(work: (db: SqliteDb) => T): Promise<T>;
}

/**
 * One open transaction at a time, handed over in arrival order. The holder's async context is marked, so
 * that a use of the store itself from inside its own transaction fails at once instead of waiting forever.
 */
export class TransactionGate {
  private held = false;
  private readonly waiting: (() => void)[] = [];
  private readonly context = new AsyncLocalStorage<object>();
  private holder: object | null = null;

  get busy(): boolean {
    return this.held;
  }

  async acquire(): Promise<void> {
    if (this.insideHolder()) {
      throw new RapportError(
        'STORE',
        'The store was used directly inside store.transaction: use the repositories the transaction gives (tx).',
      );
    }
    if (!this.held) {
      this.held = true;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Hands the gate to the next waiter, if any (it stays held: nobody can slip in between). */
  release(): void {
    this.holder = null;
    const next = this.waiting.shift();
    if (next) next();
    else this.held = false;
  }

  /** Runs `work` marked as the current holder's. */
  runAsHolder<T>(work: () => Promise<T>): Promise<T> {
    const mark = {};
    this.holder = mark;
    return this.context.run(mark, work);
  }

  private insideHolder(): boolean {
    return this.holder !== null && this.context.getStore() === this.holder;
  }
}

/** The store's connection: runs at once unless a transaction is open, then waits for it to end. */
export class RootConnection implements Connection {
  constructor(
    private readonly db: SqliteDb,
    private readonly gate: TransactionGate,
  ) {}

  async run<T>(work: (db: SqliteDb) => T): Promise<T> {
    if (!this.gate.busy) return work(this.db);
    await this.gate.acquire();
    try {
      return work(this.db);
    } finally {
      this.gate.release();
    }
  }
}

/** A transaction's connection: runs directly, and refuses to run once the transaction has ended. */
export class TransactionConnection implements Connection {
  private open = true;

  constructor(private readonly db: SqliteDb) {}

  async run<T>(work: (db: SqliteDb) => T): Promise<T> {
    if (!this.open) {
      throw new RapportError('STORE', 'The transaction has already ended; its repositories cannot be used.');
    }
    return work(this.db);
  }

  end(): void {
    this.open = false;
  }
}
