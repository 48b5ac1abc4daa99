import { knownMemberOwners } from '../../src/core/import/member-owners';
import { NOW, STORE_KINDS, storeHarness } from './store-harness';
import type { StoreHarness, StoreKind } from './store-harness';

describe.each(STORE_KINDS)('%s members’ e-mail addresses', (kind) => {
  let h: StoreHarness<StoreKind>;

  beforeEach(async () => {
    h = await storeHarness(kind);
  });

  afterEach(async () => {
    await h.close();
  });

  it('keeps the address a platform reports, lower-cased, until another is reported', async () => {
    const first = await h.store.members.see(
      { workspaceId: 'slack:T1', memberId: 'U1', email: ' Ada@Example.COM ' },
      'UTC',
      NOW,
    );
    const unsaid = await h.store.members.see({ workspaceId: 'slack:T1', memberId: 'U1' }, 'UTC', NOW);
    const fresh = await h.store.members.see(
      { workspaceId: 'slack:T1', memberId: 'U9', email: 'nine@example.com' },
      'UTC',
      NOW,
    );

    expect(first.email).toBe('ada@example.com');
    expect(unsaid.email).toBe('ada@example.com');
    expect(fresh.email).toBe('nine@example.com');
  });

  it('finds owners among known members by address, in their own workspace only', async () => {
    await h.store.members.see(
      { workspaceId: 'slack:T1', memberId: 'U1', email: 'ada@example.com' },
      'UTC',
      NOW,
    );
    await h.store.members.see(
      { workspaceId: 'slack:T2', memberId: 'U7', email: 'bo@example.com' },
      'UTC',
      NOW,
    );

    const found = await knownMemberOwners(h.store.members, 'slack:T1').membersByEmail([
      'ada@example.com',
      'bo@example.com',
    ]);

    expect(found).toEqual(
      new Map([
        ['ada@example.com', 'U1'],
        ['bo@example.com', null],
      ]),
    );
  });
});
