/**
 * The Teams activity handler. It only translates: who and where an activity comes from becomes a core
 * `identify`, typed text a command, an `Action.Execute` (or its `Action.Submit` fallback) a choice or a
 * form submission; the core's messages go back as chat messages or Adaptive Cards.
 */
import { ActivityHandler, ActivityTypes, TeamsInfo, TurnContext } from 'botbuilder';
import type { Activity, ChannelAccount, InvokeResponse } from 'botbuilder';
import { describeError } from '../../core/errors';
import type { Form, FormValues, Message } from '../../core/messages';
import type { Member } from '../../core/model';
import type { Logger } from '../../core/ports';
import type { Actor, Rapport } from '../../core/rapport';
import { welcomeMessage } from '../../core/welcome';
import { BoundedCache } from '../bounded-cache';
import { GUESTS_REFUSED, MEMBERSHIP_UNCONFIRMED } from '../guests';
import type { AdaptiveCard, CardOptions } from './adaptive-cards';
import {
  ADAPTIVE_CARD_CONTENT_TYPE,
  cardAttachment,
  chatMarkdown,
  formCard,
  isPlainMessage,
  messageCard,
  plainText,
  RESERVED_DATA_KEYS,
  SEARCH_INVOKE,
  SEARCH_RESPONSE_TYPE,
  SEARCH_RESULTS_MAX,
  VERBS,
} from './adaptive-cards';
import {
  FILE_CONSENT_INVOKE,
  fileConsentAttachment,
  answerFileConsent,
  readExportFileContext,
} from './file-consent';
import { handleInstallationUpdate } from './teams-installation';
import { isMessageExtensionInvoke, MessageExtension } from './message-extension';
import { importRequest, TeamsPortfolioImport } from './portfolio-import';
import {
  createPersonalPayload,
  isPersonal,
  isRecord,
  memberIdOf,
  referenceOf,
  teamsAddress,
  tenantOf,
  timeZoneOf,
} from './teams-address';
import { commandText } from './teams-text';
import { teamsConversation } from './teams-conversation';

export interface TeamsBotOptions {
  rapport: Rapport;
  logger: Logger;
  clock: () => Date;
  /** Authentication is off (local testing only): file uploads go to this machine's loopback only. */
  local: boolean;
  /** Deadline of an upload to OneDrive, in ms. */
  timeoutMs: number;
  /** Admit guest accounts (`ALLOW_GUESTS`); refused by default, checked in the conversation's roster. */
  allowGuests: boolean;
  /** Members who administer their organisation's playbook: AAD object ids or Teams user ids (`TEAMS_ADMINS`). */
  admins?: readonly string[];
}

/** Who sent an activity, once the core knows them. */
interface Seen {
  actor: Actor;
  member: Member;
}

/** Why an activity's sender cannot act, and the HTTP status an invoke gets for it. */
interface Refused {
  problem: string;
  status: 400 | 403 | 503;
}

/** How long a roster role (guest or not) is trusted before it is read again, in ms. */
const ROLE_MAX_AGE_MS = 86_400_000;
/** Most senders whose roster role is kept in memory; the least recently seen go first. */
const ROLE_CACHE_ENTRIES = 5_000;

/** What a card action produced, before it is shaped as an invoke response or as messages. */
interface ActionOutcome {
  /** What the card that carried the action becomes. */
  card?: AdaptiveCard;
  /** A short answer shown beside the card (invoke) or sent as a message (`Action.Submit`). */
  note?: string;
  /** Messages to post in the conversation. */
  send: Partial<Activity>[];
}

/** The invoke response type Teams shows as a short message beside the card. */
export const INVOKE_MESSAGE_TYPE = 'application/vnd.microsoft.activity.message';
export const SORRY = 'Sorry, something went wrong on my side. Nothing you typed was lost; please try again.';
const STALE_BUTTON = 'That button is not one I recognise any more. Type `help` to see what I can do.';
const ATTACHMENTS_ONLY =
  'I can only read typed commands, not files or pictures. Type `help` to see what I can do.';

/** A core message as a Teams activity: plain words as a chat message, anything richer as a card. */
export function messageActivity(message: Message, options: CardOptions = {}): Partial<Activity> {
  if (isPlainMessage(message)) {
    return { type: ActivityTypes.Message, text: chatMarkdown(message), textFormat: 'markdown' };
  }
  return cardActivity(messageCard(message, undefined, options), plainText(message, 120));
}

