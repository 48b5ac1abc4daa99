import { spawn } from 'node:child_process';
import { CLI, runCli } from '../support/cli';
import { FakeBotConnector } from '../support/fake-bot-connector';
import {
  describeWithPostgres,
  dropSchema,
  freshSchemaName,
  openTestPostgresStore,
  TEST_DATABASE_URL,
} from '../support/postgres';
import { MONDAY, seedTeamsNudgesInto } from './teams-seed';

const NUDGES = 2000;
// Each process serves at most this many conversations at once (the scheduler's `concurrency`): the most of
// its sends that can be under way when it dies, or when another process hears "slow down".
const IN_FLIGHT_PER_PROCESS = 8;
/** The send the platform answers with 429 and a Retry-After; every other send is accepted. */
const RATE_LIMITED_SEND = 300;
const RETRY_AFTER_SEC = 2;
/** How many sends the platform has taken when the first process is killed. */
const KILL_AFTER = 900;

describeWithPostgres('several instances on one PostgreSQL database', () => {
  let connector: FakeBotConnector;
  let schema: string;

  beforeAll(async () => {
    connector = new FakeBotConnector();
    await connector.start();
  });
  afterAll(() => connector.stop());
  beforeEach(() => {
    schema = freshSchemaName();
  });
  afterEach(() => dropSchema(schema));

  it('deliver 2,000 nudges once each, lose none when one is SIGKILLed, and both obey a Retry-After one of them heard', async () => {
    const store = await openTestPostgresStore(schema);
    expect(await seedTeamsNudgesInto(store, connector.serviceUrl, ['tenant-a'], NUDGES)).toBe(NUDGES);
    await store.close();

    const delivered = new Map<string, number>();
    let taken = 0;
    // When the fake answered its one 429, on its own clock, and what reached it inside that Retry-After.
    let rateLimitedAt: number | null = null;
    let insideRetryAfter = 0;
    connector.setResponder(async (request) => {
      if (request.verb !== 'POST' || !request.activity) return undefined;
      taken += 1;
      if (taken === RATE_LIMITED_SEND) {
        rateLimitedAt = performance.now();
        return { status: 429, retryAfterSec: RETRY_AFTER_SEC };
      }
      if (rateLimitedAt !== null && performance.now() - rateLimitedAt < RETRY_AFTER_SEC * 1000)
        insideRetryAfter += 1;
      // Only the process that got the 429 heard "slow down"; the fake takes the other's sends, as a
      // platform whose limit is per workspace would not. Sharing the hold is what keeps the other quiet.
      delivered.set(request.conversationId!, (delivered.get(request.conversationId!) ?? 0) + 1);
      // A little latency, so that several sends are under way at once.
      await new Promise((resolve) => setTimeout(resolve, 3));
      return undefined;
    });
    const env = {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: TEST_DATABASE_URL!,
      DATABASE_SCHEMA: schema,
      TEAMS_ALLOW_UNAUTHENTICATED: 'true',
      DELIVERY_RATE_PER_WORKSPACE: '1000',
      LOG_LEVEL: 'error',
      TICK_SCHEDULE: 'off',
    };
    const startTick = () => {
      const child = spawn(process.execPath, [CLI, 'tick', '--at', MONDAY.toISOString()], {
        env,
        stdio: 'ignore',
      });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.on('close', (code, signal) => resolve({ code, signal })),
      );
      return { child, exited };
    };
    const first = startTick();
    const second = startTick();

    // The first is killed midway (or, at the latest, after 60 s), with its sends under way.
    const deadline = Date.now() + 60_000;
    while (taken < KILL_AFTER && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    first.child.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await second.exited).toEqual({ code: 0, signal: null });
    expect(taken).toBeGreaterThanOrEqual(KILL_AFTER);

    // Once the dead process's leases (2 minutes) have run out, a new pass delivers what it held, and the
    // send that was rate limited.
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
      `two instances: ${duplicates} duplicate(s) after SIGKILL; ${insideRetryAfter} send(s) inside the Retry-After`,
    );
    // Only the sends the killed process had under way can go out twice.
    expect(duplicates).toBeLessThanOrEqual(IN_FLIGHT_PER_PROCESS);
    // Inside the Retry-After, only sends already under way in either process when the 429 was heard.
    expect(rateLimitedAt).not.toBeNull();
    expect(insideRetryAfter).toBeLessThanOrEqual(2 * IN_FLIGHT_PER_PROCESS);

    const check = await openTestPostgresStore(schema);
    try {
      expect(
        await check.sql.all('SELECT status, COUNT(*)::int AS n FROM nudges GROUP BY status ORDER BY status'),
      ).toEqual([{ status: 'sent', n: NUDGES }]);
    } finally {
      await check.close();
    }
  }, 150_000);
});
