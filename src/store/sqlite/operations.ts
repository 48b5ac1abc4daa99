/**
 * Operator tools on the SQLite database: the readiness write probe, the open-nudge count for metrics, a
 * consistent backup while the service runs, and the checks `rapport doctor` makes. None of them changes
 * what is stored.
 */
import Database from 'better-sqlite3';
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { schemaFinding } from '../schema-finding';
import { RapportError } from '../../core/errors';
import { MIGRATIONS } from './migrations';
import type { SqliteStore } from './sqlite-store';

/** Thrown inside the probe's transaction to roll it back; never escapes. */
const ROLL_BACK = Symbol('roll back the write probe');

/**
 * Proves the database takes writes: takes the write lock (`BEGIN IMMEDIATE`), rewrites the schema version
 * with the value it already has (a real page write), and rolls back, through the store's own transaction
 * gate so that it never interleaves with a use case. Throws what SQLite said when the write is refused
 * (read-only file or connection, disk I/O error, the lock held elsewhere beyond the busy timeout).
 */
export async function probeWrite(store: SqliteStore): Promise<void> {
  try {
    await store.transaction(async () => {
      rewriteSchemaVersion(store.db);
      throw ROLL_BACK;
    });
  } catch (error) {
    if (error !== ROLL_BACK) throw error;
  }
}

function rewriteSchemaVersion(db: Database.Database): void {
  const version = Number(db.pragma('user_version', { simple: true }));
  db.pragma(`user_version = ${version}`);
}

/**
 * Open nudges (pending, snoozed, or sent and unanswered) by rule: one pass over a partial index
 * (`nudges_open_rule`), cheap enough to run on every scrape.
 */
export async function countOpenNudges(store: SqliteStore): Promise<Record<string, number>> {
  const rows = store.db
    .prepare(
      `SELECT rule_id AS rule, count(*) AS n FROM nudges
        WHERE status IN ('pending', 'sent', 'snoozed') GROUP BY rule_id`,
    )
    .all() as { rule: string; n: number }[];
  return Object.fromEntries(rows.map((row) => [row.rule, row.n]));
}

export interface BackupResult {
  file: string;
  bytes: number;
  /** What `PRAGMA integrity_check` said of the copy: `ok`, or its complaints. */
  integrity: string[];
  schemaVersion: number;
}

/**
 * Copies the database at `from` into `to` with SQLite's online backup API, consistent even while the
 * service writes to it (a read transaction in WAL mode: the copy is the database as of one commit). All
 * pages are copied in one step after the first, so a busy writer cannot make the copy start over and over.
 * The copy is written beside `to` and renamed into place once complete; it is a single self-contained
 * file (journal mode DELETE), checked with `PRAGMA integrity_check`. An existing `to` is refused unless
 * `overwrite`.
 */
export async function backupDatabase(from: string, to: string, overwrite = false): Promise<BackupResult> {
  if (!existsSync(from)) throw new RapportError('NOT_FOUND', `There is no database at ${from}`);
  if (existsSync(to) && !overwrite)
    throw new RapportError('CONFLICT', `${to} already exists; choose another file or pass --force`);
  const partial = `${to}.partial-${process.pid}`;
  rmSync(partial, { force: true });
  try {
    const source = new Database(from, { readonly: true, fileMustExist: true });
    try {
      source.pragma('busy_timeout = 5000');
      await source.backup(partial, { progress: () => 0x7fffffff });
    } finally {
      source.close();
    }
    const copy = new Database(partial, { fileMustExist: true });
    let integrity: string[];
    let schemaVersion: number;
    try {
      // The original is in WAL mode; a backup file is easier to move around without -wal and -shm beside it.
      copy.pragma('journal_mode = DELETE');
      integrity = integrityCheck(copy, 'integrity_check');
      schemaVersion = Number(copy.pragma('user_version', { simple: true }));
    } finally {
      copy.close();
    }
    renameSync(partial, to);
    return { file: to, bytes: statSync(to).size, integrity, schemaVersion };
  } finally {
    rmSync(partial, { force: true });
    rmSync(`${partial}-journal`, { force: true });
  }
}

function integrityCheck(db: Database.Database, pragma: 'integrity_check' | 'quick_check'): string[] {
  return (db.pragma(pragma) as Record<string, unknown>[]).map((row) => String(Object.values(row)[0]));
}

/** One line of the doctor's database checklist. */
export interface DatabaseFinding {
  check: 'opens' | 'schema' | 'writable' | 'integrity';
  ok: boolean;
  detail: string;
}

/**
 * What `rapport doctor` finds about the database at `path`, without creating, migrating or changing it:
 * it opens, its schema is the version this program writes, it takes a write (rolled back), and
 * `PRAGMA quick_check` finds nothing wrong.
 */
export function inspectDatabase(path: string): DatabaseFinding[] {
  if (!existsSync(path))
    return [
      {
        check: 'opens',
        ok: false,
        detail: `there is no database at ${path}: run \`rapport migrate\` (or start the service) to create it`,
      },
    ];
  let db: Database.Database;
  try {
    db = new Database(path, { fileMustExist: true });
    db.pragma('busy_timeout = 2000');
    db.pragma('schema_version'); // reads the header: fails on a file that is not a database
  } catch (error) {
    return [{ check: 'opens', ok: false, detail: `${path} does not open as SQLite: ${message(error)}` }];
  }
  const findings: DatabaseFinding[] = [
    { check: 'opens', ok: true, detail: `${path} (${statSync(path).size} bytes)` },
  ];
  try {
    const version = Number(db.pragma('user_version', { simple: true }));
    const current = MIGRATIONS.length;
    findings.push(schemaFinding(version, current));
    try {
      db.exec('BEGIN IMMEDIATE');
      rewriteSchemaVersion(db);
      findings.push({ check: 'writable', ok: true, detail: 'takes writes' });
    } catch (error) {
      findings.push({ check: 'writable', ok: false, detail: `a write was refused: ${message(error)}` });
    } finally {
      if (db.inTransaction) db.exec('ROLLBACK');
    }
    const problems = integrityCheck(db, 'quick_check');
    findings.push(
      problems.length === 1 && problems[0] === 'ok'
        ? { check: 'integrity', ok: true, detail: 'quick_check: ok' }
        : {
            check: 'integrity',
            ok: false,
            detail: `quick_check: ${problems.slice(0, 5).join('; ')}: restore from a backup (rapport backup)`,
          },
    );
  } catch (error) {
    findings.push({ check: 'integrity', ok: false, detail: message(error) });
  } finally {
    db.close();
  }
  return findings;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** An installation's id and its secrets as sealed in the database, for checks that run beside the service. */
export interface SealedInstallation {
  id: string;
  sealedSecrets: string;
}

/**
 * The platform's installations, read without creating or migrating anything (`rapport doctor`): empty when
 * the database or its installations table does not exist yet.
 */
export function readSealedInstallations(path: string, platform: string): SealedInstallation[] {
  if (!existsSync(path)) return [];
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const table = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'installations'")
      .get();
    if (!table) return [];
    return (
      db
        .prepare('SELECT id, sealed_secrets FROM installations WHERE platform = ? ORDER BY id')
        .all(platform) as {
        id: string;
        sealed_secrets: string;
      }[]
    ).map((row) => ({ id: row.id, sealedSecrets: row.sealed_secrets }));
  } finally {
    db.close();
  }
}
