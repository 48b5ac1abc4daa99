import {
  adaptiveCardInvoke,
  conversationUpdateBotAdded,
  teamsConversationId,
  teamsMention,
  teamsMessage,
} from '../../support/teams-activities';
import { actionsOf, adaptiveCardProblems, cardsOf, textsOf } from '../../support/adaptive-cards';
import { TeamsHarness } from './teams-harness';

interface MemberRow {
  workspace_id: string;
  id: string;
  display_name: string | null;
  time_zone: string;
  address: string | null;
  address_stale: number;
}

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
  // Every card any test made the bot send (welcome, replies, nudges, digests) is valid Adaptive Card 1.5.
  const problems = harness.cardProblems();
  await harness.stop();
  expect(problems).toEqual([]);
});

function member(id = 'aad-asha', workspace = 'teams:tenant-a'): MemberRow | undefined {
  return harness.rows<MemberRow>('SELECT * FROM members WHERE workspace_id = ? AND id = ?', workspace, id)[0];
}

function allText(from: number): string {
  return harness
    .activitiesSince(from)
    .map((r) => [String(r.activity.text ?? ''), ...cardsOf(r.activity).flatMap(textsOf)].join('\n'))
    .join('\n---\n');
}

describe('Teams personal chat', () => {
  it('answers `partner add Nissan` through the connector, stores the partner and the conversation reference', async () => {
    await harness.send(teamsMessage({ ...harness.asha(), text: 'partner add Nissan' }));

    const conversationId = teamsConversationId('29:asha');
    const sent = harness.activitiesSince(0);
    expect(sent.every((r) => r.conversationId === conversationId)).toBe(true);
    expect(sent.map((r) => r.activity.text).join('\n')).toMatch(/Added \*\*Nissan\*\* \(exploring\)/);

    const partners = harness.rows<{ name: string; workspace_id: string }>(
      'SELECT name, workspace_id FROM partners',
    );
    expect(partners).toEqual([{ name: 'Nissan', workspace_id: 'teams:tenant-a' }]);
    const row = member();
    expect(row).toMatchObject({ display_name: 'Asha Rao', time_zone: 'Europe/Berlin', address_stale: 0 });
    expect(JSON.parse(row!.address!)).toMatchObject({ channel: 'teams' });
    expect(harness.address()).toMatchObject({
      kind: 'conversation',
      reference: {
        serviceUrl: harness.connector.serviceUrl,
        channelId: 'msteams',
        conversation: { id: conversationId, tenantId: 'tenant-a', conversationType: 'personal' },
        user: { id: '29:asha', aadObjectId: 'aad-asha' },
        bot: { id: '28:bot-id' },
      },
    });
    expect(harness.address()).not.toHaveProperty('reference.activityId');
  });

  it('runs the command grammar without the `partner` prefix and with quoted names', async () => {
    await harness.send(teamsMessage({ ...harness.asha(), text: 'add "Renault Group" signed' }));
    await harness.send(
      teamsMessage({ ...harness.asha(), text: 'partner log Renault Group visit today Toured the plant' }),
    );

    expect(harness.rows('SELECT name, stage FROM partners')).toEqual([
      { name: 'Renault Group', stage: 'signed' },
    ]);
    expect(harness.rows('SELECT kind, note FROM interactions WHERE kind = ?', 'visit')).toEqual([
      { kind: 'visit', note: 'Toured the plant' },
    ]);
  });

  it('reads commands that Teams wrapped in HTML or wrote with entities', async () => {
    await harness.send(teamsMessage({ ...harness.asha(), text: '<p>partner&nbsp;add Honda&amp;Co</p>' }));
    expect(harness.rows('SELECT name FROM partners')).toEqual([{ name: 'Honda&Co' }]);
  });

  it('shows `status` as a valid card', async () => {
    await harness.send(teamsMessage({ ...harness.asha(), text: 'add Nissan' }));
    const mark = harness.mark();
    await harness.send(teamsMessage({ ...harness.asha(), text: 'status Nissan' }));

    const [reply] = harness.activitiesSince(mark);
    const [card] = cardsOf(reply!.activity);
    expect(adaptiveCardProblems(card)).toEqual([]);
    expect(textsOf(card)).toEqual(expect.arrayContaining(['Nissan', 'Stage: exploring', 'Open nudges']));
  });

  it('shows `list` as the dashboard card whose buttons answer the status as a card', async () => {
    await harness.send(teamsMessage({ ...harness.asha(), text: 'add Nissan' }));
    const mark = harness.mark();
    await harness.send(teamsMessage({ ...harness.asha(), text: 'partner list' }));

    const [reply] = harness.activitiesSince(mark);
    const [card] = cardsOf(reply!.activity);
    expect(adaptiveCardProblems(card)).toEqual([]);
    expect(textsOf(card)[0]).toBe('Your partnerships');
    const status = actionsOf(card).find((a) => a.title === 'Status')!;
    expect(status).toMatchObject({ type: 'Action.Execute', verb: 'rapport.choice' });

    const before = harness.mark();
    const answer = await harness.post<InvokeBody>(
      adaptiveCardInvoke({
        ...harness.asha(),
        verb: 'rapport.choice',
        data: status.data as Record<string, unknown>,
      }),
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      statusCode: 200,
      type: 'application/vnd.microsoft.activity.message',
    });
    const [statusCard] = cardsOf(harness.activitiesSince(before)[0]!.activity);
    expect(adaptiveCardProblems(statusCard)).toEqual([]);
    expect(textsOf(statusCard)[0]).toBe('Nissan');
  });

  it('shows the dashboard for `list` however the command grammar reads it, e.g. in quotes a phone typed', async () => {
    await harness.send(teamsMessage({ ...harness.asha(), text: 'add Nissan' }));
    const mark = harness.mark();
    await harness.send(teamsMessage({ ...harness.asha(), text: 'Partner “LIST”' }));

    const [reply] = harness.activitiesSince(mark);
    const [card] = cardsOf(reply!.activity);
    expect(textsOf(card)[0]).toBe('Your partnerships');
    expect(actionsOf(card).map((a) => a.title)).toEqual(['Log', 'Status', 'Log an interaction']);
  });

  it('strips the @mention in a team channel, answers in the channel, and keeps a way to reach the member 1:1', async () => {
    await harness.send(teamsMention({ ...harness.asha(), text: 'partner add Toyota' }));

    const sent = harness.activitiesSince(0);
    expect(sent.every((r) => r.conversationId === teamsConversationId('29:asha', 'channel'))).toBe(true);
    expect(allText(0)).toMatch(/Added \*\*Toyota\*\*/);
    // Nudges never go to the channel: the first one opens a 1:1 chat.
    expect(harness.address()).toMatchObject({
      kind: 'create-personal',
      tenantId: 'tenant-a',
      user: { id: '29:asha' },
      bot: { id: '28:bot-id' },
    });
  });

  it('does not replace a 1:1 address with a channel when the member later writes in a team', async () => {
    await harness.send(teamsMessage({ ...harness.asha(), text: 'add Nissan' }));
    await harness.send(teamsMention({ ...harness.asha(), text: 'list' }));

    expect(harness.address()).toMatchObject({
      kind: 'conversation',
      reference: { conversation: { id: teamsConversationId('29:asha') } },
    });
  });
});

