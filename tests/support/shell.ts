/**
 * Runs the real service in terminal mode: lines go in on a PassThrough stdin, the transcript comes back
 * from stdout. Each run opens the SQLite file, runs the lines in order, and stops the service.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../../src/config';
import type { Actor } from '../../src/core/rapport';
import { startService } from '../../src/main';
import type { Service } from '../../src/main';
import { CLI } from './cli';

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

/** The built CLI with piped stdin, stdout and stderr, for tests that act while it runs (or stop reading). */
export function spawnCli(
  args: string[],
  env: Record<string, string>,
): { child: ChildProcessWithoutNullStreams; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', TZ: 'UTC', TICK_SCHEDULE: 'off', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // The CLI may have stopped reading (it ends when its output goes away); a late write is not an error.
  child.stdin.on('error', () => undefined);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI did not exit within 20 s.\nstderr:\n${stderr}`));
    }, 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
  return { child, stderr: () => stderr, exited };
}
