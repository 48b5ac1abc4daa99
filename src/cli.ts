#!/usr/bin/env node
/**
 * Rapport's command line.
 *   rapport [start]            run the service (the terminal channel when no platform is configured)
 *   rapport tick [--at ISO]    run one scheduler pass, as if it were that time
 *   rapport migrate            create or upgrade the database, then exit
 *   rapport preview …          the nudges the playbook will send for a partner
 *   rapport export …           a workspace's data as CSV or JSON files
 *   rapport backup FILE        a consistent copy of the database, safe while the service runs
 *   rapport doctor             checks configuration, database, credentials and manifests
 *   rapport rekey …            re-encrypt the stored platform tokens with a new key
 *   rapport import FILE.csv …  an existing portfolio from a spreadsheet (a dry run unless --apply)
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config';
import type { Config } from './config';
import { describeError } from './core/errors';
import type { ExportFormat } from './core/export';
import { EXPORT_FORMATS } from './core/export';
import { importReportLines } from './core/import/import-portfolio';
import { memberNamed } from './core/import/member-owners';
import { localDate } from './core/time';
import { PREVIEW_DEFAULT_DAYS, PREVIEW_MAX_DAYS } from './core/playbook/preview';
import { writeMessageFiles } from './channels/shell/export-files';
import { renderText } from './channels/shell/render-text';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DryRunChannel } from './channels/shell/dry-run-channel';
import { startService } from './main';
import { backupDatabase } from './store/sqlite/operations';
import { backupCommand } from './backup';
import { doctorCommand } from './doctor';
import type { PlatformFactory } from './channels/platform-channel';
import { platformChannels } from './platforms';
import { rekeyStoredTokens } from './rekey';
import { openDatabase } from './store/database';
import { keyProblem, TokenCryptoError, TokenKey } from './token-crypto';

const USAGE = `Usage: rapport [start]            run the bot (terminal chat when no Slack/Teams credentials are set)
       rapport tick [--at ISO-8601] [--dry-run]
                                    run one scheduler pass, as if it were that time
                                    (--dry-run: on a copy of the database, printing instead of sending)
       rapport migrate              create or upgrade the database and exit
       rapport preview --workspace ID --partner NAME [--days N] [--at ISO-8601]
                                    the nudges the playbook will send for a partner (default 30 days, at most 365)
       rapport export --workspace ID --format csv|json [--out DIR]
                                    write a workspace's partners, interactions and answers (default DIR ./exports)
       rapport backup FILE [--force]
                                    copy the database to FILE, safely while the service runs, and check the copy
       rapport doctor [--online] [--schemas DIR]
                                    check configuration, database, tokens and manifests; exit 1 if anything needs fixing
                                    (--online: also ask Microsoft for a Teams token)
       rapport rekey [--new-key BASE64]
                                    re-encrypt stored tokens (TOKEN_ENCRYPTION_KEY) with a new key
                                    (or TOKEN_ENCRYPTION_KEY_NEW), in one transaction
       rapport import FILE.csv --workspace ID [--apply] [--owner EMAIL|MEMBER-ID]
                                    import partners from a spreadsheet: prints what would change; --apply writes
                                    all of it in one transaction, and nothing when a row has a mistake
       rapport help                 show this help
Workspace ids are platform:id, e.g. shell:local for the terminal.`;

export async function main(
  argv: string[],
  env?: Record<string, string | undefined>,
  platforms: PlatformFactory = platformChannels,
): Promise<number> {
  const [command = 'start', ...rest] = argv;
  // The doctor reports configuration problems instead of stopping at the first.
  if (command === 'doctor') return doctorCommand(env, rest, process.stdout, process.stderr, USAGE);
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`rapport: configuration error: ${error.message}\n`);
      return 78; // EX_CONFIG
    }
    throw error;
  }
  switch (command) {
    case 'start':
      return start(config, platforms);
    case 'tick':
      return tick(config, rest, platforms);
    case 'migrate': {
      const service = await startService(
        config,
        { stdin: process.stdin, stdout: process.stdout, oneShot: true },
        platforms,
      );
      const location = service.database.location;
      await service.stop();
      process.stdout.write(`Database ready at ${location}\n`);
      return 0;
    }
    case 'preview':
      return preview(config, rest);
    case 'export':
      return exportData(config, rest);
    case 'backup':
      return backupCommand(config, rest, process.stdout, process.stderr, USAGE);
    case 'rekey':
      return rekey(config, rest);
    case 'import':
      return importFile(config, rest);
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    default:
      process.stderr.write(`rapport: unknown command "${command}"\n${USAGE}\n`);
      return 64; // EX_USAGE
  }
}

async function start(config: Config, platforms: PlatformFactory): Promise<number> {
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const service = await startService(
    config,
    { stdin: process.stdin, stdout: process.stdout, interactive },
    platforms,
  );
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      // A second signal means "now": skip the graceful drain.
      process.exit(130);
    }
    service.logger.info({ signal }, 'stopping');
    service.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`rapport: stop failed: ${describeError(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  await service.finished;
  await service.stop();
  return 0;
}

async function tick(config: Config, args: string[], platforms: PlatformFactory): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { at: { type: 'string' }, 'dry-run': { type: 'boolean' } },
    strict: true,
  });
  const at = values.at ? new Date(values.at) : new Date();
  if (Number.isNaN(at.getTime())) {
    process.stderr.write(
      `rapport tick: --at must be an ISO-8601 instant such as 2026-12-01T09:00:00Z, not "${values.at}"\n`,
    );
    return 64;
  }
  const dryRun = values['dry-run'] ?? false;
  if (dryRun && config.postgres) {
    return usageError(
      'tick',
      '--dry-run works on a copy of the SQLite file; with PostgreSQL, see what is due with `rapport preview`',
    );
  }
  // A dry run works on a copy of the database and prints what Slack and Teams would have been sent.
  const scratch = dryRun ? mkdtempSync(join(tmpdir(), 'rapport-dry-run-')) : null;
  try {
    if (scratch) await backupDatabase(config.databasePath, join(scratch, 'rapport.db'));
    const service = await startService(
      scratch ? { ...config, databasePath: join(scratch, 'rapport.db') } : config,
      { stdin: process.stdin, stdout: process.stdout, oneShot: true },
      scratch ? printOnly : platforms,
    );
    try {
      const report = await service.tick(at);
      process.stdout.write(
        `${JSON.stringify({ at: at.toISOString(), dryRun, ...report, held: report.held.length, nextHeld: report.held[0]?.until ?? null })}\n`,
      );
      return 0;
    } finally {
      await service.stop();
    }
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

/** Every configured platform, printing instead of sending. */
const printOnly: PlatformFactory = async (config) =>
  [config.slack ? 'slack' : null, config.teams ? 'teams' : null]
    .filter((platform): platform is 'slack' | 'teams' => platform !== null)
    .map((platform) => ({
      channel: new DryRunChannel(platform, process.stdout),
      routes: [],
      stop: async () => undefined,
    }));

