/**
 * Both sides' calendars through Slack's real entry point: signed `/partner` commands into Bolt, nudges out
 * through the fake Web API.
 */
import { blockText, DAY_MS, startSlackHarness, USER } from './slack-harness';
import type { SlackHarness } from './slack-harness';

// Mon 13 April 2026, 10:00 UTC (19:00 in Tokyo).
const MONDAY = new Date('2026-04-13T10:00:00.000Z');

describe('Slack: partner country and time zone', () => {
  let h: SlackHarness;
  beforeEach(async () => {
    h = await startSlackHarness({ now: MONDAY });
    await h.command('add Nissan');
  });
  afterEach(() => h.stop());

  const place = () => h.sql('SELECT name, country, time_zone FROM partners ORDER BY id');
  const replyText = async (text: string): Promise<string> => {
    const reply = await h.command(text);
    return `${String(reply.body.text)}\n${blockText(reply.body.blocks)}`;
  };

  it('/partner set NAME country JP sets Japan and its zone, and status shows their time now', async () => {
    const reply = await replyText('set Nissan country JP');
    expect(reply).toContain('Japan · Asia/Tokyo · their time now 19:00, Mon');
    expect(place()).toEqual([{ name: 'Nissan', country: 'JP', time_zone: 'Asia/Tokyo' }]);
    expect(await replyText('status Nissan')).toContain('Japan · Asia/Tokyo · their time now 19:00, Mon');
  });

  it('/partner NAME tz ZONE (without `set`) sets the zone', async () => {
    await replyText('Nissan tz Asia/Tokyo');
    expect(place()).toEqual([{ name: 'Nissan', country: null, time_zone: 'Asia/Tokyo' }]);
  });

  it.each([
    [
      'set Nissan country XX',
      "I don't know the country code 'XX' — use a two-letter ISO code such as JP, DE, US.",
    ],
    ['set Nissan tz Mars/Olympus', '“Mars/Olympus” is not a time zone I know.'],
    ['set Toyota country JP', "I don't know a partner called “Toyota”"],
  ])(
    'answers `/partner %s` with what was wrong and the usage, and writes nothing',
    async (command, problem) => {
      const reply = await h.command(command);
      expect(reply.body.response_type).toBe('ephemeral');
      const text = `${String(reply.body.text)}\n${blockText(reply.body.blocks)}`;
      expect(text).toContain(problem);
      expect(text).toContain('partner set NAME country CODE');
      expect(place()).toEqual([{ name: 'Nissan', country: null, time_zone: null }]);
    },
  );

  it('names their public holidays and their time in the visit nudge sent as a DM', async () => {
    await h.command('set Nissan country JP');
    // Two weeks after adding them, on Mon 27 April: the site-visit reminder, two days before Shōwa Day.
    h.setNow(new Date(MONDAY.getTime() + 14 * DAY_MS));
    await h.service.tick(h.now());
    const post = h.fake
      .calls('chat.postMessage')
      .find(
        (call) => call.params.channel === `D${USER}` && /Plan a site visit/.test(String(call.params.text)),
      );
    expect(post).toBeDefined();
    const text = blockText(post!.params.blocks);
    expect(text).toContain('note: public holidays in Japan in the next 14 days: 29 April (Showa Day), 3 May');
    expect(text).toContain('Their time now: 19:00, Mon (Asia/Tokyo)');
  });
});
