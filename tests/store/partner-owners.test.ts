import type { Partner } from '../../src/core/model';
import { describeWithPostgres } from '../support/postgres';
import { NOW, STORE_KINDS, addPartner, storeHarness } from './store-harness';
import type { StoreHarness, StoreKind } from './store-harness';

describe.each(STORE_KINDS)('%s partner owners', (kind) => {
  let h: StoreHarness<StoreKind>;

  beforeEach(async () => {
    h = await storeHarness(kind);
  });

  afterEach(async () => {
    await h.close();
  });

  let partner: Partner;

  beforeEach(async () => {
    await h.store.members.see({ workspaceId: 'slack:T1', memberId: 'U2', displayName: 'Grace' }, 'UTC', NOW);
    partner = await addPartner(h.store, 'Nissan');
  });

  const owners = async () =>
    (await h.store.partners.listOwners('slack:T1', partner.id)).map(
      (o) => `${o.memberId}${o.lead ? '*' : ''}`,
    );

  it('starts with the creator, leading, as alliance manager; adds the others last, once each', async () => {
    expect(
      await h.store.partners.addOwner('slack:T1', partner.id, 'U2', {
        role: 'sponsor',
        addedBy: 'U1',
        note: 'Handover',
        now: NOW,
      }),
    ).toBe(true);
    expect(await h.store.partners.addOwner('slack:T1', partner.id, 'U3')).toBe(true);
    expect(await h.store.partners.addOwner('slack:T1', partner.id, 'U2')).toBe(false);
    expect(await h.store.partners.listOwners('slack:T1', partner.id)).toEqual([
      {
        memberId: 'U1',
        role: 'alliance-manager',
        lead: true,
        displayName: 'Ada',
        addressStale: false,
        known: true,
        addedBy: 'U1',
        addedByName: 'Ada',
        addedAt: NOW,
        note: null,
      },
      {
        memberId: 'U2',
        role: 'sponsor',
        lead: false,
        displayName: 'Grace',
        addressStale: false,
        known: true,
        addedBy: 'U1',
        addedByName: 'Ada',
        addedAt: NOW,
        note: 'Handover',
      },
      {
        memberId: 'U3',
        role: 'alliance-manager',
        lead: false,
        displayName: null,
        addressStale: false,
        known: false,
        addedBy: null,
        addedByName: null,
        addedAt: null,
        note: null,
      },
    ]);
    expect((await h.store.partners.get('slack:T1', partner.id))?.owners).toEqual(['U1', 'U2', 'U3']);
  });

  it('hands the lead over: to one owner only, to the next in order when the lead leaves', async () => {
    await h.store.partners.addOwner('slack:T1', partner.id, 'U2', { lead: true });
    await h.store.partners.addOwner('slack:T1', partner.id, 'U3');
    expect(await owners()).toEqual(['U1', 'U2*', 'U3']);
    expect(await h.store.partners.setLead('slack:T1', partner.id, 'U3')).toBe(true);
    expect(await h.store.partners.setLead('slack:T1', partner.id, 'U9')).toBe(false);
    expect(await owners()).toEqual(['U1', 'U2', 'U3*']);
    expect(await h.store.partners.removeOwner('slack:T1', partner.id, 'U2')).toBe(true);
    expect(await owners()).toEqual(['U1', 'U3*']);
    expect(await h.store.partners.removeOwner('slack:T1', partner.id, 'U3')).toBe(true);
    expect(await h.store.partners.removeOwner('slack:T1', partner.id, 'U3')).toBe(false);
    expect(await owners()).toEqual(['U1*']);
  });

  it('changes no owner through another workspace', async () => {
    expect(await h.store.partners.addOwner('slack:T2', partner.id, 'U2')).toBe(false);
    expect(await h.store.partners.setLead('slack:T2', partner.id, 'U1')).toBe(false);
    expect(await h.store.partners.removeOwner('slack:T2', partner.id, 'U1')).toBe(false);
    expect(await h.store.partners.listOwners('slack:T2', partner.id)).toEqual([]);
    expect(await h.store.partners.addOwner('slack:T1', partner.id + 1000, 'U2')).toBe(false);
    expect(await owners()).toEqual(['U1*']);
  });

  it('lists the partners a member owns, by name', async () => {
    const renault = await addPartner(h.store, 'renault');
    await addPartner(h.store, 'Toyota');
    await h.store.partners.addOwner('slack:T1', renault.id, 'U2');
    await h.store.partners.addOwner('slack:T1', partner.id, 'U2');
    expect((await h.store.partners.list('slack:T1', { ownerId: 'U2' })).map((p) => p.name)).toEqual([
      'Nissan',
      'renault',
    ]);
    expect((await h.store.partners.list('slack:T1')).map((p) => p.name)).toEqual([
      'Nissan',
      'renault',
      'Toyota',
    ]);
    expect(await h.store.partners.list('slack:T2')).toEqual([]);
  });
});

/** Every change to one partner's owners locks the partner's row first: these fail without that lock. */
describeWithPostgres('PostgreSQL partner owners, several callers at once', () => {
  let h: StoreHarness<'postgres'>;

  beforeEach(async () => {
    h = await storeHarness('postgres');
  });

  afterEach(async () => {
    await h.close();
  });

  it('gives owners added at once consecutive positions, and each member one place', async () => {
    const { id } = await addPartner(h.store, 'Nissan');
    const members = ['U2', 'U3', 'U4', 'U5', 'U6', 'U7', 'U2', 'U3'];
    const added = await Promise.all(members.map((m) => h.store.partners.addOwner('slack:T1', id, m)));
    expect(added.filter(Boolean)).toHaveLength(6);
    const rows = await h.rows(
      `SELECT member_id, position FROM partner_owners WHERE partner_id = ${id} ORDER BY position`,
    );
    expect(rows.map((row) => row.position)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(new Set(rows.map((row) => row.member_id))).toEqual(
      new Set(['U1', 'U2', 'U3', 'U4', 'U5', 'U6', 'U7']),
    );
  });

  it('leaves exactly one lead when owners leave and the lead moves at once', async () => {
    const { id } = await addPartner(h.store, 'Nissan');
    for (const member of ['U2', 'U3', 'U4']) await h.store.partners.addOwner('slack:T1', id, member);
    await Promise.all([
      h.store.partners.removeOwner('slack:T1', id, 'U1'),
      h.store.partners.removeOwner('slack:T1', id, 'U2'),
      h.store.partners.setLead('slack:T1', id, 'U3'),
      h.store.partners.addOwner('slack:T1', id, 'U5', { lead: true }),
    ]);
    const owners = await h.store.partners.listOwners('slack:T1', id);
    expect(owners.map((o) => o.memberId)).toEqual(['U3', 'U4', 'U5']);
    expect(owners.filter((o) => o.lead)).toHaveLength(1);
  });
});
