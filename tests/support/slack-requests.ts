import { createHmac, randomBytes } from 'node:crypto';

/** App id put in payloads unless given (matches {@link FakeSlackApi}'s default). */
export const TEST_APP_ID = 'A0RAPPORT';
/** The deprecated verification token Slack still sends in payloads; Bolt ignores it. */
export const TEST_VERIFICATION_TOKEN = 'verification-token-unused';
/** Bot user id put in payloads unless given (matches {@link FakeSlackApi}'s default). */
export const TEST_BOT_USER_ID = 'U0RAPPORTBOT';

/** Headers Slack adds to every request it sends to an app. */
export interface SlackSignatureHeaders {
  'X-Slack-Signature': string;
  'X-Slack-Request-Timestamp': string;
}

/**
 * Signs a raw body as Slack does: `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}`.
 * @param timestamp - epoch seconds; defaults to now.
 */
export function signSlackRequest(
  secret: string,
  body: string,
  timestamp: number = Math.floor(Date.now() / 1000),
): SlackSignatureHeaders {
  const hash = createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
  return { 'X-Slack-Signature': `v0=${hash}`, 'X-Slack-Request-Timestamp': String(timestamp) };
}

/** Options of {@link postToSlack}. */
export interface PostToSlackOptions {
  /** Signing secret used for the signature (ignored when `signature` is given). */
  secret: string;
  /** The raw body, exactly as signed and sent. */
  body: string;
  /** Defaults to JSON when the body starts with `{`, otherwise form-encoded. */
  contentType?: string;
  /** Epoch seconds for `X-Slack-Request-Timestamp`; defaults to now. */
  timestamp?: number;
  /** A string replaces the computed signature; `null` omits the header. */
  signature?: string | null;
  /** Extra headers, e.g. `X-Slack-Retry-Num`. */
  headers?: Record<string, string>;
  /** Abort after this many milliseconds; default 10 000. */
  timeoutMs?: number;
}

/** What the app answered. `json` is set when the answer parsed as JSON. */
export interface SlackPostResult {
  status: number;
  text: string;
  json?: unknown;
  headers: Headers;
}

/** POSTs a signed (or deliberately badly signed) request to an app's Slack endpoint. */
export async function postToSlack(url: string, options: PostToSlackOptions): Promise<SlackPostResult> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signed = signSlackRequest(options.secret, options.body, timestamp);
  const headers: Record<string, string> = {
    'Content-Type':
      options.contentType ??
      (options.body.trimStart().startsWith('{') ? 'application/json' : 'application/x-www-form-urlencoded'),
    'X-Slack-Request-Timestamp': String(timestamp),
    ...options.headers,
  };
  if (options.signature !== null) {
    headers['X-Slack-Signature'] = options.signature ?? signed['X-Slack-Signature'];
  }
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: options.body,
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  });
  const text = await response.text();
  const result: SlackPostResult = { status: response.status, text, headers: response.headers };
  try {
    result.json = JSON.parse(text);
  } catch {
    // Not JSON (Bolt often answers an empty body).
  }
  return result;
}

let sequence = 0;

/** A trigger id shaped like Slack's (`123456.789012.abcdef…`), unique per call. */
export function newTriggerId(): string {
  sequence += 1;
  return `${1_700_000_000 + sequence}.${sequence}.${randomBytes(16).toString('hex')}`;
}

function nowTs(): string {
  sequence += 1;
  return `${Math.floor(Date.now() / 1000)}.${String(sequence % 1_000_000).padStart(6, '0')}`;
}

function formBody(fields: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) params.append(key, value);
  }
  return params.toString();
}

/** Options of {@link slashCommandBody}. */
export interface SlashCommandOptions {
  teamId: string;
  userId: string;
  text: string;
  responseUrl: string;
  triggerId?: string;
  command?: string;
  /** Default `D{userId}`, the DM the fake's `conversations.open` would give. */
  channelId?: string;
  channelName?: string;
  userName?: string;
  teamDomain?: string;
  apiAppId?: string;
  /** Enterprise Grid: adds `enterprise_id`/`enterprise_name` (Slack omits them otherwise). */
  enterpriseId?: string;
  enterpriseName?: string;
  isEnterpriseInstall?: boolean;
}

