/**
 * The Slack channel: `@slack/bolt` on the service's one HTTP server at `POST /slack/events` (slash
 * commands, interactivity and events on one URL), or over Socket Mode when an app-level token is
 * configured. It only translates between Slack and the core; no feature logic lives here.
 *
 * - Token check: `auth.test` runs once in `start()`. A refused token stops start-up with a message
 *   naming SLACK_BOT_TOKEN, and the bot's ids it returns are handed to Bolt, which otherwise calls
 *   `auth.test` again (with `tokenVerificationEnabled: false`, on every request).
 * - Logs: every line the channel, Bolt, the Web API and Socket Mode clients write has the bot token, the
 *   app token and the signing secret removed, even from the whole payloads Bolt logs at debug level.
 * - Retries: the Web API client never retries and rejects rate-limited calls at once
 *   (`rejectRateLimitedCalls`), so the scheduler, which owns retries, sees `RATE_LIMITED` with
 *   Slack's `Retry-After` instead of the SDK waiting for up to half an hour.
 * - Deadlines: every call to Slack (Web API methods, file uploads, `respond()` to a `response_url`) is
 *   aborted after `PLATFORM_TIMEOUT_MS`, which the channel reports as `UNAVAILABLE`.
 * - Workspaces: one, the installation `auth.test` names; every request is bound to it before any
 *   listener runs (`listeners/installation.ts`; `slack-identity.ts` for org-wide installs).
 * - Many workspaces (OAuth, `SLACK_CLIENT_ID`): `/slack/install` and `/slack/oauth_redirect` (`oauth.ts`),
 *   installations in the database with sealed tokens (`installation-store.ts`); each request is served
 *   for the installation Bolt authorized it for, and each nudge goes out with the token of the member's
 *   own workspace (refreshed first when token rotation is on and it is about to expire).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { App, HTTPReceiver, isValidSlackRequest, SocketModeReceiver, webApi } from '@slack/bolt';
import type { Logger as BoltLogger, Receiver } from '@slack/bolt';
import { InstallProvider } from '@slack/oauth';
import type { SlackConfig } from '../../config';
import { ConfigError } from '../../config';
import { ChannelError, describeError } from '../../core/errors';
import type { Message } from '../../core/messages';
import type { Address } from '../../core/model';
import type { Channel, DeliveryReceipt, Logger } from '../../core/ports';
import type { Route } from '../../http/server';
import { readBody, sendJson } from '../../http/server';
import { withoutSecrets } from '../../logger';
import { TokenKey } from '../../token-crypto';
import type { ChannelDeps, PlatformChannel } from '../platform-channel';
import { fetchWithDeadline } from '../deadline';
import { ChannelPosts, readSlackChannelAddress } from './channel-posts';
import { DirectMessages } from './direct-messages';
import type { SlackMessageRef } from './direct-messages';
import { InstalledClients } from './installed-clients';
import { SlackInstallationStore } from './installation-store';
import * as actions from './listeners/actions';
import * as commands from './listeners/commands';
import { COMMAND_ACK_BUDGET_MS } from './listeners/commands';
import * as events from './listeners/events';
import * as fileImport from './listeners/file-import';
import * as installation from './listeners/installation';
import * as options from './listeners/options';
import * as shortcuts from './listeners/shortcuts';
import type { SlackDeps } from './listeners/shared';
import * as uninstall from './listeners/uninstall';
import * as views from './listeners/views';
import { oauthReceiverOptions, SLACK_INSTALL_PATH, SLACK_REDIRECT_PATH } from './oauth';
import { SlackConnectNames } from './slack-connect';
import { slackErrorName, toChannelError } from './slack-errors';
import type { SlackInstallation } from './slack-identity';
import { decodeAddress, encodeAddress, SlackIdentities } from './slack-identity';
import { slackLogger } from './slack-logger';
import { WorkspaceIdentities } from './workspace-identities';

type SlackFetch = NonNullable<webApi.WebClientOptions['fetch']>;
type SlackFetchInit = NonNullable<Parameters<SlackFetch>[1]>;
type SlackFetchResponse = Awaited<ReturnType<SlackFetch>>;

/** Where Slack sends commands, interactivity and events. */
export const SLACK_EVENTS_PATH = '/slack/events';
/** Largest request body accepted, in bytes; Slack's payloads are a few kilobytes. */
const BODY_LIMIT_BYTES = 1024 * 1024;
/** How long `stop()` waits for listeners still running after their `ack()`, in ms. */
const DRAIN_MS = 10_000;
/** How long `stop()` waits for Slack to close the Socket Mode connection, in ms. */
const DISCONNECT_MS = 5_000;

