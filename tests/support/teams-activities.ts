import type { Activity, Attachment, ConversationAccount, ConversationReference, Entity } from 'botbuilder';

/** Bot account id in test activities (`28:` is the Teams prefix for bots). */
export const TEST_BOT_ID = '28:bot-id';
/** Bot display name in test activities. */
export const TEST_BOT_NAME = 'Rapport';

/** Teams conversation kinds. */
export type TeamsConversationType = 'personal' | 'groupChat' | 'channel';

/** Fields common to every Teams activity builder. */
export interface TeamsActivityOptions {
  /** Where the adapter will call back: normally `FakeBotConnector.serviceUrl`. */
  serviceUrl: string;
  tenantId: string;
  /** The sender's Teams id, conventionally `29:…`. */
  userId: string;
  aadObjectId?: string;
  userName?: string;
  /** Default: a personal id derived from `userId`, or a `19:…` id for chats and channels. */
  conversationId?: string;
  conversationType?: TeamsConversationType;
  /** IANA time zone Teams reports for the client, e.g. `'Europe/Berlin'`. */
  localTimezone?: string;
  locale?: string;
  /** For `channel` conversations: the team's `19:…` id. */
  teamId?: string;
  botId?: string;
  botName?: string;
  /** Default a fresh unique id. */
  id?: string;
  replyToId?: string;
  /** Default now. */
  timestamp?: Date;
}

let counter = 0;

function nextId(): string {
  counter += 1;
  return String(1_700_000_000_000 + counter);
}

/** The default conversation id for a user and conversation type. */
export function teamsConversationId(userId: string, type: TeamsConversationType = 'personal'): string {
  const short = userId.replace(/^\d+:/, '');
  if (type === 'personal') return `a:1${short}`;
  if (type === 'groupChat') return `19:group-${short}@thread.v2`;
  return '19:rapport-channel@thread.tacv2';
}

function base(options: TeamsActivityOptions, type: string): Partial<Activity> {
  const conversationType = options.conversationType ?? 'personal';
  const conversationId = options.conversationId ?? teamsConversationId(options.userId, conversationType);
  const timestamp = options.timestamp ?? new Date();
  const channelData: Record<string, unknown> = { tenant: { id: options.tenantId } };
  if (conversationType === 'channel') {
    const teamId = options.teamId ?? '19:rapport-team@thread.tacv2';
    channelData.team = { id: teamId, name: 'Rapport Team' };
    channelData.channel = { id: conversationId.split(';')[0], name: 'General' };
  }
  const activity: Partial<Activity> = {
    type,
    id: options.id ?? nextId(),
    timestamp,
    localTimestamp: timestamp,
    localTimezone: options.localTimezone,
    serviceUrl: options.serviceUrl,
    channelId: 'msteams',
    from: {
      id: options.userId,
      name: options.userName ?? `User ${options.userId.replace(/^\d+:/, '')}`,
      aadObjectId: options.aadObjectId,
    },
    conversation: {
      id: conversationId,
      tenantId: options.tenantId,
      conversationType,
      isGroup: conversationType !== 'personal',
    } as ConversationAccount,
    recipient: { id: options.botId ?? TEST_BOT_ID, name: options.botName ?? TEST_BOT_NAME },
    locale: options.locale ?? 'en-US',
    channelData,
  };
  if (options.replyToId !== undefined) activity.replyToId = options.replyToId;
  return activity;
}

function clientInfo(options: TeamsActivityOptions): Entity {
  return {
    type: 'clientInfo',
    locale: options.locale ?? 'en-US',
    country: 'US',
    platform: 'Web',
    ...(options.localTimezone !== undefined ? { timezone: options.localTimezone } : {}),
  };
}

/** Options of {@link teamsMessage}. */
export interface TeamsMessageOptions extends TeamsActivityOptions {
  /** Omit for an `Action.Submit` post, which carries `value` instead. */
  text?: string;
  /** `Action.Submit` data and inputs. */
  value?: unknown;
  attachments?: Attachment[];
  /** Appended after the `clientInfo` entity Teams always sends. */
  entities?: Entity[];
}

