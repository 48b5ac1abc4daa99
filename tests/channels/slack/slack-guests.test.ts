/**
 * Slack guests (single- and multi-channel, as `users.info` describes them) are refused unless
 * ALLOW_GUESTS=true: they are told why, their events are dropped, and nothing about them is stored.
 */
import type { FakeSlackApi } from '../../support/fake-slack-api';
import { logValues, startSlackHarness, USER } from './slack-harness';
import type { SlackHarness } from './slack-harness';

const GUESTS_REFUSED = 'guests cannot use it';

/** Makes `users.info` describe every user with these extra flags. */
function describeUsersAs(fake: FakeSlackApi, flags: Record<string, boolean>): void {
  fake.setResponder('users.info', (_call, defaults) => {
    const reply = defaults();
    return { ...reply, user: { ...(reply.user as Record<string, unknown>), ...flags } };
  });
}

function stored(h: SlackHarness): Record<string, unknown> {
  return {
    workspaces: h.sql('SELECT id FROM workspaces'),
    members: h.sql('SELECT id FROM members'),
    partners: h.sql('SELECT name FROM partners'),
  };
}

const NOTHING = { workspaces: [], members: [], partners: [] };

describe('Slack guests', () => {
  let h: SlackHarness;
  afterEach(() => h.stop());

  it.each([
    ['a multi-channel guest', { is_restricted: true }],
    ['a single-channel guest', { is_restricted: true, is_ultra_restricted: true }],
  ])('tells %s that guests cannot use Rapport, and stores nothing', async (_who, flags) => {
    h = await startSlackHarness();
    describeUsersAs(h.fake, flags);

    const reply = await h.command('add Nissan');

    expect(reply.body.response_type).toBe('ephemeral');
    expect(String(reply.body.text)).toContain(GUESTS_REFUSED);
    expect(String(reply.body.text)).toContain('ALLOW_GUESTS=true');
    expect(stored(h)).toEqual(NOTHING);
  });

  it('refuses a guest’s button and form, and drops their App Home event', async () => {
    h = await startSlackHarness();
    describeUsersAs(h.fake, { is_restricted: true });

    const { responseId } = await h.click({ actionId: 'log:open' });
    const clicked = await h.fake.waitForResponse(responseId);
    const submitted = await h.submit({
      values: logValues({ partner: '1', kind: 'call', date: '2026-03-02' }),
    });
    await h.openHome(USER);

    expect(String(clicked.body.text)).toContain(GUESTS_REFUSED);
    expect(submitted.text).toContain(GUESTS_REFUSED);
    expect(h.fake.calls('views.publish')).toEqual([]);
    expect(stored(h)).toEqual(NOTHING);
    // users.info answered once: the guest is not asked about again on every request.
    expect(h.fake.calls('users.info')).toHaveLength(1);
  });

  it('admits guests when ALLOW_GUESTS=true', async () => {
    h = await startSlackHarness({ env: { ALLOW_GUESTS: 'true' } });
    describeUsersAs(h.fake, { is_restricted: true, is_ultra_restricted: true });

    const reply = await h.command('add Nissan');

    expect(String(reply.body.text)).toContain('Added *Nissan*');
    expect(h.sql('SELECT name FROM partners')).toEqual([{ name: 'Nissan' }]);
  });

  it('keeps serving full members, who are not guests', async () => {
    h = await startSlackHarness();
    describeUsersAs(h.fake, { is_restricted: false, is_ultra_restricted: false });

    const reply = await h.command('add Nissan');

    expect(String(reply.body.text)).toContain('Added *Nissan*');
  });
});
