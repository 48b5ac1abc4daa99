/**
 * Promise reminders end to end on Teams: recorded with `partner promise`, delivered by the scheduler as an
 * Adaptive Card (Kept as its one button, Late / Broken / Moved in the overflow), answered with an
 * `adaptiveCard/action` invoke to `/api/messages` (the card changes in place), and moved through the
 * Action.Submit fallback and the date form card. A loopback fake Bot Connector receives what the bot sends.
 */
import type { Activity } from 'botbuilder';
import { adaptiveCardInvoke, teamsMessage } from '../../support/teams-activities';
import { actionsOf, cardsOf, textsOf } from '../../support/adaptive-cards';
import { DAY_MS, T0, TeamsHarness } from './teams-harness';

interface InvokeBody {
  statusCode: number;
  type: string;
  value: Record<string, unknown>;
}

interface Row {
  id: number;
  rule_id: string;
  occurrence: string;
  status: string;
  answer: string | null;
  message_ref: string | null;
}

/** Wednesday 4 March, 10:00 in Berlin: two working days before a promise due Friday 6 March. */
const WEDNESDAY = new Date(T0.getTime() + 2 * DAY_MS);

let harness: TeamsHarness;

afterEach(async () => {
  const problems = harness.cardProblems();
  await harness.stop();
  expect(problems).toEqual([]);
});

const reminders = (): Row[] =>
  harness.rows<Row>(
    `SELECT id, rule_id, occurrence, status, answer, message_ref FROM nudges WHERE rule_id LIKE 'promise-%' ORDER BY id`,
  );

async function reminderCard() {
  harness = await TeamsHarness.start();
  await harness.send(teamsMessage({ ...harness.asha(), text: 'partner add Nissan' }));
  await harness.send(
    teamsMessage({
      ...harness.asha(),
      text: 'partner promise Nissan "send the pricing model" by 2026-03-06',
    }),
  );
  const mark = harness.mark();
  await harness.tick(WEDNESDAY);
  const card = harness
    .activitiesSince(mark)
    .flatMap((r) => cardsOf(r.activity))
    .find((c) => textsOf(c).join('\n').includes('send the pricing model'));
  expect(card).toBeDefined();
  expect(reminders()).toEqual([expect.objectContaining({ rule_id: 'promise-before', status: 'sent' })]);
  return card!;
}

describe('Teams promise reminders', () => {
  it('delivers the reminder card and Kept (an invoke) settles the promise and changes the card', async () => {
    const card = await reminderCard();
    const actions = actionsOf(card);
    expect(actions.filter((a) => a.mode !== 'secondary').map((a) => [a.title, a.style])).toEqual([
      ['Kept', 'positive'],
    ]);
    expect(actions.filter((a) => a.mode === 'secondary').map((a) => a.title)).toEqual([
      'Late',
      'Broken',
      'Moved to…',
      'Snooze 1 day',
      'Snooze 1 week',
      'Dismiss',
    ]);
    const kept = actions.find((a) => a.title === 'Kept')!;
    harness.now = new Date(WEDNESDAY.getTime() + 60_000);

    const answered = await harness.post<InvokeBody>(
      adaptiveCardInvoke({
        ...harness.asha(),
        verb: String(kept.verb),
        data: kept.data as Record<string, unknown>,
      }),
    );

    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    expect(textsOf(answered.body!.value).join('\n')).toMatch(/Recorded “Kept” — Asha Rao/);
    expect(actionsOf(answered.body!.value)).toEqual([]);
    expect(reminders()[0]).toMatchObject({ status: 'answered', answer: 'kept' });
    expect(harness.rows('SELECT status FROM promises')).toEqual([{ status: 'kept' }]);
  });

  it('moves a promise through the Action.Submit fallback and the date form card', async () => {
    const card = await reminderCard();
    const moved = actionsOf(card).find((a) => a.title === 'Moved to…')!;
    const replyToId = String((JSON.parse(reminders()[0]!.message_ref!) as { activityId: string }).activityId);
    const mark = harness.mark();

    await harness.send(
      teamsMessage({
        ...harness.asha(),
        value: (moved.fallback as { data: Record<string, unknown> }).data,
        replyToId,
      }) as Partial<Activity>,
    );

    const sent = harness.activitiesSince(mark);
    // The reminder's card changes in place, and the date form arrives.
    expect(sent.some((r) => r.verb === 'PUT' && r.activityId === replyToId)).toBe(true);
    const form = sent.flatMap((r) => cardsOf(r.activity)).find((c) => textsOf(c)[0] === 'Move a promise')!;
    expect(form).toBeDefined();
    const submit = actionsOf(form)[0]!;
    expect(submit.data).toEqual({ formId: 'promise-move', context: { promise: '1' } });

    const done = await harness.post<InvokeBody>(
      adaptiveCardInvoke({
        ...harness.asha(),
        verb: String(submit.verb),
        data: { ...(submit.data as object), date: '2026-03-13' },
      }),
    );
    expect(done.status).toBe(200);
    expect(textsOf(done.body!.value).join('\n')).toMatch(/to Fri 13 Mar 2026/);
    expect(harness.rows('SELECT due_on, moved_count, status FROM promises')).toEqual([
      { due_on: '2026-03-13', moved_count: 1, status: 'open' },
    ]);
    expect(reminders()[0]).toMatchObject({ status: 'answered', answer: 'moved' });
  });
});
