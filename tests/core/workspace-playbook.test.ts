import { digestWeek } from '../../src/core/digest';
import { DEFAULT_PLAYBOOK } from '../../src/core/playbook/playbook';
import { CachedPlaybookSource, PLAYBOOK_CACHE_MS } from '../../src/core/playbook/playbook-source';
import { NudgeScheduler } from '../../src/scheduler/nudge-scheduler';
import { coreHarness, flatten } from '../support/core-harness';
import { RecordingChannel } from '../support/recording-channel';
import { virtualPacing } from '../support/virtual-pacing';

const DAY_MS = 86_400_000;
const START = new Date('2026-11-27T10:00:00Z');
const day = (n: number): Date => new Date(START.getTime() + n * DAY_MS);

describe("each workspace's own playbook", () => {
  let h: Awaited<ReturnType<typeof coreHarness>>;
  let scheduler: NudgeScheduler;
  const bob = { workspaceId: 'shell:local', memberId: 'bob' };
  let carl: { workspaceId: string; memberId: string };

  const keepInTouch = async (partner: string): Promise<Array<{ occurrence: string; status: string }>> =>
    (await h.query(
      `SELECT n.occurrence, n.status FROM nudges n JOIN partners p ON p.id = n.partner_id
         WHERE p.name = ? AND n.rule_id = 'keep-in-touch' ORDER BY n.id`,
      [partner],
    )) as Array<{ occurrence: string; status: string }>;

  beforeEach(async () => {
    h = await coreHarness({ now: START });
    await h.rapport.identify('shell', 'local', { memberId: 'ada', displayName: 'Ada', isAdmin: true }, START);
    await h.rapport.identify('shell', 'local', { memberId: 'bob', displayName: 'Bob' }, START);
    ({ actor: carl } = await h.rapport.identify(
      'shell',
      'other',
      { memberId: 'carl', displayName: 'Carl' },
      START,
    ));
    scheduler = new NudgeScheduler(h.store, h.rapport, new Map(), h.logger);
    await h.say('add Nissan');
    await h.say('log Nissan call today First call');
    await h.say('add Toyota', START, carl);
    await h.say('log Toyota call today First call', START, carl);
  });
  afterEach(() => h.close());

  it('follows a new cadence at the next scheduler pass, in that workspace only', async () => {
    const reply = await h.say('playbook set keep-in-touch every 45d');
    expect(reply).toContain('`keep-in-touch` now comes every 45 days (was 30)');
    // Only this workspace's partner (Nissan) is planned again; Toyota is in another workspace.
    expect(reply).toContain('1 partner will be planned again');

    await scheduler.materialize(day(31));
    expect(await keepInTouch('Nissan')).toEqual([]);
    // The other workspace still runs the default: 30 days after its last contact.
    expect(await keepInTouch('Toyota')).toEqual([{ occurrence: '2026-12-27', status: 'pending' }]);

    await scheduler.materialize(day(46));
    expect(await keepInTouch('Nissan')).toEqual([{ occurrence: '2027-01-11', status: 'pending' }]);
    expect(await h.say('preview Nissan 60', day(46))).toContain('Keep in touch');
  });

  it('shows the playbook to everyone, and refuses a change from a non-admin, naming the admins', async () => {
    const view = await h.say('playbook', START, bob);
    expect(view).toContain('Keep in touch (`keep-in-touch`)');
    expect(view).toContain('every 30 days without one');
    expect(view).toContain('Only admins can change it.');

    const refused = await h.say('playbook set keep-in-touch every 60d', START, bob);
    expect(refused).toContain('only admins can change the playbook');
    expect(refused).toContain('Ask Ada.');
    expect(await h.one('SELECT COUNT(*) AS n FROM playbook_overrides')).toEqual({ n: 0 });
    expect(await h.say('audit', START, bob)).toContain('only admins');
  });

  it.each([
    ['an unknown rule', 'playbook set no-such-rule every 45d', 'There is no rule “no-such-rule”'],
    ['a bad duration', 'playbook set keep-in-touch every 45x', '“45x” is not a number of days'],
    ['a zero duration', 'playbook set keep-in-touch every 0d', '“0d” is not a number of days'],
    ['a rule without cadence', 'playbook set joint-workshop every 10d', '`joint-workshop` has no cadence'],
    ['a word the rule does not take', 'playbook set post-signing first 10d', '`post-signing` takes `every`'],
    ['a budget the validator refuses', 'playbook budget daily 99', 'the daily budget must be from 1 to 50'],
    ['an empty wording', 'playbook text keep-in-touch', 'Give the new wording'],
    ['a built-in owner notice', 'playbook off owner-added', 'not a rule of the playbook'],
  ])('refuses %s and keeps the playbook as it was', async (_what, command, why) => {
    const reply = await h.say(command);
    expect(reply).toContain(why);
    expect(reply).toContain('Usage: `partner playbook');
    expect(await h.one('SELECT COUNT(*) AS n FROM playbook_overrides')).toEqual({ n: 0 });
    expect(await h.one('SELECT COUNT(*) AS n FROM audit_log')).toEqual({ n: 0 });
  });

  it('lists every change in the audit log, newest first, with who made it', async () => {
    await h.say('playbook set keep-in-touch every 45d', day(1));
    await h.say('playbook off cultural-observation', day(2));
    await h.say('admin add @Bob', day(3));
    const audit = await h.say('audit', day(4));
    const lines = audit.split('\n').filter((line) => line.includes(' — Ada — '));
    expect(lines).toEqual([
      expect.stringContaining('admin.add Bob: member → admin'),
      expect.stringContaining('playbook.off cultural-observation: on → off'),
      expect.stringContaining('playbook.set keep-in-touch: every 30d → every 45d'),
    ]);
    // Bob, now an admin, may change the playbook; taken back, he may not.
    expect(await h.say('playbook on cultural-observation', day(5), bob)).toContain('is on again');
    expect(await h.say('admin remove Bob', day(6))).toContain('Bob is no longer an admin');
    expect(await h.say('playbook off cultural-observation', day(7), bob)).toContain('only admins');
  });

  it('turns a rule off (its open nudges close at the next pass) and rewords it', async () => {
    await scheduler.materialize(day(31));
    expect(await keepInTouch('Nissan')).toEqual([{ occurrence: '2026-12-27', status: 'pending' }]);

    await h.say('playbook text keep-in-touch "Time to call {partner} again?"', day(31));
    expect(await h.say('nudges', day(31))).toContain('Time to call Nissan again?');

    expect(await h.say('playbook off keep-in-touch', day(31))).toContain('is off');
    await scheduler.materialize(day(31));
    expect(await keepInTouch('Nissan')).toEqual([{ occurrence: '2026-12-27', status: 'expired' }]);
    await scheduler.materialize(day(90));
    expect(await keepInTouch('Nissan')).toHaveLength(1);

    expect(await h.say('playbook reset', day(90))).toContain('the default again');
    await scheduler.materialize(day(90));
    expect((await keepInTouch('Nissan')).map((n) => n.status)).toEqual(['expired', 'pending']);
  });

  it("plans the weekly digest's coming week with the workspace's playbook", async () => {
    const at = day(26);
    const digest = async (): Promise<string> => {
      const ada = await h.rapport.member({ workspaceId: 'shell:local', memberId: 'ada' });
      return flatten((await h.rapport.weeklyDigest(ada, digestWeek(ada, at), at))!);
    };
    expect(await digest()).toContain('Keep in touch');
    await h.say('playbook set keep-in-touch every 45d', at);
    expect(await digest()).not.toContain('Keep in touch');
  });

  it("delivers within the workspace's daily budget and words nudges as the workspace says", async () => {
    // Ada owns four partners that are all due on the same day; the service allows 3 messages a day.
    for (const name of ['Honda', 'Mazda', 'Subaru']) {
      await h.say(`add ${name}`);
      await h.say(`log ${name} call today First call`);
    }
    await h.say('playbook budget daily 2');
    await h.say('playbook text keep-in-touch "Ring {partner}."');
    const channel = new RecordingChannel('shell');
    const monday = new Date('2027-01-04T10:00:00Z'); // 38 days on: keep-in-touch is due for all four
    let clock = monday;
    const delivering = new NudgeScheduler(h.store, h.rapport, new Map([['shell', channel]]), h.logger, {
      ...virtualPacing(() => clock),
    });
    await delivering.runDue(monday);
    const texts = channel.deliveries.map((d) => flatten(d.message));
    expect(texts).toHaveLength(2);
    expect(texts.join('\n')).toMatch(/Ring (Nissan|Honda|Mazda|Subaru)\./);
    // The next working day, the next two.
    clock = new Date(monday.getTime() + DAY_MS);
    await delivering.runDue(clock);
    expect(channel.deliveries).toHaveLength(4);
  });

  it('keeps a budget for the workspace that the scheduler reads', async () => {
    expect(await h.say('playbook budget daily 2')).toContain('at most 2 messages a day');
    expect(await h.say('playbook budget partner-interval 10d')).toContain('every 10 days');
    expect((await h.rapport.playbooks.forWorkspace('shell:local')).budget).toEqual({
      dailyCap: 2,
      partnerIntervalDays: 10,
    });
    expect((await h.rapport.playbooks.forWorkspace(carl.workspaceId)).budget).toBeUndefined();
    expect(await h.say('playbook')).toContain('Budget: 2 messages a day, 10 days between');
  });

  it('stores a change as overrides on the default, not as a copy of the playbook', async () => {
    await h.say('playbook set keep-in-touch every 45d');
    expect(
      await h.query('SELECT rule_id, field, value, updated_by FROM playbook_overrides ORDER BY field'),
    ).toEqual([
      { rule_id: 'keep-in-touch', field: 'trigger.days', value: '45', updated_by: 'ada' },
      { rule_id: 'keep-in-touch', field: 'trigger.firstAfterDays', value: '45', updated_by: 'ada' },
    ]);
  });
});