/**
 * Delivers nudges as DMs from the app, or to a partner's channel when the address is a channel's.
 * `messageRef` is `{ channel, ts }`.
 */
export class SlackChannel implements Channel {
  readonly platform = 'slack' as const;

  constructor(
    private readonly dms: DirectMessages,
    private readonly posts?: ChannelPosts,
  ) {}

  async deliver(address: Address, message: Message): Promise<DeliveryReceipt> {
    const channel = readSlackChannelAddress(address);
    if (channel && this.posts) {
      try {
        return { messageRef: await this.posts.post(channel, message) };
      } catch (error) {
        throw toChannelError(error, 'posting to a Slack channel');
      }
    }
    const to = decodeAddress(address);
    try {
      const sent = await this.dms.send(to, message);
      return { messageRef: sent.ref, address: sent.opened ? encodeAddress(sent.opened) : undefined };
    } catch (error) {
      throw toChannelError(error, 'delivering to Slack');
    }
  }

  /** Replaces a DM delivered earlier (a nudge closed meanwhile). */
  async update(address: Address, messageRef: unknown, message: Message): Promise<void> {
    const ref = messageRef as Partial<SlackMessageRef> | null;
    if (!ref?.channel || !ref.ts) return;
    try {
      await this.dms.update(decodeAddress(address), { channel: ref.channel, ts: ref.ts }, message);
    } catch (error) {
      throw toChannelError(error, 'updating a Slack message');
    }
  }
}

