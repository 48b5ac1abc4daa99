import { ChannelError } from '../../src/core/errors';
import type { Conversation } from '../../src/core/rapport';
import { ChannelStatusPoster } from '../../src/scheduler/channel-status';
import { NudgeScheduler } from '../../src/scheduler/nudge-scheduler';
import { coreHarness } from '../support/core-harness';
import { RecordingChannel } from '../support/recording-channel';

const MONDAY = new Date('2026-11-30T10:00:00Z');
const ADDED = new Date(MONDAY.getTime() - 15 * 86_400_000);
const CHANNEL: Conversation = {
  id: 'C0NISSAN',
  kind: 'channel',
  address: { channel: 'shell', payload: { channel: 'C0NISSAN' } },
  external: false,
};

/** Nissan, owned by Ada and Bob, linked to its channel, posting there; a site visit is due on Monday. */
async function setUp() {
  const h = await coreHarness({ now: ADDED });
  const bob = await h.rapport.identify(
    'shell',
    'local',
    { memberId: 'bob', displayName: 'Bob', address: { channel: 'shell', payload: { session: 'bob' } } },
    ADDED,
  );
  await h.rapport.handleCommand(h.actor, 'add Nissan', ADDED);
  await h.store.partners.addOwner(h.actor.workspaceId, 1, bob.member.id);
  await h.rapport.handleCommand(h.actor, 'log Nissan call 2026-11-29 Noted', MONDAY);
  await h.rapport.handleCommand(h.actor, 'link Nissan', ADDED, CHANNEL);
  await h.rapport.handleCommand(h.actor, 'prefs Nissan post-to-channel', ADDED);
  const channel = new RecordingChannel('shell');
  const scheduler = new NudgeScheduler(h.store, h.rapport, new Map([['shell', channel]]), h.logger, {
    random: () => 0.5,
    monotonic: () => 0,
    sleep: async () => undefined,
  });
  const nudges = async () =>
    await h.query('SELECT member_id, status, message_ref FROM nudges ORDER BY member_id');
  return { h, channel, scheduler, nudges };
}

describe('nudges posted to a partner channel', () => {
  it('posts one message mentioning every owner, once, and marks each owner’s nudge sent with it', async () => {
    const { h, channel, scheduler, nudges } = await setUp();
    try {
      const report = await scheduler.runDue(MONDAY);
      expect(report.delivered).toBe(2);
      expect(channel.deliveries).toHaveLength(1);
      const [post] = channel.deliveries;
      expect(post!.address).toEqual(CHANNEL.address);
      expect(post!.message.mentions).toEqual([
        { id: 'ada', name: 'Ada' },
        { id: 'bob', name: 'Bob' },
      ]);
      expect(JSON.stringify(post!.message)).toMatch(/site visit/i);
      expect(await nudges()).toEqual([
        { member_id: 'ada', status: 'sent', message_ref: '{"n":1}' },
        { member_id: 'bob', status: 'sent', message_ref: '{"n":1}' },
      ]);
      await scheduler.runDue(new Date(MONDAY.getTime() + 3_600_000));
      expect(channel.deliveries).toHaveLength(1);
    } finally {
      await h.close();
    }
  });

  it('keeps what is said to one person in their own chat: a handover note, a promise they made', async () => {
    const { h, channel, scheduler } = await setUp();
    try {
      await h.rapport.handleCommand(h.actor, 'handover Nissan bob Their CFO is difficult, between us', ADDED);
      await h.rapport.handleCommand(h.actor, 'promise Nissan "send the pricing model" by 2026-12-01', ADDED);
      await scheduler.runDue(MONDAY);
      const inChannel = (d: { address: unknown }) =>
        JSON.stringify(d.address) === JSON.stringify(CHANNEL.address);
      const toChannel = channel.deliveries.filter(inChannel);
      const direct = channel.deliveries.filter((d) => !inChannel(d));
      // The site visit still goes to the channel.
      expect(JSON.stringify(toChannel.map((d) => d.message))).toMatch(/site visit/i);
      expect(JSON.stringify(toChannel.map((d) => d.message))).not.toMatch(/CFO|pricing model/);
      expect(JSON.stringify(direct.map((d) => d.message))).toContain('Their CFO is difficult');
      expect(JSON.stringify(direct.map((d) => d.message))).toContain('send the pricing model');
    } finally {
      await h.close();
    }
  });

  it('goes back to the owners’ direct messages when the channel is gone', async () => {
    const { h, channel, scheduler, nudges } = await setUp();
    try {
      channel.failWith(new ChannelError('ADDRESS_GONE', 'channel_not_found'));
      await scheduler.runDue(MONDAY);
      expect(channel.deliveries).toEqual([]);
      expect(await h.query('SELECT post_to_channel FROM channel_links')).toEqual([{ post_to_channel: 0 }]);
      await scheduler.runDue(new Date(MONDAY.getTime() + 60_000));
      expect(channel.deliveries.map((d) => d.address.payload)).toEqual([
        { session: 'local' },
        { session: 'bob' },
      ]);
      expect(await nudges()).toMatchObject([{ status: 'sent' }, { status: 'sent' }]);
    } finally {
      await h.close();
    }
  });

  it('posts the partner’s status to its channel once a week, on the first working morning', async () => {
    const { h, channel, scheduler } = await setUp();
    try {
      const poster = new ChannelStatusPoster(
        h.store,
        h.rapport,
        new Map([['shell', channel]]),
        h.logger,
        scheduler.gate,
        scheduler.failures,
      );
      // Sunday: not a working day of the member who linked the channel.
      expect(await poster.runDue(new Date('2026-11-29T10:00:00Z'))).toBe(0);
      expect(await poster.runDue(MONDAY)).toBe(1);
      expect(await poster.runDue(new Date(MONDAY.getTime() + 3_600_000))).toBe(0);
      expect(channel.deliveries.map((d) => [d.address, d.message.title])).toEqual([
        [CHANNEL.address, 'Weekly status — Nissan'],
      ]);
      expect(await poster.runDue(new Date(MONDAY.getTime() + 7 * 86_400_000))).toBe(1);
      expect(await h.query('SELECT week, status FROM channel_status_posts ORDER BY week')).toEqual([
        { week: '2026-W49', status: 'sent' },
        { week: '2026-W50', status: 'sent' },
      ]);
    } finally {
      await h.close();
    }
  });

  it('does not post the status of a partner whose owners keep it in their DMs', async () => {
    const { h, channel, scheduler } = await setUp();
    try {
      await h.rapport.handleCommand(h.actor, 'prefs Nissan post-to-dm', MONDAY);
      const poster = new ChannelStatusPoster(
        h.store,
        h.rapport,
        new Map([['shell', channel]]),
        h.logger,
        scheduler.gate,
        scheduler.failures,
      );
      expect(await poster.runDue(MONDAY)).toBe(0);
      expect(channel.deliveries).toEqual([]);
    } finally {
      await h.close();
    }
  });
});
