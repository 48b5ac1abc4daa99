/**
 * Runs the real service in terminal mode: lines go in on a PassThrough stdin, the transcript comes back
 * from stdout. Each run opens the SQLite file, runs the lines in order, and stops the service.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../../src/config';
import type { Actor } from '../../src/core/rapport';
import { startService } from '../../src/main';
import type { Service } from '../../src/main';

export const SHELL_ACTOR: Actor = { workspaceId: 'shell:local', memberId: 'local' };

export function tempDir(prefix = 'rapport-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface ShellOptions {
  dbPath: string;
  now: Date;
  exportDir?: string;
  env?: Record<string, string>;
}

function env(options: ShellOptions): Record<string, string> {
  return {
    DATABASE_PATH: options.dbPath,
    DEFAULT_TIME_ZONE: 'UTC',
    TICK_SCHEDULE: 'off',
    PORT: '0',
    ...options.env,
  };
}

/** Types `lines` into a terminal session as of `now`; returns everything the session printed. */
export async function runShell(options: ShellOptions, lines: string[]): Promise<string> {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const logs = new PassThrough();
  logs.resume();
  let output = '';
  stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const service = await startService(loadConfig(env(options)), {
    stdin,
    stdout,
    logDestination: logs,
    clock: () => options.now,
    exportDir: options.exportDir,
  });
  stdin.end(lines.map((line) => `${line}\n`).join(''));
  try {
    await service.finished;
  } finally {
    await service.stop();
  }
  return output;
}

/** The same service without a session, for seeding through the core or reading the store. */
export async function withService<T>(
  options: ShellOptions,
  work: (service: Service) => Promise<T>,
): Promise<T> {
  const logs = new PassThrough();
  logs.resume();
  const service = await startService(loadConfig(env(options)), {
    stdin: new PassThrough(),
    stdout: new PassThrough(),
    logDestination: logs,
    clock: () => options.now,
    oneShot: true,
  });
  try {
    return await work(service);
  } finally {
    await service.stop();
  }
}
