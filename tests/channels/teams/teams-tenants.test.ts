/**
 * Many organisations on one Teams bot: an allow-list of tenants (`TEAMS_ALLOWED_TENANTS`), and the bot
 * removed or added back by a member (personal scope) or a team (`installationUpdate`).
 */
import type { Activity } from 'botbuilder';
import { teamsMention, teamsMessage } from '../../support/teams-activities';
import type { TeamsActivityOptions } from '../../support/teams-activities';
import { cardsOf, textsOf } from '../../support/adaptive-cards';
import { loadConfig } from '../../../src/config';
import { DAY_MS, T0, TeamsHarness } from './teams-harness';

const CONTOSO = '72F988BF-86F1-41AF-91AB-2D7CD011DB47';
const FABRIKAM = '3c1f2e4d-5b6a-4978-8a9b-0c1d2e3f4a5b';
const OTHER = '0d2b3d9e-4a5c-4f0e-9c61-7d1e2f3a4b5c';
const TEAM = '19:rapport-team@thread.tacv2';

/** Two weeks after adding a partner the site-visit nudge is due; 11:00 in Berlin on a Monday. */
const DUE = new Date(T0.getTime() + 14 * DAY_MS + 3_600_000);

let harness: TeamsHarness;
afterEach(() => harness.stop());

/** An `installationUpdate` activity, as Teams sends it when the app is added or removed. */
function installationUpdate(options: TeamsActivityOptions, action: 'add' | 'remove'): Partial<Activity> {
  const activity = teamsMessage(options);
  delete activity.text;
  delete activity.textFormat;
  delete activity.entities;
  return { ...activity, type: 'installationUpdate', action };
}

function siteVisitCards(from = 0): number {
  return harness
    .activitiesSince(from)
    .filter((r) => cardsOf(r.activity).some((card) => /Plan a site visit/.test(textsOf(card)[0] ?? '')))
    .length;
}

function nothingStored(): void {
  for (const table of ['workspaces', 'members', 'partners', 'interactions']) {
    expect({ table, rows: harness.rows(`SELECT * FROM ${table}`) }).toEqual({ table, rows: [] });
  }
  expect(harness.connector.requests()).toEqual([]);
}

describe('TEAMS_ALLOWED_TENANTS', () => {
  beforeEach(async () => {
    harness = await TeamsHarness.start({
      env: {
        TEAMS_ALLOW_UNAUTHENTICATED: 'true',
        TEAMS_ALLOWED_TENANTS: ` ${CONTOSO.toLowerCase()} , ${FABRIKAM.toUpperCase()}`,
      },
    });
  });

  it('refuses an activity from a tenant not on the list with 403, storing nothing', async () => {
    const answer = await harness.post(
      teamsMessage({ ...harness.asha(), tenantId: OTHER, text: 'add Nissan' }),
    );

    expect(answer.status).toBe(403);
    expect(answer.text).toContain('yours is not on it');
    nothingStored();
  });

  it('serves each listed tenant, whatever the case of its id, as its own workspace', async () => {
    await harness.send(teamsMessage({ ...harness.asha(), tenantId: CONTOSO, text: 'add Nissan' }));
    await harness.send(
      teamsMessage({
        ...harness.asha({ userId: '29:bo', aadObjectId: 'aad-bo' }),
        tenantId: FABRIKAM,
        text: 'add Toyota',
      }),
    );

    expect(harness.rows('SELECT id FROM workspaces ORDER BY id')).toEqual([
      { id: `teams:${FABRIKAM}` },
      { id: `teams:${CONTOSO}` },
    ]);
    expect(harness.rows('SELECT workspace_id, name FROM partners ORDER BY name')).toEqual([
      { workspace_id: `teams:${CONTOSO}`, name: 'Nissan' },
      { workspace_id: `teams:${FABRIKAM}`, name: 'Toyota' },
    ]);
  });

  it('is refused at start-up when it lists something that is not a tenant id', () => {
    expect(() =>
      loadConfig({ TEAMS_ALLOW_UNAUTHENTICATED: 'true', TEAMS_ALLOWED_TENANTS: `${CONTOSO},contoso.com` }),
    ).toThrow(/^TEAMS_ALLOWED_TENANTS: not a tenant id \(a GUID\): "contoso.com"/);
  });

  it('sends nothing to a tenant taken off the list since, holding that workspace instead', async () => {
    await harness.send(teamsMessage({ ...harness.asha(), tenantId: CONTOSO, text: 'add Nissan' }));
    const first = harness;
    await first.service.stop();
    harness = await TeamsHarness.start({
      dir: first.dir,
      connector: first.connector,
      ownsConnector: true,
      now: first.now,
      env: { TEAMS_ALLOW_UNAUTHENTICATED: 'true', TEAMS_ALLOWED_TENANTS: FABRIKAM },
    });

    const mark = harness.mark();
    await harness.tick(DUE);

    expect(siteVisitCards(mark)).toBe(0);
    expect(harness.rows('SELECT id, sending_held_reason FROM workspaces')).toEqual([
      { id: `teams:${CONTOSO}`, sending_held_reason: expect.stringContaining('TEAMS_ALLOWED_TENANTS') },
    ]);
  });

  it('refuses an activity that names no tenant', async () => {
    const anonymous = teamsMessage({ ...harness.asha(), tenantId: CONTOSO, text: 'add Nissan' });
    delete anonymous.channelData;
    anonymous.conversation = { ...anonymous.conversation!, tenantId: undefined };

    expect((await harness.post(anonymous)).status).toBe(403);
    nothingStored();
  });
});

