import { adaptiveCardInvoke, conversationUpdateBotAdded, teamsMessage } from '../../support/teams-activities';
import { TeamsHarness } from './teams-harness';

const TENANT = '72F988BF-86F1-41AF-91AB-2D7CD011DB47';
const OTHER = '0d2b3d9e-4a5c-4f0e-9c61-7d1e2f3a4b5c';

describe('Teams with MICROSOFT_APP_TENANT_ID set (single tenant)', () => {
  let harness: TeamsHarness;

  beforeEach(async () => {
    // Authentication is off so that unsigned test activities reach the tenant check; the check itself
    // does not depend on it.
    harness = await TeamsHarness.start({
      env: {
        TEAMS_ALLOW_UNAUTHENTICATED: 'true',
        MICROSOFT_APP_TYPE: 'SingleTenant',
        MICROSOFT_APP_TENANT_ID: TENANT,
      },
    });
  });
  afterEach(() => harness.stop());

  function nothingStored(): void {
    for (const table of ['workspaces', 'members', 'partners', 'interactions']) {
      expect({ table, rows: harness.rows(`SELECT * FROM ${table}`) }).toEqual({ table, rows: [] });
    }
    expect(harness.connector.requests()).toEqual([]);
  }

  it('refuses a message from another tenant with 403, without replying or storing anything', async () => {
    const answer = await harness.post(
      teamsMessage({ ...harness.asha(), tenantId: OTHER, text: 'add Nissan' }),
    );

    expect(answer.status).toBe(403);
    expect(answer.text).toContain('one Microsoft Teams organisation only');
    nothingStored();
  });

  it('answers a card action from another tenant with a 403 invoke response', async () => {
    const answer = await harness.post(
      adaptiveCardInvoke({
        ...harness.asha(),
        tenantId: OTHER,
        verb: 'rapport.choice',
        data: { choiceId: 'log:open' },
      }),
    );

    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({
      statusCode: 403,
      type: 'application/vnd.microsoft.error',
      value: { code: 'Forbidden' },
    });
    nothingStored();
  });

  it('does not welcome an install in another tenant', async () => {
    const answer = await harness.post(conversationUpdateBotAdded({ ...harness.asha(), tenantId: OTHER }));

    expect(answer.status).toBe(403);
    nothingStored();
  });

  it('refuses an activity that names no tenant at all', async () => {
    const anonymous = teamsMessage({ ...harness.asha(), tenantId: TENANT, text: 'add Nissan' });
    delete anonymous.channelData;
    anonymous.conversation = { ...anonymous.conversation!, tenantId: undefined };

    const answer = await harness.post(anonymous);

    expect(answer.status).toBe(403);
    nothingStored();
  });

  it('refuses an activity that names the tenant in one place and another tenant in the other', async () => {
    const mixed = teamsMessage({ ...harness.asha(), tenantId: TENANT, text: 'add Nissan' });
    mixed.conversation = { ...mixed.conversation!, tenantId: OTHER };

    const answer = await harness.post(mixed);

    expect(answer.status).toBe(403);
    nothingStored();
  });

  it('serves its own tenant, whatever the case of the id', async () => {
    await harness.send(
      teamsMessage({ ...harness.asha(), tenantId: TENANT.toLowerCase(), text: 'add Nissan' }),
    );

    expect(harness.rows('SELECT name FROM partners')).toEqual([{ name: 'Nissan' }]);
    expect(harness.activitiesSince(0)).toHaveLength(1);
  });
});
