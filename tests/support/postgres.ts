/**
 * PostgreSQL for tests: set `TEST_DATABASE_URL=postgres://…` to run every PostgreSQL test; without it they
 * are skipped (jest's global setup prints a notice once), so the suite passes on a machine without
 * PostgreSQL. Each store gets a schema of its own, dropped when the test is done.
 */
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { openPostgresStore, quoteIdentifier } from '../../src/store/postgres/pg-store';
import type { PostgresStore, PostgresStoreOptions } from '../../src/store/postgres/pg-store';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;

/** `describe` when PostgreSQL is configured for tests, `describe.skip` otherwise. */
export const describeWithPostgres: jest.Describe = TEST_DATABASE_URL ? describe : describe.skip;

/** The stores the contract tests run against: SQLite always, PostgreSQL when it is configured. */
export type StoreKind = 'sqlite' | 'postgres';
export const STORE_KINDS: readonly StoreKind[] = TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];

/** A schema name no other test (in this process or another) is using. */
export function freshSchemaName(): string {
  return `rapport_test_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** A PostgreSQL store in a fresh schema of the test database. */
export function openTestPostgresStore(
  schema: string,
  options: Omit<PostgresStoreOptions, 'url' | 'schema'> = {},
): Promise<PostgresStore> {
  if (!TEST_DATABASE_URL) throw new Error('TEST_DATABASE_URL is not set');
  return openPostgresStore({ url: TEST_DATABASE_URL, schema, poolSize: 4, ...options });
}

/** Drops a test schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
  } finally {
    await client.end();
  }
}
