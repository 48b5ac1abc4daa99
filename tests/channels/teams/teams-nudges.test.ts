import type { Activity } from 'botbuilder';
import {
  adaptiveCardInvoke,
  teamsConversationId,
  teamsMention,
  teamsMessage,
} from '../../support/teams-activities';
import { actionsOf, adaptiveCardProblems, cardsOf, textsOf } from '../../support/adaptive-cards';
import type { ConnectorActivityRequest } from '../../support/fake-bot-connector';
import { DAY_MS, T0, TeamsHarness } from './teams-harness';

interface NudgeRow {
  id: number;
  rule_id: string;
  status: string;
  attempts: number;
  deliver_after: string;
  message_ref: string | null;
  answer: string | null;
  answered_at: string | null;
  last_error: string | null;
}

interface InvokeBody {
  statusCode: number;
  type: string;
  value: Record<string, unknown>;
}

/** Two weeks after adding a partner the site-visit nudge is due; 11:00 in Berlin on a Monday. */
const DUE = new Date(T0.getTime() + 14 * DAY_MS + 3_600_000);

let harness: TeamsHarness;

afterEach(async () => {
  // Every card any test made the bot send (welcome, replies, nudges, digests) is valid Adaptive Card 1.5.
  const problems = harness.cardProblems();
  await harness.stop();
  expect(problems).toEqual([]);
});

async function addNissan(): Promise<void> {
  await harness.send(teamsMessage({ ...harness.asha(), text: 'partner add Nissan' }));
}

function nudges(): NudgeRow[] {
  return harness.rows<NudgeRow>('SELECT * FROM nudges ORDER BY id');
}

/** Requests that carried the site-visit nudge card (refused ones included: the fake records them first). */
function nudgeCards(from = 0): ConnectorActivityRequest[] {
  return harness
    .activitiesSince(from)
    .filter((r) => cardsOf(r.activity).some((card) => /Plan a site visit/.test(textsOf(card)[0] ?? '')));
}

function invokeFor(
  action: Record<string, unknown>,
  extra: Partial<Parameters<TeamsHarness['asha']>[0]> = {},
) {
  return adaptiveCardInvoke({
    ...harness.asha(extra),
    verb: String(action.verb),
    data: action.data as Record<string, unknown>,
  });
}