function cardActivity(card: AdaptiveCard, summary: string): Partial<Activity> {
  return { type: ActivityTypes.Message, attachments: [cardAttachment(card)], summary };
}

function formActivity(form: Form): Partial<Activity> {
  return cardActivity(formCard(form), form.title);
}

export class TeamsBot extends ActivityHandler {
  /** Whether a sender (by tenant and Teams id) is a guest, as the roster said. */
  private readonly roles = new BoundedCache<string, 'guest' | 'member'>(ROLE_CACHE_ENTRIES, ROLE_MAX_AGE_MS);
  /** The "Log to partner" message action. */
  private readonly messageExtension: MessageExtension;
  /** `import` with a spreadsheet attached, in personal chat. */
  private readonly portfolioImport: TeamsPortfolioImport;

  constructor(private readonly options: TeamsBotOptions) {
    super();
    this.messageExtension = new MessageExtension(options);
    this.portfolioImport = new TeamsPortfolioImport(options);
    this.onMessage(async (context, next) => {
      await this.handleMessage(context);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      await this.handleMembersAdded(context);
      await next();
    });
    this.onInstallationUpdate(async (context, next) => {
      await handleInstallationUpdate(context, this.options);
      await next();
    });
  }

  /**
   * Card actions (`adaptiveCard/action`), type-aheads (`application/search`), file consent and the message
   * action (`composeExtension/…`) are ours;
   * every answer is a 2xx or a 4xx, never a server error.
   */
  protected override async onInvokeActivity(context: TurnContext): Promise<InvokeResponse> {
    const { activity } = context;
    if (activity.name === FILE_CONSENT_INVOKE) return this.fileConsent(context);
    if (activity.name === SEARCH_INVOKE) return this.search(context);
    if (isMessageExtensionInvoke(activity.name))
      return this.messageExtension.handle(context, () => this.see(context));
    if (activity.name !== 'adaptiveCard/action') {
      return invokeError(400, 'NotSupported', `Rapport does not handle "${String(activity.name)}" invokes.`);
    }
    const action = isRecord(activity.value) ? activity.value.action : undefined;
    if (!isRecord(action) || action.type !== 'Action.Execute' || typeof action.verb !== 'string') {
      return invokeError(400, 'BadRequest', 'Expected an Action.Execute with a verb.');
    }
    try {
      const seen = await this.see(context);
      if ('problem' in seen) return refusedInvoke(seen);
      const outcome = await this.runAction(seen, action.verb, isRecord(action.data) ? action.data : {});
      for (const message of outcome.send) await context.sendActivity(message);
      return { status: 200, body: invokeBody(outcome) };
    } catch (error) {
      this.options.logger.error({ err: describeError(error) }, 'Teams card action failed');
      return { status: 200, body: { statusCode: 200, type: INVOKE_MESSAGE_TYPE, value: SORRY } };
    }
  }

  private async handleMessage(context: TurnContext): Promise<void> {
    const { rapport, clock } = this.options;
    const seen = await this.see(context);
    if ('problem' in seen) {
      await context.sendActivity(seen.problem);
      return;
    }
    const { activity } = context;
    if (isRecord(activity.value) && typeof activity.value.verb === 'string') {
      await this.handleSubmit(context, seen, activity.value.verb, activity.value);
      return;
    }
    const text = commandText(await this.withMentionedIds(context));
    const importing = importRequest(text);
    const tenant = tenantOf(activity);
    if (importing && tenant.ok) {
      // Teams hands a bot files only in personal chat.
      const reply = isPersonal(activity)
        ? await this.portfolioImport.run(context, seen, tenant.tenantId, importing.apply)
        : { text: 'Send `import` with your CSV file attached in our personal chat.' };
      await context.sendActivity(messageActivity(reply));
      return;
    }
    if (!text && (activity.attachments?.length || activity.value !== undefined)) {
      await context.sendActivity(activity.value !== undefined ? STALE_BUTTON : ATTACHMENTS_ONLY);
      return;
    }
    const now = clock();
    // In a team channel that belongs to a partner, its name may be left out; `link NAME` links it.
    const result = await rapport.handleCommand(seen.actor, text, now, teamsConversation(activity));
    if (result.actionable) {
      // Teams has no home tab: its overview is the dashboard card, each partner with Log and Status buttons.
      await context.sendActivity(messageActivity(result.actionable));
      return;
    }
    // Files (an export) can be handed over only in personal chat, one consent card each.
    const fileConsent = isPersonal(activity) && Boolean(result.reply.files?.length);
    await context.sendActivity(messageActivity(result.reply, { fileConsent }));
    if (fileConsent) {
      for (const [index, file] of (result.reply.files ?? []).entries()) {
        await context.sendActivity({
          type: ActivityTypes.Message,
          attachments: [fileConsentAttachment(file, index)],
        });
      }
    }
    if (result.openForm) await context.sendActivity(formActivity(result.openForm));
  }

