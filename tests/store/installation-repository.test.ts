import type { Store, StoredInstallation } from '../../src/core/ports';
import { InstallationFeature } from '../../src/core/features/installations';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store';
import { openTestPostgresStore } from '../support/postgres';
import {
  addPartner,
  after,
  DAY,
  HOUR,
  NOW,
  nudgeFor,
  SLACK_ADDRESS,
  STORE_KINDS,
  storeHarness,
} from './store-harness';
import type { StoreHarness, StoreKind } from './store-harness';

function installation(overrides: Partial<StoredInstallation> = {}): StoredInstallation {
  return {
    id: 'slack:T1',
    platform: 'slack',
    workspaceExternalId: 'T1',
    enterpriseId: null,
    teamId: 'T1',
    isEnterpriseInstall: false,
    record: { team: { id: 'T1', name: 'Acme' }, bot: { userId: 'UB1', scopes: ['chat:write'] } },
    sealedSecrets: 'v1.abcd1234.iv.tag.ciphertext',
    installedAt: NOW,
    updatedAt: NOW,
    ...overrides,
  };
}

describe.each(STORE_KINDS)('%s installation repository and the uninstalled mark', (kind) => {
  let h: StoreHarness<StoreKind>;

  beforeEach(async () => {
    h = await storeHarness(kind);
  });
  afterEach(() => h.close());

  it('keeps an installation, replaces it by id keeping its first install time, and lists it', async () => {
    await h.store.installations.save(installation());
    await h.store.installations.save(
      installation({
        sealedSecrets: 'v1.abcd1234.iv.tag.other',
        installedAt: after(DAY),
        updatedAt: after(DAY),
      }),
    );

    expect(await h.store.installations.get('slack:T1')).toEqual(
      installation({ sealedSecrets: 'v1.abcd1234.iv.tag.other', updatedAt: after(DAY) }),
    );
    expect((await h.store.installations.list('slack')).map((i) => i.id)).toEqual(['slack:T1']);
    expect(await h.store.installations.list('teams')).toEqual([]);

    await h.store.installations.reseal('slack:T1', 'v1.ffff0000.iv.tag.new');
    expect((await h.store.installations.get('slack:T1'))?.sealedSecrets).toBe('v1.ffff0000.iv.tag.new');
    expect(await h.store.installations.remove('slack:T1')).toBe(true);
    expect(await h.store.installations.remove('slack:T1')).toBe(false);
  });

  it('removes every installation of a workspace, lists all platforms, and reports an unreadable record', async () => {
    await h.store.installations.save(installation());
    await h.store.installations.save(
      installation({ id: 'slack:E1', enterpriseId: 'E1', teamId: null, isEnterpriseInstall: true }),
    );
    await h.store.installations.save(
      installation({ id: 'slack:T2', workspaceExternalId: 'T2', teamId: 'T2' }),
    );
    expect(await h.store.installations.get('slack:E1')).toMatchObject({
      enterpriseId: 'E1',
      teamId: null,
      isEnterpriseInstall: true,
    });
    expect((await h.store.installations.list()).map((i) => i.id)).toEqual([
      'slack:E1',
      'slack:T1',
      'slack:T2',
    ]);

    expect(await h.store.installations.removeForWorkspace('slack', 'T1')).toBe(2);
    expect((await h.store.installations.list()).map((i) => i.id)).toEqual(['slack:T2']);

    await h.store.installations.save(installation({ record: null }));
    expect((await h.store.installations.get('slack:T1'))?.record).toBeNull();
    expect(h.badRows).toEqual([{ what: 'installation record', detail: { installation: 'slack:T1' } }]);
  });

  it('keeps one installation when two instances save the same one at once', async () => {
    // Two first installs race to insert; then replacements race to update, keeping the first install time.
    await Promise.all(
      ['a', 'b'].map((secret) => h.store.installations.save(installation({ sealedSecrets: secret }))),
    );
    await Promise.all(
      ['c', 'd', 'e'].map((secret, i) =>
        h.store.installations.save(
          installation({ sealedSecrets: secret, installedAt: after((i + 1) * DAY), updatedAt: after(DAY) }),
        ),
      ),
    );
    const saved = await h.store.installations.list();
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatchObject({ installedAt: NOW, updatedAt: after(DAY) });
    expect(['c', 'd', 'e']).toContain(saved[0]!.sealedSecrets);
  });

  it('skips an uninstalled workspace when claiming nudges and choosing digest recipients, and lifts it on install', async () => {
    const feature = new InstallationFeature(h.store);
    await h.store.members.see(
      { workspaceId: 'slack:T1', memberId: 'U1', address: SLACK_ADDRESS },
      'UTC',
      NOW,
    );
    const partner = await addPartner(h.store);
    await h.store.nudges.createIfAbsent(nudgeFor(partner.id));
    await feature.installed(installation(), 'Acme', NOW);

    await feature.uninstalled('slack', 'T1', NOW);

    expect(await h.store.installations.get('slack:T1')).toBeNull();
    expect(await h.store.workspaces.uninstalledAt('slack:T1')).toEqual(NOW);
    expect(await h.store.nudges.claimDeliverable(NOW, after(DAY), 10, ['slack'])).toEqual([]);
    expect(await h.store.members.listDigestRecipients(NOW)).toEqual([]);

    // A second uninstall keeps the first day: the grace period counts from it.
    await feature.uninstalled('slack', 'T1', after(DAY));
    expect(await h.store.workspaces.uninstalledAt('slack:T1')).toEqual(NOW);

    await feature.installed(installation(), 'Acme', after(DAY));
    expect(await h.store.workspaces.uninstalledAt('slack:T1')).toBeNull();
    expect((await h.store.members.listDigestRecipients(NOW)).map((m) => m.id)).toEqual(['U1']);
    expect(await h.store.nudges.claimDeliverable(NOW, after(DAY), 10, ['slack'])).toHaveLength(1);
  });

  it('skips a member who removed the app until they add it back', async () => {
    const feature = new InstallationFeature(h.store);
    await h.store.members.see(
      { workspaceId: 'slack:T1', memberId: 'U1', address: SLACK_ADDRESS },
      'UTC',
      NOW,
    );
    const partner = await addPartner(h.store);
    await h.store.nudges.createIfAbsent(nudgeFor(partner.id));

    expect(await feature.membersRemovedApp('slack', 'T1', ['U1', 'U-unknown'], true, NOW)).toBe(1);
    expect(await h.store.nudges.claimDeliverable(NOW, after(DAY), 10, ['slack'])).toEqual([]);
    expect(await h.store.members.listDigestRecipients(NOW)).toEqual([]);

    await feature.membersRemovedApp('slack', 'T1', ['U1'], false, NOW);
    expect(await h.store.nudges.claimDeliverable(NOW, after(DAY), 10, ['slack'])).toHaveLength(1);
  });

  it('deletes an uninstalled workspace with every row of it after the grace period, and nothing of others', async () => {
    const feature = new InstallationFeature(h.store);
    await h.store.members.see(
      { workspaceId: 'slack:T2', memberId: 'U2', address: SLACK_ADDRESS },
      'UTC',
      NOW,
    );
    const acme = await addPartner(h.store);
    const globex = await addPartner(h.store, 'Toyota', 'slack:T2', 'U2');
    await h.store.interactions.add({
      workspaceId: 'slack:T1',
      partnerId: acme.id,
      memberId: 'U1',
      kind: 'call',
      occurredOn: '2026-11-20',
      now: NOW,
    });
    await h.store.nudges.createIfAbsent(nudgeFor(acme.id));
    await h.store.nudges.createIfAbsent(nudgeFor(globex.id, { workspaceId: 'slack:T2', memberId: 'U2' }));
    await feature.uninstalled('slack', 'T1', NOW);

    expect(await feature.purgeUninstalled(after(29 * DAY), 30)).toEqual([]);
    expect(await h.count('partners')).toBe(2);

    expect(await feature.purgeUninstalled(after(31 * DAY), 30)).toEqual(['slack:T1']);
    expect(await h.store.workspaces.get('slack:T1')).toBeNull();
    expect(await h.count('members')).toBe(1);
    expect(await h.count('partners')).toBe(1);
    expect(await h.count('interactions')).toBe(0);
    expect(await h.count('nudges')).toBe(1);
    expect(await h.store.partners.list('slack:T2')).toHaveLength(1);
  });
});

