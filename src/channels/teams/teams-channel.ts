/**
 * The Microsoft Teams channel: botbuilder's `CloudAdapter` at `POST /api/messages` on the service's
 * one HTTP server, the activity handler, and proactive delivery of nudges through stored conversation
 * references. botbuilder stays inside this folder so it can be swapped for the Teams SDK later.
 * With `MICROSOFT_APP_TENANT_ID` set, only that organisation is served: other tenants' activities are
 * answered 403 before the SDK sees them; with `TEAMS_ALLOWED_TENANTS`, only the organisations it lists.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ActivityTypes, CloudAdapter } from 'botbuilder';
import type { Activity, ConversationReference, TurnContext } from 'botbuilder';
import type { TeamsConfig } from '../../config';
import { ChannelError, describeError } from '../../core/errors';
import type { Message } from '../../core/messages';
import type { Address } from '../../core/model';
import type { Channel, DeliveryReceipt } from '../../core/ports';
import { readJson, sendJson } from '../../http/server';
import type { Route } from '../../http/server';
import { withoutSecrets } from '../../logger';
import type { ChannelDeps, PlatformChannel } from '../platform-channel';
import { within } from '../deadline';
import { TeamsAuthentication } from './teams-authentication';
import { botRequest, BotResponseBridge } from './http-bridge';
import type { TeamsAddressPayload } from './teams-address';
import { isRecord, readTeamsAddress, teamsAddress, tenantOf } from './teams-address';
import { withMentions } from './teams-conversation';
import { INVOKE_MESSAGE_TYPE, messageActivity, SORRY, TeamsBot } from './teams-bot';
import { toChannelError } from './teams-errors';
import type { TrustPolicy } from './teams-trust';
import { serviceUrlAllowed, tenantAllowed, untrustedActivity } from './teams-trust';

/** Where Bot Framework posts activities. */
export const TEAMS_MESSAGES_PATH = '/api/messages';
/** How long a stop waits for turns in progress. */
const TURN_DRAIN_MS = 10_000;
/** Largest activity accepted, in bytes (Teams caps messages at about 100 KB). */
const MAX_ACTIVITY_BYTES = 512 * 1024;
/**
 * OAuth scope of outbound calls in the public Azure cloud, the only one Rapport is configured for;
 * `continueConversationAsync` uses the same scope when none is given.
 */
const PUBLIC_CLOUD_AUDIENCE = 'https://api.botframework.com';

/** `messageRef` of a delivered Teams message: enough to update or delete it later. */
export interface TeamsMessageRef {
  activityId: string;
  conversationId: string;
}

/**
 * How many outbound calls one delivery may make in a row (a token, a new 1:1 chat, the message): its
 * overall bound is this many deadlines.
 */
const CALLS_PER_DELIVERY = 3;

/** What the Teams channel delivers with. */
export interface TeamsChannelOptions {
  adapter: CloudAdapter;
  appId: string;
  /** OAuth scope of outbound calls. */
  audience: string;
  clock: () => Date;
  /** Deadline of each connector call, in ms; a whole delivery gets `CALLS_PER_DELIVERY` of them. */
  timeoutMs: number;
  /** Which service URLs may be called ({@link serviceUrlAllowed}). */
  trust: TrustPolicy;
  /** `TEAMS_ALLOWED_TENANTS` (lower-case): nothing is sent to another tenant. Null: every tenant. */
  allowedTenants?: readonly string[] | null;
}

/** Delivers nudges proactively through stored conversation references. */
export class TeamsChannel implements Channel {
  readonly platform = 'teams' as const;

  constructor(private readonly options: TeamsChannelOptions) {}

