import { parseChoiceId } from '../../src/core/choice-ids';
import { Rapport } from '../../src/core/rapport';
import type { Actor } from '../../src/core/rapport';
import { NudgeScheduler } from '../../src/scheduler/nudge-scheduler';
import { pruneFinished } from '../../src/scheduler/retention-step';
import { flatten } from '../support/core-harness';
import { recordingLogger } from '../support/silent-logger';
import { STORE_KINDS, storeHarness } from './store-harness';
import type { StoreKind } from './store-harness';

const DAY_MS = 86_400_000;
const START = new Date('2026-11-27T10:00:00Z');
const day = (n: number): Date => new Date(START.getTime() + n * DAY_MS);
/** A member id and display name that appear nowhere else, so any trace of them is found. */
const ZED = { workspaceId: 'shell:local', memberId: 'U0ZEDFORGET' };
const ZED_NAME = 'Zelda Quuxworth';

/**
 * Rapport on a store of either kind (the store harness's), with Ada as the shell's member with a working
 * address, as the core harness sets it up on SQLite; `rows` reads the database directly.
 */
async function privacyHarness(kind: StoreKind) {
  const store = await storeHarness(kind);
  const logger = recordingLogger();
  const rapport = new Rapport({ store: store.store, logger, defaultTimeZone: 'UTC' });
  const { actor } = await rapport.identify(
    'shell',
    'local',
    { memberId: 'ada', displayName: 'Ada', address: { channel: 'shell', payload: { session: 'local' } } },
    START,
  );
  return {
    kind,
    store: store.store,
    rapport,
    logger,
    rows: store.rows,
    count: store.count,
    /** Runs a command and returns the whole reply as one string. */
    async say(text: string, at: Date = START, as: Actor = actor): Promise<string> {
      return flatten((await rapport.handleCommand(as, text, at)).reply);
    },
    close: () => store.close(),
  };
}

