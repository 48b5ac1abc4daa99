import { LIST_OWNERS_SQL } from '../../src/store/sqlite/partner-owners';
import { describeWithPostgres } from '../support/postgres';
import { deleteInteraction, insertInteraction } from './interaction-rows';
import { NOW, STORE_KINDS, addPartner, nudgeFor, storeHarness } from './store-harness';
import type { StoreHarness, StoreKind } from './store-harness';

describe.each(STORE_KINDS)('%s partner repository', (kind) => {
  let h: StoreHarness<StoreKind>;

  beforeEach(async () => {
    h = await storeHarness(kind);
  });

  afterEach(async () => {
    await h.close();
  });

  it('finds partners by name case-insensitively and refuses a duplicate name', async () => {
    await h.store.partners.create({
      workspaceId: 'slack:T1',
      name: 'Renault Group',
      stage: 'exploring',
      createdBy: 'U1',
      now: NOW,
    });
    expect((await h.store.partners.findByName('slack:T1', 'renault group'))?.owners).toEqual(['U1']);
    await expect(
      h.store.partners.create({
        workspaceId: 'slack:T1',
        name: 'RENAULT GROUP',
        stage: 'exploring',
        createdBy: 'U1',
        now: NOW,
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('finds the first of several names, in the order given, with its index', async () => {
    await addPartner(h.store, 'Renault');
    await addPartner(h.store, 'Renault Group');
    await h.store.partners.addOwner(
      'slack:T1',
      (await h.store.partners.findByName('slack:T1', 'Renault Group'))!.id,
      'U2',
    );
    const names = ['Renault Group Alliance', 'renault group', 'Renault'];
    expect(await h.store.partners.findFirstNamed('slack:T1', names)).toMatchObject({
      index: 1,
      partner: { name: 'Renault Group', owners: ['U1', 'U2'] },
    });
    expect(await h.store.partners.findFirstNamed('slack:T1', [...names].reverse())).toMatchObject({
      index: 0,
      partner: { name: 'Renault' },
    });
    expect(await h.store.partners.findFirstNamed('slack:T1', ['Nissan', 'Toyota'])).toBeNull();
    expect(await h.store.partners.findFirstNamed('slack:T1', [])).toBeNull();
    expect(await h.store.partners.findFirstNamed('slack:T2', names)).toBeNull();
  });

  it('summarises interactions per kind, from the summary every write to interactions keeps', async () => {
    const p = await addPartner(h.store, 'Nissan');
    const other = await addPartner(h.store, 'Renault');
    for (const [kind, day] of [
      ['visit', '2026-10-01'],
      ['visit', '2026-11-20'],
      ['call', '2026-11-01'],
    ] as const) {
      await insertInteraction(h.rows, { partnerId: p.id, kind, occurredOn: day });
    }
    const rated = await insertInteraction(h.rows, {
      partnerId: other.id,
      kind: 'call',
      occurredOn: '2026-11-02',
      rating: 4,
    });
    expect(await h.store.partners.history('slack:T1', p.id)).toEqual({
      visit: { first: '2026-10-01', last: '2026-11-20', count: 2 },
      call: { first: '2026-11-01', last: '2026-11-01', count: 1 },
    });
    expect(await h.store.partners.history('slack:T1', other.id)).toEqual({
      call: { first: '2026-11-02', last: '2026-11-02', count: 1, lastRating: 4 },
    });
    // Scoped to its workspace, and empty once the interactions are gone.
    expect(await h.store.partners.history('slack:T2', p.id)).toEqual({});
    await deleteInteraction(h.rows, rated);
    expect(await h.store.partners.history('slack:T1', other.id)).toEqual({});
  });

  it('deletes a partner with its interactions, nudges, owners and summary', async () => {
    const { id } = await addPartner(h.store, 'Nissan');
    const kept = await addPartner(h.store, 'Renault');
    await h.store.partners.addOwner('slack:T1', id, 'U2');
    await h.rows(
      `INSERT INTO nudges (workspace_id, partner_id, member_id, rule_id, occurrence, due_at, deliver_after, status,
         created_at, updated_at)
       VALUES ('slack:T1', ${id}, 'U1', 'post-signing', 'd30', '2026-11-27T10:00:00.000Z',
         '2026-11-27T10:00:00.000Z', 'pending', '2026-11-27T10:00:00.000Z', '2026-11-27T10:00:00.000Z')
       RETURNING id`,
    );
    await insertInteraction(h.rows, { partnerId: id, kind: 'call', occurredOn: '2026-11-27' });
    await h.store.partners.remove('slack:T2', id);
    expect(await h.store.partners.get('slack:T1', id)).not.toBeNull();
    await h.store.partners.remove('slack:T1', id);
    expect(await h.store.partners.get('slack:T1', id)).toBeNull();
    expect(
      (await h.count('nudges')) + (await h.count('interactions')) + (await h.count('interaction_summary')),
    ).toBe(0);
    expect(await h.count('partner_owners')).toBe(1);
    expect((await h.store.partners.get('slack:T1', kept.id))?.owners).toEqual(['U1']);
  });

  it('lists partners whose next due instant has come, earliest first', async () => {
    const a = await addPartner(h.store, 'Nissan');
    const b = await addPartner(h.store, 'Renault');
    await addPartner(h.store, 'Toyota');
    await h.store.partners.setNextDueAt('slack:T1', a.id, NOW);
    await h.store.partners.setNextDueAt('slack:T1', b.id, new Date(NOW.getTime() - 1));
    expect((await h.store.partners.listDue(NOW, 10)).map((p) => p.name)).toEqual(['Renault', 'Nissan']);
    expect((await h.store.partners.listDue(NOW, 1)).map((p) => p.name)).toEqual(['Renault']);
  });

  describe('search', () => {
    const names = async (query: string, limit = 10, workspaceId = 'slack:T1'): Promise<string[]> =>
      (await h.store.partners.search(workspaceId, query, limit)).map((p) => p.name);

    beforeEach(async () => {
      for (const name of ['Nissan', 'renault', 'Renault Group', 'Groupe PSA', 'Toyota', 'Alliance Renault'])
        await addPartner(h.store, name);
      await addPartner(h.store, 'Renault Trucks', 'slack:T2');
    });

    it('finds names that start with the query before names that contain it, each by name, any case', async () => {
      expect(await names('REN')).toEqual(['renault', 'Renault Group', 'Alliance Renault']);
      expect(await names('group')).toEqual(['Groupe PSA', 'Renault Group']);
      expect(await names('a')).toEqual([
        'Alliance Renault',
        'Groupe PSA',
        'Nissan',
        'renault',
        'Renault Group',
        'Toyota',
      ]);
    });

    it('returns ids and names only, at most the limit, every partner for an empty query', async () => {
      const [first] = await h.store.partners.search('slack:T1', 'nis', 10);
      expect(first).toEqual({ id: expect.any(Number), name: 'Nissan' });
      expect(await names('', 3)).toEqual(['Alliance Renault', 'Groupe PSA', 'Nissan']);
      expect(await names('  ', 2)).toEqual(['Alliance Renault', 'Groupe PSA']);
      expect(await names('zzz')).toEqual([]);
    });

    it('stays in its workspace', async () => {
      expect(await names('trucks')).toEqual([]);
      expect(await names('ren', 10, 'slack:T2')).toEqual(['Renault Trucks']);
    });

    it('takes the query as text: wildcards and quotes match only themselves', async () => {
      await addPartner(h.store, '100% "Partners"_Ltd');
      expect(await names('%')).toEqual(['100% "Partners"_Ltd']);
      expect(await names('_')).toEqual(['100% "Partners"_Ltd']);
      expect(await names('"p')).toEqual(['100% "Partners"_Ltd']);
    });
  });

  it('updates the fields a patch names and no others, in its workspace only', async () => {
    const { id } = await h.store.partners.create({
      workspaceId: 'slack:T1',
      name: 'Nissan',
      stage: 'exploring',
      country: 'JP',
      createdBy: 'U1',
      now: NOW,
    });
    const later = new Date(NOW.getTime() + 60_000);
    expect(
      await h.store.partners.update('slack:T1', id, {
        stage: 'signed',
        signedOn: '2026-11-20',
        firstMetOn: '2026-01-05',
        timeZone: 'Asia/Tokyo',
        stageChangedAt: later,
      }),
    ).toMatchObject({
      stage: 'signed',
      signedOn: '2026-11-20',
      firstMetOn: '2026-01-05',
      country: 'JP',
      timeZone: 'Asia/Tokyo',
      stageChangedAt: later,
      createdAt: NOW,
      owners: ['U1'],
    });
    expect(await h.store.partners.update('slack:T1', id, { country: null, signedOn: null })).toMatchObject({
      country: null,
      signedOn: null,
      stage: 'signed',
    });
    expect((await h.store.partners.update('slack:T1', id, {})).timeZone).toBe('Asia/Tokyo');
    await expect(h.store.partners.update('slack:T2', id, { stage: 'ended' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect((await h.store.partners.get('slack:T1', id))?.stage).toBe('signed');
  });

  it('renames a partner unless another one has the name (any case)', async () => {
    const nissan = await addPartner(h.store, 'Nissan');
    await addPartner(h.store, 'Renault');
    expect(await h.store.partners.rename('slack:T1', nissan.id, 'Nissan Motor')).toMatchObject({
      name: 'Nissan Motor',
      owners: ['U1'],
    });
    expect((await h.store.partners.findByName('slack:T1', 'NISSAN MOTOR'))?.id).toBe(nissan.id);
    await expect(h.store.partners.rename('slack:T1', nissan.id, 'renault')).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    await expect(h.store.partners.rename('slack:T2', nissan.id, 'Datsun')).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect((await h.store.partners.get('slack:T1', nissan.id))?.name).toBe('Nissan Motor');
  });

  it('refuses a duplicate name inside a transaction, which goes on and commits', async () => {
    await addPartner(h.store, 'Nissan');
    await h.store.transaction(async (tx) => {
      await expect(addPartner(tx, 'nissan')).rejects.toMatchObject({ code: 'CONFLICT' });
      await addPartner(tx, 'Renault');
    });
    expect((await h.store.partners.list('slack:T1')).map((p) => p.name)).toEqual(['Nissan', 'Renault']);
    expect(await h.count('partner_owners')).toBe(2);
  });

  it('makes every partner of a workspace that is not ended due at once', async () => {
    const nissan = await addPartner(h.store, 'Nissan');
    const ended = await addPartner(h.store, 'Renault');
    await addPartner(h.store, 'Toyota', 'slack:T2');
    await h.store.partners.update('slack:T1', ended.id, { stage: 'ended' });
    expect(await h.store.partners.replanAll('slack:T1', NOW)).toBe(1);
    expect((await h.store.partners.listDue(NOW, 10)).map((p) => p.id)).toEqual([nissan.id]);
    await h.store.partners.setNextDueAt('slack:T1', nissan.id, null);
    expect(await h.store.partners.listDue(NOW, 10)).toEqual([]);
  });
});

describe('SQLite partner repository', () => {
  let h: StoreHarness;

  beforeEach(async () => {
    h = await storeHarness();
  });

  afterEach(async () => {
    await h.close();
  });

  it('summarises interactions per kind', async () => {
    const p = await addPartner(h.store, 'Nissan');
    for (const [kind, day] of [
      ['visit', '2026-10-01'],
      ['visit', '2026-11-20'],
      ['call', '2026-11-01'],
    ] as const) {
      await h.store.interactions.add({
        workspaceId: 'slack:T1',
        partnerId: p.id,
        memberId: 'U1',
        kind,
        occurredOn: day,
        now: NOW,
      });
    }
    expect(await h.store.partners.history('slack:T1', p.id)).toEqual({
      visit: { first: '2026-10-01', last: '2026-11-20', count: 2 },
      call: { first: '2026-11-01', last: '2026-11-01', count: 1 },
    });
    const recent = await h.store.interactions.listForPartner('slack:T1', p.id, { limit: 2 });
    expect(recent.map((i) => i.occurredOn)).toEqual(['2026-11-20', '2026-11-01']);
    const visits = await h.store.interactions.listForPartner('slack:T1', p.id, {
      kinds: ['visit'],
      since: '2026-11-01',
    });
    expect(visits.map((i) => i.occurredOn)).toEqual(['2026-11-20']);
  });

  it('deletes a partner with the interactions and nudges its repositories wrote', async () => {
    const { id } = await addPartner(h.store, 'Nissan');
    await h.store.nudges.createIfAbsent(nudgeFor(id));
    await h.store.interactions.add({
      workspaceId: 'slack:T1',
      partnerId: id,
      memberId: 'U1',
      kind: 'call',
      occurredOn: '2026-11-27',
      now: NOW,
    });
    await h.store.partners.remove('slack:T1', id);
    expect((await h.count('nudges')) + (await h.count('interactions'))).toBe(0);
  });

  describe('search', () => {
    it('walks the workspace’s name index, without a scan of the table', async () => {
      const prepare = jest.spyOn(h.store.db, 'prepare');
      await h.store.partners.search('slack:T1', 'ren', 10);
      const [sql] = prepare.mock.calls.map(([text]) => text).filter((text) => text.includes('instr('));
      prepare.mockRestore();
      const plan = (
        h.store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all('slack:T1', 'ren', 'ren', 10) as {
          detail: string;
        }[]
      )
        .map((row) => row.detail)
        .join('\n');
      expect(plan).toMatch(/SEARCH partners USING (COVERING )?INDEX \S+ \(workspace_id=\?\)/);
      expect(plan).not.toMatch(/SCAN partners/);
    });
  });

  it('prepares each statement once, however often and with however many names it runs', async () => {
    await addPartner(h.store, 'Nissan');
    const prepare = jest.spyOn(h.store.db, 'prepare');
    const run = async (names: string[]) => {
      await h.store.partners.findFirstNamed('slack:T1', names);
      await h.store.partners.list('slack:T1');
      await h.store.interactions.listForPartner('slack:T1', 1, {
        kinds: (['visit', 'call', 'meeting'] as const).slice(0, names.length),
      });
    };
    await run(['Nissan']);
    const warmedUp = prepare.mock.calls.length;
    await run(['Renault Group', 'Renault']);
    await run(['Nissan Motor Company', 'Nissan Motor', 'Nissan']);
    expect(prepare.mock.calls.length).toBe(warmedUp);
    prepare.mockRestore();
  });
});

describe('reading a partner’s owners', () => {
  it('finds them by the partner, never by scanning the workspace’s owners (no statistics needed)', async () => {
    const h = await storeHarness();
    try {
      const plan = (
        h.store.db.prepare(`EXPLAIN QUERY PLAN ${LIST_OWNERS_SQL}`).all('w', 1) as { detail: string }[]
      )
        .map((row) => row.detail)
        .join(' | ');
      expect(plan).toMatch(/SEARCH o USING INDEX sqlite_autoindex_partner_owners_1 \(partner_id=\?\)/);
      expect(plan).not.toContain('partner_owners_member');
    } finally {
      await h.close();
    }
  });
});

describeWithPostgres('PostgreSQL partner repository, several creators at once', () => {
  let h: StoreHarness<'postgres'>;

  beforeEach(async () => {
    h = await storeHarness('postgres');
  });

  afterEach(async () => {
    await h.close();
  });

  it('lets exactly one of several callers create a name, the others get CONFLICT', async () => {
    const outcomes = await Promise.allSettled(
      ['Nissan', 'NISSAN', ' nissan', 'Nissan'].map((name) => addPartner(h.store, name)),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const outcome of outcomes.filter((o) => o.status === 'rejected')) {
      expect((outcome as PromiseRejectedResult).reason).toMatchObject({ code: 'CONFLICT' });
    }
    expect(await h.count('partners')).toBe(1);
    expect(await h.count('partner_owners')).toBe(1);
  });
});
