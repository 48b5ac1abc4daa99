/**
 * Many workspaces on one service: the OAuth install driven over HTTP against the loopback fake Slack API,
 * its one-use state shared by two instances on one database, two installed workspaces side by side,
 * uninstalling, tokens sealed at rest, re-keying, token rotation.
 */
import { sqliteDb } from '../../support/sqlite-of';
import { SLACK_BOT_SCOPES } from '../../../src/config';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { ConfigError, loadConfig } from '../../../src/config';
import { main } from '../../../src/cli';
import { SlackInstallationStore } from '../../../src/channels/slack/installation-store';
import { TokenKey, sealedKeyId } from '../../../src/token-crypto';
import { FakeSlackApi } from '../../support/fake-slack-api';
import type { SlackApiCall } from '../../support/fake-slack-api';
import { eventBody } from '../../support/slack-requests';
import { blockText, DAY_MS, MONDAY, startSlackHarness } from './slack-harness';
import type { SlackHarness } from './slack-harness';

const KEY = Buffer.alloc(32, 7).toString('base64');
const NEW_KEY = Buffer.alloc(32, 9).toString('base64');

const OAUTH_ENV = {
  SLACK_BOT_TOKEN: '',
  SLACK_CLIENT_ID: '1111.2222',
  SLACK_CLIENT_SECRET: 'client-secret-value',
  SLACK_STATE_SECRET: 'state-secret-value',
  TOKEN_ENCRYPTION_KEY: KEY,
};

interface TestWorkspace {
  code: string;
  team: string;
  name: string;
  token: string;
  botUser: string;
  botId: string;
  user: string;
}

const ACME: TestWorkspace = {
  code: 'code-acme',
  team: 'T0ACME',
  name: 'Acme',
  token: 'xoxb-acme-0123456789-secret',
  botUser: 'U0BOTACME',
  botId: 'B0ACME',
  user: 'U0ANA',
};
const GLOBEX: TestWorkspace = {
  code: 'code-globex',
  team: 'T0GLOBEX',
  name: 'Globex',
  token: 'xoxb-globex-9876543210-secret',
  botUser: 'U0BOTGLOBEX',
  botId: 'B0GLOBEX',
  user: 'U0GUS',
};
const WORKSPACES = [ACME, GLOBEX];

/** Makes the fake answer as two workspaces would, each known by its code and its token. */
function fakeWorkspaces(fake: FakeSlackApi): void {
  fake.setResponder('oauth.v2.access', (call) => {
    const ws = WORKSPACES.find((w) => w.code === call.params.code);
    if (!ws) return { error: 'invalid_code' };
    return {
      access_token: ws.token,
      token_type: 'bot',
      scope: 'commands,chat:write,im:write,users:read,files:write',
      bot_user_id: ws.botUser,
      app_id: 'A0RAPPORT',
      team: { id: ws.team, name: ws.name },
      enterprise: null,
      authed_user: { id: ws.user },
      is_enterprise_install: false,
    };
  });
  fake.setResponder('auth.test', (call, defaults) => {
    const ws = WORKSPACES.find((w) => w.token === call.token);
    if (!ws) return { error: 'invalid_auth' };
    return { ...defaults(), team_id: ws.team, team: ws.name, user_id: ws.botUser, bot_id: ws.botId };
  });
  fake.setResponder('users.info', (call, defaults) => {
    const ws = WORKSPACES.find((w) => w.token === call.token);
    if (!ws) return { error: 'invalid_auth' };
    const reply = defaults();
    return { ...reply, user: { ...(reply.user as object), team_id: ws.team } };
  });
}

interface InstallAnswer {
  status: number;
  text: string;
  state: string;
  cookie: string;
}

async function startInstall(h: SlackHarness): Promise<{ state: string; cookie: string; location: URL }> {
  const answer = await fetch(`http://127.0.0.1:${h.service.port}/slack/install`, { redirect: 'manual' });
  expect(answer.status).toBe(302);
  const location = new URL(answer.headers.get('location') ?? '');
  const cookie = (answer.headers.get('set-cookie') ?? '').split(';')[0]!;
  return { state: location.searchParams.get('state') ?? '', cookie, location };
}

