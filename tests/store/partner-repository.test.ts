import { NOW, addPartner, nudgeFor, storeHarness } from './store-harness';
import { LIST_OWNERS_SQL } from '../../src/store/sqlite/partner-owners';
import type { StoreHarness } from './store-harness';

describe('SQLite partner repository', () => {
  let h: StoreHarness;

  beforeEach(async () => {
    h = await storeHarness();
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

  it('deletes a partner with its interactions and nudges', async () => {
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
