/**
 * Promise reminders end to end on Slack: recorded with `/partner promise`, delivered by the scheduler as a
 * DM with Kept as its one button and Late / Broken / Moved in the overflow menu, answered with signed
 * block_actions into Bolt (the fake Slack Web API behind `SLACK_API_URL`), and moved through the date modal.
 */
import type { SlackApiCall } from '../../support/fake-slack-api';
import { actionElements, actionIds, blockText, DAY_MS, MONDAY, startSlackHarness } from './slack-harness';
import type { SlackHarness } from './slack-harness';

interface Row {
  id: number;
  rule_id: string;
  occurrence: string;
  status: string;
  answer: string | null;
  message_ref: string | null;
}

describe('Slack promise reminders', () => {
  let h: SlackHarness;

  beforeEach(async () => {
    h = await startSlackHarness();
  });
  afterEach(() => h.stop());

  const reminders = (): Row[] =>
    h.sql<Row>(
      `SELECT id, rule_id, occurrence, status, answer, message_ref FROM nudges WHERE rule_id LIKE 'promise-%' ORDER BY id`,
    );

  function postFor(nudgeId: number): SlackApiCall {
    const call = h.fake
      .calls('chat.postMessage')
      .find((c) => actionIds(c.params.blocks).some((id) => id.startsWith(`n:${nudgeId}:`)));
    if (!call) throw new Error(`nudge ${nudgeId} was not posted`);
    return call;
  }

  /** Nissan, a promise due Friday 6 March, and the pass of Wednesday 4 March (two working days before). */
  async function reminded(): Promise<Row> {
    await h.command('add Nissan');
    const recorded = await h.command('promise Nissan "send the pricing model" by 2026-03-06');
    expect(String(recorded.body.text)).toContain('Recorded promise #1');
    h.setNow(new Date(MONDAY.getTime() + 2 * DAY_MS));
    await h.service.tick(h.now());
    const [reminder] = reminders();
    expect(reminder).toMatchObject({
      rule_id: 'promise-before',
      occurrence: 'p1:2026-03-06',
      status: 'sent',
    });
    return reminder!;
  }

  it('delivers the reminder with Kept as its button, the rest in the overflow, and Kept settles the promise', async () => {
    const reminder = await reminded();
    const post = postFor(reminder.id);
    expect(blockText(post.params.blocks)).toContain('send the pricing model');
    const elements = actionElements(post.params.blocks);
    // Six lesser choices make two menus of three (Slack holds five at most in one): the endings, then later.
    expect(elements.map((e) => e.type)).toEqual(['button', 'overflow', 'overflow']);
    expect(elements[0]).toMatchObject({ action_id: `n:${reminder.id}:kept`, style: 'primary' });
    expect(elements.slice(1).map((menu) => menu.options!.map((o) => o.text.text))).toEqual([
      ['Late', 'Broken', 'Moved to…'],
      ['Snooze 1 day', 'Snooze 1 week', 'Dismiss'],
    ]);

    const ref = JSON.parse(reminder.message_ref!) as { channel: string; ts: string };
    const click = await h.click({
      actionId: `n:${reminder.id}:kept`,
      value: `n:${reminder.id}:kept`,
      messageTs: ref.ts,
    });
    expect(click.result.status).toBe(200);
    expect(String((await h.fake.waitForResponse(click.responseId)).body.text)).toContain('was kept on time');
    const update = await h.fake.waitFor('chat.update');
    expect(update.params).toMatchObject({ channel: ref.channel, ts: ref.ts });
    expect(actionIds(update.params.blocks)).toEqual([]);
    expect(blockText(update.params.blocks)).toContain('Recorded “Kept”');
    expect(reminders()[0]).toMatchObject({ status: 'answered', answer: 'kept' });
    expect(h.sql('SELECT status FROM promises')).toEqual([{ status: 'kept' }]);

    const status = await h.command('status Nissan');
    expect(JSON.stringify(status.body)).toContain('We kept 1 of 1 on time; they have no promise settled yet');
  });

  it('moves a promise from the overflow menu through the date modal, and reminds again before the new day', async () => {
    const reminder = await reminded();
    const ref = JSON.parse(reminder.message_ref!) as { channel: string; ts: string };
    const menu = actionElements(postFor(reminder.id).params.blocks).find((e) => e.type === 'overflow')!;
    expect(menu.options!.map((o) => o.text.text)).toContain('Moved to…');
    const moved = menu.options!.find((o) => o.text.text === 'Moved to…')!;

    const pick = await h.click({
      actionId: menu.action_id!,
      actionType: 'overflow',
      selectedOption: { value: moved.value, text: 'Moved to…' },
      messageTs: ref.ts,
    });
    expect(pick.result.status).toBe(200);
    const opened = await h.fake.waitFor('views.open');
    const view = opened.params.view as { callback_id: string; private_metadata: string; blocks: unknown[] };
    expect(view.callback_id).toBe('promise-move');

    const refused = await h.submit({
      callbackId: 'promise-move',
      privateMetadata: view.private_metadata,
      blocks: view.blocks,
      values: { date: { date: { type: 'datepicker', selected_date: '2026-03-01' } } },
    });
    expect(refused.status).toBe(200);
    expect(refused.json).toMatchObject({
      response_action: 'errors',
      errors: { date: expect.stringContaining('already passed') },
    });

    const done = await h.submit({
      callbackId: 'promise-move',
      privateMetadata: view.private_metadata,
      blocks: view.blocks,
      values: { date: { date: { type: 'datepicker', selected_date: '2026-03-13' } } },
    });
    expect(done.status).toBe(200);
    expect(h.sql('SELECT due_on, moved_count, status FROM promises')).toEqual([
      { due_on: '2026-03-13', moved_count: 1, status: 'open' },
    ]);

    // Wednesday 11 March: two working days before the new day.
    h.setNow(new Date(MONDAY.getTime() + 9 * DAY_MS));
    await h.service.tick(h.now());
    expect(reminders().map((r) => [r.occurrence, r.status, r.answer])).toEqual([
      ['p1:2026-03-06', 'answered', 'moved'],
      ['p1:2026-03-13', 'sent', null],
    ]);
    expect(blockText(postFor(reminders()[1]!.id).params.blocks)).toContain('Fri 13 Mar 2026');
  });

  it('settles a promise from the list’s button and changes its delivered reminder on the next pass', async () => {
    const reminder = await reminded();
    const ref = JSON.parse(reminder.message_ref!) as { channel: string; ts: string };
    const list = await h.command('promises');
    expect(JSON.stringify(list.body)).toContain('r:1:kept');

    const click = await h.click({ actionId: 'r:1:broken', value: 'r:1:broken' });
    expect(String((await h.fake.waitForResponse(click.responseId)).body.text)).toContain('was broken');
    expect(reminders()[0]).toMatchObject({ status: 'answered', answer: 'broken' });

    await h.service.tick(new Date(h.now().getTime() + 60_000));
    const update = await h.fake.waitFor('chat.update', (c) => c.params.ts === ref.ts);
    expect(actionIds(update.params.blocks)).toEqual([]);
    expect(blockText(update.params.blocks)).toContain('Recorded “Broken”');
  });
});
