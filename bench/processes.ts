/** Servers in their own processes for the load benchmarks: start, wait until they answer, measure, stop. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** The built CLI and bare Bolt app, next to this file in `dist/`. */
export const CLI = join(__dirname, '..', 'src', 'cli.js');
export const BARE_BOLT = join(__dirname, 'bare-bolt.js');

export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  port: number;
  /** Milliseconds from spawn until `readyPath` first answered 200. */
  readyMs: number;
  stop(): Promise<void>;
}

/** A port free right now on loopback (the OS hands it out; it is closed before it is given back). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Peak resident set size of a live process so far (`VmHWM`), in MB. */
export function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  if (!kb) throw new Error(`no VmHWM for process ${pid}`);
  return Number(kb) / 1024;
}

/**
 * Spawns `node script args…` with `env` (PORT chosen here) and polls `readyPath` every few milliseconds
 * until it answers 200, or fails after `timeoutMs` or if the process exits first.
 */
export async function startServer(
  script: string,
  args: string[],
  env: Record<string, string>,
  options: { readyPath: string; nodeArgs?: string[]; timeoutMs?: number },
): Promise<ServerProcess> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = started + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (gone) throw new Error(`${script} exited before it was ready: ${stderr}`);
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${script} not ready after ${options.timeoutMs ?? 60_000} ms: ${stderr}`);
    }
    try {
      const response = await fetch(`http://127.0.0.1:${port}${options.readyPath}`);
      await response.arrayBuffer();
      if (response.status === 200) break;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const readyMs = performance.now() - started;
  return {
    child,
    pid: child.pid!,
    port,
    readyMs,
    async stop() {
      if (gone) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