/** A form-encoded slash command body with the fields Slack sends. */
export function slashCommandBody(options: SlashCommandOptions): string {
  return formBody({
    token: TEST_VERIFICATION_TOKEN,
    team_id: options.teamId,
    team_domain: options.teamDomain ?? 'rapport-test',
    enterprise_id: options.enterpriseId,
    enterprise_name:
      options.enterpriseId === undefined ? undefined : (options.enterpriseName ?? 'Rapport Grid'),
    channel_id: options.channelId ?? `D${options.userId}`,
    channel_name: options.channelName ?? 'directmessage',
    user_id: options.userId,
    user_name: options.userName ?? options.userId.toLowerCase(),
    command: options.command ?? '/partner',
    text: options.text,
    api_app_id: options.apiAppId ?? TEST_APP_ID,
    is_enterprise_install: String(options.isEnterpriseInstall ?? false),
    response_url: options.responseUrl,
    trigger_id: options.triggerId ?? newTriggerId(),
  });
}

/** An Enterprise Grid org, as `{ id, name }`. */
export interface SlackEnterprise {
  id: string;
  name: string;
}

/** Options of {@link blockActionsBody}. */
export interface BlockActionsOptions {
  teamId: string;
  userId: string;
  actionId: string;
  /** The button's `value` (omitted for selects). */
  value?: string;
  blockId?: string;
  /** `'message'` (default): a button in a message; `'home'`: a button in the App Home view. */
  source?: 'message' | 'home';
  /** Message the button is in; default a fresh ts. */
  messageTs?: string;
  /** Default `D{userId}`. */
  channelId?: string;
  /** Only for `source: 'message'`; Slack sends none for App Home. */
  responseUrl?: string;
  threadTs?: string;
  isEphemeral?: boolean;
  /** Blocks of the message or view holding the button. */
  blocks?: unknown[];
  /** App Home view id (source `'home'`). */
  viewId?: string;
  privateMetadata?: string;
  /** Default `'button'`; e.g. `'static_select'` with `selectedOption`. */
  actionType?: string;
  selectedOption?: { value: string; text?: string };
  selectedDate?: string;
  triggerId?: string;
  enterprise?: SlackEnterprise;
  isEnterpriseInstall?: boolean;
  apiAppId?: string;
  teamDomain?: string;
  userName?: string;
}

/** A `payload=<json>` form body shaped like a real `block_actions` payload. */
export function blockActionsBody(options: BlockActionsOptions): string {
  const actionTs = nowTs();
  const blockId = options.blockId ?? 'actions';
  const action: Record<string, unknown> = {
    action_id: options.actionId,
    block_id: blockId,
    type: options.actionType ?? 'button',
    action_ts: actionTs,
  };
  if (options.value !== undefined) action.value = options.value;
  if (action.type === 'button') action.text = { type: 'plain_text', text: options.actionId, emoji: true };
  if (options.selectedOption) {
    action.selected_option = {
      text: {
        type: 'plain_text',
        text: options.selectedOption.text ?? options.selectedOption.value,
        emoji: true,
      },
      value: options.selectedOption.value,
    };
  }
  if (options.selectedDate !== undefined) action.selected_date = options.selectedDate;

  const channelId = options.channelId ?? `D${options.userId}`;
  const blocks = options.blocks ?? [];
  const common = {
    type: 'block_actions',
    user: {
      id: options.userId,
      username: options.userName ?? options.userId.toLowerCase(),
      name: options.userName ?? options.userId.toLowerCase(),
      team_id: options.teamId,
    },
    api_app_id: options.apiAppId ?? TEST_APP_ID,
    token: TEST_VERIFICATION_TOKEN,
    trigger_id: options.triggerId ?? newTriggerId(),
    team: { id: options.teamId, domain: options.teamDomain ?? 'rapport-test' },
    enterprise: options.enterprise ?? null,
    is_enterprise_install: options.isEnterpriseInstall ?? false,
    state: { values: {} },
    actions: [action],
  };

  if (options.source === 'home') {
    const viewId = options.viewId ?? 'V0HOME';
    return formBody({
      payload: JSON.stringify({
        ...common,
        container: { type: 'view', view_id: viewId },
        view: {
          id: viewId,
          team_id: options.teamId,
          type: 'home',
          blocks,
          private_metadata: options.privateMetadata ?? '',
          callback_id: '',
          state: { values: {} },
          hash: `${actionTs}.home`,
          app_id: options.apiAppId ?? TEST_APP_ID,
          external_id: '',
          app_installed_team_id: options.teamId,
          bot_id: 'B0RAPPORT',
          root_view_id: viewId,
          previous_view_id: null,
        },
      }),
    });
  }

  const messageTs = options.messageTs ?? nowTs();
  const container: Record<string, unknown> = {
    type: 'message',
    message_ts: messageTs,
    channel_id: channelId,
    is_ephemeral: options.isEphemeral ?? false,
  };
  if (options.threadTs !== undefined) container.thread_ts = options.threadTs;
  const message: Record<string, unknown> = {
    type: 'message',
    user: TEST_BOT_USER_ID,
    bot_id: 'B0RAPPORT',
    app_id: options.apiAppId ?? TEST_APP_ID,
    text: 'message with actions',
    ts: messageTs,
    team: options.teamId,
    blocks,
  };
  if (options.threadTs !== undefined) message.thread_ts = options.threadTs;
  return formBody({
    payload: JSON.stringify({
      ...common,
      container,
      channel: { id: channelId, name: channelId.startsWith('D') ? 'directmessage' : 'general' },
      message: options.isEphemeral ? undefined : message,
      response_url: options.responseUrl,
    }),
  });
}