/** A Teams `message` activity, as Teams POSTs it to `/api/messages`. */
export function teamsMessage(options: TeamsMessageOptions): Partial<Activity> {
  const activity = base(options, 'message');
  if (options.text !== undefined) {
    activity.text = options.text;
    activity.textFormat = 'plain';
  }
  if (options.value !== undefined) activity.value = options.value;
  if (options.attachments !== undefined) activity.attachments = options.attachments;
  activity.entities = [clientInfo(options), ...(options.entities ?? [])];
  return activity;
}

/** A message that @-mentions the bot: text `<at>Rapport</at> {text}` plus a `mention` entity. */
export function teamsMention(options: TeamsMessageOptions): Partial<Activity> {
  const botName = options.botName ?? TEST_BOT_NAME;
  const mentionText = `<at>${botName}</at>`;
  const mention: Entity = {
    type: 'mention',
    text: mentionText,
    mentioned: { id: options.botId ?? TEST_BOT_ID, name: botName },
  };
  return teamsMessage({
    conversationType: 'channel',
    ...options,
    text: `${mentionText} ${options.text ?? ''}`.trimEnd(),
    entities: [mention, ...(options.entities ?? [])],
  });
}

/** A `conversationUpdate` announcing the bot was added (installed) to the conversation. */
export function conversationUpdateBotAdded(options: TeamsActivityOptions): Partial<Activity> {
  const activity = base(options, 'conversationUpdate');
  activity.membersAdded = [{ id: options.botId ?? TEST_BOT_ID, name: options.botName ?? TEST_BOT_NAME }];
  activity.channelData = {
    ...(activity.channelData as Record<string, unknown>),
    eventType: (options.conversationType ?? 'personal') === 'channel' ? 'teamMemberAdded' : undefined,
  };
  return activity;
}

/** Options of {@link adaptiveCardInvoke}. */
export interface AdaptiveCardInvokeOptions extends TeamsActivityOptions {
  verb: string;
  data?: Record<string, unknown>;
  /** The `id` of the `Action.Execute`. */
  actionId?: string;
}

/** An `invoke` named `adaptiveCard/action` for an `Action.Execute` press. */
export function adaptiveCardInvoke(options: AdaptiveCardInvokeOptions): Partial<Activity> {
  const activity = base(options, 'invoke');
  activity.name = 'adaptiveCard/action';
  activity.value = {
    action: {
      type: 'Action.Execute',
      verb: options.verb,
      data: options.data ?? {},
      ...(options.actionId !== undefined ? { id: options.actionId } : {}),
    },
    trigger: 'manual',
  };
  activity.entities = [clientInfo(options)];
  return activity;
}

/** Options of {@link searchInvoke}. */
export interface SearchInvokeOptions extends TeamsActivityOptions {
  /** What the member typed into the type-ahead. */
  queryText: string;
  /** The `dataset` of the card's `choices.data`. */
  dataset: string;
  skip?: number;
  top?: number;
}

/**
 * The `invoke` named `application/search` Teams sends as the member types into an `Input.ChoiceSet` with a
 * `choices.data` query (dynamic type-ahead).
 */
export function searchInvoke(options: SearchInvokeOptions): Partial<Activity> {
  const activity = base(options, 'invoke');
  activity.name = 'application/search';
  activity.value = {
    queryText: options.queryText,
    queryOptions: { skip: options.skip ?? 0, top: options.top ?? 15 },
    dataset: options.dataset,
  };
  activity.entities = [clientInfo(options)];
  return activity;
}