describe('Teams nudges', () => {
  it('delivers a due nudge as an Adaptive Card after a restart, records one answer, and ignores a second', async () => {
    harness = await TeamsHarness.start();
    await addNissan();
    // A new process on the same database: the conversation reference must come from SQLite.
    harness = await harness.restart();
    const mark = harness.mark();

    const report = await harness.tick(DUE);

    expect(report.delivered).toBe(1);
    const [delivered] = nudgeCards(mark);
    expect(delivered).toBeDefined();
    expect(delivered!.conversationId).toBe(teamsConversationId('29:asha'));
    const card = cardsOf(delivered!.activity)[0]!;
    expect(adaptiveCardProblems(card)).toEqual([]);
    expect(card.version).toBe('1.5');
    const [nudge] = nudges();
    expect(nudge).toMatchObject({ rule_id: 'site-visit', status: 'sent' });
    expect(JSON.parse(nudge!.message_ref!)).toEqual({
      activityId: expect.stringMatching(/^activity-\d+$/),
      conversationId: teamsConversationId('29:asha'),
    });

    const planned = actionsOf(card).find((a) => a.title === 'Visit planned')!;
    expect(planned).toMatchObject({ type: 'Action.Execute', verb: 'rapport.choice' });
    harness.now = new Date(DUE.getTime() + 60_000);
    const first = await harness.post<InvokeBody>(invokeFor(planned));

    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    const updated = first.body!.value;
    expect(adaptiveCardProblems(updated)).toEqual([]);
    expect(textsOf(updated).join('\n')).toMatch(/Recorded “Visit planned” — Asha Rao/);
    expect(actionsOf(updated)).toEqual([]);
    const answered = nudges()[0]!;
    expect(answered).toMatchObject({ status: 'answered', answer: 'planned' });

    harness.now = new Date(DUE.getTime() + 120_000);
    const second = await harness.post<InvokeBody>(invokeFor(planned));
    const dismiss = await harness.post<InvokeBody>(
      invokeFor(actionsOf(card).find((a) => a.title === 'Dismiss')!),
    );

    for (const again of [second, dismiss]) {
      expect(again.status).toBe(200);
      expect(textsOf(again.body!.value).join('\n')).toMatch(/Recorded “Visit planned”/);
      expect(actionsOf(again.body!.value)).toEqual([]);
    }
    expect(nudges()[0]).toEqual(answered);
  });

  it('opens the log form from “Log it now” and records the nudge as answered when it is submitted', async () => {
    harness = await TeamsHarness.start();
    await addNissan();
    await harness.tick(DUE);
    const logNow = actionsOf(cardsOf(nudgeCards()[0]!.activity)[0]).find((a) => a.title === 'Log it now')!;
    const mark = harness.mark();

    const opened = await harness.post<InvokeBody>(invokeFor(logNow));

    expect(opened.status).toBe(200);
    expect(opened.body?.type).toBe('application/vnd.microsoft.activity.message');
    const form = harness
      .activitiesSince(mark)
      .flatMap((r) => cardsOf(r.activity))
      .find((c) => textsOf(c)[0] === 'Log an interaction')!;
    const submit = actionsOf(form)[0]!;
    const nudgeId = String(nudges()[0]!.id);
    expect(submit.data).toEqual({ formId: 'log-interaction', context: { nudgeId } });
    const values = Object.fromEntries(
      (form.body as Record<string, unknown>[])
        .filter((e) => typeof e.id === 'string' && e.value !== undefined)
        .map((e) => [e.id, e.value]),
    );
    expect(values).toMatchObject({ kind: 'visit', date: '2026-03-16' });

    const done = await harness.post<InvokeBody>(
      invokeFor({
        verb: submit.verb,
        data: { ...(submit.data as object), ...values, note: 'Booked for April' },
      }),
    );

    expect(textsOf(done.body!.value).join('\n')).toMatch(/Logged for \*\*Nissan\*\*/);
    expect(nudges()[0]).toMatchObject({ status: 'answered', answer: '_log' });
    expect(harness.rows('SELECT kind, note, nudge_id FROM interactions')).toEqual([
      { kind: 'visit', note: 'Booked for April', nudge_id: Number(nudgeId) },
    ]);
  });

  it('answers through the Action.Submit fallback by updating the card in place', async () => {
    harness = await TeamsHarness.start();
    await addNissan();
    await harness.tick(DUE);
    const [delivered] = nudgeCards();
    const snooze = actionsOf(cardsOf(delivered!.activity)[0]).find((a) => a.title === 'Snooze 1 day')!;
    const mark = harness.mark();

    const submit = teamsMessage({
      ...harness.asha(),
      value: (snooze.fallback as { data: Record<string, unknown> }).data,
      replyToId: String((JSON.parse(nudges()[0]!.message_ref!) as { activityId: string }).activityId),
    });
    await harness.send(submit as Partial<Activity>);

    const update = harness.connector
      .requests()
      .slice(mark)
      .find((r) => r.verb === 'PUT');
    expect(update?.activityId).toBe(
      (JSON.parse(nudges()[0]!.message_ref!) as { activityId: string }).activityId,
    );
    const card = cardsOf(update!.activity)[0]!;
    expect(adaptiveCardProblems(card)).toEqual([]);
    expect(textsOf(card).join('\n')).toMatch(/Snoozed until/);
    expect(nudges()[0]).toMatchObject({ status: 'snoozed' });
  });

  it('delivers a 429 once, later, after the Retry-After the connector asked for', async () => {
    harness = await TeamsHarness.start();
    await addNissan();
    harness.connector.failNext({ status: 429, retryAfterSec: 1 });
    const mark = harness.mark();

    const throttled = await harness.tick(DUE);

    // One request only: botbuilder's own retries are off, the scheduler decides.
    expect(nudgeCards(mark)).toHaveLength(1);
    expect(throttled).toMatchObject({ delivered: 0, retried: 1 });
    expect(nudges()[0]).toMatchObject({ status: 'pending' });
    expect(new Date(nudges()[0]!.deliver_after).getTime()).toBe(DUE.getTime() + 1000);

    expect((await harness.tick(new Date(DUE.getTime() + 500))).delivered).toBe(0);
    expect(nudgeCards(mark)).toHaveLength(1);
    // The scheduler also holds the whole workspace for the Retry-After on its monotonic clock, which follows
    // the test's clock here: moving it past the Retry-After is what lets the send go, no real waiting.
    expect((await harness.tick(new Date(DUE.getTime() + 2000))).delivered).toBe(1);
    expect((await harness.tick(new Date(DUE.getTime() + 600_000))).delivered).toBe(0);

    // The refused attempt and the delivery: nothing in between, nothing after.
    expect(nudgeCards(mark)).toHaveLength(2);
    expect(nudges()[0]).toMatchObject({ status: 'sent' });
  });

  it.each([
    [403, 'ConversationBlockedByUser'],
    [404, 'ConversationNotFound'],
  ])(
    'marks the address gone when the connector answers %i (%s), until the member writes again',
    async (status, code) => {
      harness = await TeamsHarness.start();
      await addNissan();
      harness.connector.failNext({ status, code });
      const mark = harness.mark();

      const report = await harness.tick(DUE);

      expect(report.delivered).toBe(0);
      expect(nudgeCards(mark)).toHaveLength(1);
      expect(harness.rows('SELECT address_stale FROM members')).toEqual([{ address_stale: 1 }]);
      expect(harness.logs).toMatch(/address gone/);
      expect((await harness.tick(new Date(DUE.getTime() + 3_600_000))).delivered).toBe(0);
      expect(nudgeCards(mark)).toHaveLength(1);

      harness.now = new Date(DUE.getTime() + 7_200_000);
      await harness.send(teamsMessage({ ...harness.asha(), text: 'help' }));
      expect(harness.rows('SELECT address_stale FROM members')).toEqual([{ address_stale: 0 }]);
      expect((await harness.tick()).delivered).toBe(1);
    },
  );

  it('backs off after a 5xx without retrying inside the SDK', async () => {
    harness = await TeamsHarness.start();
    await addNissan();
    harness.connector.failNext({ status: 503 });
    const mark = harness.mark();

    const report = await harness.tick(DUE);

    expect(report).toMatchObject({ delivered: 0, retried: 1 });
    expect(nudgeCards(mark)).toHaveLength(1);
    expect(nudges()[0]).toMatchObject({ status: 'pending', attempts: 1 });
    expect(nudges()[0]!.last_error).toMatch(/UNAVAILABLE/);
    expect(new Date(nudges()[0]!.deliver_after).getTime()).toBeGreaterThan(DUE.getTime());
  });

  it('opens a 1:1 chat for a member seen only in a team, and keeps it as their address', async () => {
    harness = await TeamsHarness.start();
    await harness.send(teamsMention({ ...harness.asha(), text: 'add Nissan' }));
    const mark = harness.mark();

    const report = await harness.tick(DUE);

    expect(report.delivered).toBe(1);
    const requests = harness.connector.requests().slice(mark);
    expect(requests[0]).toMatchObject({ verb: 'POST', path: '/v3/conversations' });
    expect(requests[0]!.body).toMatchObject({
      isGroup: false,
      members: [{ id: '29:asha' }],
      tenantId: 'tenant-a',
      bot: { id: '28:bot-id' },
    });
    const [delivered] = nudgeCards(mark);
    expect(delivered!.conversationId).toBe('conv-1');
    expect(harness.address()).toMatchObject({
      kind: 'conversation',
      reference: {
        conversation: { id: 'conv-1', tenantId: 'tenant-a' },
        serviceUrl: harness.connector.serviceUrl,
      },
    });
  });

  it('does not let another tenant answer or see a nudge', async () => {
    harness = await TeamsHarness.start();
    await addNissan();
    await harness.tick(DUE);
    const card = cardsOf(nudgeCards()[0]!.activity)[0]!;
    const dismiss = actionsOf(card).find((a) => a.title === 'Dismiss')!;

    const foreign = await harness.post<InvokeBody>(invokeFor(dismiss, { tenantId: 'tenant-b' }));

    expect(foreign.status).toBe(200);
    expect(String(foreign.body?.value)).toMatch(/no longer exists/);
    expect(nudges()[0]).toMatchObject({ status: 'sent', answer: null });
  });
});
