/**
 * `rapport backup FILE [--force]`: a consistent copy of the database, safe while the service runs (a
 * separate process reading the same file; SQLite's online backup, one read snapshot in WAL mode). The copy
 * is checked with `PRAGMA integrity_check` before it is given its name. Copying the database file itself
 * while the service runs is not safe: recent commits may still be in the `-wal` file beside it.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import type { Config } from './config';
import { RapportError } from './core/errors';
import { backupDatabase } from './store/sqlite/operations';

export async function backupCommand(
  config: Config,
  args: string[],
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
  usage: string,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { force: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    err.write(`rapport backup: ${error instanceof Error ? error.message : String(error)}\n${usage}\n`);
    return 64; // EX_USAGE
  }
  const [file, ...extra] = parsed.positionals;
  if (!file || extra.length) {
    err.write(`rapport backup: give one FILE to write the backup to\n${usage}\n`);
    return 64;
  }
  if (config.postgres) {
    err.write(
      "rapport backup: the data is in PostgreSQL (DATABASE_URL): back it up with pg_dump or your platform's snapshots\n",
    );
    return 64;
  }
  const target = resolve(file);
  if (target === config.databasePath) {
    err.write(`rapport backup: ${file} is the database itself; choose another file\n`);
    return 64;
  }
  try {
    const result = await backupDatabase(config.databasePath, target, parsed.values.force ?? false);
    const healthy = result.integrity.length === 1 && result.integrity[0] === 'ok';
    out.write(
      `Backed up ${config.databasePath}\n` +
        `       to ${result.file} (${result.bytes} bytes, schema version ${result.schemaVersion})\n` +
        `integrity_check: ${result.integrity.slice(0, 10).join('; ')}\n`,
    );
    return healthy ? 0 : 1;
  } catch (error) {
    if (error instanceof RapportError) {
      err.write(`rapport backup: ${error.message}\n`);
      return error.code === 'NOT_FOUND' ? 66 : 73; // EX_NOINPUT, EX_CANTCREAT
    }
    throw error;
  }
}