  /**
   * A type-ahead in a card (an `Input.ChoiceSet` with `choices.data`, e.g. the log form's partner picker in a
   * workspace with more partners than the card lists): the choices matching what the member typed, at most
   * {@link SEARCH_RESULTS_MAX} from `queryOptions.skip`. The sender is checked like any other (tenant,
   * guest), and only their own tenant's partners are searched.
   */
  private async search(context: TurnContext): Promise<InvokeResponse> {
    const { rapport, clock, logger } = this.options;
    const value = isRecord(context.activity.value) ? context.activity.value : {};
    if (value.dataset !== 'partners') {
      return invokeError(400, 'BadRequest', 'Rapport has nothing to search by that name.');
    }
    const query = typeof value.queryText === 'string' ? value.queryText : '';
    const paging = isRecord(value.queryOptions) ? value.queryOptions : {};
    const top = wholeNumber(paging.top, SEARCH_RESULTS_MAX, 1, SEARCH_RESULTS_MAX);
    const skip = wholeNumber(paging.skip, 0, 0, 1_000);
    try {
      const seen = await this.see(context);
      if ('problem' in seen) return refusedInvoke(seen);
      const found = await rapport.searchPartners(seen.actor, query, clock(), skip + top);
      const results = found
        .slice(skip, skip + top)
        .map((option) => ({ title: option.label, value: option.value }));
      return { status: 200, body: { type: SEARCH_RESPONSE_TYPE, value: { results } } };
    } catch (error) {
      logger.error({ err: describeError(error) }, 'Teams type-ahead search failed');
      return { status: 200, body: { type: SEARCH_RESPONSE_TYPE, value: { results: [] } } };
    }
  }

  /**
   * The member accepted or declined a file (see `answerFileConsent`). Teams wants a 200 either way; what
   * went wrong is said in the chat.
   */
  private async fileConsent(context: TurnContext): Promise<InvokeResponse> {
    const { logger } = this.options;
    const value = isRecord(context.activity.value) ? context.activity.value : {};
    const file = readExportFileContext(value.context);
    try {
      const seen = await this.see(context);
      if ('problem' in seen) return refusedInvoke(seen);
      if (!file) {
        await context.sendActivity(STALE_BUTTON);
        return { status: 200 };
      }
      await answerFileConsent(context, seen.actor, file, value, this.options);
      return { status: 200 };
    } catch (error) {
      logger.error({ err: describeError(error) }, 'Teams file consent failed');
      return { status: 200 };
    }
  }

  /**
   * The bot was installed (personal chat or team; Teams sends this before anyone can write to the bot):
   * greet whoever installed it. Others joining a team later are left alone.
   */
  private async handleMembersAdded(context: TurnContext): Promise<void> {
    const { activity } = context;
    const botAdded = activity.membersAdded?.some((member) => member.id === activity.recipient?.id);
    if (!botAdded) return;
    const seen = await this.see(context);
    if ('problem' in seen) {
      this.options.logger.warn({ problem: seen.problem }, 'Teams install by someone who cannot use Rapport');
      // A guest who installed the app is told why it will not answer them.
      if (seen.status === 403) await context.sendActivity(seen.problem);
      return;
    }
    await context.sendActivity(messageActivity(welcomeMessage(seen.member)));
  }

