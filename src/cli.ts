#!/usr/bin/env node
/**
 * Rapport's command line.
 *   rapport [start]            run the service (the terminal channel when no platform is configured)
 *   rapport tick [--at ISO]    run one scheduler pass, as if it were that time
 *   rapport migrate            create or upgrade the database, then exit
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config';
import type { Config } from './config';
import { describeError } from './core/errors';
import { startService } from './main';
import type { PlatformFactory } from './main';
import { platformChannels } from './platforms';

const USAGE = `Usage: rapport [start]            run the bot (terminal chat when no Slack/Teams credentials are set)
       rapport tick [--at ISO-8601] run one scheduler pass, as if it were that time
       rapport migrate              create or upgrade the database and exit
       rapport help                 show this help`;

export async function main(
  argv: string[],
  env?: Record<string, string | undefined>,
  platforms: PlatformFactory = platformChannels,
): Promise<number> {
  const [command = 'start', ...rest] = argv;
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
      await service.stop();
      process.stdout.write(`Database ready at ${config.databasePath}\n`);
      return 0;
    }
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
    void service.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  await service.finished;
  await service.stop();
  return 0;
}

async function tick(config: Config, args: string[], platforms: PlatformFactory): Promise<number> {
  const { values } = parseArgs({ args, options: { at: { type: 'string' } }, strict: true });
  const at = values.at ? new Date(values.at) : new Date();
  if (Number.isNaN(at.getTime())) {
    process.stderr.write(
      `rapport tick: --at must be an ISO-8601 instant such as 2026-12-01T09:00:00Z, not "${values.at}"\n`,
    );
    return 64;
  }
  const service = await startService(
    config,
    { stdin: process.stdin, stdout: process.stdout, oneShot: true },
    platforms,
  );
  try {
    const report = await service.tick(at);
    process.stdout.write(
      `${JSON.stringify({ at: at.toISOString(), ...report, held: report.held.length, nextHeld: report.held[0]?.until ?? null })}\n`,
    );
    return 0;
  } finally {
    await service.stop();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`rapport: ${describeError(error)}\n`);
      process.exitCode = 1;
    },
  );
}