async function finishInstall(
  h: SlackHarness,
  code: string,
  state: string,
  cookie: string,
): Promise<InstallAnswer> {
  const url = `http://127.0.0.1:${h.service.port}/slack/oauth_redirect?code=${code}&state=${encodeURIComponent(state)}`;
  const answer = await fetch(url, { headers: { cookie }, redirect: 'manual' });
  return { status: answer.status, text: await answer.text(), state, cookie };
}

async function install(h: SlackHarness, ws: TestWorkspace): Promise<InstallAnswer> {
  const { state, cookie } = await startInstall(h);
  return finishInstall(h, ws.code, state, cookie);
}

function installationRows(h: SlackHarness): Array<{ id: string; record: string; sealed_secrets: string }> {
  return h.sql('SELECT id, record, sealed_secrets FROM installations ORDER BY id');
}

function postsWith(h: SlackHarness, token: string): SlackApiCall[] {
  return h.fake.calls('chat.postMessage').filter((call) => call.token === token);
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('Slack OAuth install', () => {
  let h: SlackHarness;
  let fake: FakeSlackApi;

  beforeEach(async () => {
    fake = new FakeSlackApi();
    await fake.start();
    fakeWorkspaces(fake);
    h = await startSlackHarness({ fake, env: OAUTH_ENV });
  });
  afterEach(async () => {
    await h.stop();
    await fake.stop();
  });

  it('starts at /slack/install with a state cookie and a redirect to Slack asking for the bot scopes', async () => {
    const { state, cookie, location } = await startInstall(h);

    expect(location.origin + location.pathname).toBe('https://slack.com/oauth/v2/authorize');
    expect(location.searchParams.get('client_id')).toBe('1111.2222');
    // The manifest's scopes (tests/manifests holds SLACK_BOT_SCOPES equal to them).
    expect(location.searchParams.get('scope')?.split(',')).toEqual(SLACK_BOT_SCOPES);
    expect(location.searchParams.get('scope')).toContain('chat:write');
    expect(state).not.toBe('');
    expect(cookie).toBe(`slack-app-oauth-state=${state}`);
    expect(installationRows(h)).toEqual([]);
  });

  it('stores the installation when Slack sends the browser back with a code and the state', async () => {
    const answer = await install(h, ACME);

    expect(answer.status).toBe(200);
    expect(answer.text).toContain('Rapport is installed in Acme');
    const [exchange] = fake.calls('oauth.v2.access');
    expect(exchange?.params).toMatchObject({ code: ACME.code, client_id: '1111.2222' });
    expect(installationRows(h).map((row) => row.id)).toEqual(['slack:T0ACME']);
    expect(h.sql('SELECT id, name, uninstalled_at FROM workspaces')).toEqual([
      { id: 'slack:T0ACME', name: 'Acme', uninstalled_at: null },
    ]);
    // Logged at debug level, and still no token or secret in any line.
    const logs = JSON.stringify(h.logs);
    expect(logs).toContain('Slack installation stored');
    for (const secret of [ACME.token, 'client-secret-value', 'state-secret-value', KEY]) {
      expect(logs).not.toContain(secret);
    }
  });

  it('refuses a forged state with 400, without asking Slack or storing anything', async () => {
    await startInstall(h);
    const answer = await finishInstall(h, ACME.code, 'forged-state', 'slack-app-oauth-state=forged-state');

    expect(answer.status).toBe(400);
    expect(answer.text).toContain('not valid');
    expect(fake.calls('oauth.v2.access')).toEqual([]);
    expect(installationRows(h)).toEqual([]);
    expect(h.sql('SELECT * FROM workspaces')).toEqual([]);
  });

  it('refuses a state from another browser (no matching cookie) with 400', async () => {
    const { state } = await startInstall(h);
    const answer = await finishInstall(h, ACME.code, state, 'slack-app-oauth-state=someone-elses');

    expect(answer.status).toBe(400);
    expect(fake.calls('oauth.v2.access')).toEqual([]);
    expect(installationRows(h)).toEqual([]);
  });

  it('refuses a replayed redirect, even with its cookie, and stores nothing more', async () => {
    const { state, cookie } = await startInstall(h);
    expect((await finishInstall(h, ACME.code, state, cookie)).status).toBe(200);
    const stored = installationRows(h);

    const replay = await finishInstall(h, GLOBEX.code, state, cookie);

    expect(replay.status).toBe(400);
    expect(fake.calls('oauth.v2.access')).toHaveLength(1);
    expect(installationRows(h)).toEqual(stored);
  });

  it('keeps tokens unreadable in the database file without the key', async () => {
    await install(h, ACME);
    await sqliteDb(h.service).pragma('wal_checkpoint(FULL)');

    const path = sqliteDb(h.service).name;
    const bytes = Buffer.concat(
      [path, `${path}-wal`].filter((file) => existsSync(file)).map((file) => readFileSync(file)),
    );
    expect(bytes.includes(Buffer.from('T0ACME'))).toBe(true);
    expect(bytes.includes(Buffer.from(ACME.token))).toBe(false);
    expect(bytes.includes(Buffer.from('acme-0123456789'))).toBe(false);
    const [row] = installationRows(h);
    expect(row!.record).not.toContain(ACME.token);
    expect(row!.sealed_secrets).not.toContain(ACME.token);
    expect(sealedKeyId(row!.sealed_secrets)).toBe(new TokenKey(KEY).id);
    // With the key, the same bytes give the token back.
    expect(JSON.parse(new TokenKey(KEY).open(row!.sealed_secrets))).toMatchObject({ botToken: ACME.token });
    expect(() => new TokenKey(NEW_KEY).open(row!.sealed_secrets)).toThrow(/not with this key/);
  });
});

describe('Slack OAuth install on two instances sharing one database', () => {
  let a: SlackHarness;
  let b: SlackHarness;
  let fake: FakeSlackApi;

  beforeEach(async () => {
    fake = new FakeSlackApi();
    await fake.start();
    fakeWorkspaces(fake);
    a = await startSlackHarness({ fake, env: OAUTH_ENV });
    b = await startSlackHarness({ fake, env: { ...OAUTH_ENV, DATABASE_PATH: sqliteDb(a.service).name } });
  });
  afterEach(async () => {
    await b.stop();
    await a.stop();
    await fake.stop();
  });

  it('refuses on one instance a redirect already completed on the other, and keeps only a digest of the state', async () => {
    const { state, cookie } = await startInstall(a);
    expect((await finishInstall(a, ACME.code, state, cookie)).status).toBe(200);
    const stored = installationRows(a);

    const replay = await finishInstall(b, GLOBEX.code, state, cookie);

    expect(replay.status).toBe(400);
    expect(replay.text).toContain('not valid');
    expect(fake.calls('oauth.v2.access')).toHaveLength(1);
    expect(installationRows(b)).toEqual(stored);
    expect(b.sql('SELECT state_hash FROM oauth_states_spent')).toEqual([
      { state_hash: createHash('sha256').update(state).digest('hex') },
    ]);
  });

  it('completes on either instance an install started on the other, once', async () => {
    const { state, cookie } = await startInstall(b);
    expect((await finishInstall(a, ACME.code, state, cookie)).status).toBe(200);
    expect((await finishInstall(b, ACME.code, state, cookie)).status).toBe(400);
    expect((await finishInstall(a, ACME.code, state, cookie)).status).toBe(400);
    expect(installationRows(a).map((row) => row.id)).toEqual(['slack:T0ACME']);
  });

  it('lets one of two redirects with the same state, arriving at both instances at once, through', async () => {
    const { state, cookie } = await startInstall(a);
    const answers = await Promise.all([
      finishInstall(a, ACME.code, state, cookie),
      finishInstall(b, GLOBEX.code, state, cookie),
    ]);

    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400]);
    expect(fake.calls('oauth.v2.access')).toHaveLength(1);
    expect(installationRows(a)).toHaveLength(1);
  });
});

