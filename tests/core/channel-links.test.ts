import type { Conversation } from '../../src/core/rapport';
import { captureNote } from '../../src/core/features/capture';
import { partnerNamedIn } from '../../src/core/features/channel-links';
import { LIMITS } from '../../src/core/commands/grammar';
import { coreHarness, flatten } from '../support/core-harness';

const CHANNEL: Conversation = {
  id: 'C0NISSAN',
  kind: 'channel',
  address: { channel: 'shell', payload: { channel: 'C0NISSAN' } },
  external: false,
};
const DM: Conversation = { id: 'D0ADA', kind: 'chat' };

describe('channels that belong to a partner', () => {
  let h: Awaited<ReturnType<typeof coreHarness>>;
  beforeEach(async () => {
    h = await coreHarness();
    await h.say('add Nissan');
    await h.say('add Renault');
  });
  afterEach(() => h.close());

  const sayIn = async (where: Conversation | undefined, text: string) =>
    flatten((await h.rapport.handleCommand(h.actor, text, h.now, where)).reply);
  const links = async () =>
    await h.query('SELECT channel_id, partner_id, post_to_channel FROM channel_links');

  it('links a channel to a partner, once, and unlinks it', async () => {
    expect(await sayIn(CHANNEL, 'link Nissan')).toContain('This channel now belongs to *Nissan*');
    expect(await links()).toEqual([{ channel_id: 'C0NISSAN', partner_id: 1, post_to_channel: 0 }]);
    expect(await sayIn(CHANNEL, 'link Nissan')).toContain('already belongs to *Nissan*');
    expect(await sayIn(CHANNEL, 'link Renault')).toMatch(/already belongs to \*Nissan\*.*unlink/s);
    expect(await sayIn(CHANNEL, 'unlink')).toContain('no longer belongs to *Nissan*');
    expect(await links()).toEqual([]);
    expect(await sayIn(CHANNEL, 'unlink')).toContain('not linked');
  });

  it('refuses to link a direct message, an unknown partner, or from the terminal', async () => {
    expect(await sayIn(DM, 'link Nissan')).toContain('works only in a channel');
    expect(await sayIn(undefined, 'link Nissan')).toContain('works only in a channel');
    expect(await sayIn(CHANNEL, 'link Nisan')).toMatch(/don't know a partner called “Nisan”.*Nissan/s);
    expect(await sayIn(CHANNEL, 'link')).toContain('Which partner');
    expect(await links()).toEqual([]);
  });

  it('logs without a name in a linked channel, and still takes a named partner there', async () => {
    await sayIn(CHANNEL, 'link Nissan');
    expect(await sayIn(CHANNEL, 'log call yesterday Pricing')).toContain('Logged for *Nissan*: Call');
    expect(await sayIn(CHANNEL, 'log Renault meeting')).toContain('Logged for *Renault*');
    // Not linked: the name is needed.
    expect(await sayIn(DM, 'log call')).toContain("I don't know a partner called “call”");
    const rows = await h.query('SELECT partner_id, kind, occurred_on, note FROM interactions ORDER BY id');
    expect(rows).toEqual([
      { partner_id: 1, kind: 'call', occurred_on: '2026-11-26', note: 'Pricing' },
      { partner_id: 2, kind: 'meeting', occurred_on: '2026-11-27', note: null },
    ]);
  });

  it('lets owners post a partner to its channel, once it has one', async () => {
    expect(await sayIn(DM, 'prefs Nissan post-to-channel')).toContain('has no channel yet');
    await sayIn(CHANNEL, 'link Nissan');
    expect(await sayIn(DM, 'prefs Nissan post-to-channel')).toContain('now go to its channel');
    expect(await links()).toEqual([{ channel_id: 'C0NISSAN', partner_id: 1, post_to_channel: 1 }]);
    expect(await sayIn(DM, 'prefs Nissan post-to-dm')).toContain("each owner's direct messages");
    expect(await links()).toEqual([{ channel_id: 'C0NISSAN', partner_id: 1, post_to_channel: 0 }]);
    // Other prefs still work.
    expect(await sayIn(DM, 'prefs digest off')).not.toContain("don't know");
    const other = await h.rapport.identify('shell', 'local', { memberId: 'bob' }, h.now);
    const reply = flatten(
      (await h.rapport.handleCommand(other.actor, 'prefs Nissan post-to-channel', h.now)).reply,
    );
    expect(reply).toContain("Only Nissan's owners");
  });

  it.each([
    ['shared with another organisation', true],
    ['whose sharing the platform could not tell', undefined],
  ])('never posts to a channel %s', async (_what, external) => {
    await sayIn({ ...CHANNEL, external }, 'link Nissan');
    expect(await sayIn(DM, 'prefs Nissan post-to-channel')).toContain(
      'shared with people outside your organisation',
    );
    expect(await links()).toEqual([{ channel_id: 'C0NISSAN', partner_id: 1, post_to_channel: 0 }]);
  });

  it('suggests linking a shared channel to the partner its organisation is named after', async () => {
    const suggestion = await h.rapport.linkSuggestion(h.actor, CHANNEL, ['Nissan Motor Co., Ltd.'], h.now);
    expect(suggestion?.choices).toEqual([{ id: 'p:1:link', label: 'Link to Nissan', style: 'primary' }]);
    expect(await h.rapport.linkSuggestion(h.actor, CHANNEL, ['Toyota'], h.now)).toBeNull();
    const linked = await h.rapport.handleChoice(h.actor, 'p:1:link', h.now, CHANNEL);
    expect(flatten(linked.reply)).toContain('now belongs to *Nissan*');
    expect(await h.rapport.linkSuggestion(h.actor, CHANNEL, ['Nissan'], h.now)).toBeNull();
  });

  it('pre-fills the log form from a message', async () => {
    const form = await h.rapport.captureForm(
      h.actor,
      {
        text: 'Lunch with the Renault team',
        at: new Date('2026-11-25T23:30:00Z'),
        permalink: 'https://x/p1',
      },
      h.now,
    );
    const initial = Object.fromEntries(
      form.fields.map((f) => [f.id, 'initial' in f ? f.initial : undefined]),
    );
    expect(initial).toMatchObject({
      partner: '2',
      kind: 'meeting',
      date: '2026-11-25',
      note: 'Lunch with the Renault team\nhttps://x/p1',
    });
  });
});

describe('captureNote and partnerNamedIn', () => {
  it('keeps the permalink whole when the text is too long', () => {
    const note = captureNote('x'.repeat(5000), 'https://slack.example/p1');
    expect(note.length).toBeLessThanOrEqual(LIMITS.note);
    expect(note.endsWith('…\nhttps://slack.example/p1')).toBe(true);
  });

  it('prefers the longest name and matches whole words only', () => {
    const partners = [{ name: 'Renault' }, { name: 'Renault Group' }, { name: 'Ana' }];
    expect(partnerNamedIn(partners, ['Call with renault group today'])?.name).toBe('Renault Group');
    expect(partnerNamedIn(partners, ['Banana bread'])).toBeNull();
    expect(partnerNamedIn(partners, ['Met Ana'])?.name).toBe('Ana');
  });
});
