/**
 * The PostgreSQL migration runner. Several instances may start at once (a rolling deploy): each takes the
 * same transaction-scoped advisory lock first and reads the schema version under it, so a migration is
 * applied by exactly one of them and the others find it done. DDL is transactional in PostgreSQL, so a
 * migration that fails leaves nothing behind.
 */
import { RapportError } from '../../core/errors';
import { PG_MIGRATIONS } from './migrations';
import type { PoolSql } from './pg-sql';

/** An arbitrary constant that names Rapport's migration lock among the database's advisory locks. */
const MIGRATION_LOCK = 0x5241_5050; // "RAPP"

/** Applies the migrations the database has not seen yet. Returns the schema version it leaves. */
export async function migratePostgres(sql: PoolSql): Promise<number> {
  return sql.transaction(async (tx) => {
    await tx.run('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.run('CREATE TABLE IF NOT EXISTS rapport_schema_version (version integer NOT NULL)');
    const row = await tx.one<{ version: number }>('SELECT version FROM rapport_schema_version');
    const current = row?.version ?? 0;
    if (current > PG_MIGRATIONS.length) {
      throw new RapportError(
        'STORE',
        `Database schema version ${current} is newer than this program knows (${PG_MIGRATIONS.length}).`,
      );
    }
    for (let version = current; version < PG_MIGRATIONS.length; version++) {
      // Simple-protocol query: a migration holds several statements.
      await tx.script(PG_MIGRATIONS[version]!);
    }
    if (row) await tx.run('UPDATE rapport_schema_version SET version = $1', [PG_MIGRATIONS.length]);
    else await tx.run('INSERT INTO rapport_schema_version (version) VALUES ($1)', [PG_MIGRATIONS.length]);
    return PG_MIGRATIONS.length;
  }, 'read committed');
}
