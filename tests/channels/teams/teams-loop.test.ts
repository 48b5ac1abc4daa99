/**
 * Closing the loop in Teams: a logged visit closes the visit nudge that was sent, and its card is changed
 * in place to say so; `partner nudges` lists what is open after a restart, answerable from the card.
 */
import { actionsOf, cardsOf, textsOf } from '../../support/adaptive-cards';
import { adaptiveCardInvoke, teamsMessage } from '../../support/teams-activities';
import { DAY_MS, T0, TeamsHarness } from './teams-harness';

/** Two weeks after adding a partner the site-visit nudge is due; 11:00 in Berlin on a Monday. */
const DUE = new Date(T0.getTime() + 14 * DAY_MS + 3_600_000);

let harness: TeamsHarness;
afterEach(async () => {
  const problems = harness.cardProblems();
  await harness.stop();
  expect(problems).toEqual([]);
});

async function say(text: string) {
  const mark = harness.mark();
  await harness.send(teamsMessage({ ...harness.asha(), text }));
  return harness.activitiesSince(mark);
}

async function visitNudgeDelivered(): Promise<{ id: number; activityId: string }> {
  harness = await TeamsHarness.start();
  await say('partner add Nissan');
  expect((await harness.tick(DUE)).delivered).toBe(1);
  const [row] = harness.rows<{ id: number; message_ref: string }>(
    "SELECT id, message_ref FROM nudges WHERE rule_id = 'site-visit' AND status = 'sent'",
  );
  return { id: row!.id, activityId: (JSON.parse(row!.message_ref) as { activityId: string }).activityId };
}

describe('Teams: closing the loop', () => {
  it('closes a sent visit nudge when the visit is logged, and changes its card in place', async () => {
    const visit = await visitNudgeDelivered();
    harness.now = new Date(DUE.getTime() + 60_000);
    await say('partner log Nissan visit today Toured the plant');
    expect(harness.rows("SELECT status, answer FROM nudges WHERE rule_id = 'site-visit'")).toEqual([
      { status: 'answered', answer: '_logged' },
    ]);

    const mark = harness.mark();
    await harness.tick(new Date(DUE.getTime() + 120_000));
    const updates = harness.activitiesSince(mark).filter((r) => r.verb === 'PUT');
    expect(updates.map((r) => r.activityId)).toEqual([visit.activityId]);
    const card = cardsOf(updates[0]!.activity)[0]!;
    expect(textsOf(card).join('\n')).toMatch(/Done — .* logged it/);
    expect(actionsOf(card)).toEqual([]);
  });

  it('lists what is open after a restart, and answers from the list', async () => {
    const visit = await visitNudgeDelivered();
    harness = await harness.restart();
    const [reply] = await say('partner nudges');
    const card = cardsOf(reply!.activity)[0]!;
    expect(textsOf(card).join('\n')).toContain('Waiting for you (1)');
    const dismiss = actionsOf(card).find(
      (a) => (a.data as { choiceId?: string })?.choiceId === `n:${visit.id}:_dismiss`,
    );
    expect(dismiss).toBeDefined();
    const answered = await harness.post<{ value: unknown }>(
      adaptiveCardInvoke({
        ...harness.asha(),
        verb: String(dismiss!.verb),
        data: dismiss!.data as Record<string, unknown>,
      }),
    );
    expect(answered.status).toBe(200);
    expect(harness.rows("SELECT status FROM nudges WHERE rule_id = 'site-visit'")).toEqual([
      { status: 'dismissed' },
    ]);
  });
});
