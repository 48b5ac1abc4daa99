import { parseChoiceId } from '../../src/core/choice-ids';
import { NudgeScheduler } from '../../src/scheduler/nudge-scheduler';
import { pruneFinished } from '../../src/scheduler/retention-step';
import { coreHarness, flatten } from '../support/core-harness';

const DAY_MS = 86_400_000;
const START = new Date('2026-11-27T10:00:00Z');
const day = (n: number): Date => new Date(START.getTime() + n * DAY_MS);
/** A member id and display name that appear nowhere else, so any trace of them is found. */
const ZED = { workspaceId: 'shell:local', memberId: 'U0ZEDFORGET' };
const ZED_NAME = 'Zelda Quuxworth';

describe('forget me and export mine', () => {
  let h: Awaited<ReturnType<typeof coreHarness>>;

  /** Every row of every table of the database (from sqlite_master) that mentions `needle`. */
  const rowsMentioning = (needle: string): string[] => {
    const tables = h.store.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as Array<{
      name: string;
    }>;
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['members', 'audit_log', 'journal']));
    return tables.flatMap(({ name }) =>
      (h.store.db.prepare(`SELECT * FROM "${name}"`).all() as object[])
        .map((row) => `${name}: ${JSON.stringify(row)}`)
        .filter((text) => text.toLowerCase().includes(needle.toLowerCase())),
    );
  };

  beforeEach(async () => {
    h = await coreHarness({ now: START });
    await h.rapport.identify(
      'shell',
      'local',
      {
        memberId: ZED.memberId,
        displayName: ZED_NAME,
        isAdmin: true,
        address: { channel: 'shell', payload: { session: 'zed' } },
      },
      START,
    );
    const say = (text: string, at = START) => h.say(text, at, ZED);
    // A partner shared with Ada, and one Zelda owns alone.
    await say('add Nissan');
    await say('add Toyota');
    const nissan = (await h.store.partners.findByName(ZED.workspaceId, 'Nissan'))!;
    await h.store.partners.addOwner(ZED.workspaceId, nissan.id, 'ada');
    await say('log Nissan visit today Toured the plant');
    await say('log Toyota call today Pricing');
    await say('plan Nissan workshop 10 Dec Joint design');
    expect(await say('promise Nissan "send the pricing model" by 18 Dec')).toContain(
      'send the pricing model',
    );
    await say('signed Toyota');
    await say('prefs hours 08:00-16:00');
    await say('playbook set keep-in-touch every 40d');
    await say('admin add Ada');
    // Ada corrects Zelda's note: Ada's journal entry quotes Zelda's interaction.
    await h.say('edit Nissan 1 note Toured the Yokohama plant');
    // Nudges for both owners, one answered by Zelda; a digest sent to her.
    const scheduler = new NudgeScheduler(h.store, h.rapport, new Map(), h.logger);
    await scheduler.materialize(day(8));
    const zedNudge = h.store.db
      .prepare(`SELECT id FROM nudges WHERE member_id = ? AND rule_id = 'post-signing'`)
      .get(ZED.memberId) as { id: number };
    const answer = await h.rapport.handleChoice(ZED, `n:${zedNudge.id}:well`, day(8));
    expect(flatten(answer.reply)).toContain('Going well');
    const claim = (await h.store.digests.claim(ZED.workspaceId, ZED.memberId, '2026-W49', day(8), day(9)))!;
    await h.store.digests.markSent(claim, { ts: '1' }, day(8));
  });
  afterEach(() => h.close());

  it('exports the member’s own data as one JSON file', async () => {
    const result = await h.rapport.handleCommand(ZED, 'export mine', day(9));
    const [file] = result.reply.files ?? [];
    expect(file).toMatchObject({ name: 'rapport-mine-2026-12-06.json', mimeType: 'application/json' });
    const data = JSON.parse(file!.content) as {
      member: object;
      partnersOwned: Array<{ name: string }>;
      interactions: Array<{ kind: string }>;
      digests: object[];
      audit: Array<{ action: string }>;
      nudges: Array<{ id: number }>;
      retentionDays: number;
    };
    expect(data.member).toMatchObject({ id: ZED.memberId, display_name: ZED_NAME, work_start: 480 });
    expect(data.partnersOwned.map((p) => p.name)).toEqual(['Nissan', 'Toyota']);
    expect(data.interactions.map((i) => i.kind)).toEqual(
      expect.arrayContaining(['visit', 'call', 'milestone', 'checkin']),
    );
    expect(data.digests).toEqual([expect.objectContaining({ week: '2026-W49', status: 'sent' })]);
    expect(data.audit.map((a) => a.action)).toEqual(['playbook.set', 'admin.add']);
    expect(data.retentionDays).toBe(400);
    // Only her own nudges: Ada's are not in it.
    const own = h.store.db.prepare('SELECT id FROM nudges WHERE member_id = ? ORDER BY id').all(ZED.memberId);
    expect(own.length).toBeGreaterThan(0);
    expect(data.nudges.map((n) => ({ id: n.id }))).toEqual(own);
  });

  it('asks first, and a button backs out without deleting anything', async () => {
    const asked = await h.rapport.handleCommand(ZED, 'forget me', day(9));
    const choices = asked.reply.choices ?? [];
    expect(choices.map((c) => [c.label, c.role])).toEqual([
      ['Forget me', 'confirm'],
      ['Keep my data', 'cancel'],
    ]);
    expect(parseChoiceId(choices[1]!.id)).toEqual({ type: 'privacy', action: 'keep' });
    await h.rapport.handleChoice(ZED, choices[1]!.id, day(9));
    expect(rowsMentioning(ZED.memberId).length).toBeGreaterThan(10);
  });

  it('leaves no row in any table naming the member, and keeps shared partners whole', async () => {
    const before = h.store.db
      .prepare('SELECT partner_id, kind, occurred_on, note FROM interactions ORDER BY id')
      .all();
    expect(rowsMentioning(ZED.memberId).length).toBeGreaterThan(10);
    expect(rowsMentioning(ZED_NAME)).not.toEqual([]);
    const adaNudges = h.store.db.prepare(`SELECT id FROM nudges WHERE member_id = 'ada' ORDER BY id`).all();

    const asked = await h.rapport.handleCommand(ZED, 'forget me', day(9));
    const forget = asked.reply.choices!.find((c) => c.role === 'confirm')!;
    const done = await h.rapport.handleChoice(ZED, forget.id, day(9));
    expect(flatten(done.reply)).toContain('forgotten-1');

    expect(rowsMentioning(ZED.memberId)).toEqual([]);
    expect(rowsMentioning(ZED_NAME)).toEqual([]);

    // Both partners and all their history stay; the shared one goes to Ada, the other is anonymous.
    expect(
      h.store.db.prepare('SELECT partner_id, kind, occurred_on, note FROM interactions ORDER BY id').all(),
    ).toEqual(before);
    const byPartner = h.store.db
      .prepare(
        `SELECT p.name, p.created_by, GROUP_CONCAT(DISTINCT i.member_id) AS logged_by FROM partners p
         JOIN interactions i ON i.partner_id = p.id GROUP BY p.id ORDER BY p.name`,
      )
      .all();
    expect(byPartner).toEqual([
      { name: 'Nissan', created_by: 'ada', logged_by: 'ada' },
      { name: 'Toyota', created_by: 'forgotten-1', logged_by: 'forgotten-1' },
    ]);
    expect(h.store.db.prepare(`SELECT planned_by FROM planned_events`).all()).toEqual([
      { planned_by: 'ada' },
    ]);
    // Her promise to Nissan stays on the record, and Ada is reminded of it from now on.
    expect(h.store.db.prepare(`SELECT text, owner_id FROM promises`).all()).toEqual([
      { text: 'send the pricing model', owner_id: 'ada' },
    ]);
    // Zelda led Nissan, which she created: Ada, its other owner, leads it now.
    expect(h.store.db.prepare(`SELECT member_id, lead FROM partner_owners ORDER BY member_id`).all()).toEqual(
      [{ member_id: 'ada', lead: 1 }],
    );
    // Ada's own nudges and the playbook change stay; the audit log names the anonymous id.
    expect(h.store.db.prepare(`SELECT id FROM nudges WHERE member_id = 'ada' ORDER BY id`).all()).toEqual(
      adaNudges,
    );
    const audit = await h.say('audit', day(9));
    expect(audit).toContain('forgotten-1 — playbook.set keep-in-touch');
    expect(audit).toMatch(/forgotten-1 — member\.forgotten\n/);
    expect(await h.say('status Nissan', day(9))).toContain('Nissan');
  });

  it('forgets with `forget me confirm` too, numbering anonymous ids per workspace', async () => {
    await h.rapport.identify('shell', 'local', { memberId: 'U0OTHER', displayName: 'Other' }, day(9));
    await h.say('add Honda', day(9), { workspaceId: 'shell:local', memberId: 'U0OTHER' });
    expect(await h.say('forget me confirm', day(9), ZED)).toContain('forgotten-1');
    expect(
      await h.say('forget me confirm', day(9), { workspaceId: 'shell:local', memberId: 'U0OTHER' }),
    ).toContain('forgotten-2');
    expect(h.store.db.prepare(`SELECT created_by FROM partners WHERE name = 'Honda'`).get()).toEqual({
      created_by: 'forgotten-2',
    });
  });
});

