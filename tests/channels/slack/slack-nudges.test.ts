import type { SlackApiCall } from '../../support/fake-slack-api';
import {
  actionElements,
  actionIds,
  blockText,
  DAY_MS,
  logValues,
  MONDAY,
  startSlackHarness,
  USER,
} from './slack-harness';
import type { SlackHarness } from './slack-harness';

const DM = `D${USER}`;

interface NudgeRow {
  id: number;
  rule_id: string;
  status: string;
  answer: string | null;
  attempts: number;
  message_ref: string | null;
  deliver_after: string;
  last_error: string | null;
}

describe('Slack nudges', () => {
  let h: SlackHarness;

  beforeEach(async () => {
    h = await startSlackHarness();
  });
  afterEach(() => h.stop());

  function nudges(): NudgeRow[] {
    return h.sql<NudgeRow>(
      'SELECT id, rule_id, status, answer, attempts, message_ref, deliver_after, last_error FROM nudges ORDER BY id',
    );
  }

  function nudge(ruleId: string): NudgeRow {
    const found = nudges().find((n) => n.rule_id === ruleId);
    if (!found) throw new Error(`no ${ruleId} nudge in ${JSON.stringify(nudges())}`);
    return found;
  }

  function postFor(nudgeId: number): SlackApiCall {
    const call = h.fake
      .calls('chat.postMessage')
      .find((c) => actionIds(c.params.blocks).some((id) => id.startsWith(`n:${nudgeId}:`)));
    if (!call) throw new Error(`nudge ${nudgeId} was not posted`);
    return call;
  }

  /** A signed partner, a week later: the 7-day check-in (and the joint workshop) are due. */
  async function signedAWeekAgo(): Promise<void> {
    await h.command('add Nissan signed');
    h.setNow(new Date(MONDAY.getTime() + 7 * DAY_MS));
    await h.service.tick(h.now());
  }

  /** A partner in negotiation, three days later: only the joint-workshop nudge is due. */
  async function oneNudgeDue(): Promise<void> {
    await h.command('add Nissan negotiating');
    h.setNow(new Date(MONDAY.getTime() + 3 * DAY_MS));
  }

  it('delivers the nudges due about a partner as one DM with each one’s buttons: conversations.open, then chat.postMessage', async () => {
    await signedAWeekAgo();

    const checkIn = nudge('post-signing');
    const workshop = nudge('joint-workshop');
    expect(h.fake.calls('conversations.open').map((c) => c.params.users)).toEqual([USER]);
    const post = postFor(checkIn.id);
    expect(postFor(workshop.id)).toBe(post);
    expect(post.params.channel).toBe(DM);
    expect(post.token).toBe('xoxb-test-token');
    expect(String(post.params.text)).toContain('Nissan — two things to look at');
    // The milestone first; then the workshop; one snooze / dismiss for the whole message.
    expect(actionIds(post.params.blocks)).toEqual([
      `n:${checkIn.id}:well`,
      `n:${checkIn.id}:friction`,
      `n:${checkIn.id}:stuck`,
      `n:${workshop.id}:scheduled`,
      `n:${workshop.id}:_log`,
      `n:${workshop.id}:_brief`,
      `n:${checkIn.id}:_snooze1d`,
      `n:${checkIn.id}:_snooze1w`,
      `n:${checkIn.id}:_dismiss`,
    ]);
    // The answers are buttons; snooze and dismiss wait in the overflow menu at the end.
    const elements = actionElements(post.params.blocks);
    expect(elements.map((e) => e.type)).toEqual([...Array(6).fill('button'), 'overflow']);
    expect(elements[6]!.options!.map((o) => o.text.text)).toEqual([
      'Snooze 1 day',
      'Snooze 1 week',
      'Dismiss',
    ]);
    expect(elements.some((e) => (e as { style?: string }).style === 'danger')).toBe(false);
    expect(checkIn.status).toBe('sent');
    expect(JSON.parse(checkIn.message_ref!)).toEqual({ channel: DM, ts: expect.any(String) });
    expect(nudge('joint-workshop').message_ref).toBe(checkIn.message_ref);
  });

  it('remembers the DM channel in the member’s address so later nudges skip conversations.open', async () => {
    await signedAWeekAgo();

    // The nudges' message, then the weekly digest of the same Monday pass, in the same DM.
    const posts = h.fake.calls('chat.postMessage');
    expect(posts.map((call) => String(call.params.text).includes('Your partnerships — week of'))).toEqual([
      false,
      true,
    ]);
    expect(posts.map((call) => call.params.channel)).toEqual([DM, DM]);
    expect(h.fake.calls('conversations.open')).toHaveLength(1);
    const [member] = h.sql<{ address: string }>('SELECT address FROM members');
    expect(JSON.parse(member!.address).payload).toMatchObject({ userId: USER, dmChannelId: DM });
  });

  it('records a click on a choice and updates that message, so a second click answers nothing', async () => {
    await signedAWeekAgo();
    const checkIn = nudge('post-signing');
    const ref = JSON.parse(checkIn.message_ref!) as { channel: string; ts: string };

    const first = await h.click({
      actionId: `n:${checkIn.id}:well`,
      value: `n:${checkIn.id}:well`,
      messageTs: ref.ts,
    });
    expect(first.result.status).toBe(200);
    const reply = await h.fake.waitForResponse(first.responseId);
    expect(reply.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(String(reply.body.text)).toContain('recorded *Going well*');
    const update = await h.fake.waitFor('chat.update');
    expect(update.params).toMatchObject({ channel: ref.channel, ts: ref.ts });
    // The check-in's buttons are gone; the workshop folded into the same message keeps its own.
    const workshop = nudge('joint-workshop');
    expect(actionIds(update.params.blocks)).toEqual([
      `n:${workshop.id}:scheduled`,
      `n:${workshop.id}:_log`,
      `n:${workshop.id}:_brief`,
      `n:${workshop.id}:_snooze1d`,
      `n:${workshop.id}:_snooze1w`,
      `n:${workshop.id}:_dismiss`,
    ]);
    expect(blockText(update.params.blocks)).toContain('Recorded “Going well”');
    expect(h.fake.messages(DM).find((m) => m.ts === ref.ts)?.updates).toBe(1);
    expect(nudge('post-signing')).toMatchObject({ status: 'answered', answer: 'well' });

    const second = await h.click({ actionId: `n:${checkIn.id}:stuck`, messageTs: ref.ts });
    const again = await h.fake.waitForResponse(second.responseId);
    expect(String(again.body.text)).toContain('Already handled');
    expect(nudge('post-signing')).toMatchObject({ status: 'answered', answer: 'well' });
    expect(h.sql('SELECT kind, rating FROM interactions WHERE kind = ?', 'checkin')).toEqual([
      { kind: 'checkin', rating: 5 },
    ]);
  });

  it('opens the log modal prefilled from “Log it now”, and the submission answers the nudge', async () => {
    await signedAWeekAgo();
    const workshop = nudge('joint-workshop');
    const ref = JSON.parse(workshop.message_ref!) as { channel: string; ts: string };
    const partnerId = String(h.sql<{ id: number }>('SELECT id FROM partners')[0]!.id);

    const click = await h.click({ actionId: `n:${workshop.id}:_log`, messageTs: ref.ts });
    const opened = await h.fake.waitFor('views.open');
    const view = opened.params.view as { private_metadata: string; blocks: unknown[] };
    expect(JSON.parse(view.private_metadata)).toEqual({
      context: { nudgeId: String(workshop.id) },
      channel: DM,
      message: ref,
    });
    expect(blockText(view.blocks)).toContain(`"initial_option":{"text":{"type":"plain_text","text":"Nissan"`);
    expect(blockText(view.blocks)).toContain(
      '"initial_option":{"text":{"type":"plain_text","text":"Joint workshop"',
    );
    expect(h.fake.responses(click.responseId)).toEqual([]);

    const result = await h.submit({
      privateMetadata: view.private_metadata,
      values: logValues({
        partner: partnerId,
        kind: 'workshop',
        date: '2026-03-09',
        note: 'Co-designed the plan',
      }),
    });
    expect(result.status).toBe(200);
    const update = await h.fake.waitFor('chat.update', (c) => c.params.ts === ref.ts);
    // The workshop is done; the check-in folded into the same message still waits for its answer.
    const checkIn = nudge('post-signing');
    expect(actionIds(update.params.blocks)).toEqual([
      `n:${checkIn.id}:well`,
      `n:${checkIn.id}:friction`,
      `n:${checkIn.id}:stuck`,
      `n:${checkIn.id}:_snooze1d`,
      `n:${checkIn.id}:_snooze1w`,
      `n:${checkIn.id}:_dismiss`,
    ]);
    expect(nudge('joint-workshop')).toMatchObject({ status: 'answered', answer: '_log' });
    expect(h.sql('SELECT kind, nudge_id FROM interactions WHERE kind = ?', 'workshop')).toEqual([
      { kind: 'workshop', nudge_id: workshop.id },
    ]);
  });

  it('snoozes and dismisses the whole message from its buttons, updating it each time', async () => {
    await signedAWeekAgo();
    const checkIn = nudge('post-signing');

    const snooze = await h.click({ actionId: `n:${checkIn.id}:_snooze1d` });
    expect(String((await h.fake.waitForResponse(snooze.responseId)).body.text)).toContain('Snoozed until');
    for (const rule of ['post-signing', 'joint-workshop'])
      expect(nudge(rule)).toMatchObject({ status: 'snoozed', deliver_after: '2026-03-10T10:00:00.000Z' });
    await h.fake.waitFor('chat.update');

    const dismiss = await h.click({ actionId: `n:${checkIn.id}:_dismiss` });
    expect(String((await h.fake.waitForResponse(dismiss.responseId)).body.text)).toBe('Dismissed.');
    for (const rule of ['post-signing', 'joint-workshop']) expect(nudge(rule).status).toBe('dismissed');
    await h.fake.waitFor('chat.update', () => h.fake.calls('chat.update').length === 2);
    expect(h.fake.calls('chat.update')).toHaveLength(2);
  });

  it('snoozes from the overflow menu exactly as from a button: the option’s value is the choice', async () => {
    await signedAWeekAgo();
    const checkIn = nudge('post-signing');
    const ref = JSON.parse(checkIn.message_ref!) as { channel: string; ts: string };
    const menu = actionElements(postFor(checkIn.id).params.blocks).find((e) => e.type === 'overflow')!;
    const snooze = menu.options!.find((o) => o.text.text === 'Snooze 1 week')!;

    const pick = await h.click({
      actionId: menu.action_id!,
      actionType: 'overflow',
      selectedOption: { value: snooze.value, text: 'Snooze 1 week' },
      messageTs: ref.ts,
    });

    expect(pick.result.status).toBe(200);
    expect(String((await h.fake.waitForResponse(pick.responseId)).body.text)).toContain('Snoozed until');
    for (const rule of ['post-signing', 'joint-workshop'])
      expect(nudge(rule)).toMatchObject({ status: 'snoozed', deliver_after: '2026-03-16T10:00:00.000Z' });
    const update = await h.fake.waitFor('chat.update');
    expect(update.params).toMatchObject({ channel: ref.channel, ts: ref.ts });
  });

  it('checks an overflow pick like a button press: a stranger’s pick changes nothing', async () => {
    await signedAWeekAgo();
    const checkIn = nudge('post-signing');
    const before = nudges();

    const pick = await h.click({
      teamId: 'T0OTHER',
      actionId: `more:n:${checkIn.id}:_snooze1d`,
      actionType: 'overflow',
      selectedOption: { value: `n:${checkIn.id}:_dismiss` },
    });

    expect(pick.result.status).toBe(200);
    expect(String((await h.fake.waitForResponse(pick.responseId)).body.text)).toContain(
      'members of this workspace only',
    );
    expect(nudges()).toEqual(before);
  });

  it('answers an overflow pick it does not know with “not recognised”, and ignores one without a pick', async () => {
    await signedAWeekAgo();
    const before = nudges();

    const unknown = await h.click({
      actionId: 'more:x',
      actionType: 'overflow',
      selectedOption: { value: 'definitely-not-ours' },
    });
    expect(String((await h.fake.waitForResponse(unknown.responseId)).body.text)).toContain(
      'not one I recognise',
    );
    const empty = await h.click({ actionId: 'more:y', actionType: 'overflow' });
    expect(empty.result.status).toBe(200);
    await h.command('help'); // answered after the pick without a value, which had nothing to do
    expect(h.fake.responses(empty.responseId)).toEqual([]);
    expect(nudges()).toEqual(before);
  });

  it('answers an unknown action id with an ephemeral “not recognised” and changes nothing', async () => {
    await signedAWeekAgo();
    const before = nudges();

    const click = await h.click({ actionId: 'definitely-not-ours', value: 'x' });
    expect(click.result.status).toBe(200);
    const reply = await h.fake.waitForResponse(click.responseId);
    expect(reply.body.response_type).toBe('ephemeral');
    expect(String(reply.body.text)).toContain('not one I recognise');
    expect(nudges()).toEqual(before);
    expect(h.fake.calls('chat.update')).toEqual([]);
  });

  it('handles a click payload with thread, container and Enterprise Grid fields', async () => {
    await signedAWeekAgo();
    const checkIn = nudge('post-signing');

    const click = await h.click({
      actionId: `n:${checkIn.id}:friction`,
      threadTs: '1700000000.000100',
      enterprise: { id: 'E0GRID', name: 'Grid' },
      isEnterpriseInstall: false,
      teamDomain: 'rapport-test',
      userName: 'asha',
    });
    await h.fake.waitForResponse(click.responseId);

    expect(nudge('post-signing')).toMatchObject({ status: 'answered', answer: 'friction' });
  });

  it('confirms a removal from an ephemeral reply by replacing it through the response_url', async () => {
    await h.command('add Nissan');
    const partnerId = h.sql<{ id: number }>('SELECT id FROM partners')[0]!.id;
    const ask = await h.command('remove Nissan');
    expect(actionIds(ask.body.blocks)).toEqual([`p:${partnerId}:remove`, `p:${partnerId}:keep`]);

    const click = await h.click({ actionId: `p:${partnerId}:remove`, isEphemeral: true });
    await h.fake.waitForResponse(click.responseId, (p) => p.body.replace_original === true);

    expect(h.sql('SELECT * FROM partners')).toEqual([]);
    expect(h.fake.calls('chat.update')).toEqual([]);
  });

  it('keeps a rate-limited nudge pending and delivers it once on a later tick after Retry-After', async () => {
    await oneNudgeDue();
    h.fake.failNext('chat.postMessage', { status: 429, retryAfterSec: 30 });

    const first = await h.service.tick(h.now());
    expect(first).toMatchObject({ delivered: 0, retried: 1 });
    expect(nudge('joint-workshop')).toMatchObject({
      status: 'pending',
      deliver_after: new Date(h.now().getTime() + 30_000).toISOString(),
    });

    await h.service.tick(new Date(h.now().getTime() + 10_000));
    expect(h.fake.calls('chat.postMessage')).toHaveLength(1);

    h.setNow(new Date(h.now().getTime() + 31_000));
    expect(await h.service.tick(h.now())).toMatchObject({ delivered: 1 });
    await h.service.tick(new Date(h.now().getTime() + 60_000));

    expect(h.fake.calls('chat.postMessage')).toHaveLength(2);
    expect(h.fake.messages(DM)).toHaveLength(1);
    expect(nudge('joint-workshop').status).toBe('sent');
  });

  it('marks the address gone on channel_not_found and stops trying until the member is seen again', async () => {
    await oneNudgeDue();
    h.fake.failNext('chat.postMessage', { error: 'channel_not_found' });

    await h.service.tick(h.now());
    expect(h.sql('SELECT address_stale FROM members')).toEqual([{ address_stale: 1 }]);
    for (let hour = 1; hour <= 3; hour++)
      await h.service.tick(new Date(h.now().getTime() + hour * 3_600_000));
    expect(h.fake.calls('chat.postMessage')).toHaveLength(1);
    expect(nudge('joint-workshop')).toMatchObject({
      status: 'pending',
      last_error: expect.stringContaining('channel_not_found'),
    });

    await h.command('help');
    expect(h.sql('SELECT address_stale FROM members')).toEqual([{ address_stale: 0 }]);
    expect(await h.service.tick(h.now())).toMatchObject({ delivered: 1 });
    // The DM id that failed is not trusted again: the DM is opened afresh.
    expect(h.fake.calls('conversations.open')).toHaveLength(2);
    expect(nudge('joint-workshop').status).toBe('sent');
  });

  it('treats a user Slack no longer knows as gone when opening the DM', async () => {
    await oneNudgeDue();
    h.fake.failNext('conversations.open', { error: 'user_not_found' });

    await h.service.tick(h.now());

    expect(h.sql('SELECT address_stale FROM members')).toEqual([{ address_stale: 1 }]);
    expect(h.fake.calls('chat.postMessage')).toEqual([]);
  });

  it('backs off after a 5xx without the SDK retrying on its own', async () => {
    await oneNudgeDue();
    h.fake.failNext('chat.postMessage', { status: 503 });

    const report = await h.service.tick(h.now());

    expect(report).toMatchObject({ delivered: 0, retried: 1 });
    expect(h.fake.calls('chat.postMessage')).toHaveLength(1);
    const row = nudge('joint-workshop');
    expect(row.status).toBe('pending');
    expect(row.last_error).toContain('UNAVAILABLE');
    expect(new Date(row.deliver_after).getTime()).toBeGreaterThan(h.now().getTime());
  });

  it('fails a nudge that Slack refuses as invalid instead of retrying it', async () => {
    await oneNudgeDue();
    h.fake.failNext('chat.postMessage', { error: 'invalid_blocks' });

    expect(await h.service.tick(h.now())).toMatchObject({ failed: 1 });
    expect(nudge('joint-workshop').status).toBe('failed');
  });
});
