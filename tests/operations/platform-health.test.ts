/**
 * How a platform channel's calls turn into readiness: unreachable platforms and refused credentials fail
 * it; a platform that answers about one member, or asks us to slow down, is up. Channels holding several
 * tokens (OAuth installations) report refused ones themselves.
 */
import { ObservedChannel } from '../../src/channels/platform-health';
import type { CredentialState } from '../../src/channels/platform-health';
import { ChannelError } from '../../src/core/errors';
import type { Metrics } from '../../src/core/metrics-port';
import { NO_METRICS } from '../../src/core/metrics-port';
import type { Channel } from '../../src/core/ports';
import { readinessOf } from '../../src/readiness';

const AT = new Date('2026-03-02T10:00:00Z');
const address = { channel: 'slack' as const, payload: { channel: 'D1' } };

function failingWith(error: unknown): Channel {
  return {
    platform: 'slack',
    deliver: async () => {
      throw error;
    },
  };
}

function sources(channel: ObservedChannel) {
  return readinessOf({
    probeWrite: async () => undefined,
    platforms: [channel],
    workspaces: { listHeld: async () => [] },
    clock: () => AT,
  });
}

describe('platform health', () => {
  it.each<[string, boolean, ChannelError]>([
    ['unreachable', false, new ChannelError('UNAVAILABLE', 'delivering to Slack: no answer')],
    ['credentials refused', false, new ChannelError('AUTH', 'delivering to Slack: token_revoked')],
    ['a member gone', true, new ChannelError('ADDRESS_GONE', 'delivering to Slack: user_not_found')],
    ['a malformed message', true, new ChannelError('INVALID', 'delivering to Slack: invalid_blocks')],
    ['rate limited', true, new ChannelError('RATE_LIMITED', 'ratelimited', { retryAfterMs: 5000 })],
  ])('a send that failed as %s leaves the platform ready: %s', async (_what, ready, error) => {
    const observed: number[] = [];
    const metrics: Metrics = { ...NO_METRICS, rateLimited: (_platform, seconds) => observed.push(seconds) };
    const channel = new ObservedChannel(failingWith(error), metrics, () => AT);
    await expect(channel.deliver(address, { text: 'hi' })).rejects.toBe(error);
    const readiness = await sources(channel)();
    expect(readiness.ready).toBe(ready);
    expect(readiness.checks.platforms!.ok).toBe(ready);
    expect(observed).toEqual(error.code === 'RATE_LIMITED' ? [5] : []);
  });

  it('counts as up before the first call and after a call that went through', async () => {
    let fail = true;
    const inner: Channel = {
      platform: 'slack',
      deliver: async () => {
        if (fail) throw new ChannelError('UNAVAILABLE', 'down');
        return { messageRef: 'ts' };
      },
    };
    const channel = new ObservedChannel(inner, NO_METRICS, () => AT);
    expect((await sources(channel)()).ready).toBe(true);
    await expect(channel.deliver(address, { text: 'hi' })).rejects.toThrow('down');
    expect((await sources(channel)()).failing).toEqual(['platforms']);
    fail = false;
    await channel.deliver(address, { text: 'hi' });
    expect((await sources(channel)()).ready).toBe(true);
    expect(channel.update).toBeUndefined();
  });

  it('is not ready while a channel reports refused credentials of its own (an OAuth installation)', async () => {
    const states: CredentialState[] = [
      { name: 'slack:T1', refused: false },
      { name: 'slack:T2', refused: true, detail: 'token_revoked' },
    ];
    const channel = new ObservedChannel(
      failingWith(null),
      NO_METRICS,
      () => AT,
      async () => states,
    );
    const readiness = await sources(channel)();
    expect(readiness.failing).toEqual(['credentials']);
    expect(readiness.checks.credentials).toEqual({
      ok: false,
      sendingHeld: [],
      refused: [{ platform: 'slack', name: 'slack:T2', detail: 'token_revoked' }],
    });
  });

  it('names a database that refuses writes, with what SQLite said', async () => {
    const readiness = await readinessOf({
      probeWrite: async () => {
        throw new Error('attempt to write a readonly database');
      },
      platforms: [],
      workspaces: { listHeld: async () => [] },
      clock: () => AT,
    })();
    expect(readiness).toEqual({
      ready: false,
      failing: ['database'],
      checks: {
        database: { ok: false, problem: expect.stringContaining('readonly database') },
        platforms: { ok: true, platforms: [] },
        credentials: { ok: true, sendingHeld: [] },
      },
    });
  });

  it("with a token per workspace (Slack OAuth), leaves one workspace's refused token out of readiness", async () => {
    const refused = new ChannelError('AUTH', 'delivering to Slack: token_revoked');
    const channel = new ObservedChannel(failingWith(refused), NO_METRICS, () => AT, undefined, true);
    await expect(channel.deliver(address, { text: 'hi' })).rejects.toBe(refused);
    const held = {
      id: 'slack:T1',
      platform: 'slack' as const,
      externalId: 'T1',
      name: null,
      createdAt: AT,
      sendingHeldUntil: new Date(AT.getTime() + 900_000),
      sendingHeldReason: 'delivering to Slack: token_revoked',
    };
    const perWorkspace = await readinessOf({
      probeWrite: async () => undefined,
      platforms: [channel],
      workspaces: { listHeld: async () => [held] },
      clock: () => AT,
      serviceWideHold: () => false,
    })();
    expect(perWorkspace.ready).toBe(true);
    // Still named for operators.
    expect(perWorkspace.checks.credentials).toMatchObject({
      ok: true,
      sendingHeld: [{ workspace: 'slack:T1' }],
    });

    // The one configured token refused: the service cannot send anywhere, so it is not ready.
    const single = new ObservedChannel(failingWith(refused), NO_METRICS, () => AT);
    await expect(single.deliver(address, { text: 'hi' })).rejects.toBe(refused);
    const serviceWide = await readinessOf({
      probeWrite: async () => undefined,
      platforms: [single],
      workspaces: { listHeld: async () => [held] },
      clock: () => AT,
    })();
    expect(serviceWide.failing).toEqual(['platforms', 'credentials']);
  });
});