describe.each(STORE_KINDS)('%s spent Slack OAuth states', (kind) => {
  let h: StoreHarness<StoreKind>;
  const hash = (n: number) => n.toString(16).padStart(64, '0');
  const spentHashes = async () =>
    (await h.rows('SELECT state_hash FROM oauth_states_spent ORDER BY state_hash')).map((r) => r.state_hash);

  beforeEach(async () => {
    h = await storeHarness(kind);
  });
  afterEach(() => h.close());

  /** A second store on the same database: another instance of the service. */
  function anotherInstance(): Promise<Store> {
    return kind === 'postgres'
      ? openTestPostgresStore(h.schema)
      : Promise.resolve(openSqliteStore({ path: h.path }));
  }

  it('spends a state once: true on its first use, false ever after, even once it expired', async () => {
    expect(await h.store.installations.spendOAuthState(hash(1), after(HOUR), NOW)).toBe(true);
    expect(await h.store.installations.spendOAuthState(hash(1), after(HOUR), NOW)).toBe(false);
    // A spend never forgets its own entry, however late it comes.
    expect(await h.store.installations.spendOAuthState(hash(1), after(3 * HOUR), after(2 * HOUR))).toBe(
      false,
    );
    expect(await h.store.installations.spendOAuthState(hash(2), after(HOUR), NOW)).toBe(true);
    expect(await spentHashes()).toEqual([hash(1), hash(2)]);
  });

  it('refuses on one instance a state spent on another', async () => {
    const other = await anotherInstance();
    try {
      expect(await h.store.installations.spendOAuthState(hash(1), after(HOUR), NOW)).toBe(true);
      expect(await other.installations.spendOAuthState(hash(1), after(HOUR), NOW)).toBe(false);
      expect(await other.installations.spendOAuthState(hash(2), after(HOUR), NOW)).toBe(true);
      expect(await h.store.installations.spendOAuthState(hash(2), after(HOUR), NOW)).toBe(false);
    } finally {
      await other.close();
    }
  });

  it('forgets expired entries as states are spent, and keeps those still valid', async () => {
    await h.store.installations.spendOAuthState(hash(1), after(HOUR), NOW);
    await h.store.installations.spendOAuthState(hash(2), after(3 * HOUR), NOW);
    // Valid until exactly `now` is not before it: kept one more call.
    await h.store.installations.spendOAuthState(hash(3), after(2 * HOUR), NOW);

    expect(await h.store.installations.spendOAuthState(hash(4), after(4 * HOUR), after(2 * HOUR))).toBe(true);

    expect(await spentHashes()).toEqual([hash(2), hash(3), hash(4)]);
    // Forgotten once it could not verify any more, so its hash is new again.
    expect(await h.store.installations.spendOAuthState(hash(1), after(5 * HOUR), after(2 * HOUR))).toBe(true);
  });

  it('forgets at most 200 expired entries per spend', async () => {
    for (let n = 1; n <= 250; n++) {
      expect(await h.store.installations.spendOAuthState(hash(n), after(HOUR), NOW)).toBe(true);
    }
    expect(await h.store.installations.spendOAuthState(hash(1000), after(DAY), after(2 * HOUR))).toBe(true);
    expect(await h.count('oauth_states_spent')).toBe(51);
    expect(await h.store.installations.spendOAuthState(hash(1001), after(DAY), after(2 * HOUR))).toBe(true);
    expect(await spentHashes()).toEqual([hash(1000), hash(1001)]);
  });

  it('lets exactly one of many instances spending the same state at once spend it', async () => {
    const others = await Promise.all([anotherInstance(), anotherInstance()]);
    try {
      const stores = [h.store, ...others];
      for (let round = 1; round <= 10; round++) {
        const answers = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            stores[i % stores.length]!.installations.spendOAuthState(hash(round), after(HOUR), NOW),
          ),
        );
        expect(answers.filter(Boolean)).toHaveLength(1);
      }
      expect(await h.count('oauth_states_spent')).toBe(10);
    } finally {
      await Promise.all(others.map((store) => store.close()));
    }
  });

  it('spends different states at once while they forget the same expired entries', async () => {
    for (let n = 1; n <= 20; n++) await h.store.installations.spendOAuthState(hash(n), after(HOUR), NOW);
    const other = await anotherInstance();
    try {
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 ? other : h.store).installations.spendOAuthState(hash(100 + i), after(DAY), after(2 * HOUR)),
        ),
      );
      expect(answers).toEqual(Array.from({ length: 8 }, () => true));
      expect(await spentHashes()).toEqual(Array.from({ length: 8 }, (_, i) => hash(100 + i)));
    } finally {
      await other.close();
    }
  });
});
