/**
 * How the PostgreSQL repositories reach the database. A `PgSql` is either the pool (each statement on
 * whichever connection is free; `atomic` borrows one connection for a transaction) or one connection inside
 * an open transaction (`atomic` is a savepoint there). Repositories are written once against it, so the
 * same method runs alone or as part of a use case's transaction.
 *
 * Each SQL text gets a name the first time it is used and runs as a named prepared statement: PostgreSQL
 * parses and plans it once per connection, not on every call.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import pg from 'pg';
import { RapportError } from '../../core/errors';

export type PgRow = Record<string, unknown>;

/**
 * Values as the repositories want them back: `date` columns as their `YYYY-MM-DD` text (never a Date at
 * local midnight), 64-bit counts as numbers (every count here fits), instants as `Date` (the default).
 */
export const PG_TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.DATE) return (value: string) => value;
    if (oid === pg.types.builtins.INT8) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

export interface PgSql {
  /** The rows `text` returns, `$1`… bound to `values`. */
  all<R extends QueryResultRow = PgRow>(text: string, values?: readonly unknown[]): Promise<R[]>;
  /** The first row, or undefined. */
  one<R extends QueryResultRow = PgRow>(text: string, values?: readonly unknown[]): Promise<R | undefined>;
  /** How many rows the statement changed. */
  run(text: string, values?: readonly unknown[]): Promise<number>;
  /**
   * Runs `work` atomically: a transaction of its own on one connection, or a savepoint inside the
   * transaction already open. `work` must use the `sql` it is given.
   */
  atomic<T>(work: (sql: PgSql) => Promise<T>): Promise<T>;
}

/**
 * Statement names, one per distinct SQL text, shared by every connection of the pool. A name is renewed when
 * PostgreSQL says its cached plan no longer fits (a migration by a newer instance changed a table that a
 * `SELECT *` reads, during a rolling deploy): each connection then prepares the text afresh.
 */
class StatementNames {
  private readonly names = new Map<string, string>();
  private issued = 0;

  nameOf(text: string): string {
    let name = this.names.get(text);
    if (!name) {
      name = `rapport_${++this.issued}`;
      this.names.set(text, name);
    }
    return name;
  }

  renew(text: string): void {
    this.names.delete(text);
  }
}

type Queryable = Pick<Pool, 'query'> | Pick<PoolClient, 'query'>;

/** PostgreSQL's refusal to run a prepared statement whose result columns changed since it was prepared. */
function isStalePlan(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === '0A000' && typeof message === 'string' && message.includes('cached plan');
}

/**
 * Runs one statement under its name. A stale plan renews the name; outside a transaction the statement is
 * then simply run again, inside one the transaction is retried from the start (see `isRetryable`).
 */
async function query<R extends QueryResultRow>(
  on: Queryable,
  names: StatementNames,
  text: string,
  values: readonly unknown[],
  autocommit: boolean,
): Promise<{ rows: R[]; rowCount: number | null }> {
  try {
    return await on.query<R>({ name: names.nameOf(text), text, values: values as unknown[] });
  } catch (error) {
    if (!isStalePlan(error)) throw error;
    names.renew(text);
    if (!autocommit) throw error;
    return on.query<R>({ name: names.nameOf(text), text, values: values as unknown[] });
  }
}

abstract class BaseSql implements PgSql {
  constructor(protected readonly names: StatementNames) {}

  protected abstract target(): Queryable;
  /** Whether each statement commits on its own (the pool) or belongs to an open transaction. */
  protected abstract readonly autocommit: boolean;

  async all<R extends QueryResultRow = PgRow>(text: string, values: readonly unknown[] = []): Promise<R[]> {
    return (await query<R>(this.target(), this.names, text, values, this.autocommit)).rows;
  }

  async one<R extends QueryResultRow = PgRow>(
    text: string,
    values: readonly unknown[] = [],
  ): Promise<R | undefined> {
    return (await query<R>(this.target(), this.names, text, values, this.autocommit)).rows[0];
  }

  async run(text: string, values: readonly unknown[] = []): Promise<number> {
    return (await query(this.target(), this.names, text, values, this.autocommit)).rowCount ?? 0;
  }

  abstract atomic<T>(work: (sql: PgSql) => Promise<T>): Promise<T>;
}

/** One connection inside an open transaction. */
export class TransactionSql extends BaseSql {
  protected readonly autocommit = false;
  private open = true;
  private savepoints = 0;
  /** How many savepoints the current async context is inside (none outside any `atomic`). */
  private readonly depth = new AsyncLocalStorage<number>();
  /** Per depth, when the savepoint last opened there is released or rolled back. */
  private readonly turns: Promise<void>[] = [];

