import { ConfigError } from '../../../src/config';
import { FakeSlackApi } from '../../support/fake-slack-api';
import { FakeSocketMode } from '../../support/fake-socket-mode';
import {
  appHomeOpenedEvent,
  blockActionsBody,
  eventBody,
  slashCommandBody,
} from '../../support/slack-requests';
import { blockText, GRID, logValues, startSlackHarness, TEAM, USER } from './slack-harness';
import type { SlackHarness } from './slack-harness';

const OUTSIDER = 'Rapport here serves members of this workspace only';
const GUEST = 'U0GUEST';

/** Changes the JSON inside a `payload=` form body. */
function withPayload(body: string, change: (payload: Record<string, unknown>) => void): string {
  const payload = JSON.parse(new URLSearchParams(body).get('payload')!) as Record<string, unknown>;
  change(payload);
  return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

function stored(h: SlackHarness): Record<string, unknown> {
  return {
    workspaces: h.sql('SELECT id FROM workspaces'),
    members: h.sql('SELECT id FROM members ORDER BY id'),
    partners: h.sql('SELECT name FROM partners'),
    interactions: h.sql('SELECT kind FROM interactions'),
  };
}

describe('Slack requests are bound to the installed workspace', () => {
  let h: SlackHarness;

  beforeEach(async () => {
    h = await startSlackHarness();
  });
  afterEach(() => h.stop());

  it('refuses a command from another team with an ephemeral word, and stores nothing', async () => {
    const reply = await h.command('add Nissan', { teamId: 'T0OTHER', userId: 'U0BOB' });

    expect(reply.body.response_type).toBe('ephemeral');
    expect(String(reply.body.text)).toContain(OUTSIDER);
    expect(stored(h)).toEqual({ workspaces: [], members: [], partners: [], interactions: [] });
    expect(h.fake.calls('users.info')).toEqual([]);
  });

  it('refuses a command that names no team at all, and stores nothing', async () => {
    const reply = await h.command('add Nissan', { teamId: '', userId: 'U0BOB' });

    expect(String(reply.body.text)).toContain(OUTSIDER);
    expect(stored(h)).toEqual({ workspaces: [], members: [], partners: [], interactions: [] });
  });

  it('refuses a button from a Slack Connect guest whose own team is another, on this team’s message', async () => {
    await h.command('add Nissan');
    const partnerId = h.sql<{ id: number }>('SELECT id FROM partners')[0]!.id;
    const click = blockActionsBody({
      teamId: TEAM,
      userId: GUEST,
      actionId: `p:${partnerId}:remove`,
      responseUrl: h.fake.responseUrl('guest'),
    });

    const result = await h.post(
      withPayload(click, (payload) => {
        (payload.user as Record<string, unknown>).team_id = 'T0GUEST';
      }),
    );

    expect(result.status).toBe(200);
    const refusal = await h.fake.waitForResponse('guest');
    expect(String(refusal.body.text)).toContain(OUTSIDER);
    expect(h.sql('SELECT name FROM partners')).toEqual([{ name: 'Nissan' }]);
    expect(h.sql('SELECT id FROM members')).toEqual([{ id: USER }]);
    // Refused on the payload alone, before users.info is asked about the guest.
    expect(h.fake.calls('users.info').map((call) => call.params.user)).toEqual([USER]);
  });

  it('refuses a modal submission from another team inside the modal, and stores nothing', async () => {
    const result = await h.submit({
      teamId: 'T0OTHER',
      values: logValues({ partner: '1', kind: 'call', date: '2026-03-02' }),
    });

    expect(result.status).toBe(200);
    expect(result.json).toMatchObject({ response_action: 'update', view: { type: 'modal' } });
    expect(blockText((result.json as { view: { blocks: unknown } }).view.blocks)).toContain(OUTSIDER);
    expect(stored(h)).toEqual({ workspaces: [], members: [], partners: [], interactions: [] });
  });

  it('ignores App Home events from another team', async () => {
    const foreign = await h.openHome('U0BOB', { teamId: 'T0OTHER' });
    expect(foreign.status).toBe(200);
    await h.openHome(USER);
    await h.fake.waitFor('views.publish');

    expect(h.fake.calls('views.publish').map((call) => call.params.user_id)).toEqual([USER]);
    expect(h.sql('SELECT id FROM members')).toEqual([{ id: USER }]);
  });

  it('refuses someone users.info calls a stranger, even when the request names this team', async () => {
    h.fake.setResponder('users.info', (call, defaults) =>
      call.params.user === GUEST
        ? { ...defaults(), user: { ...(defaults().user as object), team_id: 'T0GUEST', is_stranger: true } }
        : undefined,
    );

    const reply = await h.command('add Nissan', { userId: GUEST });
    const again = await h.command('list', { userId: GUEST });

    expect(String(reply.body.text)).toContain(OUTSIDER);
    expect(String(again.body.text)).toContain(OUTSIDER);
    expect(stored(h)).toEqual({ workspaces: [], members: [], partners: [], interactions: [] });
    // A refusal is remembered for a while rather than asked again on every request.
    expect(h.fake.calls('users.info')).toHaveLength(1);
  });

  it('refuses a Grid user whose teams do not include this one, and serves one whose teams do', async () => {
    h.fake.setResponder('users.info', (call, defaults) => {
      const user = defaults().user as Record<string, unknown>;
      const teams = call.params.user === GUEST ? ['T0ELSEWHERE'] : ['T0ELSEWHERE', TEAM];
      return { ...defaults(), user: { ...user, team_id: 'T0ELSEWHERE', enterprise_user: { teams } } };
    });

    const guest = await h.command('add Nissan', { userId: GUEST });
    const member = await h.command('add Toyota');

    expect(String(guest.body.text)).toContain(OUTSIDER);
    expect(String(member.body.text)).toContain('Added *Toyota*');
    expect(h.sql('SELECT name FROM partners')).toEqual([{ name: 'Toyota' }]);
  });

  it('keeps a workspace-level install to its team even when a payload claims an org-wide install', async () => {
    await h.command('add Nissan', { enterpriseId: GRID, isEnterpriseInstall: true });

    expect(h.sql('SELECT id FROM workspaces')).toEqual([{ id: `slack:${TEAM}` }]);
  });

  it('uses users.info once for both the check and the time zone', async () => {
    h.fake.setUser(USER, { tz: 'Asia/Tokyo' });
    await h.command('help');
    await h.command('help');

    expect(h.fake.calls('users.info')).toHaveLength(1);
    expect(h.sql('SELECT time_zone FROM members')).toEqual([{ time_zone: 'Asia/Tokyo' }]);
  });
});

describe('Slack requests for an org-wide Enterprise Grid install', () => {
  let h: SlackHarness;

  beforeEach(async () => {
    h = await startSlackHarness({ orgWide: GRID });
  });
  afterEach(() => h.stop());

  it('serves every team of the organisation as one workspace', async () => {
    const reply = await h.command('add Nissan', {
      enterpriseId: GRID,
      enterpriseName: 'Grid',
      isEnterpriseInstall: true,
    });
    const fromOtherTeam = await h.command('list', {
      teamId: 'T0SECOND',
      userId: 'U0BOB',
      enterpriseId: GRID,
      isEnterpriseInstall: true,
    });

    expect(reply.body.text).toContain('Added *Nissan*');
    expect(blockText(fromOtherTeam.body.blocks)).toContain('Nissan');
    expect(h.sql('SELECT id, external_id FROM workspaces')).toEqual([
      { id: `slack:${GRID}`, external_id: GRID },
    ]);
  });

  it('refuses a team of another organisation', async () => {
    const reply = await h.command('add Nissan', {
      teamId: 'T0ELSE',
      enterpriseId: 'E0ELSE',
      isEnterpriseInstall: true,
    });

    expect(String(reply.body.text)).toContain(OUTSIDER);
    expect(stored(h)).toEqual({ workspaces: [], members: [], partners: [], interactions: [] });
  });

  it('refuses someone users.info places in another organisation', async () => {
    h.fake.setResponder('users.info', (_call, defaults) => ({
      ...defaults(),
      user: {
        ...(defaults().user as object),
        enterprise_user: { enterprise_id: 'E0ELSE', teams: ['T0ELSE'] },
      },
    }));

    const reply = await h.command('add Nissan', {
      userId: GUEST,
      enterpriseId: GRID,
      isEnterpriseInstall: true,
    });

    expect(String(reply.body.text)).toContain(OUTSIDER);
    expect(stored(h)).toEqual({ workspaces: [], members: [], partners: [], interactions: [] });
  });
});

describe('Slack installation check at start', () => {
  it('stops start-up naming SLACK_BOT_TOKEN when auth.test names no team to bind requests to', async () => {
    const fake = new FakeSlackApi();
    await fake.start();
    try {
      fake.setResponder('auth.test', (_call, defaults) => ({ ...defaults(), team_id: '' }));
      const failure = await startSlackHarness({ fake }).catch((error: unknown) => error);

      expect(failure).toBeInstanceOf(ConfigError);
      expect((failure as ConfigError).variable).toBe('SLACK_BOT_TOKEN');
    } finally {
      await fake.stop();
    }
  });
});

describe('Slack requests over Socket Mode are bound to the installed workspace', () => {
  const socket = new FakeSocketMode();
  const fake = new FakeSlackApi();
  let h: SlackHarness;

  beforeAll(async () => {
    await socket.start();
    await fake.start();
    fake.setResponder('apps.connections.open', () => ({ ok: true, url: socket.url }));
    h = await startSlackHarness({ fake, env: { SLACK_APP_TOKEN: 'xapp-1-A0RAPPORT-test' } });
  });
  afterAll(async () => {
    await h.stop();
    await fake.stop();
    await socket.stop();
  });

  function commandEnvelope(id: string, teamId: string, userId: string): Record<string, unknown> {
    const body = slashCommandBody({ teamId, userId, text: 'add Nissan', responseUrl: fake.responseUrl(id) });
    return {
      envelope_id: id,
      type: 'slash_commands',
      accepts_response_payload: true,
      payload: Object.fromEntries(new URLSearchParams(body)),
    };
  }

  it('refuses a command from another team, acknowledging the envelope and storing nothing', async () => {
    socket.send(commandEnvelope('env-foreign', 'T0OTHER', 'U0BOB'));

    await socket.waitFor((message) => message.envelope_id === 'env-foreign');
    const reply = await fake.waitForResponse('env-foreign');
    expect(String(reply.body.text)).toContain(OUTSIDER);
    expect(stored(h)).toEqual({ workspaces: [], members: [], partners: [], interactions: [] });
  });

  it('ignores an event from another team', async () => {
    const foreign = JSON.parse(
      eventBody({ teamId: 'T0OTHER', event: appHomeOpenedEvent('U0BOB') }),
    ) as Record<string, unknown>;
    socket.send({
      envelope_id: 'env-event',
      type: 'events_api',
      accepts_response_payload: false,
      payload: foreign,
    });
    await socket.waitFor((message) => message.envelope_id === 'env-event');
    socket.send(commandEnvelope('env-mine', TEAM, USER));
    await socket.waitFor((message) => message.envelope_id === 'env-mine');

    expect(fake.calls('views.publish')).toEqual([]);
    expect(h.sql('SELECT id FROM members')).toEqual([{ id: USER }]);
  });
});
