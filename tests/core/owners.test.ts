import { digestWeek } from '../../src/core/digest';
import type { Message } from '../../src/core/messages';
import { DEFAULT_PLAYBOOK, validatePlaybook } from '../../src/core/playbook/playbook';
import { Rapport } from '../../src/core/rapport';
import type { Actor } from '../../src/core/rapport';
import { NudgeScheduler } from '../../src/scheduler/nudge-scheduler';
import { coreHarness, flatten } from '../support/core-harness';
import { RecordingChannel } from '../support/recording-channel';

// Friday 27 November 2026, 10:00 UTC: inside working hours for members in UTC.
const NOW = new Date('2026-11-27T10:00:00Z');
const LATER = new Date('2026-11-27T10:05:00Z');

function pacing() {
  let ms = 0;
  return {
    monotonic: () => ms,
    sleep: async (wait: number) => {
      ms += Math.max(0, wait);
    },
    random: () => 0.5,
  };
}

describe('co-owners with roles', () => {
  let h: Awaited<ReturnType<typeof coreHarness>>;
  let bo: Actor;
  let cy: Actor;
  let channel: RecordingChannel;
  let scheduler: NudgeScheduler;

  const rows = async () =>
    await h.query(
      'SELECT member_id, role, lead, added_by, note FROM partner_owners WHERE partner_id = 1 ORDER BY position',
    );
  const nudges = async () =>
    (await h.query(
      'SELECT member_id, rule_id, status, answer FROM nudges WHERE partner_id = 1 ORDER BY id',
    )) as { member_id: string; rule_id: string; status: string; answer: string | null }[];
  const deliveredTo = (session: string): Message[] =>
    channel.deliveries
      .filter((d) => (d.address.payload as { session: string }).session === session)
      .map((d) => d.message);

  beforeEach(async () => {
    h = await coreHarness({ now: NOW });
    const see = async (memberId: string, displayName: string) =>
      (
        await h.rapport.identify(
          'shell',
          'local',
          { memberId, displayName, address: { channel: 'shell', payload: { session: memberId } } },
          NOW,
        )
      ).actor;
    bo = await see('bo', 'Bo');
    cy = await see('cy', 'Cy');
    channel = new RecordingChannel('shell');
    scheduler = new NudgeScheduler(h.store, h.rapport, new Map([['shell', channel]]), h.logger, pacing());
    await h.say('add Nissan negotiating');
  });
  afterEach(() => h.close());

  it('makes the creator the first owner, the lead, as alliance manager', async () => {
    expect(await rows()).toEqual([
      { member_id: 'ada', role: 'alliance-manager', lead: 1, added_by: 'ada', note: null },
    ]);
    expect(await h.say('owners Nissan')).toContain('1. Ada — alliance manager · *lead*');
  });

  it("re-plans with the workspace's own playbook when an owner is added: open nudges stay open", async () => {
    await h.store.members.setGrantedAdmin(h.actor.workspaceId, h.actor.memberId, true);
    expect(await h.say('playbook set keep-in-touch every 45d')).toContain('45');
    const later = new Date(NOW.getTime() + 50 * 86_400_000);
    await scheduler.materialize(later);
    const keepInTouch = async () => (await nudges()).filter((n) => n.rule_id === 'keep-in-touch');
    expect(await keepInTouch()).toEqual([
      { member_id: 'ada', rule_id: 'keep-in-touch', status: 'pending', answer: null },
    ]);
    await h.say('owners Nissan add bo sales', later);
    expect((await keepInTouch()).filter((n) => n.member_id === 'ada')).toEqual([
      { member_id: 'ada', rule_id: 'keep-in-touch', status: 'pending', answer: null },
    ]);
  });

  it('exports each owner with their role, and who leads, beside the owner ids', async () => {
    await h.say('owners Nissan add bo sales');
    await h.say('owners Nissan add cy legal');
    await h.say('owners Nissan lead cy');
    const exported = await h.rapport.exportWorkspace(h.actor.workspaceId, 'csv', NOW);
    const file = exported.files!.find((f) => f.name.includes('-partners-'))!;
    const [header, row] = file.content.replace(/^\uFEFF/, '').split('\r\n');
    const cell = (column: string): string | undefined => row!.split(',')[header!.split(',').indexOf(column)];
    expect(cell('owner_ids')).toBe('ada;bo;cy');
    expect(cell('owner_roles')).toBe('alliance-manager;sales;legal');
    expect(cell('lead_owner_id')).toBe('cy');
  });

  it.each([
    ['a member id', 'bo'],
    ['an @id', '@bo'],
    ['a Slack mention', '<@bo>'],
    ['a Slack mention with a name', '<@bo|bo.smith>'],
  ])('adds a co-owner named by %s, with a role, and queues the notice that tells them', async (_how, ref) => {
    const reply = await h.say(`owners Nissan add ${ref} sales`);
    expect(reply).toContain('Added Bo (sales) as a co-owner of *Nissan*, with Ada (alliance manager, lead).');
    expect(await rows()).toEqual([
      { member_id: 'ada', role: 'alliance-manager', lead: 1, added_by: 'ada', note: null },
      { member_id: 'bo', role: 'sales', lead: 0, added_by: 'ada', note: null },
    ]);
    expect(await nudges()).toEqual([
      { member_id: 'bo', rule_id: 'owner-added', status: 'pending', answer: null },
    ]);
    const listed = await h.say('owners Nissan');
    expect(listed).toContain('1. Ada — alliance manager · *lead*');
    expect(listed).toContain('2. Bo — sales');
  });

  it('reads roles in any case and spelling it knows, and a free word written other:WORD', async () => {
    await h.say('owners Nissan add bo Executive Sponsor');
    await h.say('owners Nissan add cy other:finance');
    expect(await rows()).toMatchObject([{}, { role: 'executive-sponsor' }, { role: 'finance' }]);
    expect(await h.say('status Nissan')).toContain(
      'Owners: Ada (alliance manager, lead), Bo (executive sponsor), Cy (finance)',
    );
  });

  describe('refuses, with the usage, and writes nothing', () => {
    it.each([
      ['an unknown member', 'owners Nissan add @nobody sales', "I don't know anyone called “nobody”"],
      [
        'an unknown role',
        'owners Nissan add @bo slaes',
        '“slaes” is not a role I know. Did you mean `sales`?',
      ],
      ['an empty role', 'owners Nissan add @bo', 'Which role? One of: alliance-manager'],
      ['a free word that is not one', 'owners Nissan add @bo other:', 'is not a role I know'],
      [
        'adding an existing owner',
        'owners Nissan add @ada sales',
        'Ada already owns *Nissan* (alliance manager, lead).',
      ],
      ['removing the last owner', 'owners Nissan remove @ada', 'Ada is the only owner of *Nissan*'],
      ['removing someone who is no owner', 'owners Nissan remove @bo', '“bo” does not own *Nissan*'],
      ['no member at all', 'owners Nissan remove', 'Whom should I remove?'],
      ['an unknown action', 'owners Nissan promote @bo', 'add, remove or lead'],
      [
        'handing over to yourself',
        'handover Nissan @ada thanks',
        'You cannot hand a partner over to yourself.',
      ],
      [
        'handing over to an unknown member',
        'handover Nissan @ghost notes',
        "I don't know anyone called “ghost”",
      ],
    ])('%s', async (_case, command, problem) => {
      const before = await h.counts();
      const reply = await h.rapport.handleCommand(h.actor, command, LATER);
      expect(reply.reply.isError).toBe(true);
      expect(flatten(reply.reply)).toContain(problem);
      expect(flatten(reply.reply)).toContain('Usage: `partner ');
      expect(await h.counts()).toEqual(before);
      expect(await rows()).toHaveLength(1);
    });

    it('a handover by someone who does not own the partner', async () => {
      const before = await h.counts();
      const reply = await h.say('handover Nissan @cy over to you', LATER, bo);
      expect(reply).toContain('You do not own *Nissan*, so you cannot hand it over.');
      expect(await h.counts()).toEqual(before);
    });

    it('a removal by someone who does not own the partner', async () => {
      await h.say('owners Nissan add @cy it');
      const before = await h.counts();
      expect(await h.say('owners Nissan remove @cy', LATER, bo)).toContain('You do not own *Nissan*');
      expect(await h.counts()).toEqual(before);
    });
  });

  it('rolls the whole addition back when one of its writes fails', async () => {
    const before = await h.counts();
    const original = h.store.transaction.bind(h.store);
    jest.spyOn(h.store, 'transaction').mockImplementationOnce((work) =>
      original(async (tx) => {
        const result = await work(tx);
        throw new Error(`disk full after ${String(result)}`);
      }),
    );
    await expect(h.rapport.handleCommand(h.actor, 'owners Nissan add @bo sales', LATER)).rejects.toThrow(
      'disk full',
    );
    expect(await h.counts()).toEqual(before);
  });

  it('removes an owner: the lead passes on, and their nudges about the partner stop', async () => {
    await h.say('owners Nissan add @bo sales');
    await h.say('owners Nissan lead @bo');
    expect(await rows()).toMatchObject([
      { member_id: 'ada', lead: 0 },
      { member_id: 'bo', lead: 1 },
    ]);
    await h.say('owners Nissan add @cy it');
    const reply = await h.say('owners Nissan remove @bo', LATER);
    expect(reply).toContain('Removed Bo from the owners of *Nissan*. Ada leads it now.');
    expect(await rows()).toMatchObject([
      { member_id: 'ada', lead: 1 },
      { member_id: 'cy', lead: 0 },
    ]);
    expect((await nudges()).filter((n) => n.member_id === 'bo')).toEqual([
      { member_id: 'bo', rule_id: 'owner-added', status: 'dismissed', answer: '_dismiss' },
    ]);
  });

  it('hands my ownership, role and lead over with a note that reaches the new owner in their own chat', async () => {
    const reply = await h.say('handover Nissan @bo Their CTO prefers calls on Tuesdays', LATER);
    expect(reply).toContain('Handed *Nissan* over to Bo. Bo leads it now.');
    expect(await rows()).toEqual([
      {
        member_id: 'bo',
        role: 'alliance-manager',
        lead: 1,
        added_by: 'ada',
        note: 'Their CTO prefers calls on Tuesdays',
      },
    ]);
    await scheduler.runDue(LATER);
    const [notice] = deliveredTo('bo');
    expect(notice?.title).toBe('Nissan — Handed over to you');
    expect(notice?.text).toBe(
      'Ada handed *Nissan* over to you (alliance manager).\nTheir note: “Their CTO prefers calls on Tuesdays”',
    );
    expect(notice?.facts).toEqual(
      expect.arrayContaining([
        { label: 'Stage', value: 'negotiating' },
        { label: 'Last contact', value: 'none logged' },
      ]),
    );
    expect(notice?.choices?.[0]).toMatchObject({ label: 'Open status', style: 'primary' });
    expect(deliveredTo('local')).toEqual([]);
  });

  it('hands over to someone who co-owns it already: they keep their role and take the lead', async () => {
    await h.say('owners Nissan add @bo sales');
    await h.say('owners Nissan add @cy it');
    const reply = await h.say('handover Nissan @cy', LATER);
    expect(reply).toContain('Handed *Nissan* over to Cy. Cy leads it now.');
    expect(await rows()).toEqual([
      { member_id: 'bo', role: 'sales', lead: 0, added_by: 'ada', note: null },
      { member_id: 'cy', role: 'it', lead: 1, added_by: 'ada', note: null },
    ]);
    expect((await nudges()).filter((n) => n.rule_id === 'owner-handover')).toEqual([
      { member_id: 'cy', rule_id: 'owner-handover', status: 'pending', answer: null },
    ]);
  });

  it('tells an added owner in their own chat where the relationship stands, then opens its status', async () => {
    await h.say('log Nissan call 2026-11-20 Pricing', NOW);
    await h.say('owners Nissan add @bo it', LATER);
    const report = await scheduler.runDue(LATER);
    expect(report.delivered).toBeGreaterThanOrEqual(1);
    const [notice] = deliveredTo('bo');
    expect(notice?.text).toBe('Ada made you a co-owner of *Nissan* (IT).');
    expect(notice?.facts).toEqual(
      expect.arrayContaining([
        { label: 'Stage', value: 'negotiating' },
        { label: 'Last contact', value: 'Fri 20 Nov 2026 (7 days ago)' },
        { label: 'With', value: 'Ada (alliance manager, lead)' },
      ]),
    );
    // Negotiating since today: nothing is due yet, the joint workshop comes first.
    expect(notice?.facts?.find((f) => f.label === 'Due now')?.value).toBe('nothing');
    expect(notice?.facts?.find((f) => f.label === 'Next')?.value).toContain('Joint workshop');
    const open = notice!.choices![0]!;
    const result = await h.rapport.handleChoice(bo, open.id, LATER);
    expect(flatten(result.reply)).toContain('Where the relationship with *Nissan* stands.');
    expect((await nudges()).find((n) => n.rule_id === 'owner-added')).toMatchObject({
      status: 'answered',
      answer: '_status',
    });
  });

  it('waits for the added owner’s working hours, like any nudge', async () => {
    const evening = new Date('2026-11-27T19:00:00Z');
    await h.say('owners Nissan add @bo sales', evening);
    const report = await scheduler.runDue(evening);
    expect(deliveredTo('bo')).toEqual([]);
    expect(report.held.length).toBeGreaterThan(0);
    // Monday morning, 09:00 in Bo's zone.
    await scheduler.runDue(new Date('2026-11-30T09:00:00Z'));
    // Folded with the joint workshop that fell due the same morning: one message, both in it.
    const [monday] = deliveredTo('bo');
    expect(deliveredTo('bo')).toHaveLength(1);
    expect(flatten(monday!)).toContain('Ada made you a co-owner of *Nissan* (sales).');
    expect(flatten(monday!)).toContain('Joint workshop');
  });

  it('sends the alignment nudge to every owner once, each naming the others, and one log closes it for all', async () => {
    const start = new Date('2026-10-01T10:00:00Z');
    await h.say('remove Nissan');
    await h.query('DELETE FROM partners');
    await h.say('add Renault negotiating', start);
    await h.say('owners Renault add @bo sales', start);
    await h.say('owners Renault add @cy it', start);
    // Everything but alignment is done, so the one nudge due is the alignment meeting.
    for (const kind of ['visit', 'workshop', 'call']) await h.say(`log Renault ${kind} 2026-11-20`, NOW, bo);
    await h.say('observe Renault 2026-11-20 They decide by consensus', NOW, cy);
    // The notices went out in October.
    await scheduler.runDue(new Date('2026-10-01T11:00:00Z'));
    channel.deliveries.length = 0;

    const report = await scheduler.runDue(NOW);
    expect(report.created).toBe(3);
    const alignment = await h.query(
      `SELECT member_id, status FROM nudges WHERE rule_id = 'internal-alignment' ORDER BY member_id`,
    );
    expect(alignment).toEqual([
      { member_id: 'ada', status: 'sent' },
      { member_id: 'bo', status: 'sent' },
      { member_id: 'cy', status: 'sent' },
    ]);
    const text = (session: string) => deliveredTo(session).map((m) => m.text);
    expect(text('local')).toEqual([
      expect.stringContaining('Sit down together with Bo (sales) and Cy (IT) and get'),
    ]);
    expect(text('bo')).toEqual([
      expect.stringContaining('Sit down together with Ada (alliance manager) and Cy (IT) and get'),
    ]);
    expect(text('cy')).toEqual([
      expect.stringContaining('Sit down together with Ada (alliance manager) and Bo (sales) and get'),
    ]);
    expect(await scheduler.runDue(new Date(NOW.getTime() + 3_600_000))).toMatchObject({
      created: 0,
      delivered: 0,
    });

    await h.say('log Renault alignment today Agreed the pricing line', LATER, cy);
    expect(
      await h.query(`SELECT member_id, status, answer FROM nudges WHERE rule_id = 'internal-alignment'`),
    ).toEqual([
      { member_id: 'ada', status: 'answered', answer: '_logged' },
      { member_id: 'bo', status: 'answered', answer: '_logged' },
      { member_id: 'cy', status: 'answered', answer: '_logged' },
    ]);
  });

  it('materialises each rule for the owners it names: the lead, one role, or everyone', async () => {
    const rules = DEFAULT_PLAYBOOK.rules.map((rule) =>
      rule.id === 'site-visit'
        ? { ...rule, recipients: 'lead' as const }
        : rule.id === 'keep-in-touch'
          ? { ...rule, recipients: { role: 'it' } }
          : rule,
    );
    const rapport = new Rapport({
      store: h.store,
      logger: h.logger,
      defaultTimeZone: 'UTC',
      playbook: validatePlaybook({ ...DEFAULT_PLAYBOOK, rules }),
    });
    const start = new Date('2026-10-01T10:00:00Z');
    await rapport.handleCommand(h.actor, 'add Toyota', start);
    await rapport.handleCommand(h.actor, 'owners Toyota add @bo sales', start);
    await rapport.handleCommand(h.actor, 'owners Toyota add @cy it', start);
    await rapport.handleCommand(h.actor, 'owners Toyota lead @bo', start);
    const pass = new NudgeScheduler(h.store, rapport, new Map([['shell', channel]]), h.logger, pacing());
    await pass.materialize(NOW);
    const rows =
      (await h.query(`SELECT n.rule_id, n.member_id FROM nudges n JOIN partners p ON p.id = n.partner_id
         WHERE p.name = 'Toyota' AND n.rule_id NOT LIKE 'owner-%' ORDER BY n.rule_id, n.member_id`)) as {
        rule_id: string;
        member_id: string;
      }[];
    // Grouped here rather than with group_concat/string_agg, so one query reads both stores.
    const made = [...new Set(rows.map((r) => r.rule_id))].map((ruleId) => ({
      rule_id: ruleId,
      members: rows
        .filter((r) => r.rule_id === ruleId)
        .map((r) => r.member_id)
        .join(','),
    }));
    expect(made).toEqual([
      { rule_id: 'cultural-observation', members: 'ada,bo,cy' },
      { rule_id: 'keep-in-touch', members: 'cy' },
      { rule_id: 'site-visit', members: 'bo' },
    ]);
  });

  describe('the single-voice flag', () => {
    const digestOf = async (actor: Actor, at: Date): Promise<string> => {
      const member = (await h.store.members.get(actor.workspaceId, actor.memberId))!;
      const message = await h.rapport.weeklyDigest(member, digestWeek(member, at), at);
      return message ? flatten(message) : '';
    };
    const dashboardOf = async (actor: Actor, at: Date) => flatten(await h.rapport.dashboard(actor, at));

    it('appears when every contact came from one member, and clears when a second member logs one', async () => {
      await h.say('owners Nissan add @bo sales');
      await h.say('log Nissan call 2026-11-10', NOW);
      await h.say('log Nissan meeting 2026-11-20', NOW);
      const flag = '⚠️ Single voice: all 2 contacts in the last 90 days came from Ada.';
      const fix = 'Add a co-owner: `partner owners Nissan add @member ROLE`.';
      expect(await h.say('status Nissan', NOW)).toContain(`${flag} ${fix}`);
      expect(await h.say('list', NOW)).toContain('⚠️ single voice');
      expect(await dashboardOf(h.actor, NOW)).toContain(flag);
      // Monday morning: the weekly digest says it too.
      const monday = new Date('2026-11-30T09:30:00Z');
      expect(await digestOf(bo, monday)).toContain(flag);

      await h.say('log Nissan call 2026-11-26 Their buyer', NOW, bo);
      expect(await h.say('status Nissan', NOW)).not.toContain('Single voice');
      expect(await h.say('list', NOW)).not.toContain('single voice');
      expect(await dashboardOf(h.actor, NOW)).not.toContain('Single voice');
      expect(await digestOf(bo, monday)).not.toContain('Single voice');
    });
  });
});