  /** An `Action.Submit` fallback: same verbs and data as `Action.Execute`, answered with messages. */
  private async handleSubmit(
    context: TurnContext,
    seen: Seen,
    verb: string,
    data: Record<string, unknown>,
  ): Promise<void> {
    const outcome = await this.runAction(seen, verb, data);
    const replyToId = context.activity.replyToId;
    if (outcome.card) {
      let replaced = false;
      if (replyToId) {
        try {
          await context.updateActivity({
            type: ActivityTypes.Message,
            id: replyToId,
            attachments: [cardAttachment(outcome.card)],
          });
          replaced = true;
        } catch (error) {
          this.options.logger.warn(
            { err: describeError(error) },
            'could not update the Teams card; posting anew',
          );
        }
      }
      if (!replaced) await context.sendActivity(cardActivity(outcome.card, 'Rapport'));
    } else if (outcome.note) {
      await context.sendActivity({ type: ActivityTypes.Message, text: outcome.note });
    }
    for (const message of outcome.send) await context.sendActivity(message);
  }

  private async runAction(seen: Seen, verb: string, data: Record<string, unknown>): Promise<ActionOutcome> {
    if (verb === VERBS.choice) return this.choice(seen, data.choiceId);
    if (verb === VERBS.form) return this.submitForm(seen, data);
    return { note: STALE_BUTTON, send: [] };
  }

  private async choice(seen: Seen, choiceId: unknown): Promise<ActionOutcome> {
    if (typeof choiceId !== 'string' || choiceId === '' || choiceId.length > 200) {
      return { note: STALE_BUTTON, send: [] };
    }
    const result = await this.options.rapport.handleChoice(seen.actor, choiceId, this.options.clock());
    const outcome: ActionOutcome = { send: [] };
    if (result.replaceOriginal) outcome.card = messageCard(result.replaceOriginal);
    if (!isPlainMessage(result.reply)) outcome.send.push(messageActivity(result.reply));
    else if (!result.replaceOriginal) outcome.note = plainText(result.reply);
    if (result.openForm) outcome.send.push(formActivity(result.openForm));
    return outcome;
  }

  /** A submitted form: the confirmation replaces the form, or the form comes back with errors and values. */
  private async submitForm(seen: Seen, data: Record<string, unknown>): Promise<ActionOutcome> {
    const { rapport, clock } = this.options;
    const now = clock();
    const formId = typeof data.formId === 'string' ? data.formId : '';
    const context = stringRecord(data.context);
    const values = formValues(data);
    const result = await rapport.submitForm(seen.actor, formId, values, context, now);
    if (result.ok) return { card: messageCard(result.reply), send: [] };
    // Rebuild the form from current data (partners may have changed) and put back what was typed, the
    // partner chosen included (it may be one the card lists only once chosen).
    const partnerId = Number(values.partner);
    const chosen = values.partner && Number.isSafeInteger(partnerId) ? partnerId : undefined;
    const form = await rapport.reopenForm(seen.actor, formId, context, now, chosen);
    if (form.id !== formId) {
      const problem = result.errors.form ?? 'This form is out of date. Please start again.';
      return { card: messageCard({ text: problem, isError: true }), send: [] };
    }
    if (context) form.context = context;
    return { card: formCard(form, { values, errors: result.errors }), send: [] };
  }

  /**
   * Tells the core who sent the activity. The workspace is the activity's tenant, so a member of one
   * organisation can never act in another's. A guest account is refused (nothing is stored) unless guests
   * are allowed. A 1:1 chat is stored as the member's address; someone seen only in a team gets an address
   * that opens a 1:1 chat on the first nudge.
   */
  private async see(context: TurnContext): Promise<Seen | Refused> {
    const { rapport, clock } = this.options;
    const { activity } = context;
    const tenant = tenantOf(activity);
    if (!tenant.ok) return { problem: tenant.problem, status: 400 };
    const memberId = memberIdOf(activity.from);
    if (!memberId) return { problem: 'I could not tell who sent this.', status: 400 };
    const now = clock();
    let email: string | null = null;
    if (!this.options.allowGuests && activity.channelId === 'msteams') {
      const role = await this.rosterRole(context, tenant.tenantId, now, (read) => (email = read));
      if (role === 'guest') return { problem: GUESTS_REFUSED, status: 403 };
      if (role === null) return { problem: MEMBERSHIP_UNCONFIRMED, status: 503 };
    }
    const personal = isPersonal(activity);
    let { actor, member } = await rapport.identify(
      'teams',
      tenant.tenantId,
      {
        memberId,
        displayName: activity.from?.name || null,
        timeZone: timeZoneOf(activity),
        email,
        address: personal ? teamsAddress({ kind: 'conversation', reference: referenceOf(activity) }) : null,
        isAdmin: [memberId, activity.from?.id].some((id) => !!id && (this.options.admins ?? []).includes(id)),
      },
      now,
    );
    if (!personal && (!member.address || member.addressStale)) {
      const payload = createPersonalPayload(activity, tenant.tenantId);
      if (payload) {
        ({ actor, member } = await rapport.identify(
          'teams',
          tenant.tenantId,
          { memberId, address: teamsAddress(payload) },
          now,
        ));
      }
    }
    return { actor, member };
  }