  /**
   * Sends `message` to the member. Every connector call ends by its deadline, and the delivery as a whole
   * (with the token request, which the connector's pipeline does not see) by a few of them: a connector
   * that never answers is `UNAVAILABLE`, and nothing is sent after the delivery gave up.
   */
  async deliver(address: Address, message: Message): Promise<DeliveryReceipt> {
    const payload = readTeamsAddress(address);
    if (!payload) throw new ChannelError('ADDRESS_GONE', 'the stored Teams address is not readable');
    const serviceUrl = payload.kind === 'conversation' ? payload.reference.serviceUrl : payload.serviceUrl;
    if (!serviceUrlAllowed(serviceUrl ?? '', this.options.trust)) {
      // Stored before the rules were what they are; the member's next message stores a usable one.
      throw new ChannelError(
        'ADDRESS_GONE',
        'the stored Teams address has a service URL Rapport will not call',
      );
    }
    const allowed = this.options.allowedTenants;
    const tenant =
      payload.kind === 'conversation' ? payload.reference.conversation?.tenantId : payload.tenantId;
    if (allowed && !allowed.includes(String(tenant ?? '').toLowerCase())) {
      // Taken off the list since: the operator's choice, so the workspace's sending is held, not the member's.
      throw new ChannelError('AUTH', 'the tenant is not on TEAMS_ALLOWED_TENANTS');
    }
    // A post in a partner's channel mentions the owners it is for.
    const activity = withMentions(messageActivity(message), message);
    const bound = this.options.timeoutMs * CALLS_PER_DELIVERY;
    const expired = AbortSignal.timeout(bound);
    try {
      const sending: Promise<DeliveryReceipt> =
        payload.kind === 'conversation'
          ? this.send(payload.reference, activity, expired).then((messageRef) => ({ messageRef }))
          : this.openAndSend(payload, activity, expired);
      return await within(
        bound,
        sending,
        () => new ChannelError('UNAVAILABLE', `Teams delivery did not finish within ${bound} ms`),
      );
    } catch (error) {
      throw toChannelError(error, this.options.clock());
    }
  }

  /** Replaces a card delivered earlier in the member's chat (a nudge closed meanwhile), by the same deadline. */
  async update(address: Address, messageRef: unknown, message: Message): Promise<void> {
    const payload = readTeamsAddress(address);
    const ref = messageRef as Partial<TeamsMessageRef> | null;
    if (payload?.kind !== 'conversation' || !ref?.activityId) return;
    if (!serviceUrlAllowed(payload.reference.serviceUrl ?? '', this.options.trust)) return;
    const conversation = payload.reference.conversation!;
    const reference = {
      ...payload.reference,
      conversation: { ...conversation, id: ref.conversationId ?? conversation.id },
    };
    const activity = { ...messageActivity(message), id: ref.activityId };
    const bound = this.options.timeoutMs * CALLS_PER_DELIVERY;
    const outcome = new SendOutcome(AbortSignal.timeout(bound));
    try {
      await within(
        bound,
        this.options.adapter.continueConversationAsync(this.options.appId, reference, (context) =>
          outcome.update(context, activity),
        ),
        () => new ChannelError('UNAVAILABLE', `Teams update did not finish within ${bound} ms`),
      );
      outcome.done();
    } catch (error) {
      throw toChannelError(error, this.options.clock());
    }
  }

  private async send(
    reference: Partial<ConversationReference>,
    activity: Partial<Activity>,
    expired: AbortSignal,
  ): Promise<TeamsMessageRef> {
    const outcome = new SendOutcome(expired);
    await this.options.adapter.continueConversationAsync(this.options.appId, reference, (context) =>
      outcome.send(context, activity),
    );
    return outcome.ref();
  }

  /**
   * Opens the 1:1 chat with someone seen only in a team and sends there; the receipt carries that chat as
   * their new address, for the caller to keep.
   */
  private async openAndSend(
    payload: Extract<TeamsAddressPayload, { kind: 'create-personal' }>,
    activity: Partial<Activity>,
    expired: AbortSignal,
  ): Promise<DeliveryReceipt> {
    const outcome = new SendOutcome(expired);
    await this.options.adapter.createConversationAsync(
      this.options.appId,
      payload.channelId,
      payload.serviceUrl,
      this.options.audience,
      {
        isGroup: false,
        bot: payload.bot,
        members: [payload.user],
        tenantId: payload.tenantId,
        channelData: { tenant: { id: payload.tenantId } },
      },
      (context) => outcome.send(context, activity),
    );
    const ref = outcome.ref();
    const reference: Partial<ConversationReference> = {
      channelId: payload.channelId,
      serviceUrl: payload.serviceUrl,
      bot: payload.bot,
      user: payload.user,
      conversation: {
        id: ref.conversationId,
        tenantId: payload.tenantId,
        conversationType: 'personal',
        isGroup: false,
        name: '',
      },
    };
    return { messageRef: ref, address: teamsAddress({ kind: 'conversation', reference }) };
  }
}

/**
 * Sends inside a proactive turn and keeps the result. A failure is kept too and rethrown by `ref()`:
 * thrown inside the turn it would go to the adapter's `onTurnError`, which is for inbound turns. Once the
 * delivery has given up (`expired`), nothing is sent: the scheduler will try again.
 */
