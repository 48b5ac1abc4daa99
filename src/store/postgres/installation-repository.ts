/** Platform installations (Slack OAuth installs): the record in clear, the secrets as the channel sealed them. */
import type { Platform } from '../../core/model';
import type { InstallationRepository, StoredInstallation } from '../../core/ports';
import { SPENT_STATES_FORGOTTEN_PER_CALL, toInstallation } from '../mapping/installation';
import type { BadRowReporter, Row } from '../row-values';
import type { PgSql } from './pg-sql';

export class PgInstallationRepository implements InstallationRepository {
  constructor(
    private readonly sql: PgSql,
    private readonly onBadRow: BadRowReporter = () => undefined,
  ) {}

  async save(installation: StoredInstallation): Promise<void> {
    const i = installation;
    // One statement, so two instances completing the same install at once leave one row (the later one).
    await this.sql.run(
      `INSERT INTO installations (id, platform, workspace_external_id, enterprise_id, team_id,
         is_enterprise_install, record, sealed_secrets, installed_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (id) DO UPDATE SET
         workspace_external_id = excluded.workspace_external_id, enterprise_id = excluded.enterprise_id,
         team_id = excluded.team_id, is_enterprise_install = excluded.is_enterprise_install,
         record = excluded.record, sealed_secrets = excluded.sealed_secrets, updated_at = excluded.updated_at`,
      [
        i.id,
        i.platform,
        i.workspaceExternalId,
        i.enterpriseId,
        i.teamId,
        i.isEnterpriseInstall,
        JSON.stringify(i.record ?? null),
        i.sealedSecrets,
        i.installedAt,
        i.updatedAt,
      ],
    );
  }

  async get(id: string): Promise<StoredInstallation | null> {
    const row = await this.sql.one('SELECT * FROM installations WHERE id = $1', [id]);
    return row ? this.read(row) : null;
  }

  async remove(id: string): Promise<boolean> {
    return (await this.sql.run('DELETE FROM installations WHERE id = $1', [id])) > 0;
  }

  removeForWorkspace(platform: Platform, workspaceExternalId: string): Promise<number> {
    return this.sql.run('DELETE FROM installations WHERE platform = $1 AND workspace_external_id = $2', [
      platform,
      workspaceExternalId,
    ]);
  }

  async list(platform?: Platform): Promise<StoredInstallation[]> {
    const rows = platform
      ? await this.sql.all('SELECT * FROM installations WHERE platform = $1 ORDER BY id', [platform])
      : await this.sql.all('SELECT * FROM installations ORDER BY id');
    return rows.map((row) => this.read(row));
  }

  async reseal(id: string, sealedSecrets: string): Promise<void> {
    await this.sql.run('UPDATE installations SET sealed_secrets = $1 WHERE id = $2', [sealedSecrets, id]);
  }

  async spendOAuthState(stateHash: string, validUntil: Date, now: Date): Promise<boolean> {
    // One statement: the primary key decides between instances spending the same state at once (the later
    // insert waits for the earlier one and then inserts nothing). Expired entries are taken with SKIP LOCKED,
    // so concurrent spends forget different ones instead of waiting for each other.
    const row = await this.sql.one<{ spent: number }>(
      `WITH forgotten AS (
         DELETE FROM oauth_states_spent WHERE state_hash IN (
           SELECT state_hash FROM oauth_states_spent
           WHERE valid_until < $3 AND state_hash <> $1
           LIMIT ${SPENT_STATES_FORGOTTEN_PER_CALL} FOR UPDATE SKIP LOCKED)
       ), spent AS (
         INSERT INTO oauth_states_spent (state_hash, valid_until) VALUES ($1, $2)
         ON CONFLICT (state_hash) DO NOTHING RETURNING 1
       )
       SELECT count(*)::int AS spent FROM spent`,
      [stateHash, validUntil, now],
    );
    return row?.spent === 1;
  }

  private read(row: Row): StoredInstallation {
    const installation = toInstallation(row);
    if (installation.record === null) this.onBadRow('installation record', { installation: installation.id });
    return installation;
  }
}
