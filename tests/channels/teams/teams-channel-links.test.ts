import { cardsOf, textsOf } from '../../support/adaptive-cards';
import { teamsConversationId, teamsMention, teamsMessage } from '../../support/teams-activities';
import { DAY_MS, T0, TeamsHarness } from './teams-harness';

/** Two weeks after adding a partner the site-visit nudge is due; 11:00 in Berlin on a Monday. */
const DUE = new Date(T0.getTime() + 14 * DAY_MS + 3_600_000);
const CHANNEL = '19:nissan-alliance@thread.tacv2';

let harness: TeamsHarness;

beforeEach(async () => {
  harness = await TeamsHarness.start();
  await harness.send(teamsMessage({ ...harness.asha(), text: 'partner add Nissan' }));
});
afterEach(() => harness.stop());

/** Everything the bot said since `from`, in one string. */
function saidSince(from: number): string {
  return harness
    .activitiesSince(from)
    .map((r) => [String(r.activity.text ?? ''), ...cardsOf(r.activity).flatMap(textsOf)].join('\n'))
    .join('\n');
}

/**
 * Requests that carried the site-visit nudge (the weekly digest and the channel's weekly status, which go out
 * the same Monday, name the next step too, but not first).
 */
function nudgePosts(from: number) {
  return harness
    .activitiesSince(from)
    .filter((r) => cardsOf(r.activity).some((card) => /site visit/i.test(textsOf(card)[0] ?? '')));
}

/** Asha, typing in the Nissan team channel (in a thread of it, as Teams sends replies). */
const inChannel = (text: string) =>
  teamsMention({
    ...harness.asha(),
    conversationType: 'channel',
    conversationId: `${CHANNEL};messageid=1772442000000`,
    text,
  });

describe('Teams channels that belong to a partner', () => {
  it('links a team channel, logs there without a name, and posts the nudges there mentioning the owners', async () => {
    let mark = harness.mark();
    await harness.send(inChannel('link Nissan'));
    expect(saidSince(mark)).toContain('This channel now belongs to **Nissan**');
    const [link] = harness.rows<{ channel_id: string; address: string }>('SELECT * FROM channel_links');
    expect(link!.channel_id).toBe(CHANNEL);
    // The stored reference posts to the channel itself, not to the thread the command was typed in.
    expect(JSON.parse(link!.address)).toMatchObject({
      channel: 'teams',
      payload: {
        kind: 'conversation',
        reference: { conversation: { id: CHANNEL, conversationType: 'channel' } },
      },
    });

    mark = harness.mark();
    await harness.send(inChannel('log call Pricing follow-up'));
    expect(saidSince(mark)).toContain('Logged for **Nissan**: Call');
    expect(harness.rows('SELECT partner_id, kind, note FROM interactions')).toEqual([
      { partner_id: 1, kind: 'call', note: 'Pricing follow-up' },
    ]);

    await harness.send(teamsMessage({ ...harness.asha(), text: 'prefs Nissan post-to-channel' }));

    mark = harness.mark();
    const report = await harness.tick(DUE);
    expect(report.delivered).toBe(1);
    const posts = nudgePosts(mark);
    expect(posts.map((r) => r.conversationId)).toEqual([CHANNEL]);
    const [post] = posts;
    expect(post!.activity.text).toBe('<at>Asha Rao</at>');
    expect(post!.activity.entities).toEqual([
      { type: 'mention', text: '<at>Asha Rao</at>', mentioned: { id: 'aad-asha', name: 'Asha Rao' } },
    ]);
    expect(harness.rows('SELECT status FROM nudges')).toEqual([{ status: 'sent' }]);
    // The same Monday morning, the partner's weekly status goes to the channel too.
    const inTheChannel = harness.activitiesSince(mark).filter((r) => r.conversationId === CHANNEL);
    expect(inTheChannel.map((r) => textsOf(cardsOf(r.activity)[0])[0])).toEqual([
      expect.stringMatching(/site visit/i),
      'Weekly status — Nissan',
    ]);
  });

  it('keeps nudges in the personal chat until the owners choose the channel', async () => {
    await harness.send(inChannel('link Nissan'));
    const mark = harness.mark();
    await harness.tick(DUE);
    expect(nudgePosts(mark).map((r) => r.conversationId)).toEqual([teamsConversationId('29:asha')]);
  });

  it('says that link works only in a channel when typed in the personal chat', async () => {
    const mark = harness.mark();
    await harness.send(teamsMessage({ ...harness.asha(), text: 'link Nissan' }));
    expect(saidSince(mark)).toContain('works only in a channel');
    expect(harness.rows('SELECT * FROM channel_links')).toEqual([]);
  });
});
