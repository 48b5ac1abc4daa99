import { adaptiveCardProblems } from '../../support/adaptive-cards';
import { messageActionInvoke, teamsMessage, teamsMessagePayload } from '../../support/teams-activities';
import { TeamsHarness } from './teams-harness';

interface CardElement {
  type: string;
  id?: string;
  value?: string;
  text?: string;
  color?: string;
  [key: string]: unknown;
}
interface TaskAnswer {
  task: {
    type: 'continue' | 'message';
    value:
      | string
      | {
          title: string;
          card: { contentType: string; content: { body: CardElement[]; actions: CardElement[] } };
        };
  };
}

let harness: TeamsHarness;

afterEach(async () => {
  const problems = harness.cardProblems();
  await harness.stop();
  expect(problems).toEqual([]);
});

function partnerId(name: string): string {
  return String(harness.rows<{ id: number }>('SELECT id FROM partners WHERE name = ?', name)[0]!.id);
}

async function fetchTask(html: string, createdDateTime: string) {
  return harness.post<TaskAnswer>(
    messageActionInvoke({
      ...harness.asha({ conversationType: 'groupChat' }),
      name: 'composeExtension/fetchTask',
      messagePayload: teamsMessagePayload(html, createdDateTime),
    }),
  );
}

async function submitAction(data: Record<string, unknown>) {
  return harness.post<TaskAnswer>(
    messageActionInvoke({
      ...harness.asha({ conversationType: 'groupChat' }),
      name: 'composeExtension/submitAction',
      messagePayload: teamsMessagePayload('<p>whatever</p>', '2026-03-01T10:00:00Z'),
      data,
    }),
  );
}

/** The task module's card, after checking it is one and a valid Adaptive Card. */
function taskCard(answer: { status: number; body?: TaskAnswer }) {
  expect(answer.status).toBe(200);
  expect(answer.body?.task.type).toBe('continue');
  const value = answer.body!.task.value as Exclude<TaskAnswer['task']['value'], string>;
  expect(value.title).toBe('Log to partner');
  expect(value.card.contentType).toBe('application/vnd.microsoft.card.adaptive');
  expect(adaptiveCardProblems(value.card.content)).toEqual([]);
  const inputs = Object.fromEntries(
    value.card.content.body.filter((e) => e.id).map((element) => [element.id!, element]),
  );
  return { card: value.card.content, inputs };
}

async function withPartners(...names: string[]): Promise<void> {
  harness = await TeamsHarness.start();
  for (const name of names)
    await harness.send(teamsMessage({ ...harness.asha(), text: `partner add "${name}"` }));
}