describe('Teams installation', () => {
  it('welcomes whoever added the bot with a card and stores their conversation reference', async () => {
    await harness.send(conversationUpdateBotAdded(harness.asha()));

    const sent = harness.activitiesSince(0);
    expect(sent).toHaveLength(1);
    const [card] = cardsOf(sent[0]!.activity);
    expect(adaptiveCardProblems(card)).toEqual([]);
    expect(textsOf(card)[0]).toBe('Welcome to Rapport');
    expect(harness.address()).toMatchObject({
      kind: 'conversation',
      reference: { conversation: { id: teamsConversationId('29:asha'), tenantId: 'tenant-a' } },
    });

    // The first message after the install is not greeted a second time.
    const mark = harness.mark();
    await harness.send(teamsMessage({ ...harness.asha(), text: 'help' }));
    expect(allText(mark)).not.toMatch(/Welcome to Rapport/);
  });

  it('does not greet other people joining a team the bot is in', async () => {
    const added = conversationUpdateBotAdded({ ...harness.asha(), conversationType: 'channel' });
    added.membersAdded = [{ id: '29:newcomer', name: 'New Person' }];
    await harness.send(added);

    expect(harness.activitiesSince(0)).toEqual([]);
  });
});

describe('the log form in Teams', () => {
  it('comes back with the error beside the field and the values kept, then logs once corrected', async () => {
    await harness.send(teamsMessage({ ...harness.asha(), text: 'add Nissan' }));
    const mark = harness.mark();
    await harness.send(teamsMessage({ ...harness.asha(), text: 'partner log' }));

    const formCard = harness
      .activitiesSince(mark)
      .flatMap((r) => cardsOf(r.activity))
      .find((c) => textsOf(c)[0] === 'Log an interaction')!;
    expect(adaptiveCardProblems(formCard)).toEqual([]);
    const submit = actionsOf(formCard)[0]!;
    expect(submit).toMatchObject({ type: 'Action.Execute', verb: 'rapport.form' });
    const partnerId = String(harness.rows<{ id: number }>('SELECT id FROM partners')[0]!.id);

    const values = { partner: partnerId, kind: 'visit', date: '2099-01-01', note: 'Plant tour', rating: '4' };
    const refused = await harness.post<InvokeBody>(
      adaptiveCardInvoke({
        ...harness.asha(),
        verb: 'rapport.form',
        data: { ...(submit.data as Record<string, unknown>), ...values },
      }),
    );
    expect(refused.status).toBe(200);
    expect(refused.body?.type).toBe('application/vnd.microsoft.card.adaptive');
    const again = refused.body!.value as Record<string, unknown>;
    expect(adaptiveCardProblems(again)).toEqual([]);
    expect(textsOf(again).join('\n')).toMatch(/in the future/);
    const inputs = (again.body as Record<string, unknown>[]).filter((e) => typeof e.id === 'string');
    expect(Object.fromEntries(inputs.map((e) => [e.id, e.value]))).toEqual(values);
    expect(harness.rows('SELECT * FROM interactions')).toEqual([]);

    const accepted = await harness.post<InvokeBody>(
      adaptiveCardInvoke({
        ...harness.asha(),
        verb: 'rapport.form',
        data: { ...(submit.data as Record<string, unknown>), ...values, date: '2026-03-01' },
      }),
    );
    expect(accepted.status).toBe(200);
    const confirmation = accepted.body!.value as Record<string, unknown>;
    expect(adaptiveCardProblems(confirmation)).toEqual([]);
    expect(textsOf(confirmation).join('\n')).toMatch(/Logged for \*\*Nissan\*\*: Visit to their premises/);
    expect(harness.rows('SELECT kind, occurred_on, note, rating FROM interactions')).toEqual([
      { kind: 'visit', occurred_on: '2026-03-01', note: 'Plant tour', rating: 4 },
    ]);
  });
});

