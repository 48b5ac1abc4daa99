/**
 * Partner country and time zone through Teams' real entry point: messages POSTed to /api/messages,
 * replies back through the fake Bot Connector.
 */
import { cardsOf, textsOf } from '../../support/adaptive-cards';
import { teamsMessage } from '../../support/teams-activities';
import { TeamsHarness } from './teams-harness';

let harness: TeamsHarness;

beforeEach(async () => {
  harness = await TeamsHarness.start();
  await harness.send(teamsMessage({ ...harness.asha(), text: 'partner add Nissan' }));
});

afterEach(async () => {
  const problems = harness.cardProblems();
  await harness.stop();
  expect(problems).toEqual([]);
});

/** Sends `text` as Asha in her personal chat; returns every text the replies carry. */
async function say(text: string): Promise<string> {
  const mark = harness.mark();
  await harness.send(teamsMessage({ ...harness.asha(), text }));
  return harness
    .activitiesSince(mark)
    .map((r) => [r.activity.text ?? '', ...cardsOf(r.activity).flatMap(textsOf)].join('\n'))
    .join('\n');
}

const place = () => harness.rows('SELECT name, country, time_zone FROM partners ORDER BY id');

describe('Teams: partner set', () => {
  it('sets the country and its zone from a message, and status shows their time now', async () => {
    // Mon 2 March 2026, 09:00 UTC: 18:00 in Tokyo.
    expect(await say('partner set Nissan country jp')).toContain(
      'Japan · Asia/Tokyo · their time now 18:00, Mon',
    );
    expect(place()).toEqual([{ name: 'Nissan', country: 'JP', time_zone: 'Asia/Tokyo' }]);
    expect(await say('partner status Nissan')).toContain('Japan · Asia/Tokyo · their time now 18:00, Mon');
  });

  it('sets a zone, for a country with several', async () => {
    await say('set Nissan country US');
    expect(place()).toEqual([{ name: 'Nissan', country: 'US', time_zone: null }]);
    await say('partner set Nissan tz America/Chicago');
    expect(place()).toEqual([{ name: 'Nissan', country: 'US', time_zone: 'America/Chicago' }]);
  });

  it.each([
    [
      'partner set Nissan country XX',
      "I don't know the country code 'XX' — use a two-letter ISO code such as JP, DE, US.",
    ],
    ['partner set Nissan tz Mars/Olympus', 'is not a time zone I know'],
    ['partner set Toyota country JP', 'know a partner called “Toyota”'],
  ])('answers `%s` with what was wrong and the usage, and writes nothing', async (text, problem) => {
    const reply = await say(text);
    expect(reply).toContain(problem);
    expect(reply).toContain('partner set NAME country CODE');
    expect(place()).toEqual([{ name: 'Nissan', country: null, time_zone: null }]);
  });
});
