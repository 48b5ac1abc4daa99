/** Shortcut payloads shaped as Slack sends them: one form field, `payload=<json>`. */
import { newTriggerId, TEST_APP_ID, TEST_VERIFICATION_TOKEN } from './slack-requests';

export interface MessageShortcutOptions {
  teamId: string;
  userId: string;
  callbackId: string;
  channelId: string;
  channelName?: string;
  /** The message the shortcut was used on. */
  message: { ts: string; text: string; user?: string };
  responseUrl: string;
  triggerId?: string;
}

function form(payload: unknown): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** A `message_action` payload (a message shortcut picked from a message's "More actions" menu). */
export function messageShortcutBody(options: MessageShortcutOptions): string {
  return form({
    type: 'message_action',
    token: TEST_VERIFICATION_TOKEN,
    action_ts: `${Math.floor(Date.now() / 1000)}.000100`,
    team: { id: options.teamId, domain: 'rapport-test' },
    user: {
      id: options.userId,
      username: options.userId.toLowerCase(),
      team_id: options.teamId,
      name: options.userId.toLowerCase(),
    },
    channel: { id: options.channelId, name: options.channelName ?? 'general' },
    is_enterprise_install: false,
    enterprise: null,
    callback_id: options.callbackId,
    trigger_id: options.triggerId ?? newTriggerId(),
    response_url: options.responseUrl,
    message_ts: options.message.ts,
    message: {
      type: 'message',
      user: options.message.user ?? 'U0SOMEONE',
      ts: options.message.ts,
      text: options.message.text,
      team: options.teamId,
    },
    api_app_id: TEST_APP_ID,
  });
}

/** A `shortcut` payload (a global shortcut picked from the shortcuts menu). */
export function globalShortcutBody(options: {
  teamId: string;
  userId: string;
  callbackId: string;
  triggerId?: string;
}): string {
  return form({
    type: 'shortcut',
    token: TEST_VERIFICATION_TOKEN,
    action_ts: `${Math.floor(Date.now() / 1000)}.000200`,
    team: { id: options.teamId, domain: 'rapport-test' },
    user: { id: options.userId, username: options.userId.toLowerCase(), team_id: options.teamId },
    is_enterprise_install: false,
    enterprise: null,
    callback_id: options.callbackId,
    trigger_id: options.triggerId ?? newTriggerId(),
    api_app_id: TEST_APP_ID,
  });
}