/** Options of {@link blockSuggestionBody}. */
export interface BlockSuggestionOptions {
  teamId: string;
  userId: string;
  /** The `action_id` of the `external_select` being typed in. */
  actionId: string;
  /** What the member has typed so far. */
  value: string;
  blockId?: string;
  /** The modal's `callback_id`. */
  callbackId?: string;
  viewId?: string;
  privateMetadata?: string;
  enterprise?: SlackEnterprise;
  isEnterpriseInstall?: boolean;
  apiAppId?: string;
  teamDomain?: string;
  userName?: string;
}

/**
 * A `payload=<json>` form body shaped like a real `block_suggestion` payload: Slack asking for the options
 * of an `external_select` in a modal as the member types.
 */
export function blockSuggestionBody(options: BlockSuggestionOptions): string {
  const viewId = options.viewId ?? 'V0MODAL';
  const appId = options.apiAppId ?? TEST_APP_ID;
  return formBody({
    payload: JSON.stringify({
      type: 'block_suggestion',
      user: {
        id: options.userId,
        username: options.userName ?? options.userId.toLowerCase(),
        name: options.userName ?? options.userId.toLowerCase(),
        team_id: options.teamId,
      },
      container: { type: 'view', view_id: viewId },
      api_app_id: appId,
      token: TEST_VERIFICATION_TOKEN,
      action_id: options.actionId,
      block_id: options.blockId ?? 'partner',
      value: options.value,
      team: { id: options.teamId, domain: options.teamDomain ?? 'rapport-test' },
      enterprise: options.enterprise ?? null,
      is_enterprise_install: options.isEnterpriseInstall ?? false,
      view: {
        id: viewId,
        team_id: options.teamId,
        type: 'modal',
        blocks: [],
        private_metadata: options.privateMetadata ?? '',
        callback_id: options.callbackId ?? 'log-interaction',
        state: { values: {} },
        hash: `${Math.floor(Date.now() / 1000)}.hash`,
        title: { type: 'plain_text', text: 'Log an interaction', emoji: true },
        clear_on_close: false,
        notify_on_close: false,
        previous_view_id: null,
        root_view_id: viewId,
        app_id: appId,
        external_id: '',
        app_installed_team_id: options.teamId,
        bot_id: 'B0RAPPORT',
      },
    }),
  });
}

/**
 * One input's state as Slack puts it in `view.state.values[blockId][actionId]`. A plain string is
 * short for `{ type: 'plain_text_input', value }`; `selected_option` may omit its `text`.
 */
export type ViewStateInput =
  | string
  | {
      type: string;
      value?: string | null;
      selected_option?: { value: string; text?: unknown } | null;
      selected_date?: string | null;
      selected_time?: string | null;
      selected_options?: Array<{ value: string; text?: unknown }>;
      [field: string]: unknown;
    };

/** Options of {@link viewSubmissionBody}. */
export interface ViewSubmissionOptions {
  teamId: string;
  userId: string;
  callbackId: string;
  privateMetadata?: string;
  /** block_id → action_id → input state. */
  values: Record<string, Record<string, ViewStateInput>>;
  viewId?: string;
  blocks?: unknown[];
  title?: string;
  triggerId?: string;
  enterprise?: SlackEnterprise;
  isEnterpriseInstall?: boolean;
  apiAppId?: string;
  teamDomain?: string;
  userName?: string;
}