  constructor(
    private readonly client: PoolClient,
    names: StatementNames,
  ) {
    super(names);
  }

  protected target(): Queryable {
    if (!this.open) {
      throw new RapportError('STORE', 'The transaction has already ended; its repositories cannot be used.');
    }
    return this.client;
  }

  /**
   * Savepoints nest, but two side by side on one connection do not: rolling back the first would also undo
   * the second's writes and drop its savepoint. So atomic blocks started at the same depth at once (a
   * `Promise.all` inside a use case) run one after the other, as they do on SQLite; one started inside
   * another's work nests at once.
   */
  async atomic<T>(work: (sql: PgSql) => Promise<T>): Promise<T> {
    const at = this.depth.getStore() ?? 0;
    const previous = this.turns[at] ?? Promise.resolve();
    let done!: () => void;
    this.turns[at] = new Promise<void>((resolve) => (done = resolve));
    try {
      await previous;
      const savepoint = `rapport_sp_${++this.savepoints}`;
      await this.target().query(`SAVEPOINT ${savepoint}`);
      try {
        const result = await this.depth.run(at + 1, () => work(this));
        await this.client.query(`RELEASE SAVEPOINT ${savepoint}`);
        return result;
      } catch (error) {
        await this.client.query(`ROLLBACK TO SAVEPOINT ${savepoint}`);
        throw error;
      }
    } finally {
      done();
    }
  }

  /** Runs several statements in one go, with nothing bound (a migration). */
  async script(text: string): Promise<void> {
    await this.target().query(text);
  }

  end(): void {
    this.open = false;
  }
}

/**
 * How a transaction isolates itself. A use case (`store.transaction`) runs `serializable`: it behaves as if
 * it ran alone, as it does on SQLite, whatever other instances do meanwhile. A repository's own atomic
 * change runs `read committed`: each is written to be correct there (row locks, `ON CONFLICT`, `SKIP
 * LOCKED`), and the claims of several senders must not fail each other.
 */
export type Isolation = 'serializable' | 'read committed';

/** The pool: each statement on a free connection. */
export class PoolSql extends BaseSql {
  protected readonly autocommit = true;
  /** Marks the async context of an open transaction, so the pool refuses to be used from inside it. */
  private readonly inside = new AsyncLocalStorage<true>();

  constructor(
    readonly pool: Pool,
    names: StatementNames = new StatementNames(),
  ) {
    super(names);
  }

  /**
   * The pool from inside one of its own transactions would take a second connection, and could wait
   * forever on a row that transaction holds: refused at once, as the SQLite store does.
   */
  protected target(): Queryable {
    this.refuseInsideTransaction();
    return this.pool;
  }

  private refuseInsideTransaction(): void {
    if (this.inside.getStore()) {
      throw new RapportError(
        'STORE',
        'The store was used directly inside store.transaction: use the repositories the transaction gives (tx).',
      );
    }
  }

  atomic<T>(work: (sql: PgSql) => Promise<T>): Promise<T> {
    return this.transaction((tx) => work(tx), 'read committed');
  }

  /**
   * Runs `work` in a transaction on one connection: committed when it resolves, rolled back when it throws.
   * A serialization failure or deadlock (another instance wrote the same rows) is retried a few times with
   * a fresh transaction, as PostgreSQL asks; `work` must therefore be safe to run again (it reaches only
   * the database, through `tx`).
   */
  async transaction<T>(work: (tx: TransactionSql) => Promise<T>, isolation: Isolation): Promise<T> {
    this.refuseInsideTransaction();
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      const tx = new TransactionSql(client, this.names);
      let broken: Error | undefined;
      try {
        await client.query(`BEGIN ISOLATION LEVEL ${isolation.toUpperCase()}`);
        const result = await this.inside.run(true, () => work(tx));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          broken = rollbackError;
        });
        if (attempt < 6 && isRetryable(error)) {
          // A short, growing, random pause, so that the transactions that met do not meet again at once.
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
          continue;
        }
        throw error;
      } finally {
        tx.end();
        client.release(broken);
      }
    }
  }
}

/**
 * 40001 serialization_failure, 40P01 deadlock_detected, or a stale plan (renewed by then): the transaction
 * may simply be run again.
 */
function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === '40001' || code === '40P01' || isStalePlan(error);
}

/** PostgreSQL's SQLSTATE for a unique-constraint violation. */
export const UNIQUE_VIOLATION = '23505';

export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown }).code === UNIQUE_VIOLATION;
}