describe('bad input in Teams', () => {
  it('answers an unknown command with what went wrong and where to look', async () => {
    await harness.send(teamsMessage({ ...harness.asha(), text: 'partner frobnicate Nissan' }));
    expect(allText(0)).toMatch(/I don't know the command “frobnicate”.*partner help/s);
  });

  it('answers an empty message and a bare @mention with the help card', async () => {
    await harness.send(teamsMessage({ ...harness.asha(), text: '' }));
    const mark = harness.mark();
    await harness.send(teamsMention({ ...harness.asha(), text: '' }));

    for (const from of [0, mark]) {
      const cards = harness.activitiesSince(from).flatMap((r) => cardsOf(r.activity));
      const help = cards.find((c) => /^Rapport — relationship nudges/.test(textsOf(c)[0] ?? ''));
      expect(help).toBeDefined();
      expect(adaptiveCardProblems(help)).toEqual([]);
    }
  });

  it('answers a message with only an attachment', async () => {
    await harness.send(
      teamsMessage({
        ...harness.asha(),
        attachments: [{ contentType: 'image/png', contentUrl: 'https://example.com/a.png', name: 'a.png' }],
      }),
    );
    expect(allText(0)).toMatch(/only read typed commands/);
  });

  it.each([
    [
      'an unknown verb',
      { verb: 'rapport.frobnicate', data: { choiceId: 'n:1:_dismiss' } },
      /not one I recognise/,
    ],
    ['a malformed choice', { verb: 'rapport.choice', data: { choiceId: 'x:1:nope' } }, /not one I recognise/],
    ['no choice at all', { verb: 'rapport.choice', data: {} }, /not one I recognise/],
    [
      'a nudge that does not exist',
      { verb: 'rapport.choice', data: { choiceId: 'n:99999:_dismiss' } },
      /no longer exists/,
    ],
    [
      'a partner that does not exist',
      { verb: 'rapport.choice', data: { choiceId: 'p:99999:status' } },
      /no longer exists/,
    ],
  ])('answers an invoke with %s with a clear 200 message', async (_name, action, pattern) => {
    const answer = await harness.post<InvokeBody>(adaptiveCardInvoke({ ...harness.asha(), ...action }));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      statusCode: 200,
      type: 'application/vnd.microsoft.activity.message',
    });
    expect(String(answer.body?.value)).toMatch(pattern);
  });

  it('answers a stale form with a card saying so', async () => {
    const answer = await harness.post<InvokeBody>(
      adaptiveCardInvoke({
        ...harness.asha(),
        verb: 'rapport.form',
        data: { formId: 'old-form', kind: 'visit' },
      }),
    );
    expect(answer.status).toBe(200);
    expect(textsOf(answer.body?.value).join('\n')).toMatch(/not one I know any more/);
  });

  it('answers invokes it does not handle with a 4xx', async () => {
    const submitInvoke = adaptiveCardInvoke({ ...harness.asha(), verb: 'x' });
    submitInvoke.value = { action: { type: 'Action.Submit', data: {} } };
    const noAction = adaptiveCardInvoke({ ...harness.asha(), verb: 'x' });
    noAction.value = {};
    const otherName = adaptiveCardInvoke({ ...harness.asha(), verb: 'x' });
    otherName.name = 'task/fetch';

    for (const activity of [submitInvoke, noAction, otherName]) {
      const answer = await harness.post(activity);
      expect(answer.status).toBe(400);
    }
  });

  it('refuses bodies that are not activities with a 4xx', async () => {
    const bad = await fetch(harness.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    expect(bad.status).toBe(400);
    expect((await harness.post([1, 2])).status).toBe(400);
    expect((await harness.post({ type: 'message', text: 'hi' })).status).toBe(400);
    const noSender = teamsMessage({ ...harness.asha(), text: 'hi' });
    delete noSender.from;
    expect((await harness.post(noSender)).status).toBe(400);
    const text = await fetch(harness.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hi',
    });
    expect(text.status).toBe(415);
    expect(harness.rows('SELECT * FROM members')).toEqual([]);
  });
});

