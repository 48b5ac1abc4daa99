import { flatten } from '../support/core-harness';
import { coreHarness } from '../support/core-harness';
import type { Message } from '../../src/core/messages';

// Wed 22 April 2026, 10:00 in Tokyo (03:00 in Berlin, where the member lives).
const NOW = new Date('2026-04-22T01:00:00Z');

describe('both sides’ calendars', () => {
  let h: Awaited<ReturnType<typeof coreHarness>>;
  beforeEach(async () => {
    h = await coreHarness({ timeZone: 'Europe/Berlin', now: NOW });
    await h.say('add Nissan');
  });
  afterEach(() => h.close());

  async function place(name = 'Nissan'): Promise<{ country: string | null; time_zone: string | null }> {
    return (await h.one('SELECT country, time_zone FROM partners WHERE name = ?', [name])) as {
      country: string | null;
      time_zone: string | null;
    };
  }

  /** A nudge of `ruleId` about Nissan for the member, rendered as it would be delivered at `at`. */
  async function rendered(ruleId: string, at: Date, occurrence = 'x1'): Promise<Message> {
    const partner = (await h.store.partners.findByName(h.actor.workspaceId, 'Nissan'))!;
    const { nudge } = await h.store.nudges.createIfAbsent({
      workspaceId: h.actor.workspaceId,
      partnerId: partner.id,
      memberId: h.actor.memberId,
      ruleId,
      occurrence,
      dueAt: at,
      deliverAfter: at,
      now: at,
    });
    const history = await h.store.partners.history(h.actor.workspaceId, partner.id);
    const member = (await h.store.members.get(h.actor.workspaceId, h.actor.memberId))!;
    return h.rapport.renderNudges([{ nudge, partner, history, member }], at);
  }

  describe('partner set', () => {
    it('sets the country, and the time zone of a country that has one', async () => {
      const reply = await h.say('partner set Nissan country jp');
      expect(reply).toContain('*Nissan*: Japan · Asia/Tokyo · their time now 10:00, Wed.');
      expect(await place()).toEqual({ country: 'JP', time_zone: 'Asia/Tokyo' });
    });

    it('is taken back by undo, one setting at a time, as it was before', async () => {
      await h.say('partner set Nissan country JP');
      await h.say('partner set Nissan tz Asia/Seoul');
      expect(await place()).toEqual({ country: 'JP', time_zone: 'Asia/Seoul' });
      expect(await h.say('undo')).toContain('back to JP · Asia/Tokyo');
      expect(await place()).toEqual({ country: 'JP', time_zone: 'Asia/Tokyo' });
      expect(await h.say('undo')).toContain('without a country or time zone again');
      expect(await place()).toEqual({ country: null, time_zone: null });
    });

    it('leaves the zone to be set for a country with several, and takes an IANA zone in any case', async () => {
      const reply = await h.say('set Nissan country US');
      expect(await place()).toEqual({ country: 'US', time_zone: null });
      expect(reply).toContain('*Nissan*: United States of America.');
      expect(reply).toMatch(
        /United States of America has \d+ time zones \(America\/\w+, .*…\): set theirs with `partner set Nissan tz ZONE`/,
      );
      expect(await h.say('set Nissan tz america/new_york')).toContain(
        'United States of America · America/New_York · their time now 21:00, Tue',
      );
      expect(await place()).toEqual({ country: 'US', time_zone: 'America/New_York' });
      // Another country with several zones, none of them that one: the zone no longer holds.
      await h.say('set Nissan country CA');
      expect(await place()).toEqual({ country: 'CA', time_zone: null });
      await h.say('set Nissan country none');
      expect(await place()).toEqual({ country: null, time_zone: null });
    });

    it('is also understood without `set`, and with a quoted name', async () => {
      await h.say('add "Renault Group"');
      await h.say('partner Nissan country JP');
      await h.say('"Renault Group" tz Europe/Paris');
      expect(await place()).toEqual({ country: 'JP', time_zone: 'Asia/Tokyo' });
      expect(await place('Renault Group')).toEqual({ country: null, time_zone: 'Europe/Paris' });
    });

    it.each([
      [
        'set Nissan country XX',
        "I don't know the country code 'XX' — use a two-letter ISO code such as JP, DE, US.",
      ],
      ['set Nissan country Japan', "I don't know the country code 'Japan'"],
      ['set Nissan tz Mars/Olympus', '“Mars/Olympus” is not a time zone I know.'],
      ['set Nisan country JP', "I don't know a partner called “Nisan”. Did you mean *Nissan*?"],
      ['set', 'Which partner, and what should I set'],
      ['set Nissan', 'Say what to set after the name'],
      ['set Nissan colour blue', 'Say what to set after the name'],
    ])('refuses `%s` clearly, with the usage, and writes nothing', async (command, problem) => {
      await h.say('set Nissan country DE');
      const before = { place: await place(), counts: await h.counts() };
      const reply = await h.say(command);
      expect(reply).toContain(problem);
      expect(reply).toContain('Usage: `partner set NAME country CODE | set NAME tz ZONE`');
      expect({ place: await place(), counts: await h.counts() }).toEqual(before);
    });
  });

  describe('status', () => {
    it('shows where they are and their time now, and the first meeting in the record', async () => {
      await h.say('set Nissan country JP');
      await h.say('log Nissan meeting 2026-02-12 Introduced by the embassy');
      await h.say('log Nissan call 2026-03-01');
      const status = await h.say('status Nissan');
      expect(status).toContain('Where: Japan · Asia/Tokyo · their time now 10:00, Wed');
      expect(status).toContain('First met: Thu 12 Feb 2026 (meeting, logged by Ada)');
      expect(status).toContain('Meeting — Introduced by the embassy · first meeting');
      expect(status).not.toMatch(/Call.*first meeting/);
    });

    it('puts where they are and their holidays ahead in the brief', async () => {
      await h.say('set Nissan country JP');
      const brief = await h.say('brief Nissan');
      expect(brief).toContain('Where: Japan · Asia/Tokyo · their time now 10:00, Wed');
      expect(brief).toContain(
        'Their holidays: public holidays in Japan in the next 14 days: 29 April (Showa Day)',
      );
    });

    it('says how the first meeting happened when they came to you', async () => {
      await h.say('log Nissan hosted 2026-01-20 Lab tour');
      expect(await h.say('status Nissan')).toContain(
        'First met: Tue 20 Jan 2026 (they came to you, logged by Ada)',
      );
    });

    it('says nothing of a place no one set', async () => {
      expect(await h.say('status Nissan')).not.toContain('Where:');
    });
  });

  describe('suggestions to meet name their holidays and their time', () => {
    it('names the public holidays in the next 14 days and their time now in a visit suggestion', async () => {
      await h.say('set Nissan country JP');
      const text = flatten(await rendered('site-visit', NOW));
      expect(text).toContain('You have not visited *Nissan* at their premises yet.');
      expect(text).toContain(
        "note: public holidays in Japan in the next 14 days: 29 April (Showa Day), 3 May (Constitution Day), 4 May (Greenery Day), 5 May (Children's Day)",
      );
      expect(text).toContain('Their time now: 10:00, Wed (Asia/Tokyo)');
    });

    it('names a single holiday in a sentence', async () => {
      await h.say('set Nissan country JP');
      const text = flatten(await rendered('joint-workshop', new Date('2026-11-20T01:00:00Z')));
      expect(text).toContain('note: 23 November is a public holiday in Japan (Labor Thanksgiving Day)');
    });

    it('adds nothing to a nudge that is not about meeting them, or when their country is unknown', async () => {
      const unknown = flatten(await rendered('site-visit', NOW));
      expect(unknown).not.toContain('note:');
      expect(unknown).not.toContain('Their time now');
      await h.say('set Nissan country JP');
      const observation = flatten(await rendered('cultural-observation', NOW, 'x2'));
      expect(observation).not.toContain('public holiday');
      expect(observation).not.toContain('Their time now');
    });

    it('names their holidays in a planned visit’s brief', async () => {
      await h.say('set Nissan country JP');
      const text = flatten(await rendered('planned-brief', NOW, 'e1:visit:2026-04-30'));
      expect(text).toContain('Your visit to *Nissan* is on Thu 30 Apr 2026');
      expect(text).toContain('29 April (Showa Day)');
    });
  });

  describe('visiting them is not hosting them', () => {
    it('does not say "you have not visited" when they came to you', async () => {
      await h.say('log Nissan hosted 2026-03-03 They toured our lab');
      const text = flatten(await rendered('site-visit', NOW));
      expect(text).not.toContain('You have not visited');
      expect(text).toContain(
        "They came to you on Tue 3 Mar 2026; a visit to *Nissan*'s premises would show respect for their side.",
      );
    });

    it('mentions the last visit when hosting came after it', async () => {
      await h.say('log Nissan visit 2025-10-01');
      await h.say('log Nissan hosted 2026-03-03');
      const text = flatten(await rendered('site-visit', NOW));
      expect(text).toContain('They came to you on Tue 3 Mar 2026');
      expect(text).toContain('Your last visit to them was on Wed 1 Oct 2025 (203 days ago).');
    });

    it('keeps the usual words when the visit is the latest', async () => {
      await h.say('log Nissan hosted 2025-10-01');
      await h.say('log Nissan visit 2025-11-01');
      const text = flatten(await rendered('site-visit', NOW));
      expect(text).toContain('You have not visited *Nissan* at their premises since Sat 1 Nov 2025');
      expect(text).not.toContain('They came to you');
    });
  });

  describe('prefs country', () => {
    it('defaults from the time zone, can be chosen (with a region), and goes back with auto', async () => {
      expect(await h.say('prefs')).toContain('Public holidays: Germany (from your time zone)');
      expect(await h.say('prefs country gb-sct')).toContain(
        'Public holidays: United Kingdom (Scotland) (your choice; `prefs country auto` follows your time zone)',
      );
      expect((await h.store.members.get(h.actor.workspaceId, h.actor.memberId))!.holidayCountry).toBe(
        'GB-SCT',
      );
      expect(await h.say('prefs country auto')).toContain('Public holidays: Germany (from your time zone)');
      expect((await h.store.members.get(h.actor.workspaceId, h.actor.memberId))!.holidayCountry).toBeNull();
    });

    it('refuses an unknown code and keeps what was set', async () => {
      await h.say('prefs country JP');
      const reply = await h.say('prefs country XX');
      expect(reply).toContain(
        "I don't know the country code 'XX' — use a two-letter ISO code such as JP, DE, US",
      );
      expect((await h.store.members.get(h.actor.workspaceId, h.actor.memberId))!.holidayCountry).toBe('JP');
      expect(await h.say('prefs country AQ')).toContain('I have no list of public holidays for Antarctica.');
      expect((await h.store.members.get(h.actor.workspaceId, h.actor.memberId))!.holidayCountry).toBe('JP');
    });
  });
});