class SendOutcome {
  private result: TeamsMessageRef | undefined;
  private failure: { error: unknown } | undefined;

  constructor(private readonly expired: AbortSignal) {}

  async send(context: TurnContext, activity: Partial<Activity>): Promise<void> {
    if (this.expired.aborted) {
      this.failure = { error: new ChannelError('UNAVAILABLE', 'Teams delivery gave up before sending') };
      return;
    }
    try {
      const response = await context.sendActivity(activity);
      this.result = { activityId: response?.id ?? '', conversationId: context.activity.conversation.id };
    } catch (error) {
      this.failure = { error };
    }
  }

  async update(context: TurnContext, activity: Partial<Activity>): Promise<void> {
    if (this.expired.aborted) {
      this.failure = { error: new ChannelError('UNAVAILABLE', 'Teams update gave up before sending') };
      return;
    }
    try {
      await context.updateActivity(activity);
    } catch (error) {
      this.failure = { error };
    }
  }

  /** Rethrows what failed inside the turn, if anything. */
  done(): void {
    if (this.failure) throw this.failure.error;
  }

  ref(): TeamsMessageRef {
    if (this.failure) throw this.failure.error;
    if (!this.result?.activityId)
      throw new ChannelError('UNAVAILABLE', 'Teams returned no id for the message');
    return this.result;
  }
}

/** Why a posted body cannot be an activity this service can act on, or null. */
export function activityProblem(body: unknown): string | null {
  if (!isRecord(body)) return 'expected an activity object';
  if (typeof body.type !== 'string' || body.type === '' || body.type.length > 64) {
    return 'the activity has no type';
  }
  if (typeof body.serviceUrl !== 'string' || !/^https?:\/\/[^\s]+$/i.test(body.serviceUrl)) {
    return 'the activity has no valid serviceUrl';
  }
  if (!isRecord(body.conversation) || typeof body.conversation.id !== 'string' || !body.conversation.id) {
    return 'the activity has no conversation id';
  }
  const needsSender = [ActivityTypes.Message, ActivityTypes.Invoke, ActivityTypes.ConversationUpdate];
  if (needsSender.includes(body.type as ActivityTypes)) {
    if (!isRecord(body.from) || typeof body.from.id !== 'string' || !body.from.id) {
      return 'the activity has no sender';
    }
    if (!isRecord(body.recipient) || typeof body.recipient.id !== 'string' || !body.recipient.id) {
      return 'the activity has no recipient';
    }
  }
  return null;
}

/** Said (with 403) to an activity from an organisation other than the configured one. */
const OTHER_TENANT = 'Rapport here serves members of one Microsoft Teams organisation only.';
/** Said (with 403) to an activity from an organisation missing from `TEAMS_ALLOWED_TENANTS`. */
const TENANT_NOT_ALLOWED =
  'Rapport here serves a list of Microsoft Teams organisations, and yours is not on it.';

/**
 * With a tenant configured (a single-tenant bot), whether the activity belongs to that tenant: it must
 * name it (`channelData.tenant.id`, `conversation.tenantId`, agreeing) and name no other. Without one,
 * every tenant is its own workspace.
 */
export function fromConfiguredTenant(configured: string | null, activity: Partial<Activity>): boolean {
  if (!configured) return true;
  const tenant = tenantOf(activity);
  return tenant.ok && tenant.tenantId.toLowerCase() === configured.toLowerCase();
}

/** Answers a refused activity 403, as an invoke response for an invoke (so Teams shows why). */
function forbidden(res: ServerResponse, activity: Partial<Activity>, message: string): void {
  sendJson(
    res,
    403,
    activity.type === ActivityTypes.Invoke
      ? { statusCode: 403, type: 'application/vnd.microsoft.error', value: { code: 'Forbidden', message } }
      : { error: message },
  );
}

