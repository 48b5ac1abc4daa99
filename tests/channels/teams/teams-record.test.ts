/**
 * Fixing the record in Teams, through `/api/messages` and the fake Bot Connector: status numbers what was
 * logged, a deletion is confirmed with the card's button, and undo takes changes back one by one.
 */
import { actionsOf, cardsOf, textsOf } from '../../support/adaptive-cards';
import { adaptiveCardInvoke, teamsMessage } from '../../support/teams-activities';
import { TeamsHarness } from './teams-harness';

interface InvokeBody {
  statusCode: number;
  type: string;
  value: unknown;
}

let harness: TeamsHarness;

beforeEach(async () => {
  harness = await TeamsHarness.start();
});
afterEach(async () => {
  const problems = harness.cardProblems();
  await harness.stop();
  expect(problems).toEqual([]);
});

/** Types a command in Asha's personal chat; returns everything the bot said, cards as their texts. */
async function say(text: string): Promise<{ text: string; cards: Record<string, unknown>[] }> {
  const mark = harness.mark();
  await harness.send(teamsMessage({ ...harness.asha(), text }));
  const sent = harness.activitiesSince(mark);
  const cards = sent.flatMap((r) => cardsOf(r.activity));
  return {
    text: [...sent.map((r) => String(r.activity.text ?? '')), ...cards.flatMap(textsOf)].join('\n'),
    cards,
  };
}

function interactions() {
  return harness.rows('SELECT kind, occurred_on, note FROM interactions ORDER BY id');
}

describe('fixing the record in Teams', () => {
  it('logs, numbers, deletes with the card’s button, corrects, and undoes', async () => {
    await say('add Nissan');
    await say('log Nissan call yesterday Pricing questions');
    await say('log Nissan visit today Toured the plant');

    const status = await say('status Nissan');
    // Teams would read "1. " at the start of a line as a list: the card escapes it (Teams shows "1.").
    expect(status.text).toContain('1\\. Mon 2 Mar 2026 (today): Visit to their premises — Toured the plant');
    expect(status.text).toContain('2\\. Sun 1 Mar 2026 (yesterday): Call — Pricing questions');

    const ask = await say('delete Nissan 2');
    const [card] = ask.cards;
    expect(textsOf(card).join('\n')).toContain('Delete number 2 with **Nissan**?');
    const buttons = actionsOf(card);
    expect(buttons.map((b) => [b.title, b.style ?? null])).toEqual([
      ['Delete it', 'destructive'],
      ['Keep it', null],
    ]);
    expect(interactions()).toHaveLength(2);

    const pressed = await harness.post<InvokeBody>(
      adaptiveCardInvoke({
        ...harness.asha(),
        verb: 'rapport.choice',
        data: buttons[0]!.data as Record<string, unknown>,
      }),
    );
    expect(pressed.status).toBe(200);
    expect(textsOf(pressed.body!.value).join('\n')).toContain("Deleted from **Nissan**'s record");
    expect(actionsOf(pressed.body!.value)).toEqual([]);
    expect(interactions()).toEqual([{ kind: 'visit', occurred_on: '2026-03-02', note: 'Toured the plant' }]);
    expect((await say('status Nissan')).text).not.toContain('Pricing questions');

    expect((await say('partner edit Nissan 1 date yesterday')).text).toContain('Corrected for **Nissan**');
    expect((await say('status Nissan')).text).toContain(
      '1\\. Sun 1 Mar 2026 (yesterday): Visit to their premises — Toured the plant',
    );

    expect((await say('undo')).text).toContain('Undone: your correction for **Nissan**');
    expect((await say('undo')).text).toContain('Undone: your deletion: Call on Sun 1 Mar 2026');
    expect(interactions()).toEqual([
      { kind: 'call', occurred_on: '2026-03-01', note: 'Pricing questions' },
      { kind: 'visit', occurred_on: '2026-03-02', note: 'Toured the plant' },
    ]);
  });
});
