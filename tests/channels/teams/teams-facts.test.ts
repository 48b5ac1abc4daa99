/**
 * Answers are facts, through Teams' real entry point: invokes POSTed to /api/messages, cards back through
 * the fake Bot Connector. A planned visit from its card to "did it happen?", and a "Reached out".
 */
import { actionsOf, cardsOf, textsOf } from '../../support/adaptive-cards';
import type { ConnectorActivityRequest } from '../../support/fake-bot-connector';
import { adaptiveCardInvoke, teamsMessage } from '../../support/teams-activities';
import { DAY_MS, T0, TeamsHarness } from './teams-harness';

interface InvokeBody {
  statusCode: number;
  type: string;
  value: Record<string, unknown>;
}

type Card = ReturnType<typeof cardsOf>[number];

let harness: TeamsHarness;

afterEach(async () => {
  const problems = harness.cardProblems();
  await harness.stop();
  expect(problems).toEqual([]);
});

/** 10:00 in Berlin (09:00 UTC in winter) `days` after Monday 2 March 2026. */
const day = (days: number): Date => new Date(T0.getTime() + days * DAY_MS);

function cardTitled(requests: ConnectorActivityRequest[], pattern: RegExp): Card {
  const card = requests.flatMap((r) => cardsOf(r.activity)).find((c) => pattern.test(textsOf(c)[0] ?? ''));
  if (!card) throw new Error(`no card ${pattern} in ${requests.length} activities`);
  return card;
}

function press(action: Record<string, unknown>, data: Record<string, unknown> = {}) {
  return harness.post<InvokeBody>(
    adaptiveCardInvoke({
      ...harness.asha(),
      verb: String(action.verb),
      data: { ...(action.data as Record<string, unknown>), ...data },
    }),
  );
}

function button(card: Card, title: string): Record<string, unknown> {
  const found = actionsOf(card).find((a) => a.title === title);
  if (!found) throw new Error(`no “${title}” on ${textsOf(card)[0]}`);
  return found;
}

async function status(): Promise<string> {
  const mark = harness.mark();
  await harness.send(teamsMessage({ ...harness.asha(), text: 'partner status Nissan' }));
  return harness
    .activitiesSince(mark)
    .map((r) => [r.activity.text ?? '', ...cardsOf(r.activity).flatMap(textsOf)].join('\n'))
    .join('\n');
}

describe('Teams: answers are facts', () => {
  it('plans a visit from its card in a form card, briefs the Friday before, asks on Tuesday, and logs it on Yes', async () => {
    harness = await TeamsHarness.start();
    await harness.send(teamsMessage({ ...harness.asha(), text: 'partner add Nissan' }));
    let mark = harness.mark();
    await harness.tick(day(14)); // Monday 16 March: the site visit is due
    const visit = cardTitled(harness.activitiesSince(mark), /Plan a site visit/);

    mark = harness.mark();
    const planned = await press(button(visit, 'Visit planned'));
    expect(planned.status).toBe(200);
    expect(textsOf(planned.body!.value).join('\n')).toMatch(/Recorded “Visit planned”/);
    const form = cardTitled(harness.activitiesSince(mark), /^Plan a visit or meeting$/);
    const submit = actionsOf(form)[0]!;
    expect(submit.data).toEqual({ formId: 'plan-event' });
    const prefilled = Object.fromEntries(
      (form.body as Record<string, unknown>[])
        .filter((e) => typeof e.id === 'string' && e.value !== undefined)
        .map((e) => [e.id, e.value]),
    );
    expect(prefilled).toMatchObject({ kind: 'visit' });

    // A day that has passed comes back in the form, with the error against the date.
    const refused = await press(submit, { ...prefilled, date: '2026-03-01' });
    expect(textsOf(refused.body!.value).join('\n')).toContain('Sun 1 Mar 2026 has already passed.');
    expect(textsOf(refused.body!.value)[0]).toBe('Plan a visit or meeting');

    const done = await press(submit, { ...prefilled, date: '2026-03-30', note: 'Plant tour' });
    expect(textsOf(done.body!.value).join('\n')).toContain('Planned: visit to **Nissan** on Mon 30 Mar 2026');
    expect(await status()).toContain('Mon 30 Mar 2026 (in 14 days): Visit to their premises — Plant tour');

    mark = harness.mark();
    await harness.tick(day(25)); // Friday 27 March
    const brief = cardTitled(harness.activitiesSince(mark), /Brief before a planned event/);
    const read = await press(button(brief, 'Brief me'));
    expect(textsOf(read.body!.value).join('\n')).toMatch(/Brief read/);

    mark = harness.mark();
    await harness.tick(day(29)); // Tuesday 31 March
    const asked = cardTitled(harness.activitiesSince(mark), /Did it happen\?/);
    expect(textsOf(asked).join('\n')).toContain(
      'Did the visit to **Nissan** happen on Mon 30 Mar 2026 (yesterday)?',
    );
    const yes = await press(button(asked, 'Yes'));
    expect(textsOf(yes.body!.value).join('\n')).toMatch(/Recorded “Yes” — Asha Rao/);
    expect(actionsOf(yes.body!.value)).toEqual([]);

    const after = await status();
    expect(after).toContain('Mon 30 Mar 2026 (yesterday)');
    expect(after).toContain('Visit to their premises — Plant tour');
    expect(harness.rows('SELECT kind, occurred_on FROM interactions')).toEqual([
      { kind: 'visit', occurred_on: '2026-03-30' },
    ]);
  });

  it('records a call for “Reached out” on the card it came in: last contact becomes today', async () => {
    harness = await TeamsHarness.start();
    await harness.send(teamsMessage({ ...harness.asha(), text: 'partner add Nissan' }));
    const mark = harness.mark();
    await harness.tick(day(30)); // Wednesday 1 April: 30 days without contact, and the site visit is due too
    // One card about Nissan, each nudge with its own buttons.
    const card = cardTitled(harness.activitiesSince(mark), /^Nissan — two things to look at$/);
    expect(textsOf(card)).toEqual(expect.arrayContaining(['Plan a site visit', 'Keep in touch']));
    expect(await status()).toContain('none logged');

    const reached = await press(button(card, 'Reached out'));
    // The keep-in-touch section is closed; the site visit still waits for its answer.
    expect(textsOf(reached.body!.value).join('\n')).toMatch(/Recorded “Reached out”/);
    const titles = actionsOf(reached.body!.value).map((a) => a.title);
    expect(titles).toContain('Visit planned');
    expect(titles).not.toContain('Reached out');
    expect(await status()).toContain('Wed 1 Apr 2026 (today)');
    expect(harness.rows('SELECT kind, occurred_on FROM interactions')).toEqual([
      { kind: 'call', occurred_on: '2026-04-01' },
    ]);
  });
});