function usageError(command: string, problem: string): number {
  process.stderr.write(`rapport ${command}: ${problem}\n${USAGE}\n`);
  return 64; // EX_USAGE
}

function parseOptions<T extends Record<string, { type: 'string' }>>(
  command: string,
  args: string[],
  options: T,
): { [K in keyof T]?: string } | number {
  try {
    return parseArgs({ args, options, strict: true }).values as { [K in keyof T]?: string };
  } catch (error) {
    return usageError(command, error instanceof Error ? error.message : String(error));
  }
}

async function rekey(config: Config, args: string[]): Promise<number> {
  const values = parseOptions('rekey', args, { 'new-key': { type: 'string' } });
  if (typeof values === 'number') return values;
  if (!config.tokenEncryptionKey) {
    process.stderr.write(
      'rapport: configuration error: TOKEN_ENCRYPTION_KEY: required: the key the tokens are sealed with now\n',
    );
    return 78; // EX_CONFIG
  }
  const newKey = values['new-key'] ?? config.tokenEncryptionKeyNew;
  if (!newKey) return usageError('rekey', 'give the new key with --new-key or TOKEN_ENCRYPTION_KEY_NEW');
  const problem = keyProblem(newKey);
  if (problem) return usageError('rekey', `the new key is not usable: ${problem}`);
  const current = new TokenKey(config.tokenEncryptionKey);
  const next = new TokenKey(newKey);
  const { store } = await openDatabase(config);
  try {
    const report = await rekeyStoredTokens(store, current, next);
    process.stdout.write(
      `Re-encrypted the tokens of ${report.resealed} installation(s) with key ${next.id}` +
        (report.unchanged ? ` (${report.unchanged} already used it)` : '') +
        '.\nSet TOKEN_ENCRYPTION_KEY to the new key before the next start.\n',
    );
    return 0;
  } catch (error) {
    if (error instanceof TokenCryptoError) {
      process.stderr.write(`rapport rekey: nothing was changed: ${error.message}\n`);
      return 65; // EX_DATAERR
    }
    throw error;
  } finally {
    await store.close();
  }
}