describe('tenants in Teams', () => {
  it('keeps each tenant in its own workspace, even for the same person id', async () => {
    await harness.send(teamsMessage({ ...harness.asha(), text: 'add Nissan' }));
    await harness.send(teamsMessage({ ...harness.asha({ tenantId: 'tenant-b' }), text: 'add Nissan' }));

    expect(harness.rows('SELECT workspace_id, name FROM partners ORDER BY workspace_id')).toEqual([
      { workspace_id: 'teams:tenant-a', name: 'Nissan' },
      { workspace_id: 'teams:tenant-b', name: 'Nissan' },
    ]);
    const partnerA = harness.rows<{ id: number }>(
      "SELECT id FROM partners WHERE workspace_id = 'teams:tenant-a'",
    )[0]!;

    // The same person, acting in tenant B, presses buttons naming tenant A's partner: nothing leaks or changes.
    for (const action of ['remove', 'status']) {
      const mark = harness.mark();
      const foreign = await harness.post<InvokeBody>(
        adaptiveCardInvoke({
          ...harness.asha({ tenantId: 'tenant-b' }),
          verb: 'rapport.choice',
          data: { choiceId: `p:${partnerA.id}:${action}` },
        }),
      );
      expect(foreign.status).toBe(200);
      expect(String(foreign.body?.value)).toMatch(/no longer exists/);
      expect(harness.activitiesSince(mark)).toEqual([]);
    }
    expect(harness.rows("SELECT name FROM partners WHERE workspace_id = 'teams:tenant-a'")).toEqual([
      { name: 'Nissan' },
    ]);
  });

  it('refuses with 403 an activity whose tenant fields disagree, before any reply or row', async () => {
    const mixed = teamsMessage({ ...harness.asha(), text: 'add Nissan' });
    mixed.channelData = { tenant: { id: 'tenant-b' } };
    const invoke = adaptiveCardInvoke({
      ...harness.asha(),
      verb: 'rapport.choice',
      data: { choiceId: 'log:open' },
    });
    invoke.channelData = { tenant: { id: 'tenant-b' } };

    const answers = [await harness.post(mixed), await harness.post<InvokeBody>(invoke)];

    expect(answers.map((answer) => answer.status)).toEqual([403, 403]);
    expect(answers[0]!.text).toMatch(/two different organisations/);
    expect(answers[1]!.body).toMatchObject({ statusCode: 403, value: { code: 'Forbidden' } });
    expect(harness.connector.requests()).toEqual([]);
    expect(harness.rows('SELECT * FROM workspaces')).toEqual([]);
  });

  it('takes the tenant from channelData, where Teams puts it, and tells a conversation naming none', async () => {
    const onlyConversation = teamsMessage({ ...harness.asha(), text: 'add Nissan' });
    onlyConversation.channelData = {};
    await harness.send(onlyConversation);
    const sameInOtherCase = teamsMessage({ ...harness.asha(), text: 'add Nissan' });
    sameInOtherCase.conversation = { ...sameInOtherCase.conversation!, tenantId: 'TENANT-A' };
    await harness.send(sameInOtherCase);

    expect(allText(0)).toMatch(/names none[\s\S]*Added \*\*Nissan\*\*/);
    expect(harness.rows('SELECT external_id FROM workspaces')).toEqual([{ external_id: 'tenant-a' }]);
  });
});
