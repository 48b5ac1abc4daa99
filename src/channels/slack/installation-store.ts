/**
 * Where Slack OAuth installations live: the `installations` table, through the core. An installation is
 * kept as two parts: what Slack said about it (team, organisation, bot ids, scopes) in clear, and its tokens
 * (bot token, refresh token, user token, and their expiry stays in clear) sealed with `TOKEN_ENCRYPTION_KEY`,
 * so a copy of the database file reveals no token.
 *
 * Keys: an org-wide install on Enterprise Grid is one installation for the organisation (`slack:E…`), any
 * other install is one per team (`slack:T…`). A team inside an organisation that installed org-wide finds
 * the organisation's installation (`fetchOrgInstallation`), as Bolt expects.
 *
 * Storing an installation lifts the workspace's uninstalled mark (a re-install), and token rotation
 * (`@slack/oauth` refreshes an expiring bot token in `authorize` and stores the installation again) keeps
 * the new token, refresh token and expiry the same way.
 */
import type { Installation, InstallationQuery, InstallationStore } from '@slack/oauth';
import type { StoredInstallation } from '../../core/ports';
import type { InstallationFeature } from '../../core/features/installations';
import type { TokenKey } from '../../token-crypto';

/** The tokens of an installation: the only part that is encrypted. */
interface InstallationSecrets {
  botToken?: string;
  botRefreshToken?: string;
  userToken?: string;
  userRefreshToken?: string;
}

type AnyInstallation = Installation<'v1' | 'v2', boolean>;

/** The row id of an org-wide install of `enterpriseId`, or of a team's install. */
export function installationId(ids: {
  enterpriseId?: string | null;
  teamId?: string | null;
  isEnterpriseInstall?: boolean;
}): string | null {
  if (ids.isEnterpriseInstall) return ids.enterpriseId ? `slack:${ids.enterpriseId}` : null;
  return ids.teamId ? `slack:${ids.teamId}` : null;
}

/** An installed Slack workspace as operators' checks need it (`rapport doctor` calls `auth.test` with it). */
export interface InstalledSlackWorkspace {
  /** The core workspace's external id: the organisation for an org-wide install, else the team. */
  workspaceExternalId: string;
  teamId: string | null;
  enterpriseId: string | null;
  isEnterpriseInstall: boolean;
  botUserId: string | null;
  /** In clear: keep it out of every log and output. */
  botToken: string | null;
  /** When the bot token expires (token rotation on), else null. */
  botTokenExpiresAt: Date | null;
}

export class SlackInstallationStore implements InstallationStore {
  constructor(
    private readonly installations: InstallationFeature,
    private readonly key: TokenKey,
    private readonly clock: () => Date,
  ) {}

  async storeInstallation(installation: AnyInstallation): Promise<void> {
    const isEnterpriseInstall = installation.isEnterpriseInstall === true;
    const enterpriseId = installation.enterprise?.id ?? null;
    const teamId = installation.team?.id ?? null;
    const id = installationId({ enterpriseId, teamId, isEnterpriseInstall });
    const external = isEnterpriseInstall ? enterpriseId : teamId;
    if (!id || !external) throw new Error('Slack named no team or organisation for this installation');
    const now = this.clock();
    const secrets: InstallationSecrets = {
      botToken: installation.bot?.token,
      botRefreshToken: installation.bot?.refreshToken,
      userToken: installation.user?.token,
      userRefreshToken: installation.user?.refreshToken,
    };
    const stored: StoredInstallation = {
      id,
      platform: 'slack',
      workspaceExternalId: external,
      enterpriseId,
      teamId,
      isEnterpriseInstall,
      record: withoutSecrets(installation),
      sealedSecrets: this.key.seal(JSON.stringify(secrets)),
      installedAt: now,
      updatedAt: now,
    };
    const name = (isEnterpriseInstall ? installation.enterprise?.name : installation.team?.name) ?? null;
    await this.installations.installed(stored, name, now);
  }

  async fetchInstallation(query: InstallationQuery<boolean>): Promise<AnyInstallation> {
    const id = installationId(query);
    const found = (id ? await this.installations.find(id) : null) ?? (await this.orgInstallation(query));
    if (!found) throw new Error('Rapport is not installed in this Slack workspace');
    return this.open(found);
  }

  /** The organisation's org-wide installation, for a request from one of its teams. */
  async fetchOrgInstallation(query: InstallationQuery<boolean>): Promise<AnyInstallation | null> {
    const found = await this.orgInstallation(query);
    return found ? this.open(found) : null;
  }

  async deleteInstallation(query: InstallationQuery<boolean>): Promise<void> {
    const id = installationId(query);
    if (id) await this.installations.uninstalled('slack', id.slice('slack:'.length), this.clock());
  }

  /** Every installed workspace with its bot token opened, by id: for operators' checks. */
  async listInstalled(): Promise<InstalledSlackWorkspace[]> {
    const rows = await this.installations.list('slack');
    return rows.map((row) => {
      const installation = this.open(row);
      const expiresAt = installation.bot?.expiresAt;
      return {
        workspaceExternalId: row.workspaceExternalId,
        teamId: row.teamId,
        enterpriseId: row.enterpriseId,
        isEnterpriseInstall: row.isEnterpriseInstall,
        botUserId: installation.bot?.userId ?? null,
        botToken: installation.bot?.token ?? null,
        // NOTE: Slack's expiresAt is in seconds.
        botTokenExpiresAt: typeof expiresAt === 'number' ? new Date(expiresAt * 1000) : null,
      };
    });
  }

  private async orgInstallation(query: InstallationQuery<boolean>): Promise<StoredInstallation | null> {
    if (!query.enterpriseId) return null;
    const found = await this.installations.find(`slack:${query.enterpriseId}`);
    return found?.isEnterpriseInstall ? found : null;
  }

  /** The installation as `@slack/oauth` knows it, its tokens opened with the key. */
  private open(stored: StoredInstallation): AnyInstallation {
    const secrets = JSON.parse(this.key.open(stored.sealedSecrets)) as InstallationSecrets;
    const record = (stored.record ?? {}) as AnyInstallation;
    const installation: AnyInstallation = { ...record };
    if (record.bot) {
      installation.bot = { ...record.bot, token: secrets.botToken ?? '' };
      if (secrets.botRefreshToken) installation.bot.refreshToken = secrets.botRefreshToken;
    }
    if (record.user) {
      installation.user = { ...record.user, token: secrets.userToken };
      if (secrets.userRefreshToken) installation.user.refreshToken = secrets.userRefreshToken;
    }
    return installation;
  }
}

/** An installation with its tokens (and any incoming webhook, whose URL is a credential too) left out. */
function withoutSecrets(installation: AnyInstallation): unknown {
  const { bot, user, incomingWebhook: _webhook, ...rest } = installation;
  const out: Record<string, unknown> = { ...rest };
  if (bot) {
    const { token: _token, refreshToken: _refresh, ...botRest } = bot;
    out.bot = botRest;
  }
  if (user) {
    const { token: _token, refreshToken: _refresh, ...userRest } = user;
    out.user = userRest;
  }
  return out;
}
