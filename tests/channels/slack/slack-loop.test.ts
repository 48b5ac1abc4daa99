/**
 * Closing the loop in Slack: a logged visit closes the visit nudge that was sent, and its DM is changed
 * to say so; `/partner nudges` lists what is open, answerable from the list.
 */
import { actionIds, blockText, DAY_MS, MONDAY, startSlackHarness } from './slack-harness';
import type { SlackHarness } from './slack-harness';

describe('Slack: closing the loop', () => {
  let h: SlackHarness;
  beforeEach(async () => {
    h = await startSlackHarness();
  });
  afterEach(() => h.stop());

  /** A partner added two weeks ago: the site-visit nudge (and only it) is due and delivered. */
  async function visitNudgeDelivered(): Promise<{ id: number; ref: { channel: string; ts: string } }> {
    await h.command('add Nissan');
    h.setNow(new Date(MONDAY.getTime() + 14 * DAY_MS));
    await h.service.tick(h.now());
    const [row] = h.sql<{ id: number; status: string; message_ref: string }>(
      "SELECT id, status, message_ref FROM nudges WHERE rule_id = 'site-visit'",
    );
    expect(row?.status).toBe('sent');
    return { id: row!.id, ref: JSON.parse(row!.message_ref) as { channel: string; ts: string } };
  }

  it('closes a sent visit nudge when the visit is logged, and changes its message to say so', async () => {
    const visit = await visitNudgeDelivered();
    const post = h.fake
      .calls('chat.postMessage')
      .find((c) => c.params.text?.toString().includes('Plan a site visit'));
    expect(actionIds(post!.params.blocks)).toContain(`n:${visit.id}:planned`);

    const logged = await h.command('log Nissan visit today Toured the plant');
    expect(String(logged.body.text)).toContain('Logged for *Nissan*');
    expect(h.sql("SELECT status, answer FROM nudges WHERE rule_id = 'site-visit'")).toEqual([
      { status: 'answered', answer: '_logged' },
    ]);

    await h.service.tick(new Date(h.now().getTime() + 60_000));
    const update = await h.fake.waitFor('chat.update', (c) => c.params.ts === visit.ref.ts);
    expect(update.params.channel).toBe(visit.ref.channel);
    expect(actionIds(update.params.blocks)).toEqual([]);
    expect(blockText(update.params.blocks)).toMatch(/Done — .* logged it/);
    // Told once: a later pass changes nothing more.
    await h.service.tick(new Date(h.now().getTime() + 120_000));
    expect(h.fake.calls('chat.update').filter((c) => c.params.ts === visit.ref.ts)).toHaveLength(1);
  });

  it('lists what is open with /partner nudges, and answers from the list', async () => {
    const visit = await visitNudgeDelivered();
    const listed = await h.command('nudges');
    expect(String(blockText(listed.body.blocks))).toContain('Waiting for you (1)');
    expect(String(blockText(listed.body.blocks))).toContain('Nissan — Plan a site visit');
    expect(actionIds(listed.body.blocks)).toEqual(expect.arrayContaining([`n:${visit.id}:_dismiss`]));

    const click = await h.click({ actionId: `n:${visit.id}:_dismiss` });
    expect(String((await h.fake.waitForResponse(click.responseId)).body.text)).toBe('Dismissed.');
    expect(h.sql("SELECT status FROM nudges WHERE rule_id = 'site-visit'")).toEqual([
      { status: 'dismissed' },
    ]);
    const after = await h.command('nudges');
    expect(String(after.body.text)).toContain('No nudge is waiting for you');
  });
});
