import { OPEN_LOG_FORM } from '../../../src/core/choice-ids';
import { eventBody } from '../../support/slack-requests';
import { actionIds, blockText, GRID, startSlackHarness, TEAM, USER } from './slack-harness';
import type { SlackHarness } from './slack-harness';

describe('Slack App Home', () => {
  let h: SlackHarness;

  beforeEach(async () => {
    h = await startSlackHarness();
  });
  afterEach(() => h.stop());

  it('publishes the member’s partners with views.publish when the Home tab opens', async () => {
    await h.command('add Nissan signed');
    await h.command('add "Renault Group" negotiating');
    await h.command('add Toyota', { userId: 'U0BOB' });
    const [nissan, renault] = h.sql<{ id: number }>('SELECT id FROM partners ORDER BY id');

    const result = await h.openHome();
    expect(result.status).toBe(200);
    const publish = await h.fake.waitFor('views.publish');

    expect(publish.params.user_id).toBe(USER);
    const view = publish.params.view as { type: string; blocks: unknown[] };
    expect(view.type).toBe('home');
    const text = blockText(view.blocks);
    expect(text).toContain('Your partnerships');
    expect(text).toContain('*Nissan* — signed');
    expect(text).toContain('*Renault Group* — negotiating');
    expect(text).not.toContain('Toyota');
    expect(actionIds(view.blocks)).toEqual([
      `p:${nissan!.id}:log`,
      `p:${nissan!.id}:status`,
      `p:${renault!.id}:log`,
      `p:${renault!.id}:status`,
      OPEN_LOG_FORM,
    ]);
  });

  it('remembers the DM channel from app_home_opened, even from the Messages tab', async () => {
    await h.openHome(USER, { tab: 'messages' });
    await waitUntil(() => h.sql('SELECT address FROM members WHERE address IS NOT NULL').length === 1);

    const [member] = h.sql<{ address: string }>('SELECT address FROM members');
    expect(JSON.parse(member!.address).payload).toMatchObject({ dmChannelId: `D${USER}` });
    expect(h.fake.calls('views.publish')).toEqual([]);
  });

  it('opens the log modal from the Home tab’s button', async () => {
    await h.command('add Nissan');
    const partnerId = h.sql<{ id: number }>('SELECT id FROM partners')[0]!.id;

    const click = await h.click({ source: 'home', actionId: `p:${partnerId}:log` });
    expect(click.result.status).toBe(200);

    const opened = await h.fake.waitFor('views.open');
    expect(blockText(opened.params.view)).toContain(
      `"initial_option":{"text":{"type":"plain_text","text":"Nissan"`,
    );
    expect(h.fake.calls('chat.postMessage')).toEqual([]);
  });

  it('answers a Home tab status button in the member’s DM, having no response_url there', async () => {
    await h.command('add Nissan');
    const partnerId = h.sql<{ id: number }>('SELECT id FROM partners')[0]!.id;

    await h.click({ source: 'home', actionId: `p:${partnerId}:status` });

    const dm = await h.fake.waitFor('chat.postMessage');
    expect(dm.params.channel).toBe(`D${USER}`);
    expect(blockText(dm.params.blocks)).toContain('Recent interactions');
    await h.fake.waitFor('views.publish');
  });

  it('handles an event with Enterprise Grid fields from an org-wide install', async () => {
    await h.stop();
    h = await startSlackHarness({ orgWide: GRID });
    await h.command('add Nissan', { enterpriseId: GRID, isEnterpriseInstall: true });

    await h.post(
      eventBody({
        teamId: TEAM,
        enterpriseId: 'E0GRID',
        isEnterpriseInstall: true,
        event: { type: 'app_home_opened', user: USER, channel: `D${USER}`, tab: 'home' },
      }),
    );

    const publish = await h.fake.waitFor('views.publish');
    expect(blockText(publish.params.view)).toContain('*Nissan*');
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
