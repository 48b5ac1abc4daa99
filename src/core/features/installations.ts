/**
 * Whether Rapport is installed where it sends: a workspace that uninstalled the app (Slack
 * `app_uninstalled`, `tokens_revoked`) gets nothing more and its data is deleted after a grace period; a
 * member who removed the app (Teams) gets nothing more until they add it again. Installing again lifts
 * either mark. Each change that writes several rows is one transaction.
 */
import type { Member, Platform } from '../model';
import type { Store, StoredInstallation } from '../ports';

export class InstallationFeature {
  constructor(private readonly store: Store) {}

  /**
   * Keeps an installation (a new install, a re-install, a refreshed token): the workspace exists, is no
   * longer marked uninstalled, and holds this installation.
   */
  async installed(installation: StoredInstallation, workspaceName: string | null, now: Date): Promise<void> {
    await this.store.transaction(async (tx) => {
      const workspace = await tx.workspaces.ensure(
        installation.platform,
        installation.workspaceExternalId,
        workspaceName,
        now,
      );
      await tx.workspaces.markUninstalled(workspace.id, null);
      await tx.installations.save(installation);
    });
  }

  /** One installation by id (`slack:T…`, `slack:E…`). */
  find(id: string): Promise<StoredInstallation | null> {
    return this.store.installations.get(id);
  }

  /** Every installation of a platform, by id (secrets still sealed): for operators' checks. */
  list(platform: Platform): Promise<StoredInstallation[]> {
    return this.store.installations.list(platform);
  }

  /**
   * Spends an OAuth state (by its SHA-256 digest) for every instance on the database: true on its first use,
   * false when any instance spent it already. Kept until `validUntil`.
   */
  spendOAuthState(stateHash: string, validUntil: Date, now: Date): Promise<boolean> {
    return this.store.installations.spendOAuthState(stateHash, validUntil, now);
  }

  /** Every member of a workspace (a channel picks those a removal reaches). */
  members(platform: Platform, workspaceExternalId: string): Promise<Member[]> {
    return this.store.members.listByWorkspace(`${platform}:${workspaceExternalId}`);
  }

  /** The workspace uninstalled the app: its nudges and digests stop at once, its installations go. */
  async uninstalled(platform: Platform, workspaceExternalId: string, now: Date): Promise<void> {
    await this.store.transaction(async (tx) => {
      const workspace = await tx.workspaces.get(`${platform}:${workspaceExternalId}`);
      // An earlier mark keeps its day: the grace period counts from the first uninstall.
      if (workspace && !(await tx.workspaces.uninstalledAt(workspace.id))) {
        await tx.workspaces.markUninstalled(workspace.id, now);
      }
      await tx.installations.removeForWorkspace(platform, workspaceExternalId);
    });
  }

  /**
   * Members removed the app (`removed`), or added it back: while removed their nudges wait. Members not
   * known yet are left alone. Returns how many members changed.
   */
  async membersRemovedApp(
    platform: Platform,
    workspaceExternalId: string,
    memberIds: readonly string[],
    removed: boolean,
    now: Date,
  ): Promise<number> {
    if (memberIds.length === 0) return 0;
    return this.store.transaction(async (tx) => {
      const workspaceId = `${platform}:${workspaceExternalId}`;
      let changed = 0;
      for (const memberId of memberIds) {
        if (await tx.members.setAppRemoved(workspaceId, memberId, removed ? now : null)) changed += 1;
      }
      return changed;
    });
  }

  /** Deletes the workspaces uninstalled more than `retentionDays` ago, with all their data; their ids. */
  async purgeUninstalled(now: Date, retentionDays: number): Promise<string[]> {
    const before = new Date(now.getTime() - retentionDays * 86_400_000);
    const ids = await this.store.workspaces.listUninstalledBefore(before);
    for (const id of ids) await this.store.transaction((tx) => tx.workspaces.purge(id));
    return ids;
  }
}