describe('a change that changes nothing', () => {
  it('is answered without an audit line or a re-planning', async () => {
    const h = await coreHarness({ now: START });
    try {
      await h.rapport.identify('shell', 'local', { memberId: 'ada', isAdmin: true }, START);
      expect(await h.say('playbook reset keep-in-touch')).toContain('Nothing to change');
      await h.say('playbook set keep-in-touch every 45d');
      expect(await h.say('playbook set keep-in-touch every 45d')).toContain('Nothing to change');
      expect(await h.query('SELECT action FROM audit_log')).toEqual([{ action: 'playbook.set' }]);
    } finally {
      await h.close();
    }
  });
});

describe('the cached workspace playbook', () => {
  it('is read again after a minute, so a change another instance made is followed', async () => {
    const h = await coreHarness({ now: new Date('2026-11-27T10:00:00Z') });
    try {
      let ms = 0;
      const source = new CachedPlaybookSource(h.store.playbookOverrides, DEFAULT_PLAYBOOK, h.logger, {
        monotonic: () => ms,
        ms: PLAYBOOK_CACHE_MS,
      });
      const keepInTouchOff = async () =>
        (await source.forWorkspace(h.actor.workspaceId)).rules.find((r) => r.id === 'keep-in-touch')!.off ??
        false;
      expect(await keepInTouchOff()).toBe(false);
      // Another instance turns the rule off: this process's cache knows nothing of it...
      await h.store.playbookOverrides.set(
        h.actor.workspaceId,
        'keep-in-touch',
        'off',
        true,
        'ada',
        new Date(),
      );
      ms += PLAYBOOK_CACHE_MS - 1;
      expect(await keepInTouchOff()).toBe(false);
      // ...until the cached copy is a minute old.
      ms += 1;
      expect(await keepInTouchOff()).toBe(true);
    } finally {
      await h.close();
    }
  });
});
