import { PostgresSendSlots } from '../../src/store/postgres/send-slots';
import type { PostgresStore } from '../../src/store/postgres/pg-store';
import { InProcessSendSlots } from '../../src/scheduler/send-slots';
import {
  describeWithPostgres,
  dropSchema,
  freshSchemaName,
  openTestPostgresStore,
} from '../support/postgres';

const PACING = { workspaceRatePerSecond: 10, conversationIntervalMs: 1000 };
const T0 = Date.parse('2026-11-30T09:00:00Z');

describeWithPostgres('send slots shared by instances on one PostgreSQL database', () => {
  let schema: string;
  // Two instances: each its own pool (its own connections) on the same schema.
  let stores: PostgresStore[];
  let one: PostgresSendSlots;
  let other: PostgresSendSlots;

  beforeEach(async () => {
    schema = freshSchemaName();
    stores = [await openTestPostgresStore(schema), await openTestPostgresStore(schema)];
    one = new PostgresSendSlots(stores[0]!.sql, PACING);
    other = new PostgresSendSlots(stores[1]!.sql, PACING);
  });

  afterEach(async () => {
    for (const store of stores) await store.close();
    await dropSchema(schema);
  });

  it('hands out each workspace slot once across instances, spaced by the workspace rate', async () => {
    const slots = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? one : other).reserve('teams:a', `conversation-${i}`, T0, Infinity),
      ),
    );
    const sorted = (slots as number[]).sort((a, b) => a - b);
    // 10 a second: one slot every 100 ms from T0, whoever asked and in whatever order they were served.
    expect(sorted).toEqual(Array.from({ length: 20 }, (_, i) => T0 + i * 100));
  });

  it('spaces one conversation by its interval across instances, and keeps workspaces apart', async () => {
    expect(await one.reserve('teams:a', 'member-1', T0, Infinity)).toBe(T0);
    expect(await other.reserve('teams:a', 'member-1', T0, Infinity)).toBe(T0 + 1000);
    expect(await other.reserve('teams:b', 'member-9', T0, Infinity)).toBe(T0);
  });

  it('reserves nothing when the slot would come after the deadline', async () => {
    expect(await one.reserve('teams:a', 'member-1', T0, Infinity)).toBe(T0);
    expect(await other.reserve('teams:a', 'member-1', T0, T0 + 999)).toBeNull();
    // Nothing was taken by the refusal: the next slot is still one interval on.
    expect(await one.reserve('teams:a', 'member-1', T0, Infinity)).toBe(T0 + 1000);
  });

  it('makes a Retry-After heard by one instance hold the workspace for the other', async () => {
    await one.block('teams:a', T0 + 5000);
    expect(await other.isBlocked('teams:a', T0 + 4999)).toBe(true);
    expect(await other.isBlocked('teams:a', T0 + 5000)).toBe(false);
    expect(await other.isBlocked('teams:b', T0)).toBe(false);
    expect(await other.reserve('teams:a', 'member-1', T0, Infinity)).toBe(T0 + 5000);
    // A shorter wait heard later does not shorten the hold.
    await other.block('teams:a', T0 + 1000);
    expect(await one.isBlocked('teams:a', T0 + 4000)).toBe(true);
  });

  it('gives a member’s turn to one instance at a time, until it ends or runs out', async () => {
    const [a, b] = await Promise.all([
      one.takeTurn('teams:a\u0000m1', 'instance-1', T0, T0 + 60_000),
      other.takeTurn('teams:a\u0000m1', 'instance-2', T0, T0 + 60_000),
    ]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    const [winner, loser] = a ? ['instance-1', 'instance-2'] : ['instance-2', 'instance-1'];
    expect(await one.takeTurn('teams:a\u0000m1', loser, T0 + 59_999, T0 + 120_000)).toBe(false);
    // Ending someone else's turn does nothing; the holder's own end frees it.
    await other.endTurn('teams:a\u0000m1', loser);
    expect(await other.takeTurn('teams:a\u0000m1', loser, T0 + 1, T0 + 60_000)).toBe(false);
    await one.endTurn('teams:a\u0000m1', winner);
    expect(await other.takeTurn('teams:a\u0000m1', loser, T0 + 2, T0 + 60_000)).toBe(true);
    // A holder that died: its turn runs out with its leases.
    expect(await one.takeTurn('teams:a\u0000m1', winner, T0 + 60_002, T0 + 120_000)).toBe(true);
  });
});

describe('send slots kept in one process', () => {
  it('always gives the turn (one process serves a member once per pass) and paces like the pacer', async () => {
    const slots = new InProcessSendSlots(PACING);
    expect(await slots.takeTurn()).toBe(true);
    expect(await slots.reserve('w', 'c', 0, Infinity)).toBe(0);
    expect(await slots.reserve('w', 'c', 0, Infinity)).toBe(1000);
    await slots.block('w', 5000);
    expect(await slots.isBlocked('w', 4999)).toBe(true);
  });
});