/** Builds the Teams channel from its configuration. Unauthenticated mode is logged as a warning. */
export function createTeamsChannel(config: TeamsConfig, core: ChannelDeps): PlatformChannel {
  const { rapport, clock } = core;
  const logger = withoutSecrets(core.logger, [config.appPassword]);
  if (config.unauthenticated) {
    logger.warn(
      { variable: 'TEAMS_ALLOW_UNAUTHENTICATED' },
      'Microsoft Teams authentication is OFF: anyone who can reach /api/messages can act as any user. ' +
        'The server listens on 127.0.0.1 only and calls back loopback service URLs only. ' +
        'Use this only for local testing; set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD for real use.',
    );
  } else {
    logger.info({ appId: config.appId, appType: config.appType }, 'Microsoft Teams channel on');
  }
  const auth = new TeamsAuthentication(
    {
      MicrosoftAppId: config.appId,
      MicrosoftAppPassword: config.appPassword,
      // With authentication off there are no credentials, and the SDK refuses SingleTenant without an app id.
      MicrosoftAppType: config.unauthenticated ? 'MultiTenant' : config.appType,
      MicrosoftAppTenantId: config.tenantId ?? undefined,
    },
    config.timeoutMs,
  );
  const adapter = new CloudAdapter(auth);
  const trust: TrustPolicy = { local: config.unauthenticated };
  const bot = new TeamsBot({
    rapport,
    logger,
    clock,
    local: config.unauthenticated,
    timeoutMs: config.timeoutMs,
    allowGuests: config.allowGuests,
    admins: config.admins,
  });
  adapter.onTurnError = async (context, error) => {
    logger.error({ activityType: context.activity.type, err: describeError(error) }, 'Teams turn failed');
    try {
      if (context.activity.type === ActivityTypes.Invoke) {
        await context.sendActivity({
          type: ActivityTypes.InvokeResponse,
          value: { status: 200, body: { statusCode: 200, type: INVOKE_MESSAGE_TYPE, value: SORRY } },
        });
      } else if (context.activity.type === ActivityTypes.Message) {
        await context.sendActivity(SORRY);
      }
    } catch (sendError) {
      logger.warn({ err: describeError(sendError) }, 'could not tell the Teams member about the failure');
    }
  };

  const inflight = new Set<Promise<void>>();
  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // botbuilder would answer these 401 too, but writes every refusal to stderr; the SDK still checks
    // every token that is present.
    if (!config.unauthenticated && !/^Bearer\s+\S+$/i.test(String(req.headers.authorization ?? ''))) {
      sendJson(res, 401, { error: 'unauthorized' });
      return;
    }
    const body = await readJson(req, MAX_ACTIVITY_BYTES);
    const problem = activityProblem(body);
    if (problem) {
      sendJson(res, 400, { error: problem });
      return;
    }
    // Before the SDK sees it: an activity from another channel, with a service URL Rapport will not call,
    // or from another organisation gets no turn, no reply and no row.
    const activity = body as Partial<Activity>;
    const untrusted = untrustedActivity(activity, trust);
    if (untrusted) {
      logger.warn(
        {
          channelId: String(activity.channelId).slice(0, 40),
          activityType: activity.type,
          problem: untrusted,
        },
        'refused an untrusted Teams activity',
      );
      forbidden(res, activity, untrusted);
      return;
    }
    if (!fromConfiguredTenant(config.tenantId, activity)) {
      const tenant = tenantOf(activity);
      logger.warn(
        { tenant: tenant.ok ? tenant.tenantId : null, activityType: activity.type },
        'refused a Teams activity from another tenant',
      );
      forbidden(res, activity, OTHER_TENANT);
      return;
    }
    if (!tenantAllowed(config.allowedTenants, activity)) {
      const tenant = tenantOf(activity);
      logger.warn(
        { tenant: tenant.ok ? tenant.tenantId : null, activityType: activity.type },
        'refused a Teams activity from a tenant not on TEAMS_ALLOWED_TENANTS',
      );
      forbidden(res, activity, TENANT_NOT_ALLOWED);
      return;
    }
    const work = adapter.process(
      botRequest(req, body as Record<string, unknown>),
      new BotResponseBridge(res),
      (context) => bot.run(context),
    );
    inflight.add(work);
    try {
      await work;
    } finally {
      inflight.delete(work);
    }
  };
  // Without authentication, only this machine may reach the endpoint: the server listens on loopback.
  const routes: Route[] = [
    { method: 'POST', path: TEAMS_MESSAGES_PATH, handler, localOnly: config.unauthenticated },
  ];
  const channel = new TeamsChannel({
    adapter,
    appId: config.appId,
    audience: PUBLIC_CLOUD_AUDIENCE,
    clock,
    timeoutMs: config.timeoutMs,
    trust,
    allowedTenants: config.allowedTenants,
  });
  return {
    channel,
    routes,
    async stop() {
      // Let turns in progress finish their replies before the database closes, but not for ever: a
      // connector that never answers must not hold up the stop.
      await Promise.race([
        Promise.allSettled([...inflight]),
        new Promise((resolve) => setTimeout(resolve, TURN_DRAIN_MS).unref()),
      ]);
    },
  };
}