/** A conversation reference like `TurnContext.getConversationReference` gives, for proactive sends. */
export function teamsConversationReference(
  options: Pick<TeamsActivityOptions, 'serviceUrl' | 'tenantId' | 'userId'> & Partial<TeamsActivityOptions>,
): Partial<ConversationReference> {
  const conversationType = options.conversationType ?? 'personal';
  return {
    activityId: undefined,
    user: { id: options.userId, name: options.userName ?? '', aadObjectId: options.aadObjectId },
    bot: { id: options.botId ?? TEST_BOT_ID, name: options.botName ?? TEST_BOT_NAME },
    conversation: {
      id: options.conversationId ?? teamsConversationId(options.userId, conversationType),
      tenantId: options.tenantId,
      conversationType,
      isGroup: conversationType !== 'personal',
    } as ConversationAccount,
    channelId: 'msteams',
    locale: options.locale ?? 'en-US',
    serviceUrl: options.serviceUrl,
  };
}

/** Options of {@link fileConsentInvoke}. */
export interface FileConsentInvokeOptions extends TeamsActivityOptions {
  action: 'accept' | 'decline';
  /** The card's `acceptContext` or `declineContext`, sent back as it was. */
  context: unknown;
  /** On acceptance: where Teams lets the bot write the file (an upload session in the member's OneDrive). */
  uploadInfo?: {
    name: string;
    uploadUrl: string;
    contentUrl?: string;
    uniqueId?: string;
    fileType?: string;
  };
}

/** The `invoke` named `fileConsent/invoke` Teams sends when a FileConsentCard is accepted or declined. */
export function fileConsentInvoke(options: FileConsentInvokeOptions): Partial<Activity> {
  const activity = base(options, 'invoke');
  activity.name = 'fileConsent/invoke';
  activity.value = {
    type: 'fileUpload',
    action: options.action,
    context: options.context,
    ...(options.uploadInfo ? { uploadInfo: options.uploadInfo } : {}),
  };
  activity.entities = [clientInfo(options)];
  return activity;
}

/** Options of {@link messageActionInvoke}. */
export interface MessageActionInvokeOptions extends TeamsActivityOptions {
  /** `composeExtension/fetchTask` (opening the action) or `composeExtension/submitAction` (its card). */
  name: 'composeExtension/fetchTask' | 'composeExtension/submitAction';
  commandId?: string;
  /** The message the action was started on, as Teams describes it. */
  messagePayload?: Record<string, unknown>;
  /** For `submitAction`: the submitted card's data and inputs. */
  data?: Record<string, unknown>;
}

/**
 * The `invoke` Teams sends for a message extension action command started from a message's "…" menu:
 * `fetchTask` asks for the task module, `submitAction` carries what its card submitted.
 */
export function messageActionInvoke(options: MessageActionInvokeOptions): Partial<Activity> {
  const activity = base(options, 'invoke');
  activity.name = options.name;
  activity.value = {
    commandId: options.commandId ?? 'logToPartner',
    commandContext: 'message',
    context: { theme: 'default' },
    ...(options.messagePayload ? { messagePayload: options.messagePayload } : {}),
    ...(options.data ? { data: options.data } : {}),
  };
  activity.entities = [clientInfo(options)];
  return activity;
}

/** A `messagePayload` as Teams sends it: an HTML body, when it was sent, and a link back to it. */
export function teamsMessagePayload(
  html: string,
  createdDateTime: string,
  id = '1732000000000',
): Record<string, unknown> {
  return {
    id,
    replyToId: null,
    createdDateTime,
    lastModifiedDateTime: null,
    deleted: false,
    subject: null,
    summary: null,
    importance: 'normal',
    locale: 'en-us',
    linkToMessage: `https://teams.microsoft.com/l/message/19:abc@thread.v2/${id}?context=%7B%22contextType%22%3A%22chat%22%7D`,
    from: { user: { id: 'aad-ken', displayName: 'Ken Sato', userIdentityType: 'aadUser' } },
    body: { contentType: 'html', content: html },
    attachments: [],
    mentions: [],
    reactions: [],
  };
}
