/**
 * The service and its commands on PostgreSQL (`DATABASE_URL`), through the built CLI: the terminal chat,
 * `migrate`, `doctor`, and the commands that only make sense on the SQLite file saying so.
 */
import { PG_MIGRATIONS } from '../../src/store/postgres/migrations';
import { runCli } from '../support/cli';
import { describeWithPostgres, dropSchema, freshSchemaName, TEST_DATABASE_URL } from '../support/postgres';

/** The test database's URL with a password in it: it must never be printed. */
const PASSWORD = 'never-print-this-9f3k';
function urlWithPassword(): string {
  const url = new URL(TEST_DATABASE_URL!);
  url.password = PASSWORD;
  return url.toString();
}

describeWithPostgres('the CLI on PostgreSQL', () => {
  let schema: string;
  let env: Record<string, string>;
  beforeEach(() => {
    schema = freshSchemaName();
    // Trust authentication on the test server ignores the password; the program still holds it.
    env = { DATABASE_URL: urlWithPassword(), DATABASE_SCHEMA: schema, DEFAULT_TIME_ZONE: 'UTC' };
  });
  afterEach(() => dropSchema(schema));

  it('runs the terminal chat on PostgreSQL and keeps what was said for the next session', async () => {
    const first = await runCli(['start'], 'add Nissan signed\nlog Nissan call Went well\n', env);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Nissan');
    const second = await runCli(['start'], 'status Nissan\n', env);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/call/i);
    expect(second.stdout).toContain('Went well');
    for (const output of [first, second]) expect(output.stdout + output.stderr).not.toContain(PASSWORD);
  });

  it('migrates, then doctor finds the schema current and writable, never printing the password', async () => {
    const migrated = await runCli(['migrate'], '', env);
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toContain(`Database ready at postgres://`);
    expect(migrated.stdout).toContain(`(schema ${schema})`);

    const doctor = await runCli(['doctor'], '', env);
    expect(doctor.stdout).toMatch(/PostgreSQL \d+/);
    expect(doctor.stdout).toContain(`schema version ${PG_MIGRATIONS.length} is current`);
    expect(doctor.stdout).toContain('takes writes');
    expect(doctor.code).toBe(0);
    expect(doctor.stdout + doctor.stderr).not.toContain(PASSWORD);
  });

  it('doctor says when the schema has not been created yet, and when the server cannot be reached', async () => {
    const fresh = await runCli(['doctor'], '', env);
    expect(fresh.code).toBe(1);
    expect(fresh.stdout).toContain(
      `schema version 0, this program writes ${PG_MIGRATIONS.length}: run \`rapport migrate\``,
    );

    const unreachable = { ...env, DATABASE_URL: `postgres://rapport:${PASSWORD}@127.0.0.1:1/nowhere` };
    const down = await runCli(['doctor'], '', unreachable);
    expect(down.code).toBe(1);
    expect(down.stdout).toContain('cannot connect to PostgreSQL');
    expect(down.stdout + down.stderr).not.toContain(PASSWORD);
  });

  it('refuses backup and a dry-run tick, which need the SQLite file, with what to use instead', async () => {
    const backup = await runCli(['backup', 'copy.db'], '', env);
    expect(backup.code).toBe(64);
    expect(backup.stderr).toContain('pg_dump');
    const dryRun = await runCli(['tick', '--at', '2026-12-01T09:00:00Z', '--dry-run'], '', env);
    expect(dryRun.code).toBe(64);
    expect(dryRun.stderr).toContain('rapport preview');
  });
});

describe('DATABASE_URL and DATABASE_SCHEMA', () => {
  it('refuses a URL that is not PostgreSQL, and a schema without a URL, naming the variable', async () => {
    const mysql = await runCli(['migrate'], '', { DATABASE_URL: `mysql://root:${PASSWORD}@localhost/db` });
    expect(mysql.code).toBe(78);
    expect(mysql.stderr).toContain('DATABASE_URL');
    expect(mysql.stderr).toContain('expected a postgres:// URL');
    expect(mysql.stderr).not.toContain(PASSWORD);

    const schemaAlone = await runCli(['migrate'], '', { DATABASE_SCHEMA: 'rapport' });
    expect(schemaAlone.code).toBe(78);
    expect(schemaAlone.stderr).toContain('DATABASE_SCHEMA');
  });
});
