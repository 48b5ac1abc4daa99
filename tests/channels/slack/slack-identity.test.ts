import type { webApi } from '@slack/bolt';
import { PROFILE_CACHE_ENTRIES, SlackIdentities } from '../../../src/channels/slack/slack-identity';
import type { Rapport } from '../../../src/core/rapport';
import { recordingLogger } from '../../support/silent-logger';

const TEAM = 'T0RAPPORT';
const NOW = new Date('2026-03-02T10:00:00Z');

/** A Web API client whose `users.info` answers at once: every user a member, or every call failing. */
function client(answer: 'member' | 'failing'): webApi.WebClient & { calls: number } {
  const stub = {
    calls: 0,
    users: {
      info: async ({ user }: { user: string }) => {
        stub.calls += 1;
        if (answer === 'failing') throw new Error('users.info failed');
        return { ok: true, user: { id: user, team_id: TEAM, tz: 'Europe/Paris', real_name: user } };
      },
    },
  };
  return stub as unknown as webApi.WebClient & { calls: number };
}

function identities(): SlackIdentities {
  const installation = { teamId: TEAM, enterpriseId: null, isEnterpriseInstall: false };
  return new SlackIdentities({} as Rapport, recordingLogger(), installation);
}

describe('what the Slack channel remembers about users', () => {
  it('stays within its bound after many distinct users, answered or not', async () => {
    const slack = identities();
    const answered = client('member');
    const failing = client('failing');
    const users = PROFILE_CACHE_ENTRIES * 3;

    for (let i = 0; i < users; i += 1) {
      await slack.admits(answered, `U${i}`, NOW, false);
      await slack.admits(failing, `UF${i}`, NOW, false);
    }

    expect(answered.calls).toBe(users);
    expect(slack.cachedUsers()).toEqual({ readings: PROFILE_CACHE_ENTRIES, failures: PROFILE_CACHE_ENTRIES });
  });

  it('asks users.info once per user while the answer is fresh, and again a day later', async () => {
    const slack = identities();
    const answered = client('member');

    await slack.admits(answered, 'U1', NOW, false);
    await slack.admits(answered, 'U1', new Date(NOW.getTime() + 3_600_000), false);
    expect(answered.calls).toBe(1);

    await slack.admits(answered, 'U1', new Date(NOW.getTime() + 86_400_000), false);
    expect(answered.calls).toBe(2);
  });
});
