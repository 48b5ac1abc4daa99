import { DAY_MS, logValues, MONDAY, startSlackHarness, USER } from './slack-harness';
import type { SlackHarness } from './slack-harness';

interface PickerElement {
  type: string;
  action_id: string;
  min_query_length?: number;
  initial_option?: { value: string; text: { text: string } };
  options?: unknown[];
}

interface Suggestions {
  options: Array<{ value: string; text: { type: string; text: string } }>;
}

/**
 * A workspace with 150 partners, `Partner 001` … `Partner 150`, all Asha's. Only `Partner 150` was added
 * through the command (in negotiation), so only it has a schedule: three days on, its joint-workshop
 * nudge is due, with "Log it now".
 */
async function workspaceOf150(
  h: SlackHarness,
): Promise<{ workspaceId: string; id: (name: string) => string }> {
  await h.command('add "Partner 150" negotiating');
  const workspaceId = h.sql<{ workspace_id: string }>('SELECT workspace_id FROM partners')[0]!.workspace_id;
  for (let i = 1; i < 150; i++) {
    await h.service.store.partners.create({
      workspaceId,
      name: `Partner ${String(i).padStart(3, '0')}`,
      stage: 'exploring',
      createdBy: USER,
      now: MONDAY,
    });
  }
  const id = (name: string): string =>
    String(h.sql<{ id: number }>('SELECT id FROM partners WHERE name = ?', name)[0]!.id);
  return { workspaceId, id };
}

describe('Slack partner picker', () => {
  let h: SlackHarness;

  beforeEach(async () => {
    h = await startSlackHarness();
  });
  afterEach(() => h.stop());

  it('opens “Log it now” on a nudge for partner #150 with #150 chosen in a type-ahead picker', async () => {
    const { id } = await workspaceOf150(h);
    h.setNow(new Date(MONDAY.getTime() + 3 * DAY_MS));
    await h.service.tick(h.now());
    const [nudge] = h.sql<{ id: number; message_ref: string }>(
      "SELECT id, message_ref FROM nudges WHERE status = 'sent'",
    );
    const ref = JSON.parse(nudge!.message_ref) as { channel: string; ts: string };

    await h.click({ actionId: `n:${nudge!.id}:_log`, messageTs: ref.ts });
    const opened = await h.fake.waitFor('views.open');
    const view = opened.params.view as {
      private_metadata: string;
      blocks: Array<{ element: PickerElement }>;
    };
    const picker = view.blocks[0]!.element;

    expect(picker).toEqual({
      type: 'external_select',
      action_id: 'search:partners',
      min_query_length: 0,
      placeholder: expect.objectContaining({ text: 'Type to search…' }),
      initial_option: {
        value: id('Partner 150'),
        text: { type: 'plain_text', text: 'Partner 150', emoji: true },
      },
    });

    // What the member picked from the type-ahead is read back like any select.
    const values = logValues({ kind: 'workshop', date: '2026-03-05' });
    values.partner = {
      'search:partners': { type: 'external_select', selected_option: { value: id('Partner 150') } },
    };
    const result = await h.submit({ privateMetadata: view.private_metadata, values });
    expect(result.status).toBe(200);
    await h.fake.waitFor('chat.update', (c) => c.params.ts === ref.ts);
    expect(h.sql('SELECT partner_id, kind, nudge_id FROM interactions')).toEqual([
      { partner_id: Number(id('Partner 150')), kind: 'workshop', nudge_id: nudge!.id },
    ]);
  });

  it('opens /partner log on a type-ahead picker with nothing chosen', async () => {
    await workspaceOf150(h);

    await h.commandRaw('log');
    const opened = await h.fake.waitFor('views.open');
    const [partner] = (opened.params.view as { blocks: Array<{ element: PickerElement }> }).blocks;

    expect(partner!.element).toMatchObject({ type: 'external_select', action_id: 'search:partners' });
    expect(partner!.element.initial_option).toBeUndefined();
  });

  it('answers a signed block_suggestion within Slack’s 3 s with the matches, names that start with it first', async () => {
    const { workspaceId, id } = await workspaceOf150(h);
    await h.service.store.partners.create({
      workspaceId,
      name: '14 Rue Royale',
      stage: 'exploring',
      createdBy: USER,
      now: MONDAY,
    });

    const started = Date.now();
    const answer = await h.suggest('14');
    const elapsed = Date.now() - started;

    expect(answer.status).toBe(200);
    expect(elapsed).toBeLessThan(3_000);
    const { options } = answer.json as Suggestions;
    expect(options.map((o) => o.text.text)).toEqual([
      '14 Rue Royale',
      'Partner 014',
      'Partner 114',
      ...Array.from({ length: 10 }, (_, i) => `Partner 14${i}`),
    ]);
    expect(options[1]).toEqual({
      value: id('Partner 014'),
      text: { type: 'plain_text', text: 'Partner 014', emoji: true },
    });
  });

  it('lists the first 100 partners by name when nothing is typed yet, and none for a name no partner has', async () => {
    await workspaceOf150(h);

    const first = (await h.suggest('')).json as Suggestions;
    expect(first.options).toHaveLength(100);
    expect(first.options[0]!.text.text).toBe('Partner 001');
    expect(((await h.suggest('Volvo')).json as Suggestions).options).toEqual([]);
  });

  it('answers nobody outside the installed workspace, and no guest', async () => {
    await workspaceOf150(h);
    h.fake.setResponder('users.info', (call, defaults) => {
      const reply = defaults();
      return call.params.user === 'U0GUEST'
        ? { ...reply, user: { ...(reply.user as Record<string, unknown>), is_restricted: true } }
        : reply;
    });

    const stranger = await h.suggest('Partner', { teamId: 'T0OTHER' });
    const guest = await h.suggest('Partner', { userId: 'U0GUEST' });

    for (const answer of [stranger, guest]) {
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({ options: [] });
    }
    const refusals = h.logs
      .map((l) => l.msg)
      .filter((msg) => String(msg).startsWith('refused a Slack request'));
    expect(refusals).toEqual([
      'refused a Slack request from outside the installed workspace',
      'refused a Slack request from a guest',
    ]);
    expect(h.sql('SELECT id FROM members')).toEqual([{ id: USER }]);
  });

  it('answers a type-ahead it does not know with no options', async () => {
    await workspaceOf150(h);

    const answer = await h.suggest('Partner', { actionId: 'search:members' });

    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ options: [] });
  });

  it('picks by type-ahead in a workspace of one partner too, the partner in context chosen', async () => {
    await h.command('add Nissan');
    await h.command('add Renault');
    const renault = h.sql<{ id: number }>("SELECT id FROM partners WHERE name = 'Renault'")[0]!.id;

    await h.commandRaw('log');
    const opened = await h.fake.waitFor('views.open');
    const [partner] = (opened.params.view as { blocks: Array<{ element: PickerElement }> }).blocks;
    await h.commandRaw('plan Renault');
    const planned = await h.fake.waitFor(
      'views.open',
      (call) => (call.params.view as { callback_id: string }).callback_id !== 'log-interaction',
    );
    const [planPartner] = (planned.params.view as { blocks: Array<{ element: PickerElement }> }).blocks;

    expect(partner!.element).toMatchObject({ type: 'external_select', action_id: 'search:partners' });
    expect(partner!.element.initial_option).toBeUndefined();
    expect(partner!.element.options).toBeUndefined();
    expect(planPartner!.element).toMatchObject({
      type: 'external_select',
      action_id: 'search:partners',
      initial_option: { value: String(renault), text: { text: 'Renault' } },
    });
  });
});