/** Why a body that passed signature verification is not one Bolt can handle, or null when it is. */
export function slackBodyProblem(contentType: string | undefined, raw: Buffer): string | null {
  let body: unknown;
  try {
    // Parsed exactly as Bolt parses it: form fields only for this exact content type.
    if (contentType === 'application/x-www-form-urlencoded') {
      const form = new URLSearchParams(raw.toString('utf8'));
      const payload = form.get('payload');
      body = payload !== null ? JSON.parse(payload) : Object.fromEntries(form);
    } else {
      body = JSON.parse(raw.toString('utf8'));
    }
  } catch {
    return 'the body is neither JSON nor a Slack form';
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return 'the body is not a Slack payload';
  const b = body as Record<string, unknown>;
  const isObject = (value: unknown): boolean =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  if (b.event !== undefined) return isObject(b.event) ? null : 'the event is not an object';
  if (b.command !== undefined) return typeof b.command === 'string' ? null : 'the command is not text';
  if (b.actions !== undefined) {
    return Array.isArray(b.actions) && b.actions.length > 0 && b.actions.every(isObject)
      ? null
      : 'the actions are not a list';
  }
  if (b.type === 'view_submission' || b.type === 'view_closed') {
    const view = b.view as Record<string, unknown> | undefined;
    return isObject(view) && typeof view?.callback_id === 'string' ? null : 'the view is missing';
  }
  const known = ['url_verification', 'block_suggestion', 'dialog_submission', 'shortcut', 'message_action'];
  if (known.includes(String(b.type)) || b.name !== undefined || b.ssl_check !== undefined) return null;
  return 'the body is not a Slack payload';
}

/** The Slack platform: its channel, its route (HTTP mode), and the Bolt app behind them. */
class SlackPlatform implements PlatformChannel {
  readonly channel: SlackChannel;
  readonly routes: Route[];
  private readonly client: webApi.WebClient;
  private readonly clientOptions: webApi.WebClientOptions;
  private readonly dms: DirectMessages;
  /** The service's logger, without the app's secrets in any line. */
  private readonly logger: Logger;
  /** The same, for Bolt and the Web API and Socket Mode clients. */
  private readonly sdkLogger: BoltLogger;
  private readonly inflight = new Set<Promise<void>>();
  private httpReceiver: HTTPReceiver | null = null;
  private socketReceiver: SocketModeReceiver | null = null;
  /** OAuth: where installations are kept. */
  private readonly installationStore: SlackInstallationStore | null = null;

  constructor(
    private readonly config: SlackConfig,
    private readonly core: ChannelDeps,
  ) {
    const oauth = config.oauth;
    const secrets = [
      config.botToken,
      config.appToken,
      config.signingSecret,
      oauth?.clientSecret ?? null,
      oauth?.stateSecret ?? null,
      oauth?.tokenEncryptionKey ?? null,
    ];
    this.logger = withoutSecrets(core.logger, secrets);
    this.sdkLogger = slackLogger(core.logger, secrets);
    this.clientOptions = {
      ...(config.apiUrl ? { slackApiUrl: config.apiUrl } : {}),
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: config.timeoutMs,
      // Bolt's `respond()` posts to the `response_url` with this too, which the `timeout` above does not cover.
      fetch: fetchWithDeadline<string | URL, SlackFetchInit, SlackFetchResponse>(config.timeoutMs, fetch),
      logger: this.sdkLogger,
    };
    this.client = new webApi.WebClient(config.botToken ?? undefined, this.clientOptions);
    if (oauth) {
      this.installationStore = new SlackInstallationStore(
        core.rapport.installations,
        new TokenKey(oauth.tokenEncryptionKey),
        core.clock,
      );
      // Proactive sends have no request to authorize them: this provider reads (and refreshes) the token of
      // the member's workspace from the same store the receiver's installer writes.
      const { logger: _logger, ...installerClientOptions } = this.clientOptions;
      const installer = new InstallProvider({
        clientId: oauth.clientId,
        clientSecret: oauth.clientSecret,
        stateSecret: oauth.stateSecret,
        installationStore: this.installationStore,
        clientOptions: installerClientOptions,
        logger: this.sdkLogger,
      });
      const clients = new InstalledClients(
        installer,
        (token) => new webApi.WebClient(token, this.clientOptions),
      );
      this.dms = new DirectMessages((address) => clients.for(address));
      // A partner's channel is posted to with the token of the workspace it belongs to.
      this.channel = new SlackChannel(
        this.dms,
        new ChannelPosts((to) =>
          clients.for({
            teamId: to.teamId,
            enterpriseId: to.enterpriseId,
            isEnterpriseInstall: to.isEnterpriseInstall,
            userId: '',
          }),
        ),
      );
    } else {
      this.dms = new DirectMessages(async () => this.client);
      this.channel = new SlackChannel(this.dms, new ChannelPosts(async () => this.client));
    }
    const install = (req: IncomingMessage, res: ServerResponse): void => this.handleInstall(req, res);
    this.routes = config.appToken
      ? []
      : [
          { method: 'POST', path: SLACK_EVENTS_PATH, handler: (req, res) => this.handleHttp(req, res) },
          ...(oauth
            ? [
                { method: 'GET' as const, path: SLACK_INSTALL_PATH, handler: install },
                { method: 'GET' as const, path: SLACK_REDIRECT_PATH, handler: install },
              ]
            : []),
        ];
  }

  async start(): Promise<void> {
    const oauth = this.config.oauth;
    const bot = oauth ? null : await this.verifyToken();
    const logger = this.sdkLogger;
    let receiver: Receiver;
    if (this.config.appToken) {
      receiver = this.socketReceiver = new SocketModeReceiver({
        appToken: this.config.appToken,
        logger,
        // The Socket Mode client opens its connection through the Web API too (`apps.connections.open`).
        installerOptions: {
          clientOptions: {
            ...(this.config.apiUrl ? { slackApiUrl: this.config.apiUrl } : {}),
            timeout: this.config.timeoutMs,
          },
        },
        processEventErrorHandler: async ({ error }) => {
          this.logger.error({ err: describeError(error) }, 'Slack event failed');
          return true;
        },
      });
    } else {
      this.httpReceiver = new HTTPReceiver({
        signingSecret: this.config.signingSecret,
        endpoints: SLACK_EVENTS_PATH,
        logger,
        bodyLimit: BODY_LIMIT_BYTES,
        ...(oauth
          ? oauthReceiverOptions(
              oauth,
              this.installationStore!,
              (stateHash, validUntil, now) =>
                this.core.rapport.installations.spendOAuthState(stateHash, validUntil, now),
              this.clientOptions,
              this.logger,
            )
          : {}),
        processEventErrorHandler: async ({ error, response }) => {
          this.logger.error({ err: describeError(error) }, 'Slack request failed');
          // Slack retries a failed delivery; an answered one is not sent again.
          if (!response.headersSent) {
            response.writeHead(200);
            response.end();
          }
          return false;
        },
      });
      receiver = this.httpReceiver;
    }
    const app = new App({
      // With OAuth, the receiver's installer authorizes each request with its workspace's token.
      ...(bot ? { token: this.config.botToken!, botId: bot.botId, botUserId: bot.botUserId } : {}),
      receiver,
      logger,
      clientOptions: this.clientOptions,
      // Conversation state is not used; Bolt's default in-memory store would only grow.
      convoStore: false,
    });
    app.error(async (error) => {
      this.logger.error({ err: describeError(error) }, 'Slack listener failed');
    });
    const deps: SlackDeps = {
      rapport: this.core.rapport,
      logger: this.logger,
      clock: this.core.clock,
      identities: bot
        ? new SlackIdentities(this.core.rapport, this.logger, bot.installation, {
            allowGuests: this.config.allowGuests,
          })
        : new WorkspaceIdentities(this.core.rapport, this.logger, { allowGuests: this.config.allowGuests }),
      dms: this.dms,
      connect: new SlackConnectNames(this.logger),
      track: (listener) => this.track(listener),
      ackBudgetMs: this.core.slackAckBudgetMs ?? COMMAND_ACK_BUDGET_MS,
    };
    // First: nothing from outside the installation reaches a listener.
    installation.register(app, deps, bot?.installation ?? null);
    if (oauth) uninstall.register(app, deps);
    commands.register(app, deps);
    shortcuts.register(app, deps);
    actions.register(app, deps);
    options.register(app, deps);
    views.register(app, deps);
    events.register(app, deps);
    fileImport.register(app, deps);
    if (this.config.appToken) await this.connectSocket(app);
    this.logger.info(
      bot
        ? { mode: this.config.appToken ? 'socket' : 'http', botUserId: bot.botUserId, ...bot.installation }
        : { mode: 'http', install: SLACK_INSTALL_PATH },
      'Slack channel ready',
    );
  }

  async stop(): Promise<void> {
    this.httpReceiver = null;
    const socket = this.socketReceiver;
    this.socketReceiver = null;
    // Bolt's `stop()` does not wait for the WebSocket close handshake; the client's `disconnect()` does.
    if (socket) await within(DISCONNECT_MS, socket.client.disconnect()).catch(() => undefined);
    await within(DRAIN_MS, Promise.allSettled([...this.inflight]));
  }

  /** Opens the Socket Mode connection; a refused app-level token stops start-up naming it. */
  private async connectSocket(app: App): Promise<void> {
    try {
      await app.start();
    } catch (error) {
      const mapped = toChannelError(error, 'apps.connections.open');
      if (mapped.code === 'AUTH' || mapped.code === 'ADDRESS_GONE') {
        throw new ConfigError(
          'SLACK_APP_TOKEN',
          `Slack refused the app-level token (${slackErrorName(error) ?? mapped.message}); it needs the connections:write scope`,
        );
      }
      throw mapped;
    }
  }

  /** Checks the bot token once and learns the bot's ids and the installation it belongs to. */
  private async verifyToken(): Promise<{
    botId: string;
    botUserId: string;
    installation: SlackInstallation;
  }> {
    let result: webApi.AuthTestResponse;
    try {
      result = await this.client.auth.test();
    } catch (error) {
      const mapped = toChannelError(error, 'auth.test');
      if (mapped.code === 'AUTH') {
        throw new ConfigError(
          'SLACK_BOT_TOKEN',
          `Slack refused the bot token (${slackErrorName(error) ?? mapped.message})`,
        );
      }
      throw new ChannelError(
        mapped.code,
        `could not check the Slack bot token at ${this.config.apiUrl ?? 'https://slack.com/api/'}: ${mapped.message}`,
        { cause: error },
      );
    }
    if (!result.bot_id || !result.user_id) {
      throw new ConfigError('SLACK_BOT_TOKEN', 'is not a bot token (xoxb-…): auth.test named no bot');
    }
    const installation: SlackInstallation = {
      teamId: result.team_id || null,
      enterpriseId: result.enterprise_id || null,
      isEnterpriseInstall: result.is_enterprise_install === true,
    };
    if (installation.isEnterpriseInstall ? !installation.enterpriseId : !installation.teamId) {
      throw new ConfigError(
        'SLACK_BOT_TOKEN',
        'auth.test named no team or organisation for the bot token, so requests cannot be bound to it',
      );
    }
    return { botId: result.bot_id, botUserId: result.user_id, installation };
  }

  /** `/slack/install` and `/slack/oauth_redirect`: Bolt's installer answers them. */
  private handleInstall(req: IncomingMessage, res: ServerResponse): void {
    const receiver = this.httpReceiver;
    if (!receiver) {
      sendJson(res, 503, { error: 'the Slack channel is not running' });
      return;
    }
    receiver.requestListener(req, res);
  }

  private async handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receiver = this.httpReceiver;
    if (!receiver) {
      sendJson(res, 503, { error: 'the Slack channel is not running' });
      return;
    }
    let raw: Buffer;
    try {
      raw = await readBody(req, BODY_LIMIT_BYTES);
    } catch (error) {
      // The rest of a refused body is never read: close the connection rather than keep it half-read.
      res.setHeader('connection', 'close');
      throw error;
    }
    // Bolt reads an already buffered body from `rawBody` instead of the (consumed) stream.
    Object.assign(req, { rawBody: raw });
    if (this.isSigned(req, raw)) {
      const problem = slackBodyProblem(req.headers['content-type'], raw);
      if (problem) {
        sendJson(res, 400, { error: problem });
        return;
      }
    }
    // Unsigned, badly signed or stale requests go to Bolt too: it answers them 401.
    receiver.requestListener(req, res);
  }

  private isSigned(req: IncomingMessage, raw: Buffer): boolean {
    const signature = req.headers['x-slack-signature'];
    const timestamp = req.headers['x-slack-request-timestamp'];
    if (typeof signature !== 'string' || typeof timestamp !== 'string') return false;
    return isValidSlackRequest({
      signingSecret: this.config.signingSecret,
      body: raw.toString('utf8'),
      headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': Number(timestamp) },
    });
  }

  private track<A>(listener: (args: A) => Promise<void>): (args: A) => Promise<void> {
    return async (args: A) => {
      const running = listener(args);
      this.inflight.add(running);
      try {
        await running;
      } finally {
        this.inflight.delete(running);
      }
    };
  }
}

/** Waits for `work`, but no longer than `ms`. */
async function within(ms: number, work: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Builds the Slack platform from its configuration. Nothing talks to Slack until `start()`. */
export function createSlackPlatform(config: SlackConfig, core: ChannelDeps): PlatformChannel {
  return new SlackPlatform(config, core);
}
