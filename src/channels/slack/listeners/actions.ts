/**
 * Button clicks and overflow-menu picks, from messages (nudges, ephemeral replies) and from the App Home
 * tab. A button's `action_id`, and an overflow option's `value`, is the core's choice id, so one listener
 * serves them all and the core decides; an id it does not know gets a clear "not recognised" reply.
 */
import type { AllMiddlewareArgs, App, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { describeError } from '../../../core/errors';
import type { Message } from '../../../core/messages';
import { renderMessage } from '../block-kit';
import { slackConversation } from '../channel-posts';
import type { SlackMessageRef } from '../direct-messages';
import type { SlackDeps } from './shared';
import {
  bestEffort,
  describeSharing,
  ephemeral,
  interactionSender,
  openModal,
  publishHome,
  SORRY,
  UNKNOWN_SENDER,
} from './shared';

type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

export function register(app: App, deps: SlackDeps): void {
  app.action({ type: 'block_actions' }, deps.track(onBlockAction(deps)));
}

/** Where the clicked button was: a posted message (maybe ephemeral), or a view (App Home, a modal). */
interface Origin {
  message?: SlackMessageRef;
  ephemeral: boolean;
  home: boolean;
}

function originOf(body: BlockAction): Origin {
  const container = body.container ?? {};
  const channel = String(container.channel_id ?? body.channel?.id ?? '');
  const ts = String(container.message_ts ?? body.message?.ts ?? '');
  return {
    message: container.type === 'message' && channel && ts ? { channel, ts } : undefined,
    ephemeral: container.is_ephemeral === true,
    home: container.type === 'view' && body.view?.type === 'home',
  };
}

/**
 * The core choice an action carries: a button's `action_id`, or the `value` of the option picked in an
 * overflow menu (a menu of secondary choices). Selects and date pickers inside modals carry none: they
 * are read on submission.
 */
export function choiceOf(action: BlockAction['actions'][number]): string | null {
  if (action.type === 'button') return action.action_id;
  if (action.type === 'overflow') {
    const value = action.selected_option?.value;
    return typeof value === 'string' && value !== '' ? value : null;
  }
  return null;
}

function onBlockAction(deps: SlackDeps) {
  return async function onButton({ body, action, ack, respond, client, context }: ActionArgs): Promise<void> {
    await ack();
    const choiceId = choiceOf(action);
    if (choiceId === null) return;
    const origin = originOf(body);
    const canRespond = typeof body.response_url === 'string' && body.response_url !== '';
    let replyTo: ((message: Message) => Promise<unknown>) | null = canRespond
      ? (message) => respond(ephemeral(message))
      : null;
    try {
      const now = deps.clock();
      const who = await deps.identities.identify(client, interactionSender(body, context), now);
      if (!who) {
        await replyTo?.(UNKNOWN_SENDER);
        return;
      }
      // No response_url on the App Home tab: answer in the member's DM instead.
      replyTo ??= (message) => deps.dms.send(who.address, message);

      // Where the button was (a "Link to …" suggestion acts on its channel).
      const channelId = origin.message?.channel ?? body.channel?.id;
      const conversation = slackConversation(who.address, channelId, body.channel?.name);
      await describeSharing(deps, client, conversation, who.address.teamId, now);
      const result = await deps.rapport.handleChoice(who.actor, choiceId, now, conversation);
      let opened = false;
      if (result.openForm) {
        opened = await openModal(deps, client, body.trigger_id, result.openForm, {
          channel: body.channel?.id,
          message: origin.message,
        });
      }
      if (result.replaceOriginal) {
        const replacement = result.replaceOriginal;
        await bestEffort(deps.logger, 'updating the original message', async () => {
          if (origin.ephemeral && canRespond) await respond(ephemeral(replacement, true));
          else if (origin.message) {
            const { text, blocks } = renderMessage(replacement);
            await client.chat.update({ ...origin.message, text, blocks });
          }
        });
      }
      if (!opened) await replyTo(result.reply);
      if (origin.home && !result.openForm) {
        await bestEffort(deps.logger, 'refreshing App Home', () =>
          publishHome(deps, client, who.actor, who.address.userId, now),
        );
      }
    } catch (error) {
      deps.logger.error({ actionId: choiceId, err: describeError(error) }, 'button click failed');
      await replyTo?.(SORRY).catch(() => undefined);
    }
  };
}
