import type { ConversationReference } from 'botbuilder';
import { teamsAddress } from '../../src/channels/teams/teams-address';
import type { Repositories, Store } from '../../src/core/ports';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store';
import { FakeBotConnector } from '../support/fake-bot-connector';
import { tempDir } from '../support/temp-dir';

/** Monday 30 November 2026, 10:00 UTC: working hours for members in UTC. */
export const MONDAY = new Date('2026-11-30T10:00:00Z');

export function conversationId(tenant: string, i: number): string {
  return `a:${tenant}-conv-${i}`;
}

/**
 * Seeds `perTenant` Teams members in each tenant, each owning one partner with one nudge due at MONDAY,
 * reachable through the fake connector at `serviceUrl`. Uses the real store on the real file.
 */
export async function seedTeamsNudges(
  path: string,
  serviceUrl: string,
  tenants: string[],
  perTenant: number,
): Promise<number> {
  const store = openSqliteStore({ path });
  try {
    return await seedTeamsNudgesInto(store, serviceUrl, tenants, perTenant);
  } finally {
    await store.close();
  }
}

/** The same, through any store (in one transaction: one commit for the whole seed). */
export function seedTeamsNudgesInto(
  store: Store,
  serviceUrl: string,
  tenants: string[],
  perTenant: number,
): Promise<number> {
  return store.transaction((tx) => seed(tx, serviceUrl, tenants, perTenant));
}

async function seed(
  store: Repositories,
  serviceUrl: string,
  tenants: string[],
  perTenant: number,
): Promise<number> {
  const created = new Date(MONDAY.getTime() - 30 * 86_400_000);
  let count = 0;
  for (const tenant of tenants) {
    const workspace = await store.workspaces.ensure('teams', tenant, null, created);
    for (let i = 0; i < perTenant; i++) {
      const reference: Partial<ConversationReference> = {
        channelId: 'msteams',
        serviceUrl,
        conversation: {
          id: conversationId(tenant, i),
          conversationType: 'personal',
          tenantId: tenant,
          isGroup: false,
          name: '',
        },
        user: { id: `29:${tenant}-user-${i}`, name: `Member ${i}`, aadObjectId: `${tenant}-aad-${i}` },
        bot: { id: '28:bot-id', name: 'Rapport' },
      };
      const memberId = `${tenant}-aad-${i}`;
      await store.members.see(
        { workspaceId: workspace.id, memberId, address: teamsAddress({ kind: 'conversation', reference }) },
        'UTC',
        created,
      );
      // Only nudges are counted here; the weekly digest would also go out on a Monday morning.
      await store.members.setDigest(workspace.id, memberId, false);
      const partner = await store.partners.create({
        workspaceId: workspace.id,
        name: `Partner ${i}`,
        stage: 'signed',
        createdBy: memberId,
        now: created,
      });
      await store.nudges.createIfAbsent({
        workspaceId: workspace.id,
        partnerId: partner.id,
        memberId,
        ruleId: 'keep-in-touch',
        occurrence: '2026-11-30',
        dueAt: MONDAY,
        deliverAfter: MONDAY,
        now: created,
      });
      count++;
    }
  }
  return count;
}

/** Registers jest hooks for one fake connector per file and a fresh directory per test. */
export function deliveryFixture(): { connector: () => FakeBotConnector; dbPath: () => string } {
  let connector: FakeBotConnector;
  let dir: ReturnType<typeof tempDir>;
  beforeAll(async () => {
    connector = new FakeBotConnector();
    await connector.start();
  });
  afterAll(() => connector.stop());
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => dir.cleanup());
  return { connector: () => connector, dbPath: () => dir.file('rapport.db') };
}
