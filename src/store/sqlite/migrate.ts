/**
 * The migration runner. Several processes may open the same file at once (the service and
 * `rapport migrate`): each takes the write lock first and reads the schema version under it, so a
 * migration is applied by exactly one of them and the others find it done.
 */
import type Database from 'better-sqlite3';
import { RapportError } from '../../core/errors';
import { MIGRATIONS } from './migrations';

const schemaVersion = (db: Database.Database): number =>
  db.pragma('user_version', { simple: true }) as number;

function refuseNewer(version: number): void {
  if (version > MIGRATIONS.length) {
    throw new RapportError(
      'STORE',
      `Database schema version ${version} is newer than this program knows (${MIGRATIONS.length}).`,
    );
  }
}

/**
 * Applies the migrations the database has not seen yet, all in one `BEGIN IMMEDIATE` transaction (waiting
 * up to the connection's busy timeout for another writer). Returns the schema version it leaves.
 */
export function migrate(db: Database.Database): number {
  // Read without the lock first: an up-to-date database (every start but the first) takes no write lock.
  const seen = schemaVersion(db);
  refuseNewer(seen);
  if (seen === MIGRATIONS.length) return seen;
  db.exec('BEGIN IMMEDIATE');
  try {
    const current = schemaVersion(db);
    refuseNewer(current);
    for (let version = current; version < MIGRATIONS.length; version++) {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    }
    db.exec('COMMIT');
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
  return MIGRATIONS.length;
}
