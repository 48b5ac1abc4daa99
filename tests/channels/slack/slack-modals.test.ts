import { sqliteDb } from '../../support/sqlite-of';
import { viewSubmissionBody } from '../../support/slack-requests';
import { GRID, logValues, startSlackHarness, TEAM, USER } from './slack-harness';
import type { SlackHarness } from './slack-harness';

interface ModalView {
  type: string;
  callback_id: string;
  private_metadata: string;
  title: { text: string };
  blocks: Array<{
    type: string;
    block_id: string;
    optional?: boolean;
    element: {
      type: string;
      action_id: string;
      initial_date?: string;
      initial_option?: { value: string };
      options?: Array<{ value: string; text: { text: string } }>;
      max_length?: number;
    };
  }>;
}

describe('Slack log modal', () => {
  let h: SlackHarness;
  let partnerId: string;

  beforeEach(async () => {
    h = await startSlackHarness();
    await h.command('add Nissan');
    partnerId = String(h.sql<{ id: number }>('SELECT id FROM partners')[0]!.id);
  });
  afterEach(() => h.stop());

  async function openedView(text: string): Promise<ModalView> {
    const { result, responseId } = await h.commandRaw(text);
    expect(result.status).toBe(200);
    const call = await h.fake.waitFor('views.open');
    expect(typeof call.params.trigger_id).toBe('string');
    expect(h.fake.responses(responseId)).toEqual([]);
    return call.params.view as ModalView;
  }

  it('opens the log modal with views.open for /partner with no text', async () => {
    const view = await openedView('');

    expect(view).toMatchObject({ type: 'modal', callback_id: 'log-interaction' });
    expect(view.blocks.map((b) => [b.block_id, b.element.type, b.optional])).toEqual([
      ['partner', 'external_select', false],
      ['kind', 'static_select', false],
      ['date', 'datepicker', false],
      ['note', 'plain_text_input', true],
      ['rating', 'static_select', true],
    ]);
    expect(view.blocks[0]!.element.action_id).toBe('search:partners');
    expect(view.blocks.slice(1).every((b) => b.element.action_id === b.block_id)).toBe(true);
    expect(view.blocks[2]!.element.initial_date).toBe('2026-03-02');
    expect(JSON.parse(view.private_metadata)).toEqual({ channel: `D${USER}` });
  });

  it('opens the log modal for /partner log without arguments', async () => {
    const view = await openedView('log');

    expect(view.callback_id).toBe('log-interaction');
  });

  it('answers /partner with help when there is no partner to log for yet', async () => {
    const empty = await startSlackHarness();
    try {
      const reply = await empty.command('');

      expect(JSON.stringify(reply.body)).toContain('add NAME');
      expect(empty.fake.calls('views.open')).toEqual([]);
    } finally {
      await empty.stop();
    }
  });

  it('falls back to an ephemeral answer when the modal cannot be opened in time', async () => {
    h.fake.failNext('views.open', { error: 'expired_trigger_id' });
    const reply = await h.command('log');

    expect(reply.body.text).toContain('What happened, and with whom?');
    expect(reply.body.text).toContain('partner log NAME KIND');
  });

  it('stores a valid submission, closes the modal and confirms ephemerally where it was opened', async () => {
    const result = await h.submit({
      privateMetadata: JSON.stringify({ channel: 'C0SALES' }),
      values: logValues({
        partner: partnerId,
        kind: 'workshop',
        date: '2026-02-27',
        note: 'Joint plan',
        rating: '4',
      }),
    });

    expect(result.status).toBe(200);
    expect(result.text).toBe('');
    expect(h.sql('SELECT partner_id, kind, occurred_on, note, rating, member_id FROM interactions')).toEqual([
      {
        partner_id: Number(partnerId),
        kind: 'workshop',
        occurred_on: '2026-02-27',
        note: 'Joint plan',
        rating: 4,
        member_id: USER,
      },
    ]);
    const confirmation = await h.fake.waitFor('chat.postEphemeral');
    expect(confirmation.params).toMatchObject({ channel: 'C0SALES', user: USER });
    expect(String(confirmation.params.text)).toContain('Logged for *Nissan*: Joint workshop');
    await h.fake.waitFor('views.publish', (c) => c.params.user_id === USER);
  });

  it('confirms in the DM when the app cannot post where the form was opened', async () => {
    h.fake.failNext('chat.postEphemeral', { error: 'channel_not_found' });
    await h.submit({
      privateMetadata: JSON.stringify({ channel: 'D0SOMEONEELSE' }),
      values: logValues({ partner: partnerId, kind: 'call', date: '2026-03-02' }),
    });

    const dm = await h.fake.waitFor('chat.postMessage');
    expect(dm.params.channel).toBe(`D${USER}`);
    expect(String(dm.params.text)).toContain('Logged for *Nissan*: Call');
  });

  it('shows invalid input inside the modal with response_action errors and stores nothing', async () => {
    const result = await h.submit({
      values: logValues({ partner: partnerId, date: '2026-12-31' }),
      blocks: (await openedView('')).blocks,
    });

    expect(result.status).toBe(200);
    expect(result.json).toEqual({
      response_action: 'errors',
      errors: {
        kind: 'Choose what happened.',
        date: expect.stringContaining('is in the future'),
      },
    });
    expect(h.sql('SELECT * FROM interactions')).toEqual([]);
  });

  it('tells the member inside the modal when the partner was removed meanwhile', async () => {
    const view = await openedView('');
    sqliteDb(h.service).prepare('DELETE FROM partners').run();

    const result = await h.submit({
      values: logValues({ partner: partnerId, kind: 'meeting', date: '2026-03-02' }),
      blocks: view.blocks,
    });

    expect(result.json).toEqual({
      response_action: 'errors',
      errors: { partner: expect.stringContaining('no longer exists') },
    });
    expect(h.sql('SELECT * FROM interactions')).toEqual([]);
  });

  it('refuses a note over the limit inside the modal', async () => {
    const view = await openedView('');
    const result = await h.submit({
      values: logValues({ partner: partnerId, kind: 'note', date: '2026-03-02', note: 'x'.repeat(2500) }),
      blocks: view.blocks,
    });

    expect(result.json).toMatchObject({ response_action: 'errors', errors: { note: expect.any(String) } });
    expect(view.blocks[3]!.element.max_length).toBe(2000);
  });

  it('puts an error about a field the view does not show on the first input', async () => {
    const view = await openedView('');
    const result = await h.submit({ callbackId: 'retired-form', values: {}, blocks: view.blocks });

    expect(result.json).toEqual({
      response_action: 'errors',
      errors: { partner: expect.stringContaining('not one I know') },
    });
  });

  it('reads a submission whose private_metadata is not ours as having no context', async () => {
    const result = await h.submit({
      privateMetadata: 'not json',
      values: logValues({ partner: partnerId, kind: 'call', date: '2026-03-02' }),
    });

    expect(result.status).toBe(200);
    expect(h.sql('SELECT kind, nudge_id FROM interactions')).toEqual([{ kind: 'call', nudge_id: null }]);
  });

  it('handles a submission from an org-wide install with no team and enterprise fields', async () => {
    await h.stop();
    h = await startSlackHarness({ orgWide: GRID });
    await h.command('add Nissan', { enterpriseId: GRID, isEnterpriseInstall: true });
    const gridPartner = h.sql<{ id: number }>(
      "SELECT id FROM partners WHERE workspace_id = 'slack:E0GRID'",
    )[0]!;

    const body = new URLSearchParams(
      viewSubmissionBody({
        teamId: TEAM,
        userId: USER,
        callbackId: 'log-interaction',
        enterprise: { id: 'E0GRID', name: 'Grid' },
        isEnterpriseInstall: true,
        values: logValues({ partner: String(gridPartner.id), kind: 'call', date: '2026-03-02' }),
      }),
    );
    const payload = JSON.parse(body.get('payload')!) as Record<string, unknown>;
    payload.team = null;
    const result = await h.post(`payload=${encodeURIComponent(JSON.stringify(payload))}`);

    expect(result.status).toBe(200);
    expect(h.sql('SELECT workspace_id, kind FROM interactions')).toEqual([
      { workspace_id: 'slack:E0GRID', kind: 'call' },
    ]);
  });
});