describe('Teams message action "Log to partner"', () => {
  it('opens the log form pre-filled from the message, and logs what is submitted', async () => {
    await withPartners('Nissan', 'Renault Group');
    const html =
      '<p>Great <b>call</b> with the Renault Group team today &amp; we agreed on a joint&nbsp;workshop.</p>' +
      '<p>Next: send the draft&#8230; by Friday<br>— Ken</p>';

    // Sent at 23:30 UTC on 28 February: already 1 March in Berlin, where Asha lives.
    const { card, inputs } = taskCard(await fetchTask(html, '2026-02-28T23:30:00.000Z'));

    const link = teamsMessagePayload(html, '').linkToMessage as string;
    expect(inputs.partner).toMatchObject({
      type: 'Input.ChoiceSet',
      value: partnerId('Renault Group'),
      style: 'filtered',
      choices: [{ title: 'Renault Group', value: partnerId('Renault Group') }],
      'choices.data': { type: 'Data.Query', dataset: 'partners' },
    });
    expect(inputs.kind?.value).toBe('call');
    expect(inputs.date?.value).toBe('2026-03-01');
    expect(inputs.note?.value).toBe(
      `Great call with the Renault Group team today & we agreed on a joint workshop.\nNext: send the draft… by Friday\n— Ken\n${link}`,
    );
    expect(card.actions).toEqual([
      { type: 'Action.Submit', title: 'Log it', style: 'positive', data: { formId: 'log-interaction' } },
    ]);

    // Teams merges the inputs into the action's data.
    const answer = await submitAction({
      ...(card.actions[0]!.data as object),
      partner: inputs.partner!.value,
      kind: 'call',
      date: '2026-03-01',
      note: inputs.note!.value,
    });

    expect(answer.status).toBe(200);
    expect(answer.body?.task).toEqual({
      type: 'message',
      value: expect.stringMatching(
        /^Logged for Renault Group: Call, Sun 1 Mar 2026 \(yesterday\)\./,
      ) as unknown,
    });
    expect(
      harness.rows('SELECT partner_id, member_id, kind, occurred_on, note FROM interactions ORDER BY id'),
    ).toEqual([
      {
        partner_id: Number(partnerId('Renault Group')),
        member_id: 'aad-asha',
        kind: 'call',
        occurred_on: '2026-03-01',
        note: inputs.note!.value,
      },
    ]);
  });

  it('shows a refused submission again in the task module, with its errors and everything typed', async () => {
    await withPartners('Nissan');
    const { card } = taskCard(await fetchTask('<div>Lunch with them</div>', '2026-03-01T12:00:00Z'));

    const answer = await submitAction({
      ...(card.actions[0]!.data as object),
      partner: partnerId('Nissan'),
      kind: 'meeting',
      date: 'last quarter',
      note: 'Lunch with them',
    });

    const { inputs, card: again } = taskCard(answer);
    expect(inputs.partner?.value).toBe(partnerId('Nissan'));
    expect(inputs.kind?.value).toBe('meeting');
    expect(inputs.date?.value).toBe('last quarter');
    expect(inputs.note?.value).toBe('Lunch with them');
    const errors = again.body.filter((e) => e.color === 'Attention').map((e) => e.text);
    expect(errors.join('\n')).toMatch(/last quarter/);
    expect(harness.rows('SELECT * FROM interactions')).toEqual([]);
  });

  it('guesses a meeting or a note, names no partner it does not know, and keeps a long message within the note limit with its link', async () => {
    await withPartners('Nissan');
    const long = `<p>${'Notes from the plant tour. '.repeat(120)}</p>`;

    const { inputs } = taskCard(await fetchTask(long, '2026-03-01T08:00:00Z'));

    const note = String(inputs.note?.value);
    const link = teamsMessagePayload('', '').linkToMessage as string;
    expect(note.length).toBeLessThanOrEqual(2000);
    expect(note.endsWith(`…\n${link}`)).toBe(true);
    expect(inputs.kind?.value).toBe('note');
    expect(inputs.partner?.value).toBeUndefined();

    const met = taskCard(await fetchTask('<p>We met nissan at their office</p>', '2026-03-01T08:00:00Z'));
    expect(met.inputs.kind?.value).toBe('meeting');
    expect(met.inputs.partner?.value).toBe(partnerId('Nissan'));
  });

  it('refuses a command it does not know, a submission without the log form, and logging with no partner', async () => {
    await withPartners();
    const empty = await fetchTask('<p>Call with Nissan</p>', '2026-03-01T10:00:00Z');
    expect(empty.body?.task).toEqual({
      type: 'message',
      value: 'There is no partner to log this for yet. Add one first: `partner add NAME`.',
    });
    await harness.send(teamsMessage({ ...harness.asha(), text: 'partner add Nissan' }));

    const unknown = await harness.post(
      messageActionInvoke({
        ...harness.asha(),
        name: 'composeExtension/fetchTask',
        commandId: 'shareMessage',
      }),
    );
    const stale = await submitAction({ formId: 'something-else', partner: partnerId('Nissan') });

    expect(unknown.status).toBe(400);
    expect(stale.body?.task).toEqual({
      type: 'message',
      value: 'This form is out of date. Please start again.',
    });
    expect(harness.rows('SELECT * FROM interactions')).toEqual([]);
  });
});
