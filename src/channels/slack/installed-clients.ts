/**
 * Web API clients for proactive sends when many workspaces installed the app (OAuth): a nudge has no
 * request to authorize it, so the member's address names the installation (its team, or its organisation
 * for an org-wide install), `@slack/oauth` reads its token from the store (refreshing it first when token
 * rotation is on and it expires within two hours), and the client speaks with that token.
 */
import type { webApi } from '@slack/bolt';
import type { InstallationQuery, InstallProvider } from '@slack/oauth';
import { ChannelError } from '../../core/errors';
import type { SlackAddress } from './slack-identity';

/** Most clients kept; beyond it they are made again as needed (a client is cheap, a token lookup is not). */
const MAX_CLIENTS = 1_000;

export class InstalledClients {
  /** By token: a refreshed token gets a new client. */
  private readonly clients = new Map<string, webApi.WebClient>();

  constructor(
    private readonly installer: InstallProvider,
    private readonly makeClient: (token: string) => webApi.WebClient,
  ) {}

  /** The client for the installation serving `address`; `ChannelError('AUTH')` when there is none. */
  async for(address: SlackAddress): Promise<webApi.WebClient> {
    const query = {
      teamId: address.teamId,
      enterpriseId: address.enterpriseId,
      isEnterpriseInstall: address.isEnterpriseInstall === true,
    } as InstallationQuery<boolean>;
    let token: string | undefined;
    try {
      token = (await this.installer.authorize(query)).botToken;
    } catch (error) {
      throw new ChannelError(
        'AUTH',
        'Rapport is not installed in this Slack workspace, or its token failed',
        {
          cause: error,
        },
      );
    }
    if (!token) throw new ChannelError('AUTH', 'the Slack installation has no bot token');
    let client = this.clients.get(token);
    if (!client) {
      if (this.clients.size >= MAX_CLIENTS) this.clients.clear();
      client = this.makeClient(token);
      this.clients.set(token, client);
    }
    return client;
  }
}
