/** Platform installations (Slack OAuth installs): the record in clear, the secrets as the channel sealed them. */
import type { Platform } from '../../core/model';
import type { InstallationRepository, StoredInstallation } from '../../core/ports';
import type { Connection } from './connection';
import type { BadRowReporter, Row } from './rows';
import { iso } from './rows';
import { SPENT_STATES_FORGOTTEN_PER_CALL, toInstallation } from '../mapping/installation';

export class SqliteInstallationRepository implements InstallationRepository {
  constructor(
    private readonly connection: Connection,
    private readonly onBadRow: BadRowReporter = () => undefined,
  ) {}

  save(installation: StoredInstallation): Promise<void> {
    const i = installation;
    return this.connection.run((db) => {
      db.prepare(
        `INSERT INTO installations (id, platform, workspace_external_id, enterprise_id, team_id,
           is_enterprise_install, record, sealed_secrets, installed_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET
           workspace_external_id = excluded.workspace_external_id, enterprise_id = excluded.enterprise_id,
           team_id = excluded.team_id, is_enterprise_install = excluded.is_enterprise_install,
           record = excluded.record, sealed_secrets = excluded.sealed_secrets, updated_at = excluded.updated_at`,
      ).run(
        i.id,
        i.platform,
        i.workspaceExternalId,
        i.enterpriseId,
        i.teamId,
        i.isEnterpriseInstall ? 1 : 0,
        JSON.stringify(i.record ?? null),
        i.sealedSecrets,
        iso(i.installedAt),
        iso(i.updatedAt),
      );
    });
  }

  get(id: string): Promise<StoredInstallation | null> {
    return this.connection.run((db) => {
      const row = db.prepare('SELECT * FROM installations WHERE id = ?').get(id) as Row | undefined;
      return row ? this.read(row) : null;
    });
  }

  remove(id: string): Promise<boolean> {
    return this.connection.run(
      (db) => db.prepare('DELETE FROM installations WHERE id = ?').run(id).changes > 0,
    );
  }

  removeForWorkspace(platform: Platform, workspaceExternalId: string): Promise<number> {
    return this.connection.run(
      (db) =>
        db
          .prepare('DELETE FROM installations WHERE platform = ? AND workspace_external_id = ?')
          .run(platform, workspaceExternalId).changes,
    );
  }

  list(platform?: Platform): Promise<StoredInstallation[]> {
    return this.connection.run((db) => {
      const rows = (
        platform
          ? db.prepare('SELECT * FROM installations WHERE platform = ? ORDER BY id').all(platform)
          : db.prepare('SELECT * FROM installations ORDER BY id').all()
      ) as Row[];
      return rows.map((row) => this.read(row));
    });
  }

  reseal(id: string, sealedSecrets: string): Promise<void> {
    return this.connection.run((db) => {
      db.prepare('UPDATE installations SET sealed_secrets = ? WHERE id = ?').run(sealedSecrets, id);
    });
  }

  spendOAuthState(stateHash: string, validUntil: Date, now: Date): Promise<boolean> {
    return this.connection.run((db) =>
      // One write transaction: the clean-up and the spend cost one commit, and the primary key decides
      // between two instances spending the same state (the second inserts nothing).
      db.atomic(() => {
        db.prepare(
          `DELETE FROM oauth_states_spent WHERE state_hash IN (
             SELECT state_hash FROM oauth_states_spent
             WHERE valid_until < ? AND state_hash != ? LIMIT ${SPENT_STATES_FORGOTTEN_PER_CALL})`,
        ).run(iso(now), stateHash);
        return (
          db
            .prepare(
              `INSERT INTO oauth_states_spent (state_hash, valid_until) VALUES (?, ?)
               ON CONFLICT (state_hash) DO NOTHING`,
            )
            .run(stateHash, iso(validUntil)).changes === 1
        );
      }, true),
    );
  }

  private read(row: Row): StoredInstallation {
    const installation = toInstallation(row);
    if (installation.record === null) this.onBadRow('installation record', { installation: installation.id });
    return installation;
  }
}
