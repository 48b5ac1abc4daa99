/**
 * Answers are facts, through Slack's real entry point: signed interactive payloads into Bolt, the loopback
 * fake Web API. A planned visit from its nudge to "did it happen?", a "Reached out", a blocker.
 */
import type { SlackApiCall } from '../../support/fake-slack-api';
import { actionIds, blockText, DAY_MS, MONDAY, startSlackHarness, USER } from './slack-harness';
import type { SlackHarness } from './slack-harness';

const DM = `D${USER}`;

interface PlanModal {
  callback_id: string;
  private_metadata: string;
  blocks: Array<{ block_id: string; element: { type: string; initial_option?: { value: string } } }>;
}

describe('Slack: answers are facts', () => {
  let h: SlackHarness;

  beforeEach(async () => {
    h = await startSlackHarness();
  });
  afterEach(() => h.stop());

  const day = (days: number): Date => new Date(MONDAY.getTime() + days * DAY_MS);

  function nudgeOf(ruleId: string): {
    id: number;
    status: string;
    answer: string | null;
    message_ref: string;
  } {
    const [row] = h.sql<{ id: number; status: string; answer: string | null; message_ref: string }>(
      'SELECT id, status, answer, message_ref FROM nudges WHERE rule_id = ? ORDER BY id DESC',
      ruleId,
    );
    if (!row) throw new Error(`no ${ruleId} nudge`);
    return row;
  }

  function postFor(nudgeId: number): SlackApiCall {
    const call = h.fake
      .calls('chat.postMessage')
      .find((c) => actionIds(c.params.blocks).some((id) => id.startsWith(`n:${nudgeId}:`)));
    if (!call) throw new Error(`nudge ${nudgeId} was not posted`);
    return call;
  }

  async function clickNudge(ruleId: string, action: string) {
    const nudge = nudgeOf(ruleId);
    const ref = JSON.parse(nudge.message_ref) as { channel: string; ts: string };
    const click = await h.click({ actionId: `n:${nudge.id}:${action}`, messageTs: ref.ts });
    expect(click.result.status).toBe(200);
    return { nudge, ref, responseId: click.responseId };
  }

  async function status(): Promise<string> {
    return blockText((await h.command('status Nissan')).body.blocks);
  }

  it('plans a visit from its nudge in a modal, briefs the Friday before, asks on Tuesday, and logs it on Yes', async () => {
    await h.command('add Nissan');
    h.setNow(day(14)); // Monday 16 March: the site visit is due
    await h.service.tick(h.now());
    const visit = nudgeOf('site-visit');
    expect(actionIds(postFor(visit.id).params.blocks)[0]).toBe(`n:${visit.id}:planned`);

    const { ref } = await clickNudge('site-visit', 'planned');
    const opened = await h.fake.waitFor('views.open');
    const view = opened.params.view as PlanModal;
    expect(view.callback_id).toBe('plan-event');
    expect(view.blocks.map((b) => [b.block_id, b.element.type])).toEqual([
      ['partner', 'external_select'],
      ['kind', 'static_select'],
      ['date', 'datepicker'],
      ['note', 'plain_text_input'],
    ]);
    expect(view.blocks[1]!.element.initial_option?.value).toBe('visit');
    const update = await h.fake.waitFor('chat.update', (c) => c.params.ts === ref.ts);
    expect(blockText(update.params.blocks)).toContain('Recorded “Visit planned”');
    expect(nudgeOf('site-visit')).toMatchObject({ status: 'answered', answer: 'planned' });

    const partnerId = view.blocks[0]!.element.initial_option!.value;
    const submitted = await h.submit({
      callbackId: 'plan-event',
      privateMetadata: view.private_metadata,
      values: {
        partner: { 'search:partners': { type: 'external_select', selected_option: { value: partnerId } } },
        kind: { kind: { type: 'static_select', selected_option: { value: 'visit' } } },
        date: { date: { type: 'datepicker', selected_date: '2026-03-30' } },
        note: { note: { type: 'plain_text_input', value: 'Plant tour' } },
      },
    });
    expect(submitted.status).toBe(200);
    const confirmed = await h.fake.waitFor('chat.postEphemeral');
    expect(confirmed.params.channel).toBe(DM);
    expect(blockText(confirmed.params.blocks)).toContain(
      'Planned: visit to *Nissan* on Mon 30 Mar 2026 (in 14 days).',
    );
    expect(await status()).toContain('Mon 30 Mar 2026 (in 14 days): Visit to their premises — Plant tour');

    h.setNow(day(25)); // Friday 27 March, the working day before
    await h.service.tick(h.now());
    const brief = nudgeOf('planned-brief');
    expect(blockText(postFor(brief.id).params.blocks)).toContain(
      'Your visit to *Nissan* is on Mon 30 Mar 2026',
    );
    expect(actionIds(postFor(brief.id).params.blocks)[0]).toBe(`n:${brief.id}:_brief`);

    h.setNow(day(29)); // Tuesday 31 March, the working day after
    await h.service.tick(h.now());
    const followUp = nudgeOf('planned-followup');
    expect(blockText(postFor(followUp.id).params.blocks)).toContain(
      'Did the visit to *Nissan* happen on Mon 30 Mar 2026 (yesterday)?',
    );
    const yes = await clickNudge('planned-followup', 'happened');
    const reply = await h.fake.waitForResponse(yes.responseId);
    expect(String(reply.body.text)).toContain('Logged: visit to');
    const closed = await h.fake.waitFor('chat.update', (c) => c.params.ts === yes.ref.ts);
    expect(actionIds(closed.params.blocks)).toEqual([]);

    const after = await status();
    expect(after).toContain('Last contact');
    expect(after).toContain('Mon 30 Mar 2026 (yesterday)');
    expect(after).toContain('Visit to their premises — Plant tour');
    expect(h.sql('SELECT status FROM planned_events')).toEqual([{ status: 'happened' }]);
  });

  it('records a call for “Reached out” in the message it came in: last contact becomes today', async () => {
    await h.command('add Nissan');
    h.setNow(day(30)); // Wednesday 1 April: 30 days without contact, and the site visit is due too
    await h.service.tick(h.now());
    expect(await status()).toContain('none logged');
    // One message about Nissan, each nudge with its own buttons.
    const keep = nudgeOf('keep-in-touch');
    const visit = nudgeOf('site-visit');
    const post = postFor(keep.id);
    expect(String(post.params.text)).toContain('Nissan — two things to look at');
    expect(actionIds(post.params.blocks)).toEqual(
      expect.arrayContaining([`n:${visit.id}:planned`, `n:${keep.id}:reached-out`]),
    );

    const { ref, responseId } = await clickNudge('keep-in-touch', 'reached-out');
    const reply = await h.fake.waitForResponse(responseId);
    expect(String(reply.body.text)).toContain('Logged a call today.');
    // The keep-in-touch section is closed; the site visit still waits for its answer.
    const update = await h.fake.waitFor('chat.update', (c) => c.params.ts === ref.ts);
    expect(blockText(update.params.blocks)).toContain('Recorded “Reached out”');
    expect(actionIds(update.params.blocks)).toContain(`n:${visit.id}:planned`);
    expect(actionIds(update.params.blocks)).not.toContain(`n:${keep.id}:reached-out`);
    expect(await status()).toContain('Wed 1 Apr 2026 (today)');
    expect(h.sql('SELECT kind, occurred_on FROM interactions')).toEqual([
      { kind: 'call', occurred_on: '2026-04-01' },
    ]);
  });

  it('asks what is blocking after “Stuck” with ephemeral buttons, and answers the one clicked with its next step', async () => {
    await h.command('add Nissan signed');
    h.setNow(day(7));
    await h.service.tick(h.now());
    const stuck = await clickNudge('post-signing', 'stuck');
    const question = await h.fake.waitForResponse(stuck.responseId);
    const checkIn = nudgeOf('post-signing');
    expect(actionIds(question.body.blocks)).toEqual([
      `n:${checkIn.id}:_b-alignment`,
      `n:${checkIn.id}:_b-trust`,
      `n:${checkIn.id}:_b-resources`,
      `n:${checkIn.id}:_b-value`,
    ]);

    const click = await h.click({ actionId: `n:${checkIn.id}:_b-alignment`, isEphemeral: true });
    // The question is closed in place (replace_original), then the next step is the reply.
    const answer = await h.fake.waitForResponse(click.responseId, (r) => r.body.replace_original === false);
    expect(String(answer.body.text)).toContain('Hold an internal alignment meeting on Nissan');
    const closed = await h.fake.waitForResponse(click.responseId, (r) => r.body.replace_original === true);
    expect(actionIds(closed.body.blocks)).toEqual([]);
    expect(h.sql("SELECT blocker FROM interactions WHERE kind = 'checkin'")).toEqual([
      { blocker: 'alignment' },
    ]);
  });
});
