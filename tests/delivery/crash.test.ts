import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { CLI, runCli } from '../support/cli';
import { deliveryFixture, MONDAY, seedTeamsNudges } from './teams-seed';

const NUDGES = 1000;
// The scheduler serves at most this many conversations at once (its `concurrency`): the most nudges that
// can be in flight when the process dies.
const IN_FLIGHT_LIMIT = 8;
/** How many sends the first process gets answers for before the platform stalls and it is killed. */
const KILL_AFTER = 300;

describe('crash safety', () => {
  const fixture = deliveryFixture();

  it('delivers every nudge after a SIGKILL mid-way and a restart, with duplicates only for sends in flight', async () => {
    const path = fixture.dbPath();
    const connector = fixture.connector();
    expect(await seedTeamsNudges(path, connector.serviceUrl, ['tenant-a'], NUDGES)).toBe(NUDGES);
    const delivered = new Map<string, number>();
    // The first process gets answers for its first KILL_AFTER sends; every send after that is taken and never
    // answered, as by a platform that stalls, so it is still under way, however loaded the machine, when
    // the process is killed. A send the platform took counts as delivered: it may have been posted.
    let answering = true;
    let answered = 0;
    connector.setResponder(async (request) => {
      if (request.verb !== 'POST' || !request.activity) return undefined;
      delivered.set(request.conversationId!, (delivered.get(request.conversationId!) ?? 0) + 1);
      if (!answering) return undefined;
      if (answered >= KILL_AFTER) return new Promise<never>(() => undefined);
      answered += 1;
      // A little latency, so that several sends are under way at once.
      await new Promise((resolve) => setTimeout(resolve, 3));
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
    // Killed once it has sends under way past the answered ones (or, at the latest, after 20 s).
    const deadline = Date.now() + 20_000;
    while (connector.activities().length <= KILL_AFTER && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 2));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    answering = false;
    const beforeRestart = [...delivered.values()].reduce((a, b) => a + b, 0);
    expect(answered).toBe(KILL_AFTER);
    expect(beforeRestart).toBeGreaterThan(KILL_AFTER);
    expect(beforeRestart).toBeLessThanOrEqual(KILL_AFTER + IN_FLIGHT_LIMIT);

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
