/**
 * Teams guest accounts (the roster's `userRole: guest`, read through the Bot Connector) are refused unless
 * ALLOW_GUESTS=true: they are told why and nothing about them is stored.
 */
import { adaptiveCardInvoke, teamsConversationId, teamsMessage } from '../../support/teams-activities';
import { TeamsHarness } from './teams-harness';

const GUESTS_REFUSED = 'guests cannot use it';

let harness: TeamsHarness;
afterEach(() => harness.stop());

function asGuest(): void {
  harness.connector.setMembers(teamsConversationId('29:asha'), [
    { id: '29:asha', aadObjectId: 'aad-asha', name: 'Asha Rao', userRole: 'guest' },
  ]);
}

function repliesText(): string {
  return harness
    .activitiesSince(0)
    .map((r) => String(r.activity.text ?? ''))
    .join('\n');
}

function nothingStored(): void {
  for (const table of ['workspaces', 'members', 'partners']) {
    expect({ table, rows: harness.rows(`SELECT * FROM ${table}`) }).toEqual({ table, rows: [] });
  }
}

function rosterReads(): number {
  return harness.connector.requests().filter((r) => r.verb === 'GET' && r.memberId !== undefined).length;
}

describe('Teams guests', () => {
  it('tells a guest account that guests cannot use Rapport, and stores nothing', async () => {
    harness = await TeamsHarness.start();
    asGuest();

    await harness.send(teamsMessage({ ...harness.asha(), text: 'add Nissan' }));

    expect(repliesText()).toContain(GUESTS_REFUSED);
    expect(repliesText()).toContain('ALLOW_GUESTS=true');
    nothingStored();
  });

  it('answers a guest’s card action with a 403 that says why', async () => {
    harness = await TeamsHarness.start();
    asGuest();

    const answer = await harness.post(
      adaptiveCardInvoke({ ...harness.asha(), verb: 'rapport.choice', data: { choiceId: 'log:open' } }),
    );

    expect(answer.status).toBe(403);
    expect(JSON.stringify(answer.body)).toContain(GUESTS_REFUSED);
    nothingStored();
  });

  it('reads the roster once for a member, not on every message', async () => {
    harness = await TeamsHarness.start();

    await harness.send(teamsMessage({ ...harness.asha(), text: 'add Nissan' }));
    await harness.send(teamsMessage({ ...harness.asha(), text: 'list' }));

    expect(harness.rows('SELECT name FROM partners')).toEqual([{ name: 'Nissan' }]);
    expect(rosterReads()).toBe(1);
  });

  it('refuses, storing nothing, when the roster cannot say whether the sender is a guest', async () => {
    harness = await TeamsHarness.start();
    harness.connector.failNext({ status: 503 }, 1, (request) => request.verb === 'GET');

    await harness.send(teamsMessage({ ...harness.asha(), text: 'add Nissan' }));

    expect(repliesText()).toContain('could not confirm');
    nothingStored();
  });

  it('admits a guest account when ALLOW_GUESTS=true, without reading the roster', async () => {
    harness = await TeamsHarness.start({
      env: { TEAMS_ALLOW_UNAUTHENTICATED: 'true', ALLOW_GUESTS: 'true' },
    });
    asGuest();

    await harness.send(teamsMessage({ ...harness.asha(), text: 'add Nissan' }));

    expect(harness.rows('SELECT name FROM partners')).toEqual([{ name: 'Nissan' }]);
    expect(rosterReads()).toBe(0);
  });
});
