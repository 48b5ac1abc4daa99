import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { CLI, runCli } from '../support/cli';
import { deliveryFixture, MONDAY, seedTeamsNudges } from './teams-seed';

const NUDGES = 1000;
// The scheduler serves at most this many conversations at once (its `concurrency`): the most nudges that
// can be in flight when the process dies.
const IN_FLIGHT_LIMIT = 8;

describe('crash safety', () => {
  const fixture = deliveryFixture();

  it('delivers every nudge after a SIGKILL mid-way and a restart, with duplicates only for sends in flight', async () => {
    const path = fixture.dbPath();
    const connector = fixture.connector();
    expect(await seedTeamsNudges(path, connector.serviceUrl, ['tenant-a'], NUDGES)).toBe(NUDGES);
    const delivered = new Map<string, number>();
    connector.setResponder(async (request) => {
      if (request.verb !== 'POST' || !request.activity) return undefined;
      // A little latency, so that the kill lands while sends are under way.
      await new Promise((resolve) => setTimeout(resolve, 3));
      delivered.set(request.conversationId!, (delivered.get(request.conversationId!) ?? 0) + 1);
      return undefined;
    });
    const env = {
      PATH: process.env.PATH ?? '',
      DATABASE_PATH: path,
      TEAMS_ALLOW_UNAUTHENTICATED: 'true',
      DELIVERY_RATE_PER_WORKSPACE: '1000',
      LOG_LEVEL: 'error',
      TICK_SCHEDULE: 'off',
    };

    const child = spawn(process.execPath, [CLI, 'tick', '--at', MONDAY.toISOString()], {
      env,
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('close', (_code, signal) => resolve(signal)),
    );
    const deadline = Date.now() + 20_000;
    while (connector.activities().length < 300 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 2));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const beforeRestart = [...delivered.values()].reduce((a, b) => a + b, 0);
    expect(beforeRestart).toBeGreaterThanOrEqual(300);
    expect(beforeRestart).toBeLessThan(NUDGES);

    // After the leases (2 minutes) have expired, a new process finishes the job.
    const restart = await runCli(
      ['tick', '--at', new Date(MONDAY.getTime() + 3 * 60_000).toISOString()],
      '',
      env,
      60_000,
    );
    expect(restart.code).toBe(0);

    expect(delivered.size).toBe(NUDGES);
    const duplicates = [...delivered.values()].reduce((sum, count) => sum + count - 1, 0);
    console.log(
      `crash test: ${beforeRestart} sends before SIGKILL, ${duplicates} duplicate(s) after the restart`,
    );
    expect(duplicates).toBeLessThanOrEqual(IN_FLIGHT_LIMIT);

    const db = new Database(path, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.prepare('SELECT status, COUNT(*) AS n FROM nudges GROUP BY status').all()).toEqual([
      { status: 'sent', n: NUDGES },
    ]);
    db.close();
  }, 90_000);
});