/** A `payload=<json>` form body shaped like a real `view_submission` payload. */
export function viewSubmissionBody(options: ViewSubmissionOptions): string {
  const viewId = options.viewId ?? 'V0MODAL';
  const appId = options.apiAppId ?? TEST_APP_ID;
  const values: Record<string, Record<string, unknown>> = {};
  for (const [blockId, actions] of Object.entries(options.values)) {
    values[blockId] = {};
    for (const [actionId, input] of Object.entries(actions)) {
      values[blockId][actionId] = normaliseInput(input);
    }
  }
  const payload = {
    type: 'view_submission',
    team: { id: options.teamId, domain: options.teamDomain ?? 'rapport-test' },
    user: {
      id: options.userId,
      username: options.userName ?? options.userId.toLowerCase(),
      name: options.userName ?? options.userId.toLowerCase(),
      team_id: options.teamId,
    },
    api_app_id: appId,
    token: TEST_VERIFICATION_TOKEN,
    trigger_id: options.triggerId ?? newTriggerId(),
    view: {
      id: viewId,
      team_id: options.teamId,
      type: 'modal',
      blocks: options.blocks ?? [],
      private_metadata: options.privateMetadata ?? '',
      callback_id: options.callbackId,
      state: { values },
      hash: `${Math.floor(Date.now() / 1000)}.hash`,
      title: { type: 'plain_text', text: options.title ?? 'Rapport', emoji: true },
      clear_on_close: false,
      notify_on_close: false,
      close: { type: 'plain_text', text: 'Cancel', emoji: true },
      submit: { type: 'plain_text', text: 'Save', emoji: true },
      previous_view_id: null,
      root_view_id: viewId,
      app_id: appId,
      external_id: '',
      app_installed_team_id: options.teamId,
      bot_id: 'B0RAPPORT',
    },
    response_urls: [],
    is_enterprise_install: options.isEnterpriseInstall ?? false,
    enterprise: options.enterprise ?? null,
  };
  return formBody({ payload: JSON.stringify(payload) });
}

function normaliseInput(input: ViewStateInput): Record<string, unknown> {
  if (typeof input === 'string') return { type: 'plain_text_input', value: input };
  const out: Record<string, unknown> = { ...input };
  const option = (o: { value: string; text?: unknown }): Record<string, unknown> => ({
    text: o.text ?? { type: 'plain_text', text: o.value, emoji: true },
    value: o.value,
  });
  if (input.selected_option) out.selected_option = option(input.selected_option);
  if (input.selected_options) out.selected_options = input.selected_options.map(option);
  return out;
}

/** Options of {@link eventBody}. */
export interface EventBodyOptions {
  teamId: string;
  /** The inner event, e.g. from {@link appHomeOpenedEvent}. */
  event: Record<string, unknown>;
  eventId?: string;
  /** Epoch seconds; default now. */
  eventTime?: number;
  apiAppId?: string;
  enterpriseId?: string;
  isEnterpriseInstall?: boolean;
  /** The installation the event is for; default the test bot user. */
  botUserId?: string;
}

/** A JSON `event_callback` body around `event`. */
export function eventBody(options: EventBodyOptions): string {
  const eventTime = options.eventTime ?? Math.floor(Date.now() / 1000);
  sequence += 1;
  return JSON.stringify({
    token: TEST_VERIFICATION_TOKEN,
    team_id: options.teamId,
    ...(options.enterpriseId !== undefined ? { enterprise_id: options.enterpriseId } : {}),
    api_app_id: options.apiAppId ?? TEST_APP_ID,
    event: { event_ts: `${eventTime}.000000`, ...options.event },
    type: 'event_callback',
    event_id: options.eventId ?? `Ev${String(sequence).padStart(9, '0')}`,
    event_time: eventTime,
    authorizations: [
      {
        enterprise_id: options.enterpriseId ?? null,
        team_id: options.teamId,
        user_id: options.botUserId ?? TEST_BOT_USER_ID,
        is_bot: true,
        is_enterprise_install: options.isEnterpriseInstall ?? false,
      },
    ],
    is_ext_shared_channel: false,
    event_context: `4-test-${sequence}`,
  });
}

/** An `app_home_opened` event for `userId` (Home tab, channel `D{userId}`). */
export function appHomeOpenedEvent(
  userId: string,
  options: { tab?: 'home' | 'messages'; channel?: string; view?: Record<string, unknown> } = {},
): Record<string, unknown> {
  const event: Record<string, unknown> = {
    type: 'app_home_opened',
    user: userId,
    channel: options.channel ?? `D${userId}`,
    tab: options.tab ?? 'home',
    event_ts: nowTs(),
  };
  if (options.view !== undefined) event.view = options.view;
  return event;
}

/** A `message` event (`channel_type: 'im'`) from `userId` in their DM with the bot. */
export function directMessageEvent(options: {
  userId: string;
  text: string;
  teamId?: string;
  channel?: string;
  threadTs?: string;
}): Record<string, unknown> {
  const ts = nowTs();
  return {
    type: 'message',
    channel_type: 'im',
    user: options.userId,
    text: options.text,
    ts,
    event_ts: ts,
    channel: options.channel ?? `D${options.userId}`,
    ...(options.teamId !== undefined ? { team: options.teamId } : {}),
    ...(options.threadTs !== undefined ? { thread_ts: options.threadTs } : {}),
  };
}

/** The JSON body of Slack's `url_verification` handshake. */
export function urlVerificationBody(challenge: string): string {
  return JSON.stringify({ token: TEST_VERIFICATION_TOKEN, challenge, type: 'url_verification' });
}
