/**
 * The workspace playbook and privacy on Teams, through `/api/messages` and the fake Bot Connector: a member
 * named in TEAMS_ADMINS changes the cadence and the next pass follows it; anyone else is refused; the
 * playbook card's on/off button changes a rule; `forget me` and `export mine`.
 */
import { actionsOf, cardsOf, textsOf } from '../../support/adaptive-cards';
import type { ConnectorActivityRequest } from '../../support/fake-bot-connector';
import { adaptiveCardInvoke, teamsMessage } from '../../support/teams-activities';
import { readExportFileContext } from '../../../src/channels/teams/file-consent';
import { DAY_MS, TeamsHarness } from './teams-harness';

const NOW = new Date('2026-11-27T10:00:00.000Z'); // a Friday, 11:00 in Berlin
let harness: TeamsHarness;

beforeEach(async () => {
  harness = await TeamsHarness.start({
    env: { TEAMS_ALLOW_UNAUTHENTICATED: 'true', TEAMS_ADMINS: 'aad-asha, 29:someone-else' },
    now: NOW,
  });
});

afterEach(async () => {
  const problems = harness.cardProblems();
  await harness.stop();
  expect(problems).toEqual([]);
});

const bob = () => harness.asha({ userId: '29:bob', aadObjectId: 'aad-bob', userName: 'Bob Lee' });

async function say(text: string, who = harness.asha()): Promise<ConnectorActivityRequest[]> {
  const mark = harness.mark();
  await harness.send(teamsMessage({ ...who, text }));
  return harness.activitiesSince(mark);
}

/** Everything the bot answered, as text (chat messages and card texts). */
function said(sent: ConnectorActivityRequest[]): string {
  return sent
    .flatMap((r) => [r.activity.text ?? '', ...cardsOf(r.activity).flatMap((card) => textsOf(card))])
    .join('\n');
}

const keepInTouch = () =>
  harness.rows<{ occurrence: string }>(
    `SELECT occurrence FROM nudges WHERE rule_id = 'keep-in-touch' AND member_id = 'aad-asha' ORDER BY id`,
  );

it('lets a member named in TEAMS_ADMINS change the cadence, which the next pass follows; others are refused', async () => {
  await say('add Nissan');
  await say('log Nissan call today First call');
  await say('help', bob());

  const refused = said(await say('playbook set keep-in-touch every 45d', bob()));
  expect(refused).toContain('only admins can change the playbook');
  expect(refused).toContain('Asha Rao');
  expect(harness.rows('SELECT * FROM playbook_overrides')).toEqual([]);

  const changed = said(await say('playbook set keep-in-touch every 45d'));
  expect(changed).toContain('`keep-in-touch` now comes every 45 days (was 30)');

  await harness.tick(new Date(NOW.getTime() + 31 * DAY_MS));
  expect(keepInTouch()).toEqual([]);
  await harness.tick(new Date(NOW.getTime() + 46 * DAY_MS));
  expect(keepInTouch()).toEqual([{ occurrence: '2027-01-11' }]);

  const audit = said(await say('audit'));
  expect(audit).toContain('Asha Rao — playbook.set keep-in-touch: every 30d → every 45d');
  expect(said(await say('audit', bob()))).toContain('only admins');
});

it("shows the playbook as a card with each rule's on/off button, which changes the rule", async () => {
  const sent = await say('playbook');
  const [card] = sent.flatMap((r) => cardsOf(r.activity));
  expect(textsOf(card)).toEqual(expect.arrayContaining([expect.stringContaining('Keep in touch')]));
  const turnOff = actionsOf(card).find(
    (a) => (a.data as Record<string, unknown> | undefined)?.choiceId === 'pb:cultural-observation:off',
  );
  expect(turnOff).toMatchObject({ type: 'Action.Execute', title: 'Turn off' });

  const response = await harness.post<{ value: unknown }>(
    adaptiveCardInvoke({
      ...harness.asha(),
      verb: String(turnOff!.verb),
      data: turnOff!.data as Record<string, unknown>,
    }),
  );
  expect(response.status).toBe(200);
  expect(harness.rows('SELECT rule_id, field, value FROM playbook_overrides')).toEqual([
    { rule_id: 'cultural-observation', field: 'off', value: 'true' },
  ]);
  // The card comes back with the rule off and a button to turn it on again.
  expect(JSON.stringify(response.body)).toContain('pb:cultural-observation:on');

  // A member who is not an admin sees the rules without buttons.
  const [plain] = (await say('playbook', bob())).flatMap((r) => cardsOf(r.activity));
  expect(
    actionsOf(plain).filter((a) => String((a.data as Record<string, unknown>)?.choiceId).startsWith('pb:')),
  ).toEqual([]);
});

it('forgets a member after the confirmation button, leaving their partner to the workspace', async () => {
  await say('add Nissan');
  await say('log Nissan visit today Toured the plant');
  const [card] = (await say('forget me')).flatMap((r) => cardsOf(r.activity));
  const confirm = actionsOf(card).find(
    (a) => (a.data as Record<string, unknown> | undefined)?.choiceId === 'privacy:forget',
  );
  expect(confirm).toBeDefined();
  const response = await harness.post(
    adaptiveCardInvoke({
      ...harness.asha(),
      verb: String(confirm!.verb),
      data: confirm!.data as Record<string, unknown>,
    }),
  );
  expect(response.status).toBe(200);
  expect(harness.rows(`SELECT id FROM members WHERE id = 'aad-asha'`)).toEqual([]);
  expect(harness.rows('SELECT name, created_by FROM partners')).toEqual([
    { name: 'Nissan', created_by: 'forgotten-1' },
  ]);
  expect(harness.rows('SELECT member_id, note FROM interactions')).toEqual([
    { member_id: 'forgotten-1', note: 'Toured the plant' },
  ]);
});

it('offers `export mine` as a file in the personal chat, its consent naming the member’s own export', async () => {
  await say('add Nissan');
  const sent = await say('export mine');
  const consent = sent
    .flatMap(
      (r) =>
        (r.activity.attachments ?? []) as Array<{
          contentType: string;
          name?: string;
          content?: Record<string, unknown>;
        }>,
    )
    .find((a) => a.contentType === 'application/vnd.microsoft.teams.card.file.consent');
  expect(consent?.name).toBe('rapport-mine-2026-11-27.json');
  expect(consent?.content?.acceptContext).toEqual({
    export: 'mine',
    index: 0,
    name: 'rapport-mine-2026-11-27.json',
  });
  expect(readExportFileContext(consent?.content?.acceptContext)).toEqual({
    export: 'mine',
    index: 0,
    name: 'rapport-mine-2026-11-27.json',
  });
});