describe('two installed workspaces side by side', () => {
  let h: SlackHarness;
  let fake: FakeSlackApi;

  beforeEach(async () => {
    fake = new FakeSlackApi();
    await fake.start();
    fakeWorkspaces(fake);
    h = await startSlackHarness({ fake, env: { ...OAUTH_ENV, UNINSTALLED_RETENTION_DAYS: '30' } });
    expect((await install(h, ACME)).status).toBe(200);
    expect((await install(h, GLOBEX)).status).toBe(200);
  });
  afterEach(async () => {
    await h.stop();
    await fake.stop();
  });

  const as = (ws: TestWorkspace) => ({ teamId: ws.team, userId: ws.user, teamDomain: ws.name.toLowerCase() });

  it('serves a slash command in each, each seeing only its own partners', async () => {
    await h.command('add Nissan negotiating', as(ACME));
    await h.command('add Toyota negotiating', as(GLOBEX));

    const acmeList = blockText((await h.command('list', as(ACME))).body);
    const globexList = blockText((await h.command('list', as(GLOBEX))).body);

    expect(acmeList).toContain('Nissan');
    expect(acmeList).not.toContain('Toyota');
    expect(globexList).toContain('Toyota');
    expect(globexList).not.toContain('Nissan');
    expect(h.sql('SELECT workspace_id, name FROM partners ORDER BY name')).toEqual([
      { workspace_id: 'slack:T0ACME', name: 'Nissan' },
      { workspace_id: 'slack:T0GLOBEX', name: 'Toyota' },
    ]);
    // Each workspace's users.info went out with that workspace's own token.
    for (const call of fake.calls('users.info')) {
      const ws = WORKSPACES.find((w) => w.user === call.params.user)!;
      expect(call.token).toBe(ws.token);
    }
  });

  it('sends each workspace’s nudges with its own token', async () => {
    await h.command('add Nissan negotiating', as(ACME));
    await h.command('add Toyota negotiating', as(GLOBEX));
    h.setNow(new Date(MONDAY.getTime() + 3 * DAY_MS));

    const report = await h.service.tick(h.now());

    expect(report.delivered).toBe(2);
    const acme = postsWith(h, ACME.token);
    const globex = postsWith(h, GLOBEX.token);
    expect(acme.map((c) => [c.params.channel, c.headers.authorization])).toEqual([
      [`D${ACME.user}`, `Bearer ${ACME.token}`],
    ]);
    expect(String(acme[0]!.params.text)).toContain('Nissan');
    expect(globex.map((c) => [c.params.channel, c.headers.authorization])).toEqual([
      [`D${GLOBEX.user}`, `Bearer ${GLOBEX.token}`],
    ]);
    expect(String(globex[0]!.params.text)).toContain('Toyota');
    for (const call of fake.calls('conversations.open')) {
      expect(call.token).toBe(call.params.users === ACME.user ? ACME.token : GLOBEX.token);
    }
  });

  it('stops a workspace’s nudges at once on app_uninstalled, keeps the other going, and lifts it on re-install', async () => {
    await h.command('add Nissan negotiating', as(ACME));
    await h.command('add Toyota negotiating', as(GLOBEX));

    const answer = await h.post(eventBody({ teamId: ACME.team, event: { type: 'app_uninstalled' } }));
    expect(answer.status).toBe(200);
    await until(
      () => h.sql('SELECT 1 FROM workspaces WHERE uninstalled_at IS NOT NULL').length === 1,
      'the uninstall to be recorded',
    );
    expect(installationRows(h).map((row) => row.id)).toEqual(['slack:T0GLOBEX']);

    h.setNow(new Date(MONDAY.getTime() + 3 * DAY_MS));
    await h.service.tick(h.now());

    expect(postsWith(h, ACME.token)).toEqual([]);
    expect(postsWith(h, GLOBEX.token)).toHaveLength(1);
    // Not tried and refused (which would hold the workspace): never claimed at all.
    expect(
      h.sql(
        "SELECT status, attempts, last_error, lease_token FROM nudges WHERE workspace_id = 'slack:T0ACME'",
      ),
    ).toEqual([{ status: 'pending', attempts: 0, last_error: null, lease_token: null }]);
    expect(h.sql("SELECT sending_held_until FROM workspaces WHERE id = 'slack:T0ACME'")).toEqual([
      { sending_held_until: null },
    ]);
    // Its data is kept meanwhile.
    expect(h.sql("SELECT name FROM partners WHERE workspace_id = 'slack:T0ACME'")).toEqual([
      { name: 'Nissan' },
    ]);

    expect((await install(h, ACME)).status).toBe(200);
    await h.service.tick(h.now());

    expect(postsWith(h, ACME.token)).toHaveLength(1);
    expect(h.sql("SELECT uninstalled_at FROM workspaces WHERE id = 'slack:T0ACME'")).toEqual([
      { uninstalled_at: null },
    ]);
  });

  it('treats tokens_revoked naming the bot as an uninstall, and a user token revoked as nothing', async () => {
    await h.command('add Nissan negotiating', as(ACME));
    await h.post(
      eventBody({ teamId: ACME.team, event: { type: 'tokens_revoked', tokens: { oauth: [ACME.user] } } }),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(h.sql('SELECT id FROM workspaces WHERE uninstalled_at IS NOT NULL')).toEqual([]);
    expect(installationRows(h)).toHaveLength(2);

    await h.post(
      eventBody({ teamId: ACME.team, event: { type: 'tokens_revoked', tokens: { bot: [ACME.botUser] } } }),
    );
    await until(
      () => h.sql('SELECT 1 FROM workspaces WHERE uninstalled_at IS NOT NULL').length === 1,
      'the revocation to be recorded',
    );
    expect(installationRows(h).map((row) => row.id)).toEqual(['slack:T0GLOBEX']);
  });

  it('deletes an uninstalled workspace’s data after the grace period, and only then', async () => {
    await h.command('add Nissan negotiating', as(ACME));
    await h.command('add Toyota negotiating', as(GLOBEX));
    await h.post(eventBody({ teamId: ACME.team, event: { type: 'app_uninstalled' } }));
    await until(
      () => h.sql('SELECT 1 FROM workspaces WHERE uninstalled_at IS NOT NULL').length === 1,
      'the uninstall to be recorded',
    );

    h.setNow(new Date(MONDAY.getTime() + 29 * DAY_MS));
    await h.service.tick(h.now());
    expect(h.sql("SELECT name FROM partners WHERE workspace_id = 'slack:T0ACME'")).toHaveLength(1);

    h.setNow(new Date(MONDAY.getTime() + 31 * DAY_MS));
    await h.service.tick(h.now());
    for (const table of ['workspaces', 'members', 'partners', 'nudges']) {
      const column = table === 'workspaces' ? 'id' : 'workspace_id';
      expect({ table, rows: h.sql(`SELECT * FROM ${table} WHERE ${column} = 'slack:T0ACME'`) }).toEqual({
        table,
        rows: [],
      });
    }
    expect(h.sql('SELECT name FROM partners')).toEqual([{ name: 'Toyota' }]);
  });

  it('refuses a command from a workspace that never installed the app, storing nothing', async () => {
    const before = h.sql('SELECT id FROM workspaces ORDER BY id');
    const { result } = await h.commandRaw('add Nissan', { teamId: 'T0STRANGER', userId: 'U0EVE' });

    expect(result.status).toBe(200);
    expect(result.text).toBe('');
    expect(h.sql('SELECT id FROM workspaces ORDER BY id')).toEqual(before);
    expect(h.sql('SELECT * FROM partners')).toEqual([]);
  });
});

describe('an org-wide install on Enterprise Grid', () => {
  it('serves every team of the organisation as one workspace, with the organisation’s token', async () => {
    const fake = new FakeSlackApi();
    await fake.start();
    const orgToken = 'xoxb-grid-org-wide-secret';
    fake.setResponder('oauth.v2.access', () => ({
      access_token: orgToken,
      token_type: 'bot',
      scope: 'commands,chat:write,im:write,users:read,files:write',
      bot_user_id: 'U0BOTGRID',
      app_id: 'A0RAPPORT',
      team: null,
      enterprise: { id: 'E0GRID', name: 'Grid Corp' },
      authed_user: { id: 'U0ADMIN' },
      is_enterprise_install: true,
    }));
    fake.setResponder('auth.test', (call, defaults) =>
      call.token === orgToken
        ? {
            ...defaults(),
            enterprise_id: 'E0GRID',
            is_enterprise_install: true,
            url: 'https://grid.enterprise.slack.com/',
          }
        : { error: 'invalid_auth' },
    );
    fake.setResponder('users.info', (call, defaults) => {
      if (call.token !== orgToken) return { error: 'invalid_auth' };
      const reply = defaults();
      const user = reply.user as Record<string, unknown>;
      return {
        ...reply,
        user: {
          ...user,
          team_id: 'T0SECOND',
          enterprise_user: { id: user.id, enterprise_id: 'E0GRID', teams: ['T0SECOND'] },
        },
      };
    });
    const h = await startSlackHarness({ fake, env: OAUTH_ENV });
    try {
      const { state, cookie } = await startInstall(h);
      const answer = await finishInstall(h, 'code-grid', state, cookie);
      expect(answer.status).toBe(200);
      expect(answer.text).toContain('Rapport is installed in Grid Corp');
      expect(h.sql('SELECT id, enterprise_id, team_id, is_enterprise_install FROM installations')).toEqual([
        { id: 'slack:E0GRID', enterprise_id: 'E0GRID', team_id: null, is_enterprise_install: 1 },
      ]);

      await h.command('add Nissan negotiating', {
        teamId: 'T0SECOND',
        userId: 'U0WEN',
        enterpriseId: 'E0GRID',
        isEnterpriseInstall: true,
      });
      expect(h.sql('SELECT workspace_id, name FROM partners')).toEqual([
        { workspace_id: 'slack:E0GRID', name: 'Nissan' },
      ]);

      h.setNow(new Date(MONDAY.getTime() + 3 * DAY_MS));
      await h.service.tick(h.now());
      expect(postsWith(h, orgToken).map((c) => c.params.channel)).toEqual(['DU0WEN']);

      // A channel of the organisation linked to Nissan, posting there: the post goes with the
      // organisation's token too (the channel's address names the organisation, not only the team).
      const inChannel = {
        teamId: 'T0SECOND',
        userId: 'U0WEN',
        enterpriseId: 'E0GRID',
        isEnterpriseInstall: true,
        channelId: 'C0GRIDCH',
        channelName: 'nissan-alliance',
      };
      fake.setResponder('conversations.info', (call) =>
        call.token === orgToken
          ? { channel: { id: 'C0GRIDCH', name: 'nissan-alliance', is_ext_shared: false, is_shared: false } }
          : { error: 'invalid_auth' },
      );
      expect(JSON.stringify((await h.command('link Nissan', inChannel)).body)).toContain('now belongs to');
      expect(JSON.stringify((await h.command('prefs Nissan post-to-channel', inChannel)).body)).toContain(
        'go to its channel',
      );
      h.setNow(new Date(MONDAY.getTime() + 42 * DAY_MS)); // a Monday morning, six weeks on
      await h.service.tick(h.now());
      expect(postsWith(h, orgToken).map((c) => c.params.channel)).toContain('C0GRIDCH');
    } finally {
      await h.stop();
      await fake.stop();
    }
  });
});

describe('token rotation', () => {
  it('refreshes an expiring bot token before a nudge and keeps the new tokens sealed', async () => {
    const fake = new FakeSlackApi();
    await fake.start();
    fakeWorkspaces(fake);
    const rotated = 'xoxe.xoxb-acme-rotated-token';
    WORKSPACES.push({ ...ACME, token: rotated });
    fake.setResponder('oauth.v2.access', (call) => {
      if (call.params.grant_type !== 'refresh_token') return { error: 'invalid_code' };
      if (call.params.refresh_token !== 'xoxe-1-refresh-acme') return { error: 'invalid_refresh_token' };
      return {
        token_type: 'bot',
        access_token: rotated,
        refresh_token: 'xoxe-1-refresh-acme-2',
        expires_in: 43_200,
      };
    });
    // The first exchange (the install) still goes to the responder set by fakeWorkspaces.
    fake.failNext('oauth.v2.access', {
      access_token: ACME.token,
      token_type: 'bot',
      scope: 'commands,chat:write',
      bot_user_id: ACME.botUser,
      app_id: 'A0RAPPORT',
      team: { id: ACME.team, name: ACME.name },
      enterprise: null,
      authed_user: { id: ACME.user },
      is_enterprise_install: false,
      refresh_token: 'xoxe-1-refresh-acme',
      expires_in: 60,
    });
    const h = await startSlackHarness({ fake, env: OAUTH_ENV });
    try {
      expect((await install(h, ACME)).status).toBe(200);
      await h.command('add Nissan negotiating', { teamId: ACME.team, userId: ACME.user });
      h.setNow(new Date(MONDAY.getTime() + 3 * DAY_MS));
      await h.service.tick(h.now());

      const refresh = fake.calls('oauth.v2.access').filter((c) => c.params.grant_type === 'refresh_token');
      expect(refresh.length).toBeGreaterThanOrEqual(1);
      expect(postsWith(h, rotated)).toHaveLength(1);
      const [row] = installationRows(h);
      const secrets = JSON.parse(new TokenKey(KEY).open(row!.sealed_secrets)) as Record<string, string>;
      expect(secrets).toMatchObject({ botToken: rotated, botRefreshToken: 'xoxe-1-refresh-acme-2' });
      const record = JSON.parse(row!.record) as { bot: { expiresAt: number } };
      expect(record.bot.expiresAt).toBeGreaterThan(Math.floor(Date.now() / 1000) + 40_000);
      expect(row!.record).not.toContain('refresh-acme');
      const logs = JSON.stringify(h.logs);
      for (const secret of [ACME.token, rotated, 'refresh-acme']) expect(logs).not.toContain(secret);
    } finally {
      WORKSPACES.pop();
      await h.stop();
      await fake.stop();
    }
  });
});

describe('OAuth configuration', () => {
  const base = { ...OAUTH_ENV, SLACK_SIGNING_SECRET: 's', DATABASE_PATH: ':memory:' };

  it('refuses OAuth without TOKEN_ENCRYPTION_KEY, naming it', () => {
    const { TOKEN_ENCRYPTION_KEY: _key, ...withoutKey } = base;
    expect(() => loadConfig(withoutKey)).toThrow(ConfigError);
    expect(() => loadConfig(withoutKey)).toThrow(/^TOKEN_ENCRYPTION_KEY: required/);
  });

  it('refuses a malformed key, naming it without echoing it', () => {
    let error: unknown;
    try {
      loadConfig({ ...base, TOKEN_ENCRYPTION_KEY: 'c2hvcnQta2V5' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe('TOKEN_ENCRYPTION_KEY');
    expect((error as Error).message).toContain('32 bytes');
    expect((error as Error).message).not.toContain('c2hvcnQta2V5');
  });

  it('stops start-up with exit code 78 and the variable’s name', async () => {
    const { TOKEN_ENCRYPTION_KEY: _key, ...withoutKey } = base;
    const written: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      expect(await main(['start'], withoutKey)).toBe(78);
    } finally {
      spy.mockRestore();
    }
    expect(written.join('')).toContain('TOKEN_ENCRYPTION_KEY');
  });

  it('needs no SLACK_BOT_TOKEN with OAuth on, and refuses one beside it', () => {
    const config = loadConfig(base);
    expect(config.slack).toMatchObject({ botToken: null, oauth: { clientId: '1111.2222' } });
    expect(() => loadConfig({ ...base, SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow(/^SLACK_BOT_TOKEN:/);
  });

  it('still wants the signing secret, and has no Socket Mode', () => {
    const { SLACK_SIGNING_SECRET: _secret, ...unsigned } = base;
    expect(() => loadConfig(unsigned)).toThrow(/^SLACK_SIGNING_SECRET: required with SLACK_CLIENT_ID/);
    expect(() => loadConfig({ ...base, SLACK_APP_TOKEN: 'xapp-1' })).toThrow(/^SLACK_APP_TOKEN:/);
  });

  it('wants all three OAuth variables or none', () => {
    const { SLACK_STATE_SECRET: _state, ...partial } = base;
    expect(() => loadConfig(partial)).toThrow(/^SLACK_STATE_SECRET: Slack OAuth is partly configured/);
  });
});

describe('rapport rekey', () => {
  it('re-encrypts every stored token with the new key in one go', async () => {
    const fake = new FakeSlackApi();
    await fake.start();
    fakeWorkspaces(fake);
    const h = await startSlackHarness({ fake, env: OAUTH_ENV });
    try {
      await install(h, ACME);
      await install(h, GLOBEX);
      const env = { ...OAUTH_ENV, SLACK_SIGNING_SECRET: 's', DATABASE_PATH: sqliteDb(h.service).name };
      const out: string[] = [];
      const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
        out.push(String(chunk));
        return true;
      });
      let code: number;
      try {
        code = await main(['rekey', '--new-key', NEW_KEY], env);
      } finally {
        spy.mockRestore();
      }
      expect(code).toBe(0);
      expect(out.join('')).toContain('Re-encrypted the tokens of 2 installation(s)');

      const next = new TokenKey(NEW_KEY);
      const rows = installationRows(h);
      expect(rows.map((row) => sealedKeyId(row.sealed_secrets))).toEqual([next.id, next.id]);
      expect(
        rows.map((row) => (JSON.parse(next.open(row.sealed_secrets)) as { botToken: string }).botToken),
      ).toEqual([ACME.token, GLOBEX.token]);
      expect(() => new TokenKey(KEY).open(rows[0]!.sealed_secrets)).toThrow();
      // What the service reads with the new key is the installation as Slack gave it.
      const store = new SlackInstallationStore(h.service.rapport.installations, next, () => h.now());
      const fetched = await store.fetchInstallation({
        teamId: ACME.team,
        enterpriseId: undefined,
        isEnterpriseInstall: false,
      });
      expect(fetched.bot).toMatchObject({ token: ACME.token, userId: ACME.botUser, id: ACME.botId });
      expect((await store.listInstalled()).map((w) => [w.workspaceExternalId, w.botToken])).toEqual([
        [ACME.team, ACME.token],
        [GLOBEX.team, GLOBEX.token],
      ]);

      // Run again with the old key as current: nothing left to do, nothing broken.
      jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
      try {
        expect(await main(['rekey'], { ...env, TOKEN_ENCRYPTION_KEY_NEW: NEW_KEY })).toBe(0);
      } finally {
        jest.restoreAllMocks();
      }
      expect(installationRows(h)).toEqual(rows);
    } finally {
      await h.stop();
      await fake.stop();
    }
  });

  it('changes nothing when a token was sealed with neither key', async () => {
    const fake = new FakeSlackApi();
    await fake.start();
    fakeWorkspaces(fake);
    const h = await startSlackHarness({ fake, env: OAUTH_ENV });
    try {
      await install(h, ACME);
      await install(h, GLOBEX);
      const stranger = new TokenKey(Buffer.alloc(32, 3).toString('base64'));
      sqliteDb(h.service)
        .prepare("UPDATE installations SET sealed_secrets = ? WHERE id = 'slack:T0GLOBEX'")
        .run(stranger.seal('{}'));
      const before = installationRows(h);
      const spy = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
      try {
        const env = { ...OAUTH_ENV, SLACK_SIGNING_SECRET: 's', DATABASE_PATH: sqliteDb(h.service).name };
        expect(await main(['rekey', '--new-key', NEW_KEY], env)).toBe(65);
      } finally {
        spy.mockRestore();
      }
      expect(installationRows(h)).toEqual(before);
    } finally {
      await h.stop();
      await fake.stop();
    }
  });
});