describe('the bot removed and added back (installationUpdate)', () => {
  const TENANT = CONTOSO.toLowerCase();
  const asha = (extra: Partial<TeamsActivityOptions> = {}): TeamsActivityOptions =>
    harness.asha({ tenantId: TENANT, ...extra });
  const bo = (extra: Partial<TeamsActivityOptions> = {}): TeamsActivityOptions =>
    harness.asha({ tenantId: TENANT, userId: '29:bo', aadObjectId: 'aad-bo', userName: 'Bo Lind', ...extra });

  beforeEach(async () => {
    harness = await TeamsHarness.start();
  });

  function appRemoved(memberId: string): string | null {
    const [row] = harness.rows<{ app_removed_at: string | null }>(
      'SELECT app_removed_at FROM members WHERE workspace_id = ? AND id = ?',
      `teams:${TENANT}`,
      memberId,
    );
    return row!.app_removed_at;
  }

  it('stops a member’s nudges when they remove the app, and restores them when they add it again', async () => {
    await harness.send(teamsMessage({ ...asha(), text: 'add Nissan' }));

    const mark = harness.mark();
    expect((await harness.post(installationUpdate(asha(), 'remove'))).status).toBe(200);
    expect(harness.activitiesSince(mark)).toEqual([]);
    expect(appRemoved('aad-asha')).not.toBeNull();

    await harness.tick(DUE);
    expect(siteVisitCards(mark)).toBe(0);
    expect(harness.rows('SELECT status, attempts, last_error FROM nudges')).toEqual([
      { status: 'pending', attempts: 0, last_error: null },
    ]);

    await harness.send(installationUpdate(asha(), 'add'));
    expect(appRemoved('aad-asha')).toBeNull();
    await harness.tick(new Date(DUE.getTime() + 60_000));
    expect(siteVisitCards(mark)).toBe(1);
  });

  it('ignores upgrades', async () => {
    await harness.send(teamsMessage({ ...asha(), text: 'add Nissan' }));
    const upgrade = { ...installationUpdate(asha(), 'remove'), action: 'remove-upgrade' };

    expect((await harness.post(upgrade)).status).toBe(200);
    expect(appRemoved('aad-asha')).toBeNull();
  });

  it('stops the nudges of members reached through a team when the team removes the app, not the others', async () => {
    // Asha has her personal chat; Bo has only written in the team, so Rapport reaches him through it.
    await harness.send(teamsMessage({ ...asha(), text: 'add Nissan' }));
    await harness.send(teamsMention({ ...bo(), teamId: TEAM, text: 'add Toyota' }));
    expect(harness.address('aad-bo', `teams:${TENANT}`)).toMatchObject({
      kind: 'create-personal',
      teamId: TEAM,
    });

    const removal = installationUpdate({ ...bo(), conversationType: 'channel', teamId: TEAM }, 'remove');
    expect((await harness.post(removal)).status).toBe(200);

    expect(appRemoved('aad-bo')).not.toBeNull();
    expect(appRemoved('aad-asha')).toBeNull();
    const mark = harness.mark();
    await harness.tick(DUE);
    // Asha's site-visit nudge goes out; Bo's waits.
    expect(siteVisitCards(mark)).toBe(1);
    expect(
      harness.rows("SELECT member_id, status FROM nudges WHERE rule_id = 'site-visit' ORDER BY member_id"),
    ).toEqual([
      { member_id: 'aad-asha', status: 'sent' },
      { member_id: 'aad-bo', status: 'pending' },
    ]);

    await harness.send(installationUpdate({ ...bo(), conversationType: 'channel', teamId: TEAM }, 'add'));
    expect(appRemoved('aad-bo')).toBeNull();
  });
});