describe.each(STORE_KINDS)('%s forget me and export mine', (kind) => {
  let h: Awaited<ReturnType<typeof privacyHarness>>;

  /** Every row of every table of the database (from the engine's catalogue) that mentions `needle`. */
  const rowsMentioning = async (needle: string): Promise<string[]> => {
    const tables = (await h.rows(
      h.kind === 'postgres'
        ? `SELECT table_name AS name FROM information_schema.tables
           WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
        : `SELECT name FROM sqlite_master WHERE type = 'table'`,
    )) as Array<{ name: string }>;
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['members', 'audit_log', 'journal']));
    const found: string[] = [];
    for (const { name } of tables) {
      for (const row of await h.rows(`SELECT * FROM "${name}"`)) {
        const text = `${name}: ${JSON.stringify(row)}`;
        if (text.toLowerCase().includes(needle.toLowerCase())) found.push(text);
      }
    }
    return found;
  };

  beforeEach(async () => {
    h = await privacyHarness(kind);
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
    const [zedNudge] = (await h.rows(
      `SELECT id FROM nudges WHERE member_id = '${ZED.memberId}' AND rule_id = 'post-signing'`,
    )) as Array<{ id: number }>;
    const answer = await h.rapport.handleChoice(ZED, `n:${zedNudge!.id}:well`, day(8));
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
    const own = await h.rows(`SELECT id FROM nudges WHERE member_id = '${ZED.memberId}' ORDER BY id`);
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
    expect((await rowsMentioning(ZED.memberId)).length).toBeGreaterThan(10);
  });

  it('leaves no row in any table naming the member, and keeps shared partners whole', async () => {
    const interactions = 'SELECT partner_id, kind, occurred_on, note FROM interactions ORDER BY id';
    const before = await h.rows(interactions);
    expect((await rowsMentioning(ZED.memberId)).length).toBeGreaterThan(10);
    expect(await rowsMentioning(ZED_NAME)).not.toEqual([]);
    const adaNudges = await h.rows(`SELECT id FROM nudges WHERE member_id = 'ada' ORDER BY id`);

    const asked = await h.rapport.handleCommand(ZED, 'forget me', day(9));
    const forget = asked.reply.choices!.find((c) => c.role === 'confirm')!;
    const done = await h.rapport.handleChoice(ZED, forget.id, day(9));
    expect(flatten(done.reply)).toContain('forgotten-1');

    expect(await rowsMentioning(ZED.memberId)).toEqual([]);
    expect(await rowsMentioning(ZED_NAME)).toEqual([]);

    // Both partners and all their history stay; the shared one goes to Ada, the other is anonymous.
    expect(await h.rows(interactions)).toEqual(before);
    const loggedBy =
      h.kind === 'postgres' ? `string_agg(DISTINCT i.member_id, ',')` : 'GROUP_CONCAT(DISTINCT i.member_id)';
    const byPartner = await h.rows(
      `SELECT p.name, p.created_by, ${loggedBy} AS logged_by FROM partners p
       JOIN interactions i ON i.partner_id = p.id GROUP BY p.id ORDER BY p.name`,
    );
    expect(byPartner).toEqual([
      { name: 'Nissan', created_by: 'ada', logged_by: 'ada' },
      { name: 'Toyota', created_by: 'forgotten-1', logged_by: 'forgotten-1' },
    ]);
    expect(await h.rows(`SELECT planned_by FROM planned_events`)).toEqual([{ planned_by: 'ada' }]);
    // Her promise to Nissan stays on the record, and Ada is reminded of it from now on.
    expect(await h.rows(`SELECT text, owner_id FROM promises`)).toEqual([
      { text: 'send the pricing model', owner_id: 'ada' },
    ]);
    // Zelda led Nissan, which she created: Ada, its other owner, leads it now.
    // (`lead` is 0/1 on SQLite, a boolean on PostgreSQL: read as 0/1 on both.)
    expect(
      await h.rows(
        `SELECT member_id, CASE WHEN lead THEN 1 ELSE 0 END AS lead FROM partner_owners ORDER BY member_id`,
      ),
    ).toEqual([{ member_id: 'ada', lead: 1 }]);
    // Ada's own nudges and the playbook change stay; the audit log names the anonymous id.
    expect(await h.rows(`SELECT id FROM nudges WHERE member_id = 'ada' ORDER BY id`)).toEqual(adaNudges);
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
    expect(await h.rows(`SELECT created_by FROM partners WHERE name = 'Honda'`)).toEqual([
      { created_by: 'forgotten-2' },
    ]);
  });

  it('gives two members forgotten at the same moment (two instances) different anonymous ids', async () => {
    const other = { workspaceId: 'shell:local', memberId: 'U0OTHER' };
    await h.rapport.identify('shell', 'local', { memberId: other.memberId, displayName: 'Other' }, day(9));
    await h.say('add Honda', day(9), other);
    const replies = await Promise.all([
      h.say('forget me confirm', day(9), ZED),
      h.say('forget me confirm', day(9), other),
    ]);
    const ids = replies.map((reply) => /forgotten-\d+/.exec(reply)?.[0]).sort();
    expect(ids).toEqual(['forgotten-1', 'forgotten-2']);
    expect(await rowsMentioning(ZED.memberId)).toEqual([]);
    expect(await rowsMentioning(other.memberId)).toEqual([]);
    expect(
      await h.rows(`SELECT actor_id FROM audit_log WHERE action = 'member.forgotten' ORDER BY actor_id`),
    ).toEqual([{ actor_id: 'forgotten-1' }, { actor_id: 'forgotten-2' }]);
  });
});

describe.each(STORE_KINDS)('%s retention of finished nudges and digests', (kind) => {
  it('deletes old finished nudges and digests in batches, keeping open and recent ones', async () => {
    const h = await privacyHarness(kind);
    try {
      await h.say('add Nissan');
      const [{ id: partnerId }] = (await h.rows('SELECT id FROM partners')) as [{ id: number }];
      const old = new Date(START.getTime() - 500 * DAY_MS).toISOString();
      const recent = new Date(START.getTime() - 10 * DAY_MS).toISOString();
      const yesterday = new Date(START.getTime() - DAY_MS).toISOString();
      const tomorrow = new Date(START.getTime() + DAY_MS).toISOString();
      /**
       * Inserts `n` nudges (`prefix-0`…) or old digests (weeks `old-0`…) through one statement written for
       * both engines: the numbers come from a recursive query, `status` is an SQL expression of `i`.
       */
      const numbered = (n: number) =>
        `WITH RECURSIVE numbers (i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM numbers WHERE i < ${n - 1})`;
      const insertNudges = (
        n: number,
        prefix: string,
        due: string,
        deliver: string,
        status: string,
        at: string,
      ) =>
        h.rows(
          `${numbered(n)}
           INSERT INTO nudges (workspace_id, partner_id, member_id, rule_id, occurrence, due_at, deliver_after,
             status, created_at, updated_at)
           SELECT 'shell:local', ${partnerId}, 'ada', 'keep-in-touch', '${prefix}-' || i, '${due}', '${deliver}',
             ${status}, '${due}', '${at}' FROM numbers RETURNING id`,
        );
      const insertDigests = (n: number, status: string) =>
        h.rows(
          `${numbered(n)}
           INSERT INTO digests (workspace_id, member_id, week, status, created_at, updated_at)
           SELECT 'shell:local', 'ada', 'old-' || i, ${status}, '${old}', '${old}' FROM numbers RETURNING week`,
        );
      const insertDigest = (week: string, status: string, at: string) =>
        h.rows(
          `INSERT INTO digests (workspace_id, member_id, week, status, created_at, updated_at)
           VALUES ('shell:local', 'ada', '${week}', '${status}', '${at}', '${at}') RETURNING week`,
        );
      const oneOfFour = `CASE i % 4 WHEN 0 THEN 'answered' WHEN 1 THEN 'dismissed' WHEN 2 THEN 'expired'
        ELSE 'failed' END`;
      expect(await insertNudges(1200, 'old', old, old, oneOfFour, old)).toHaveLength(1200);
      // Open ones last changed long ago are kept all the same: only finished ones go.
      await insertNudges(5, 'open', yesterday, tomorrow, `'pending'`, old);
      await insertNudges(5, 'snoozed', yesterday, tomorrow, `'snoozed'`, old);
      await insertNudges(5, 'recent', recent, recent, `'answered'`, recent);
      expect(await insertDigests(600, `CASE i % 2 WHEN 1 THEN 'sent' ELSE 'skipped' END`)).toHaveLength(600);
      await insertDigest('old-sending', 'sending', old);
      await insertDigest('recent', 'sent', recent);

      // The first batch through the scheduler's pass, the rest through the step itself.
      const scheduler = new NudgeScheduler(h.store, h.rapport, new Map(), h.logger);
      expect((await scheduler.runDue(START)).pruned).toBe(1000);
      expect(await h.count('nudges')).toBe(1215 - 500);
      expect(await pruneFinished(h.store, START, 400, h.logger)).toBe(600);
      expect(await pruneFinished(h.store, START, 400, h.logger)).toBe(200);
      expect(await pruneFinished(h.store, START, 400, h.logger)).toBe(0);

      expect(
        await h.rows(`SELECT status, COUNT(*) AS n FROM nudges GROUP BY status ORDER BY status`),
      ).toEqual([
        { status: 'answered', n: 5 },
        { status: 'pending', n: 5 },
        { status: 'snoozed', n: 5 },
      ]);
      expect(await h.rows('SELECT week, status FROM digests ORDER BY week')).toEqual([
        { week: 'old-sending', status: 'sending' },
        { week: 'recent', status: 'sent' },
      ]);
      // A shorter retention reaches the recent ones too.
      expect(await pruneFinished(h.store, START, 5, h.logger)).toBe(6);
    } finally {
      await h.close();
    }
  });

  it('lets two instances prune at once without deleting a row twice or leaving a batch undone', async () => {
    const h = await privacyHarness(kind);
    try {
      await h.say('add Nissan');
      const [{ id: partnerId }] = (await h.rows('SELECT id FROM partners')) as [{ id: number }];
      const old = new Date(START.getTime() - 500 * DAY_MS).toISOString();
      await h.rows(
        `WITH RECURSIVE numbers (i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM numbers WHERE i < 299)
         INSERT INTO nudges (workspace_id, partner_id, member_id, rule_id, occurrence, due_at, deliver_after,
           status, created_at, updated_at)
         SELECT 'shell:local', ${partnerId}, 'ada', 'keep-in-touch', 'old-' || i, '${old}', '${old}', 'expired',
           '${old}', '${old}' FROM numbers RETURNING id`,
      );
      const batches = await Promise.all([
        h.store.privacy.pruneFinished(START, 100),
        h.store.privacy.pruneFinished(START, 100),
      ]);
      expect(batches.map((b) => b.nudges)).toEqual([100, 100]);
      expect(await h.count('nudges')).toBe(100);
    } finally {
      await h.close();
    }
  });
});
