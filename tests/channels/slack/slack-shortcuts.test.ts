import { globalShortcutBody, messageShortcutBody } from '../../support/slack-shortcuts';
import { actionIds, logValues, startSlackHarness, TEAM, USER } from './slack-harness';
import type { SlackHarness } from './slack-harness';

interface ModalBlock {
  block_id: string;
  element: {
    type: string;
    initial_option?: { value: string };
    initial_date?: string;
    initial_value?: string;
  };
}
interface ModalView {
  callback_id: string;
  private_metadata: string;
  blocks: ModalBlock[];
}

const PERMALINK = 'https://rapport-test.slack.com/archives/C0GENERAL/p1772395200000100';
/** Sunday 1 March 2026, 20:00 UTC: already Monday 2 March in Tokyo, where the member lives. */
const SUNDAY_EVENING_TS = `${Date.parse('2026-03-01T20:00:00Z') / 1000}.000100`;
const NISSAN_TEAM = 'T0NISSAN';

function initialValues(view: ModalView): Record<string, string | undefined> {
  return Object.fromEntries(
    view.blocks.map((b) => [
      b.block_id,
      b.element.initial_option?.value ?? b.element.initial_date ?? b.element.initial_value,
    ]),
  );
}

describe('Slack shortcuts and channels that belong to a partner', () => {
  let h: SlackHarness;
  let nissan: string;
  let renault: string;
  let responses = 0;

  beforeEach(async () => {
    h = await startSlackHarness();
    h.fake.setUser(USER, { tz: 'Asia/Tokyo', name: 'Asha Rao' });
    h.fake.setResponder('chat.getPermalink', (call) => ({
      ok: true,
      channel: call.params.channel,
      permalink: PERMALINK,
    }));
    // Two channels: an internal one, and one shared with Nissan's own workspace (Slack Connect).
    h.fake.setResponder('conversations.info', (call) =>
      call.params.channel === 'C0PRIVATE'
        ? { ok: false, error: 'channel_not_found' }
        : call.params.channel === 'C0SHARED'
          ? {
              ok: true,
              channel: {
                id: 'C0SHARED',
                name: 'ext-alliance',
                is_ext_shared: true,
                connected_team_ids: [TEAM, NISSAN_TEAM],
              },
            }
          : { ok: true, channel: { id: call.params.channel, name: 'general', is_ext_shared: false } },
    );
    h.fake.setResponder('team.info', (call) =>
      call.params.team === NISSAN_TEAM
        ? { ok: true, team: { id: NISSAN_TEAM, name: 'Nissan Motor Co., Ltd.' } }
        : { ok: false, error: 'team_not_found' },
    );
    await h.command('add Nissan');
    await h.command('add Renault');
    const ids = h.sql<{ id: number; name: string }>('SELECT id, name FROM partners');
    nissan = String(ids.find((p) => p.name === 'Nissan')!.id);
    renault = String(ids.find((p) => p.name === 'Renault')!.id);
  });
  afterEach(() => h.stop());

  async function messageShortcut(channelId: string, text: string, ts = SUNDAY_EVENING_TS) {
    const responseId = `shortcut-${++responses}`;
    h.fake.reset();
    const result = await h.post(
      messageShortcutBody({
        teamId: TEAM,
        userId: USER,
        callbackId: 'log_to_partner',
        channelId,
        channelName: channelId === 'C0SHARED' ? 'ext-alliance' : 'general',
        message: { ts, text },
        responseUrl: h.fake.responseUrl(responseId),
      }),
    );
    expect(result.status).toBe(200);
    const opened = await h.fake.waitFor('views.open');
    return { view: opened.params.view as ModalView, responseId };
  }

  it('opens the log modal pre-filled from a message, and its submission logs the interaction', async () => {
    const { view } = await messageShortcut('C0GENERAL', 'Quick zoom with Nissan &amp; their buyers &lt;3');

    expect(h.fake.calls('chat.getPermalink')[0]!.params).toMatchObject({
      channel: 'C0GENERAL',
      message_ts: SUNDAY_EVENING_TS,
    });
    expect(view.callback_id).toBe('log-interaction');
    expect(initialValues(view)).toEqual({
      partner: nissan,
      kind: 'call',
      // The message's day where the member lives, not in UTC.
      date: '2026-03-02',
      note: `Quick zoom with Nissan & their buyers <3\n${PERMALINK}`,
      rating: undefined,
    });
    expect(JSON.parse(view.private_metadata)).toEqual({ channel: 'C0GENERAL' });

    const submitted = await h.submit({
      values: logValues({
        partner: nissan,
        kind: 'call',
        date: '2026-03-02',
        note: initialValues(view).note,
      }),
      privateMetadata: view.private_metadata,
    });
    expect(submitted.status).toBe(200);
    const confirmation = await h.fake.waitFor('chat.postEphemeral');
    expect(confirmation.params).toMatchObject({ channel: 'C0GENERAL', user: USER });
    expect(h.sql('SELECT partner_id, member_id, kind, occurred_on, note FROM interactions')).toEqual([
      {
        partner_id: Number(nissan),
        member_id: USER,
        kind: 'call',
        occurred_on: '2026-03-02',
        note: `Quick zoom with Nissan & their buyers <3\n${PERMALINK}`,
      },
    ]);
  });

  it('guesses a meeting, and leaves the partner to choose when the message names none', async () => {
    const { view } = await messageShortcut('C0GENERAL', 'Lunch with their purchasing team went well');
    expect(initialValues(view)).toMatchObject({ partner: undefined, kind: 'meeting' });
  });

  it('opens the same modal empty from the global shortcut', async () => {
    const result = await h.post(
      globalShortcutBody({ teamId: TEAM, userId: USER, callbackId: 'log_partner_interaction' }),
    );
    expect(result.status).toBe(200);
    const view = (await h.fake.waitFor('views.open')).params.view as ModalView;
    expect(view.callback_id).toBe('log-interaction');
    expect(initialValues(view)).toEqual({
      partner: undefined,
      kind: undefined,
      date: '2026-03-02',
      note: undefined,
      rating: undefined,
    });
  });

  it('suggests linking a Slack Connect channel to the partner it is shared with, and links it in one tap', async () => {
    // A shortcut there guesses the partner from the connected workspace's name, then offers the link.
    const { view, responseId } = await messageShortcut('C0SHARED', 'Good sync on volumes');
    expect(initialValues(view)).toMatchObject({ partner: nissan, kind: 'note' });
    const offered = await h.fake.waitForResponse(responseId);
    expect(JSON.stringify(offered.body)).toContain("shared with *Nissan*'s workspace");
    expect(actionIds(offered.body.blocks)).toEqual([`p:${nissan}:link`]);
    expect(h.fake.calls('team.info').map((c) => c.params.team)).toEqual([NISSAN_TEAM]);

    // The same day, a slash command there gets its reply and no second suggestion: it is offered once a day.
    const { result: sameDay, responseId: sameDayId } = await h.commandRaw('list', {
      channelId: 'C0SHARED',
      channelName: 'ext-alliance',
    });
    expect(sameDay.status).toBe(200);
    // The next day it is offered again, after the reply.
    h.setNow(new Date(h.now().getTime() + 24 * 3_600_000));
    const { responseId: listId } = await h.commandRaw('list', {
      channelId: 'C0SHARED',
      channelName: 'ext-alliance',
    });
    const suggestion = await h.fake.waitForResponse(listId, (p) =>
      JSON.stringify(p.body).includes('Link to Nissan'),
    );
    expect(actionIds(suggestion.body.blocks)).toEqual([`p:${nissan}:link`]);
    // By now anything the same-day command posted after its reply has arrived: no suggestion.
    expect(h.fake.responses(sameDayId).map((p) => JSON.stringify(p.body))).not.toContainEqual(
      expect.stringContaining('Link to'),
    );

    const { responseId: clickId } = await h.click({
      actionId: `p:${nissan}:link`,
      channelId: 'C0SHARED',
      isEphemeral: true,
    });
    const linked = await h.fake.waitForResponse(clickId);
    expect(JSON.stringify(linked.body)).toContain('This channel now belongs to *Nissan*');
    expect(h.sql('SELECT channel_id, partner_id, external, address FROM channel_links')).toEqual([
      {
        channel_id: 'C0SHARED',
        partner_id: Number(nissan),
        external: 1,
        address: JSON.stringify({
          channel: 'slack',
          payload: { kind: 'channel', teamId: TEAM, channelId: 'C0SHARED' },
        }),
      },
    ]);

    // Linked: no more suggestions, and no more lookups.
    h.fake.reset();
    const reply = await h.command('list', { channelId: 'C0SHARED', channelName: 'ext-alliance' });
    expect(JSON.stringify(reply.body)).not.toContain('Link to');
    expect(h.fake.calls('conversations.info')).toEqual([]);

    // Shared with Nissan's people: how the relationship is going is never posted there.
    const refused = await h.command('prefs Nissan post-to-channel');
    expect(JSON.stringify(refused.body)).toContain('shared with people outside your organisation');
    expect(h.sql('SELECT post_to_channel FROM channel_links')).toEqual([{ post_to_channel: 0 }]);
  });

  it('logs without a partner name in a linked channel, and pre-selects its partner in the shortcut', async () => {
    const linked = await h.command('link Renault', {
      channelId: 'C0RENAULT',
      channelName: 'renault-alliance',
    });
    expect(JSON.stringify(linked.body)).toContain('This channel now belongs to *Renault*');

    const logged = await h.command('log call yesterday Pricing follow-up', {
      channelId: 'C0RENAULT',
      channelName: 'renault-alliance',
    });
    expect(JSON.stringify(logged.body)).toContain('Logged for *Renault*: Call');
    expect(h.sql('SELECT partner_id, kind, occurred_on, note FROM interactions')).toEqual([
      { partner_id: Number(renault), kind: 'call', occurred_on: '2026-03-01', note: 'Pricing follow-up' },
    ]);

    const { view } = await messageShortcut('C0RENAULT', 'Met Nissan at the fair, then this thread');
    // The channel's partner comes before a name the message happens to mention.
    expect(initialValues(view)).toMatchObject({ partner: renault, kind: 'meeting' });

    // `/partner` alone there opens the log modal with the channel's partner chosen.
    h.fake.reset();
    await h.commandRaw('', { channelId: 'C0RENAULT', channelName: 'renault-alliance' });
    const empty = (await h.fake.waitFor('views.open')).params.view as ModalView;
    expect(initialValues(empty)).toMatchObject({ partner: renault, kind: undefined });
  });

  it('answers link mistakes clearly: in a DM, an unknown partner, a channel already linked', async () => {
    const inDm = await h.command('link Nissan');
    expect(JSON.stringify(inDm.body)).toContain('`link` works only in a channel');

    const unknown = await h.command('link Nisan', { channelId: 'C0GENERAL', channelName: 'general' });
    expect(JSON.stringify(unknown.body)).toMatch(
      /I don't know a partner called “Nisan”.*Did you mean \*Nissan\*/,
    );

    await h.command('link Nissan', { channelId: 'C0GENERAL', channelName: 'general' });
    const twice = await h.command('link Renault', { channelId: 'C0GENERAL', channelName: 'general' });
    expect(JSON.stringify(twice.body)).toContain('This channel already belongs to *Nissan*');
    expect(h.sql('SELECT channel_id, partner_id FROM channel_links')).toEqual([
      { channel_id: 'C0GENERAL', partner_id: Number(nissan) },
    ]);

    const unlinked = await h.command('unlink', { channelId: 'C0GENERAL', channelName: 'general' });
    expect(JSON.stringify(unlinked.body)).toContain('no longer belongs to *Nissan*');
    expect(h.sql('SELECT * FROM channel_links')).toEqual([]);
  });

  it('posts the partner’s nudges and weekly status in its channel, mentioning its owners, when they choose', async () => {
    await h.command('link Nissan', { channelId: 'C0NISSAN', channelName: 'nissan-alliance' });
    const chose = await h.command('prefs Nissan post-to-channel');
    expect(JSON.stringify(chose.body)).toContain('now go to its channel');

    // Two weeks after Nissan was added the site-visit nudge is due: Monday, 10:00 in Tokyo.
    h.fake.reset();
    const report = await h.service.tick(new Date('2026-03-16T01:00:00Z'));
    // Nissan's goes to its channel; Renault's, with no channel, to Asha's DM.
    expect(report.delivered).toBe(2);
    const posts = h.fake.calls('chat.postMessage').filter((c) => c.params.channel === 'C0NISSAN');
    expect(posts).toHaveLength(2);
    const [nudge, status] = posts as [(typeof posts)[0], (typeof posts)[0]];
    expect(String(nudge.params.text)).toMatch(new RegExp(`^<@${USER}> .*site visit`, 'is'));
    expect((nudge.params.blocks as unknown[])[0]).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `<@${USER}>` }],
    });
    expect(JSON.stringify(status.params.blocks)).toContain('Weekly status — Nissan');
    const dms = h.fake.calls('chat.postMessage').filter((c) => c.params.channel === `D${USER}`);
    const nudgesInDm = dms.map((c) => String(c.params.text)).filter((text) => /site visit/i.test(text));
    expect(nudgesInDm).toEqual([expect.stringMatching(/^\*Renault — Plan a site visit/)]);
    expect(h.sql('SELECT partner_id, status, message_ref FROM nudges ORDER BY partner_id')).toEqual([
      {
        partner_id: Number(nissan),
        status: 'sent',
        message_ref: expect.stringContaining('"channel":"C0NISSAN"'),
      },
      {
        partner_id: Number(renault),
        status: 'sent',
        message_ref: expect.stringContaining(`"channel":"D${USER}"`),
      },
    ]);
  });

  it('treats a channel Slack will not describe as shared: linked for logging, never posted to', async () => {
    const linked = await h.command('link Nissan', { channelId: 'C0PRIVATE', channelName: 'privategroup' });
    expect(JSON.stringify(linked.body)).toContain('shared with another organisation');
    expect(h.sql('SELECT channel_id, external FROM channel_links')).toEqual([
      { channel_id: 'C0PRIVATE', external: 1 },
    ]);
    const refused = await h.command('prefs Nissan post-to-channel');
    expect(JSON.stringify(refused.body)).toContain('shared with people outside your organisation');
  });
});