  /**
   * The activity with each person it @mentions named by their Entra object id, the id Rapport files Teams
   * members under: a mention that carries only the Teams id (`29:…`) is looked up in the conversation's
   * roster. A lookup that fails leaves the mention as it came (the command then names an unknown member).
   */
  private async withMentionedIds(context: TurnContext): Promise<Partial<Activity>> {
    const { activity } = context;
    if (activity.channelId !== 'msteams' || !activity.entities?.length) return activity;
    const entities = await Promise.all(
      activity.entities.map(async (entity) => {
        const mentioned =
          entity.type === 'mention' ? (entity.mentioned as ChannelAccount | undefined) : undefined;
        if (!mentioned?.id || mentioned.aadObjectId || mentioned.id === activity.recipient?.id) return entity;
        try {
          const account = await TeamsInfo.getMember(context, mentioned.id);
          return account.aadObjectId
            ? { ...entity, mentioned: { ...mentioned, aadObjectId: account.aadObjectId } }
            : entity;
        } catch (error) {
          this.options.logger.warn({ err: describeError(error) }, 'could not look up a mentioned member');
          return entity;
        }
      }),
    );
    return { ...activity, entities };
  }

  /**
   * Whether the sender is a guest account, as the conversation's roster says (`userRole`), read at most
   * once a day per sender; null when the roster cannot say just now.
   */
  private async rosterRole(
    context: TurnContext,
    tenantId: string,
    now: Date,
    onEmail: (email: string) => void,
  ): Promise<'guest' | 'member' | null> {
    const userId = context.activity.from?.id ?? '';
    const key = `${tenantId}|${userId}`;
    const known = this.roles.get(key, now.getTime());
    if (known) return known;
    try {
      const account = await TeamsInfo.getMember(context, userId);
      const role = account.userRole?.toLowerCase() === 'guest' ? 'guest' : 'member';
      this.roles.set(key, role, now.getTime());
      // Kept with the member (read here anyway, once a day): an import names owners by e-mail.
      if (account.email) onEmail(account.email);
      return role;
    } catch (error) {
      this.options.logger.warn({ err: describeError(error) }, 'could not read the Teams roster');
      return null;
    }
  }
}

function invokeBody(outcome: ActionOutcome): Record<string, unknown> {
  if (outcome.card) return { statusCode: 200, type: ADAPTIVE_CARD_CONTENT_TYPE, value: outcome.card };
  const note = outcome.note ?? (outcome.send.length ? 'See my message below.' : 'Done.');
  return { statusCode: 200, type: INVOKE_MESSAGE_TYPE, value: note };
}

function refusedInvoke(refused: Refused): InvokeResponse {
  const code = { 400: 'BadRequest', 403: 'Forbidden', 503: 'ServiceUnavailable' }[refused.status];
  return invokeError(refused.status, code, refused.problem);
}

function invokeError(status: number, code: string, message: string): InvokeResponse {
  return {
    status,
    body: { statusCode: status, type: 'application/vnd.microsoft.error', value: { code, message } },
  };
}

/** `value` as a whole number within [min, max]; `fallback` when it is not a number. */
function wholeNumber(value: unknown, fallback: number, min: number, max: number): number {
  const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isFinite(number) ? Math.min(max, Math.max(min, Math.floor(number))) : fallback;
}

function stringRecord(value: unknown): Record<string, string> | undefined {
  if (!isRecord(value)) return undefined;
  const entries = Object.entries(value).filter(
    (entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1].length <= 200,
  );
  return entries.length ? Object.fromEntries(entries.slice(0, 20)) : undefined;
}

/** Input values from an action's data (Teams merges inputs into it), without the action's own keys. */
function formValues(data: Record<string, unknown>): FormValues {
  const values: FormValues = {};
  for (const [key, value] of Object.entries(data)) {
    if (RESERVED_DATA_KEYS.has(key)) continue;
    if (typeof value === 'string') values[key] = value;
    else if (typeof value === 'number') values[key] = String(value);
  }
  return values;
}