async function preview(config: Config, args: string[]): Promise<number> {
  const values = parseOptions('preview', args, {
    workspace: { type: 'string' },
    partner: { type: 'string' },
    days: { type: 'string' },
    at: { type: 'string' },
  });
  if (typeof values === 'number') return values;
  if (!values.workspace || !values.partner)
    return usageError('preview', '--workspace and --partner are required');
  const days = values.days === undefined ? PREVIEW_DEFAULT_DAYS : Number(values.days);
  if (!Number.isInteger(days) || days < 1 || days > PREVIEW_MAX_DAYS)
    return usageError(
      'preview',
      `--days must be a whole number from 1 to ${PREVIEW_MAX_DAYS}, not "${values.days}"`,
    );
  const at = values.at ? new Date(values.at) : new Date();
  if (Number.isNaN(at.getTime()))
    return usageError(
      'preview',
      `--at must be an ISO-8601 instant such as 2026-12-01T09:00:00Z, not "${values.at}"`,
    );
  return withWorkspace(config, 'preview', values.workspace, async (service) => {
    const message = await service.rapport.previewForWorkspace(values.workspace!, values.partner!, days, at);
    if (message.isError) {
      // The first line says what is wrong (with suggestions); the rest is chat usage, not the CLI's.
      process.stderr.write(
        `rapport preview: ${renderText({ text: message.text.split('\n')[0]! }, { color: false })}\n`,
      );
      return 1;
    }
    process.stdout.write(`${renderText(message, { color: false })}\n`);
    return 0;
  });
}

async function exportData(config: Config, args: string[]): Promise<number> {
  const values = parseOptions('export', args, {
    workspace: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
  });
  if (typeof values === 'number') return values;
  if (!values.workspace) return usageError('export', '--workspace is required');
  const format = (values.format ?? 'csv').toLowerCase();
  if (!(EXPORT_FORMATS as readonly string[]).includes(format))
    return usageError('export', `--format must be csv or json, not "${values.format}"`);
  return withWorkspace(config, 'export', values.workspace, async (service) => {
    const message = await service.rapport.exportWorkspace(
      values.workspace!,
      format as ExportFormat,
      new Date(),
    );
    const paths = writeMessageFiles(values.out ?? 'exports', message.files ?? []);
    process.stdout.write(`${renderText({ ...message, facts: undefined }, { color: false })}\n`);
    process.stdout.write(`${paths.join('\n')}\n`);
    return 0;
  });
}

/**
 * `import FILE.csv`: owners are the workspace's members known to Rapport, by the e-mail address their
 * platform reported or by member id; `--owner` owns the new partners whose row names none.
 */
async function importFile(config: Config, args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { workspace: { type: 'string' }, apply: { type: 'boolean' }, owner: { type: 'string' } },
    });
  } catch (error) {
    return usageError('import', error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1 || !values.workspace)
    return usageError('import', 'give one FILE.csv and --workspace');
  let csv: string;
  try {
    csv = readFileSync(positionals[0]!, 'utf8');
  } catch (error) {
    process.stderr.write(`rapport import: cannot read ${positionals[0]}: ${describeError(error)}\n`);
    return 66; // EX_NOINPUT
  }
  return withWorkspace(config, 'import', values.workspace, async (service) => {
    const workspaceId = values.workspace!;
    const now = new Date();
    const members = await service.store.members.listByWorkspace(workspaceId);
    const owner = values.owner ? memberNamed(members, values.owner) : null;
    if (values.owner && !owner)
      return usageError('import', `no member of ${workspaceId} is "${values.owner}"`);
    const outcome = await service.rapport.importPortfolio(
      workspaceId,
      csv,
      {
        apply: values.apply ?? false,
        defaultOwner: owner?.id ?? null,
        importedBy: null,
        today: localDate(now, config.defaultTimeZone),
      },
      now,
    );
    process.stdout.write(`${importReportLines(outcome).join('\n')}\n`);
    return outcome.ok && outcome.plan.errors.length === 0 ? 0 : 1;
  });
}

/**
 * Opens the database without running anything (no platform channels: these commands only read the
 * store, or write it themselves), checks
 * that the workspace exists, runs `work`, closes.
 */
async function withWorkspace(
  config: Config,
  command: string,
  workspaceId: string,
  work: (service: Awaited<ReturnType<typeof startService>>) => Promise<number>,
): Promise<number> {
  const service = await startService(
    config,
    { stdin: process.stdin, stdout: process.stdout, oneShot: true },
    async () => [],
  );
  try {
    if (!(await service.store.workspaces.get(workspaceId))) {
      process.stderr.write(
        `rapport ${command}: there is no workspace "${workspaceId}" in ${service.database.location} (ids look like shell:local).\n`,
      );
      return 66; // EX_NOINPUT
    }
    return await work(service);
  } finally {
    await service.stop();
  }
}

if (require.main === module) {
  // A reader that stops early (`rapport … | head -1`) closes the pipe: what is left to print is dropped,
  // quietly (the terminal session ends too; see ShellChannel). Any other output error is reported.
  let outputError: string | null = null;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') outputError ??= describeError(error);
  });
  main(process.argv.slice(2)).then(
    (code) => {
      if (outputError) process.stderr.write(`rapport: cannot write the output: ${outputError}\n`);
      process.exitCode = outputError ? 74 : code; // EX_IOERR
    },
    (error: unknown) => {
      process.stderr.write(`rapport: ${describeError(error)}\n`);
      process.exitCode = 1;
    },
  );
}
