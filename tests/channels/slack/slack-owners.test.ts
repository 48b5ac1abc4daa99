import { actionIds, blockText, startSlackHarness, USER } from './slack-harness';
import type { SlackHarness } from './slack-harness';

const BEN = 'U0BEN';
const CY = 'U0CY';

interface OwnerRow {
  member_id: string;
  role: string;
  lead: number;
  added_by: string | null;
}

describe('Slack co-owners', () => {
  let h: SlackHarness;
  const owners = () =>
    h.sql<OwnerRow>('SELECT member_id, role, lead, added_by FROM partner_owners ORDER BY position');
  /** Messages posted to one member's DM (the fake opens `D{user}` for them). */
  const postsTo = (user: string) =>
    h.fake.calls('chat.postMessage').filter((call) => call.params.channel === `D${user}`);

  beforeEach(async () => {
    h = await startSlackHarness();
    await h.command('add Nissan negotiating');
    // Ben and Cy have used Rapport once, so the workspace knows them.
    await h.command('help', { userId: BEN });
    await h.command('help', { userId: CY });
  });
  afterEach(() => h.stop());

  it('adds a co-owner from a signed slash command with a mention, who is told in their DM on the next pass', async () => {
    const reply = await h.command(`owners Nissan add <@${BEN}|ben> sales`);
    expect(String(reply.body.text)).toContain('as a co-owner of *Nissan*');
    expect(owners()).toEqual([
      { member_id: USER, role: 'alliance-manager', lead: 1, added_by: USER },
      { member_id: BEN, role: 'sales', lead: 0, added_by: USER },
    ]);
    expect(postsTo(BEN)).toEqual([]);

    await h.service.tick(h.now());
    const [notice] = postsTo(BEN);
    expect(notice).toBeDefined();
    expect(blockText(notice!.params.blocks)).toContain('made you a co-owner of *Nissan* (sales)');
    expect(blockText(notice!.params.blocks)).toContain('negotiating');
    const [open] = actionIds(notice!.params.blocks);
    expect(open).toMatch(/^n:\d+:_status$/);
    expect(h.sql(`SELECT member_id, status FROM nudges WHERE rule_id = 'owner-added'`)).toEqual([
      { member_id: BEN, status: 'sent' },
    ]);
  });

  it('adds a colleague who never wrote to Rapport: the mention makes them known, and the notice reaches their DM', async () => {
    h.fake.setUser('U0DANA', { name: 'Dana Fox', tz: 'Europe/Paris' });
    const reply = await h.command('owners Nissan add <@U0DANA|dana> legal');
    expect(String(reply.body.text)).toContain('Added Dana Fox (legal) as a co-owner of *Nissan*');
    expect(h.sql('SELECT id, display_name, time_zone FROM members WHERE id = ?', 'U0DANA')).toEqual([
      { id: 'U0DANA', display_name: 'Dana Fox', time_zone: 'Europe/Paris' },
    ]);
    await h.service.tick(h.now());
    expect(blockText(postsTo('U0DANA')[0]?.params.blocks)).toContain(
      'made you a co-owner of *Nissan* (legal)',
    );
  });

  it('refuses someone Slack does not place in the workspace, with the usage, and writes nothing', async () => {
    h.fake.setResponder('users.info', (call, defaults) =>
      call.params.user === 'U0NOBODY' ? { ok: false, error: 'user_not_found' } : defaults(),
    );
    const reply = await h.command('owners Nissan add <@U0NOBODY|nobody> sales');
    expect(String(reply.body.text)).toContain("I don't know anyone called “U0NOBODY” in this workspace yet.");
    expect(String(reply.body.text)).toContain('Usage: `/partner owners NAME');
    expect(owners()).toHaveLength(1);
    expect(h.sql('SELECT id FROM nudges')).toEqual([]);
    expect(h.sql('SELECT id FROM members WHERE id = ?', 'U0NOBODY')).toEqual([]);
  });

  it('adds a co-owner through the users-select form reached from the status message', async () => {
    const status = await h.command('status Nissan');
    const button = actionIds(status.body.blocks).find((id) => id.endsWith(':add-owner'));
    expect(button).toBeDefined();
    await h.click({ actionId: button!, value: button! });
    const opened = await h.fake.waitFor('views.open');
    const view = opened.params.view as {
      callback_id: string;
      private_metadata: string;
      blocks: Array<{ block_id: string; element: { type: string } }>;
    };
    expect(view.callback_id).toBe('add-owner');
    expect(view.blocks.map((b) => [b.block_id, b.element.type])).toEqual([
      ['member', 'users_select'],
      ['role', 'static_select'],
      ['otherRole', 'plain_text_input'],
    ]);

    const result = await h.submit({
      callbackId: 'add-owner',
      privateMetadata: view.private_metadata,
      values: {
        member: { member: { type: 'users_select', selected_user: CY } },
        role: { role: { type: 'static_select', selected_option: { value: 'it' } } },
        otherRole: { otherRole: { type: 'plain_text_input', value: null } },
      },
    });
    expect(result.status).toBe(200);
    expect(owners()).toEqual([
      { member_id: USER, role: 'alliance-manager', lead: 1, added_by: USER },
      { member_id: CY, role: 'it', lead: 0, added_by: USER },
    ]);

    await h.service.tick(h.now());
    const [notice] = postsTo(CY);
    expect(blockText(notice?.params.blocks)).toContain('made you a co-owner of *Nissan* (IT)');
  });

  it('adds someone picked in the users select who never wrote to Rapport', async () => {
    h.fake.setUser('U0EVE', { name: 'Eve Park' });
    const result = await h.submit({
      callbackId: 'add-owner',
      privateMetadata: JSON.stringify({ context: { partner: '1' } }),
      values: {
        member: { member: { type: 'users_select', selected_user: 'U0EVE' } },
        role: { role: { type: 'static_select', selected_option: { value: 'executive-sponsor' } } },
        otherRole: { otherRole: { type: 'plain_text_input', value: null } },
      },
    });
    expect(result.status).toBe(200);
    expect(owners()).toMatchObject([{ member_id: USER }, { member_id: 'U0EVE', role: 'executive-sponsor' }]);
  });

  it('shows a refused form submission against its field and adds no one', async () => {
    await h.command(`owners Nissan add <@${BEN}> sales`);
    const result = await h.submit({
      callbackId: 'add-owner',
      privateMetadata: JSON.stringify({ context: { partner: '1' } }),
      values: {
        member: { member: { type: 'users_select', selected_user: BEN } },
        role: { role: { type: 'static_select', selected_option: { value: 'legal' } } },
        otherRole: { otherRole: { type: 'plain_text_input', value: null } },
      },
      blocks: [
        { type: 'input', block_id: 'member' },
        { type: 'input', block_id: 'role' },
      ],
    });
    expect(result.status).toBe(200);
    const body = JSON.parse(result.text) as { response_action: string; errors: Record<string, string> };
    expect(body.response_action).toBe('errors');
    expect(body.errors.member).toContain('already owns *Nissan*');
    expect(owners()).toHaveLength(2);
  });
});
