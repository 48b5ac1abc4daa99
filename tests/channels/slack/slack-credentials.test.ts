/**
 * Slack refusing our own token is our fault, not the members': sending to the workspace is held (one error
 * line, no attempts counted, nobody marked unreachable), probed, and every member is nudged once it recovers.
 */
import { DAY_MS, MONDAY, startSlackHarness } from './slack-harness';
import type { SlackHarness } from './slack-harness';

const MEMBERS = ['U0ASHA', 'U0BEN', 'U0CHO'];

describe('Slack: a credential outage', () => {
  let h: SlackHarness;
  beforeEach(async () => {
    h = await startSlackHarness();
  });
  afterEach(() => h.stop());

  it('holds the workspace while the token is refused, then nudges every member after it recovers', async () => {
    for (const [i, user] of MEMBERS.entries()) {
      h.fake.setUser(user, { tz: 'UTC', name: `Member ${i}` });
      await h.command(`add Partner${i} negotiating`, { userId: user });
    }
    // Three days on, each member's joint-workshop nudge is due; Slack says the token's account is gone.
    h.fake.failNext('conversations.open', { error: 'account_inactive' }, 1000);
    const start = new Date(MONDAY.getTime() + 3 * DAY_MS);
    await h.service.tick(start);
    // The first pass learns of the outage from the sends it had already started (at most one per member)…
    const firstPass = h.fake.calls('conversations.open').length;
    expect(firstPass).toBeGreaterThanOrEqual(1);
    expect(firstPass).toBeLessThanOrEqual(MEMBERS.length);
    // …then each pass after a hold has ended (15 minutes) makes one probe, not one try per member.
    for (let pass = 1; pass <= 5; pass++)
      await h.service.tick(new Date(start.getTime() + pass * 20 * 60_000));
    expect(h.fake.calls('conversations.open').length - firstPass).toBe(5);
    expect(h.sql('SELECT address_stale FROM members')).toEqual(MEMBERS.map(() => ({ address_stale: 0 })));
    expect(h.sql('SELECT DISTINCT status, attempts FROM nudges')).toEqual([
      { status: 'pending', attempts: 0 },
    ]);
    expect(
      h.logs.filter((line) => String(line.msg).startsWith('platform refused our credentials')),
    ).toHaveLength(1);
    expect(h.sql('SELECT sending_held_reason FROM workspaces')[0]).toMatchObject({
      sending_held_reason: expect.stringContaining('account_inactive'),
    });

    // Operators see the hold and why.
    const health = (await (await fetch(h.eventsUrl.replace('/slack/events', '/healthz'))).json()) as {
      sendingHeld: { workspace: string; reason: string }[];
    };
    expect(health.sendingHeld).toEqual([
      expect.objectContaining({ reason: expect.stringContaining('account_inactive') }),
    ]);

    // The token works again: the next pass after the hold probes, succeeds, and everyone is nudged.
    h.fake.reset();
    const recovered = new Date(start.getTime() + 3 * 3_600_000);
    await h.service.tick(recovered);
    await h.service.tick(new Date(recovered.getTime() + 60_000));
    expect(h.sql('SELECT DISTINCT status FROM nudges')).toEqual([{ status: 'sent' }]);
    expect(new Set(h.fake.calls('chat.postMessage').map((c) => c.params.channel))).toEqual(
      new Set(MEMBERS.map((user) => `D${user}`)),
    );
    expect(h.sql('SELECT sending_held_until FROM workspaces')).toEqual([{ sending_held_until: null }]);
  });
});