describe('retention of finished nudges and digests', () => {
  it('deletes old finished nudges and digests in batches, keeping open and recent ones', async () => {
    const h = await coreHarness({ now: START });
    try {
      await h.say('add Nissan');
      const partnerId = (h.store.db.prepare('SELECT id FROM partners').get() as { id: number }).id;
      const old = new Date(START.getTime() - 500 * DAY_MS).toISOString();
      const recent = new Date(START.getTime() - 10 * DAY_MS).toISOString();
      const yesterday = new Date(START.getTime() - DAY_MS).toISOString();
      const tomorrow = new Date(START.getTime() + DAY_MS).toISOString();
      const insertNudge = h.store.db.prepare(
        `INSERT INTO nudges (workspace_id, partner_id, member_id, rule_id, occurrence, due_at, deliver_after, status,
           created_at, updated_at) VALUES ('shell:local', ?, 'ada', 'keep-in-touch', ?, ?, ?, ?, ?, ?)`,
      );
      const insertDigest = h.store.db.prepare(
        `INSERT INTO digests (workspace_id, member_id, week, status, created_at, updated_at)
         VALUES ('shell:local', 'ada', ?, ?, ?, ?)`,
      );
      const statuses = ['answered', 'dismissed', 'expired', 'failed'];
      h.store.db.transaction(() => {
        for (let i = 0; i < 1200; i++)
          insertNudge.run(partnerId, `old-${i}`, old, old, statuses[i % 4], old, old);
        // Open ones last changed long ago are kept all the same: only finished ones go.
        for (let i = 0; i < 5; i++)
          insertNudge.run(partnerId, `open-${i}`, yesterday, tomorrow, 'pending', yesterday, old);
        for (let i = 0; i < 5; i++)
          insertNudge.run(partnerId, `snoozed-${i}`, yesterday, tomorrow, 'snoozed', yesterday, old);
        for (let i = 0; i < 5; i++)
          insertNudge.run(partnerId, `recent-${i}`, recent, recent, 'answered', recent, recent);
        for (let i = 0; i < 600; i++) insertDigest.run(`old-${i}`, i % 2 ? 'sent' : 'skipped', old, old);
        insertDigest.run('old-sending', 'sending', old, old);
        insertDigest.run('recent', 'sent', recent, recent);
      })();
      const count = (sql: string): number => (h.store.db.prepare(sql).get() as { n: number }).n;

      // The first batch through the scheduler's pass, the rest through the step itself.
      const scheduler = new NudgeScheduler(h.store, h.rapport, new Map(), h.logger);
      expect((await scheduler.runDue(START)).pruned).toBe(1000);
      expect(count('SELECT COUNT(*) AS n FROM nudges')).toBe(1215 - 500);
      expect(await pruneFinished(h.store, START, 400, h.logger)).toBe(600);
      expect(await pruneFinished(h.store, START, 400, h.logger)).toBe(200);
      expect(await pruneFinished(h.store, START, 400, h.logger)).toBe(0);

      expect(
        h.store.db.prepare(`SELECT status, COUNT(*) AS n FROM nudges GROUP BY status ORDER BY status`).all(),
      ).toEqual([
        { status: 'answered', n: 5 },
        { status: 'pending', n: 5 },
        { status: 'snoozed', n: 5 },
      ]);
      expect(h.store.db.prepare('SELECT week, status FROM digests ORDER BY week').all()).toEqual([
        { week: 'old-sending', status: 'sending' },
        { week: 'recent', status: 'sent' },
      ]);
      // A shorter retention reaches the recent ones too.
      expect(await pruneFinished(h.store, START, 5, h.logger)).toBe(6);
    } finally {
      await h.close();
    }
  });
});
