/**
 * The workspace playbook on Slack, through signed slash commands, App Home and button clicks: a workspace
 * admin (as `users.info` says: `is_admin`) changes the cadence and the next pass follows it; a member who is
 * not an admin is refused; the App Home shows admins the playbook with its buttons.
 */
import { FakeSlackApi } from '../../support/fake-slack-api';
import { actionIds, blockText, DAY_MS, MONDAY, startSlackHarness, USER } from './slack-harness';
import type { SlackHarness } from './slack-harness';

const BOB = 'U0BOB';
let fake: FakeSlackApi;
let h: SlackHarness;

beforeEach(async () => {
  fake = new FakeSlackApi();
  await fake.start();
  fake.setUser(USER, { name: 'Asha Admin' });
  fake.setUser(BOB, { name: 'Bob Member' });
  // Slack names Asha a workspace admin; Bob is a plain member.
  fake.setResponder('users.info', (call, defaults) => {
    const reply = defaults();
    if (call.params.user !== USER) return reply;
    return { ...reply, user: { ...(reply.user as Record<string, unknown>), is_admin: true } };
  });
  h = await startSlackHarness({ fake });
});

afterEach(async () => {
  await h.stop();
  await fake.stop();
});

const keepInTouch = () =>
  h.sql<{ occurrence: string }>(`SELECT occurrence FROM nudges WHERE rule_id = 'keep-in-touch' ORDER BY id`);

it('lets a Slack workspace admin change the cadence, which the next pass follows; a member is refused', async () => {
  await h.command('add Nissan');
  await h.command('log Nissan call today First call');
  expect(h.sql(`SELECT id, platform_admin FROM members ORDER BY id`)).toEqual([
    { id: USER, platform_admin: 1 },
  ]);

  const refused = await h.command('playbook set keep-in-touch every 45d', { userId: BOB });
  expect(String(refused.body.text)).toContain('only admins can change the playbook');
  expect(String(refused.body.text)).toContain('Asha Admin');
  expect(h.sql('SELECT * FROM playbook_overrides')).toEqual([]);

  const invalid = await h.command('playbook set keep-in-touch every soon');
  expect(String(invalid.body.text)).toContain('“soon” is not a number of days');

  const changed = await h.command('playbook set keep-in-touch every 45d');
  expect(String(changed.body.text)).toContain('now comes every 45 days (was 30)');

  await h.service.tick(new Date(MONDAY.getTime() + 31 * DAY_MS));
  expect(keepInTouch()).toEqual([]);
  await h.service.tick(new Date(MONDAY.getTime() + 46 * DAY_MS));
  expect(keepInTouch()).toEqual([{ occurrence: '2026-04-16' }]);

  const audit = await h.command('audit');
  expect(String(audit.body.text)).toContain('Asha Admin — playbook.set keep-in-touch: every 30d → every 45d');
});

it('shows admins the playbook on App Home with a button per rule, which changes the rule', async () => {
  await h.command('help');
  await h.command('help', { userId: BOB });
  await h.openHome();
  await h.openHome(BOB);
  // Events are acknowledged first; the views are published after.
  await waitFor(() => new Set(fake.calls('views.publish').map((c) => c.params.user_id)).size === 2);
  // The fake decodes the JSON fields it is sent: `view` arrives as an object.
  const homeOf = (user: string) =>
    [...fake.calls('views.publish')].reverse().find((c) => c.params.user_id === user)!.params.view as {
      blocks: unknown;
    };
  const adminHome = homeOf(USER);
  expect(blockText(adminHome.blocks)).toContain('Keep in touch');
  expect(actionIds(adminHome.blocks)).toEqual(expect.arrayContaining(['pb:keep-in-touch:off']));
  expect(actionIds(homeOf(BOB).blocks).filter((id) => id.startsWith('pb:'))).toEqual([]);

  const { result } = await h.click({ actionId: 'pb:keep-in-touch:off', source: 'home' });
  expect(result.status).toBe(200);
  await waitFor(() => h.sql('SELECT rule_id, field FROM playbook_overrides').length === 1);
  expect(h.sql('SELECT rule_id, field, value FROM playbook_overrides')).toEqual([
    { rule_id: 'keep-in-touch', field: 'off', value: 'true' },
  ]);
  // The App Home is published again with the rule off.
  await waitFor(() => actionIds(homeOf(USER).blocks).includes('pb:keep-in-touch:on'));
});

async function waitFor(condition: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

it('uploads a member’s own data to their DM with /partner export mine, and forgets them on confirmation', async () => {
  await h.command('add Nissan');
  await h.command('log Nissan visit today Toured the plant');
  const exported = await h.command('export mine');
  expect(String(exported.body.text)).toContain('in your direct messages with Rapport');
  const [upload] = fake.uploads();
  expect(upload!.filename).toBe(`rapport-mine-${MONDAY.toISOString().slice(0, 10)}.json`);
  const data = JSON.parse(upload!.content.toString('utf8')) as {
    member: { id: string };
    interactions: Array<{ note: string }>;
  };
  expect(data.member.id).toBe(USER);
  expect(data.interactions.map((i) => i.note)).toEqual(['Toured the plant']);

  const forgotten = await h.command('forget me confirm');
  expect(String(forgotten.body.text)).toContain('forgotten-1');
  expect(h.sql('SELECT id FROM members')).toEqual([]);
  expect(h.sql('SELECT member_id, note FROM interactions')).toEqual([
    { member_id: 'forgotten-1', note: 'Toured the plant' },
  ]);
});
