import { loadConfig } from '../../../src/config';
import type { ChannelDeps } from '../../../src/channels/platform-channel';
import { platformChannels } from '../../../src/platforms';
import { adaptiveCardInvoke, teamsMessage } from '../../support/teams-activities';
import { TeamsHarness } from './teams-harness';

const APP_ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

/** A JWT-shaped token nobody signed, from an issuer Bot Framework does not trust. */
function unsignedToken(): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT', kid: 'k1' })}.${part({ iss: 'https://attacker.example', aud: APP_ID })}.c2ln`;
}

describe('Teams authentication', () => {
  let harness: TeamsHarness;
  afterEach(async () => {
    jest.restoreAllMocks();
    await harness.stop();
  });

  it('refuses, with 401 and without writing anything, requests that carry no valid token when an app id is set', async () => {
    harness = await TeamsHarness.start({
      env: { MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: 'not-used' },
    });
    // botbuilder reports each refused token on stderr; keep the test output clean.
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    // With authentication on, only https service URLs are called back (nothing is called here).
    const teams = harness.asha({ serviceUrl: 'https://smba.trafficmanager.net/teams/' });
    const message = teamsMessage({ ...teams, text: 'partner add Nissan' });
    const invoke = adaptiveCardInvoke({ ...teams, verb: 'rapport.choice', data: { choiceId: 'log:open' } });

    const answers = [
      await harness.post(message),
      await harness.post(invoke),
      await harness.post(message, { authorization: 'Basic dXNlcjpwYXNz' }),
      await harness.post(message, { authorization: 'Bearer not-a-token' }),
      await harness.post(message, { authorization: `Bearer ${unsignedToken()}` }),
    ];

    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401, 401]);
    for (const table of ['workspaces', 'members', 'partners', 'nudges']) {
      expect(harness.rows(`SELECT * FROM ${table}`)).toEqual([]);
    }
    expect(harness.connector.requests()).toEqual([]);
    expect(harness.logs).not.toMatch(/authentication is OFF/);
  });

  it('warns at start when authentication is off because TEAMS_ALLOW_UNAUTHENTICATED asked for it', async () => {
    harness = await TeamsHarness.start({ env: { TEAMS_ALLOW_UNAUTHENTICATED: 'true' } });

    const warning = harness.logs
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { level: number; msg: string })
      .find((entry) => /authentication is OFF/.test(entry.msg));
    expect(warning?.level).toBe(40);
  });
});

describe('Teams configuration', () => {
  it('leaves Teams off without an app id unless unauthenticated mode is chosen', async () => {
    const core = {} as ChannelDeps;
    const off = loadConfig({ MICROSOFT_APP_TYPE: 'MultiTenant', MICROSOFT_APP_TENANT_ID: 'tenant-a' });
    expect(off.teams).toBeNull();
    await expect(platformChannels(off, core)).resolves.toEqual([]);
    expect(loadConfig({ TEAMS_ALLOW_UNAUTHENTICATED: 'false' }).teams).toBeNull();
  });
});
