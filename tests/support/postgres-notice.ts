/** Jest's global setup: says once, at the start of a run, that the PostgreSQL tests are skipped, and why. */
export default function postgresNotice(): void {
  if (!process.env.TEST_DATABASE_URL) {
    process.stdout.write(
      '\nPostgreSQL tests are skipped: set TEST_DATABASE_URL=postgres://user@host:5432/database to run them.\n',
    );
  }
}
