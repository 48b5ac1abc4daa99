/**
 * Operator tools on the PostgreSQL database: the readiness write probe, the open-nudge count for metrics,
 * and what `rapport doctor` checks. Backups are the operator's `pg_dump` (or their platform's snapshots):
 * PostgreSQL's own tools do that better than an application can.
 */
import pg from 'pg';
import { schemaFinding } from '../schema-finding';
import { PG_MIGRATIONS } from './migrations';
import { quoteIdentifier } from './pg-store';
import type { PostgresStore } from './pg-store';
import { PG_TYPES } from './pg-sql';

/** Thrown inside the probe's transaction to roll it back; never escapes. */
const ROLL_BACK = Symbol('roll back the write probe');

/**
 * Proves the database takes writes: rewrites the schema version with the value it already has (a real row
 * write, which a read-only replica or a full disk refuses) and rolls back.
 */
export async function probeWrite(store: PostgresStore): Promise<void> {
  try {
    await store.sql.transaction(async (tx) => {
      await tx.run('UPDATE rapport_schema_version SET version = version');
      throw ROLL_BACK;
    }, 'read committed');
  } catch (error) {
    if (error !== ROLL_BACK) throw error;
  }
}

/** Open nudges (pending, snoozed, or sent and unanswered) by rule, over the `nudges_open_rule` index. */
export async function countOpenNudges(store: PostgresStore): Promise<Record<string, number>> {
  const rows = await store.sql.all<{ rule: string; n: number }>(
    `SELECT rule_id AS rule, count(*) AS n FROM nudges
      WHERE status IN ('pending', 'sent', 'snoozed') GROUP BY rule_id`,
  );
  return Object.fromEntries(rows.map((row) => [row.rule, Number(row.n)]));
}

export interface PostgresFinding {
  check: 'opens' | 'schema' | 'writable';
  ok: boolean;
  detail: string;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** One connection for a check beside the service (no pool, nothing created), in Rapport's schema. */
function checkClient(url: string, schema: string | null): pg.Client {
  const client = new pg.Client({
    connectionString: url,
    types: PG_TYPES,
    options: schema ? `-c search_path=${quoteIdentifier(schema)}` : undefined,
    connectionTimeoutMillis: 5000,
  });
  client.on('error', () => undefined);
  return client;
}

/**
 * What `rapport doctor` finds about the PostgreSQL database, without creating, migrating or changing
 * anything: it connects, its schema is the version this program writes, and it takes a write (rolled back).
 */
export async function inspectPostgres(url: string, schema: string | null): Promise<PostgresFinding[]> {
  const client = checkClient(url, schema);
  try {
    await client.connect();
  } catch (error) {
    return [{ check: 'opens', ok: false, detail: `cannot connect to PostgreSQL: ${message(error)}` }];
  }
  const findings: PostgresFinding[] = [];
  try {
    const server = await client.query<{ version: string; database: string }>(
      'SELECT current_setting($1) AS version, current_database() AS database',
      ['server_version'],
    );
    findings.push({
      check: 'opens',
      ok: true,
      detail: `PostgreSQL ${server.rows[0]!.version}, database ${server.rows[0]!.database}`,
    });
    const table = await client.query(`SELECT to_regclass('rapport_schema_version') IS NOT NULL AS present`);
    const version = table.rows[0]?.present
      ? Number((await client.query('SELECT version FROM rapport_schema_version')).rows[0]?.version ?? 0)
      : 0;
    const current = PG_MIGRATIONS.length;
    findings.push(schemaFinding(version, current));
    try {
      await client.query('BEGIN');
      // The same write the readiness probe makes; before the first migration, a temporary table's row.
      if (version > 0) await client.query('UPDATE rapport_schema_version SET version = version');
      else {
        await client.query('CREATE TEMPORARY TABLE rapport_write_probe (x integer)');
        await client.query('INSERT INTO rapport_write_probe VALUES (1)');
      }
      findings.push({ check: 'writable', ok: true, detail: 'takes writes' });
    } catch (error) {
      findings.push({ check: 'writable', ok: false, detail: `a write was refused: ${message(error)}` });
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
    }
  } catch (error) {
    findings.push({ check: 'schema', ok: false, detail: message(error) });
  } finally {
    await client.end().catch(() => undefined);
  }
  return findings;
}

/**
 * The platform's installations as sealed in the database, read without creating or migrating anything:
 * empty when the database cannot be reached or has no installations table yet (the database checks say why).
 */
export async function readPostgresInstallations(
  url: string,
  schema: string | null,
  platform: string,
): Promise<{ id: string; sealedSecrets: string }[]> {
  const client = checkClient(url, schema);
  try {
    await client.connect();
    const table = await client.query(`SELECT to_regclass('installations') IS NOT NULL AS present`);
    if (!table.rows[0]?.present) return [];
    const rows = await client.query<{ id: string; sealed_secrets: string }>(
      'SELECT id, sealed_secrets FROM installations WHERE platform = $1 ORDER BY id',
      [platform],
    );
    return rows.rows.map((row) => ({ id: row.id, sealedSecrets: row.sealed_secrets }));
  } catch {
    return [];
  } finally {
    await client.end().catch(() => undefined);
  }
}
