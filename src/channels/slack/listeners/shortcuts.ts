/**
 * Shortcuts: log where it happens. The message shortcut "Log to partner" (`message_action`) opens the log
 * modal pre-filled from the message: its text and a link back to it as the note, its day, a guess of the
 * kind and of the partner (the channel's own, one the message names, or the organisation a Slack Connect
 * channel is shared with). The global shortcut "Log partner interaction" opens the same modal empty.
 * Submitting goes the log modal's usual way (`views.ts`). In a shared channel that belongs to no partner yet,
 * a one-tap suggestion to link it follows.
 */
import type {
  AllMiddlewareArgs,
  App,
  GlobalShortcut,
  MessageShortcut,
  SlackShortcutMiddlewareArgs,
  webApi,
} from '@slack/bolt';
import { describeError } from '../../../core/errors';
import type { CapturedMessage, Conversation } from '../../../core/rapport';
import { messageTime, plainSlackText, slackConversation } from '../channel-posts';
import type { SlackDeps } from './shared';
import {
  bestEffort,
  describeSharing,
  ephemeral,
  interactionSender,
  linkSuggestion,
  openModal,
  UNKNOWN_SENDER,
} from './shared';

/** The message shortcut's `callback_id` (manifest `features.shortcuts`). */
export const LOG_TO_PARTNER = 'log_to_partner';
/** The global shortcut's `callback_id`. */
export const LOG_PARTNER_INTERACTION = 'log_partner_interaction';

type MessageShortcutArgs = SlackShortcutMiddlewareArgs<MessageShortcut> & AllMiddlewareArgs;
type GlobalShortcutArgs = SlackShortcutMiddlewareArgs<GlobalShortcut> & AllMiddlewareArgs;
type WebClient = webApi.WebClient;

export function register(app: App, deps: SlackDeps): void {
  app.shortcut<MessageShortcut>(
    { type: 'message_action', callback_id: LOG_TO_PARTNER },
    deps.track(onMessageShortcut(deps)),
  );
  app.shortcut<GlobalShortcut>(
    { type: 'shortcut', callback_id: LOG_PARTNER_INTERACTION },
    deps.track(onGlobalShortcut(deps)),
  );
}

const NO_MODAL = {
  text: 'I could not open the log form just now (Slack allows only a few seconds). Please try the shortcut again.',
  isError: true,
};

function onMessageShortcut(deps: SlackDeps) {
  return async function logToPartner({ shortcut, ack, respond, client, context }: MessageShortcutArgs) {
    // The trigger id lives three seconds: acknowledge, then open the modal before anything slow.
    await ack();
    try {
      const now = deps.clock();
      const who = await deps.identities.identify(client, interactionSender(shortcut, context), now);
      if (!who) {
        await respond(ephemeral(UNKNOWN_SENDER));
        return;
      }
      const teamId = context.teamId ?? shortcut.team?.id;
      const channel = shortcut.channel as { id?: string; name?: string } | undefined;
      const conversation = slackConversation({ ...who.address, teamId }, channel?.id, channel?.name);
      const [permalink, connectedNames] = await Promise.all([
        permalinkOf(deps, client, channel?.id, shortcut.message_ts ?? shortcut.message?.ts),
        describeSharing(deps, client, conversation, teamId, now),
      ]);
      const message: CapturedMessage = {
        text: plainSlackText(String(shortcut.message?.text ?? '')),
        at: messageTime(shortcut.message?.ts ?? shortcut.message_ts) ?? now,
        permalink,
        connectedNames: connectedNames ?? [],
      };
      const form = await deps.rapport.captureForm(who.actor, message, now, conversation);
      const opened = await openModal(deps, client, shortcut.trigger_id, form, { channel: channel?.id });
      if (!opened) await respond(ephemeral(NO_MODAL));
      await offerLink(deps, client, who.actor, conversation, teamId, now, respond);
    } catch (error) {
      deps.logger.error({ err: describeError(error) }, 'message shortcut failed');
    }
  };
}

function onGlobalShortcut(deps: SlackDeps) {
  return async function logInteraction({ shortcut, ack, client, context }: GlobalShortcutArgs) {
    await ack();
    try {
      const now = deps.clock();
      const who = await deps.identities.identify(client, interactionSender(shortcut, context), now);
      if (!who) return;
      const form = await deps.rapport.captureForm(who.actor, null, now);
      if (!(await openModal(deps, client, shortcut.trigger_id, form, {})))
        await deps.dms.send(who.address, NO_MODAL);
    } catch (error) {
      deps.logger.error({ err: describeError(error) }, 'global shortcut failed');
    }
  };
}

/** The message's permalink, appended to the note; null when Slack will not give it. */
async function permalinkOf(
  deps: SlackDeps,
  client: WebClient,
  channel: string | undefined,
  ts: string | undefined,
): Promise<string | null> {
  if (!channel || !ts) return null;
  try {
    return (await client.chat.getPermalink({ channel, message_ts: ts })).permalink ?? null;
  } catch (error) {
    deps.logger.debug({ err: describeError(error) }, 'chat.getPermalink refused');
    return null;
  }
}

/** After the modal: in an unlinked Slack Connect channel, suggest linking it to the matching partner. */
async function offerLink(
  deps: SlackDeps,
  client: WebClient,
  actor: Parameters<SlackDeps['rapport']['channelPartner']>[0],
  conversation: Conversation | undefined,
  teamId: string | undefined,
  now: Date,
  respond: MessageShortcutArgs['respond'],
): Promise<void> {
  const suggestion = await linkSuggestion(deps, client, actor, conversation, teamId, now);
  if (suggestion)
    await bestEffort(deps.logger, 'suggesting a channel link', () => respond(ephemeral(suggestion)));
}
