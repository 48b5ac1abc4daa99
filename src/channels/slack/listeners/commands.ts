/**
 * Slash commands. Any command name the app is given runs the command grammar, so a workspace may
 * install the app as `/partner` (the manifest) or under another name (e.g. a `/partner-dev` copy).
 * Replies are ephemeral, and come in the acknowledgement itself when the command is done within
 * {@link COMMAND_ACK_BUDGET_MS}; `/partner` alone and `/partner log` without arguments open the log modal;
 * `/partner export` uploads its files to the member's DM with the app.
 */
import type { AllMiddlewareArgs, App, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { describeError } from '../../../core/errors';
import type { Message } from '../../../core/messages';
import { renderMessage } from '../block-kit';
import { slackConversation } from '../channel-posts';
import { mentionedUsers, seePeople } from './people';
import type { SlackDeps } from './shared';
import {
  deliverFiles,
  describeSharing,
  ephemeral,
  linkSuggestion,
  openModal,
  SORRY,
  UNKNOWN_SENDER,
} from './shared';

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/** How long a slash command may run before it is acknowledged empty (Slack waits 3 s at most). */
export const COMMAND_ACK_BUDGET_MS = 2_000;

export function register(app: App, deps: SlackDeps): void {
  app.command(/^\/.+/, deps.track(onCommand(deps)));
}

function onCommand(deps: SlackDeps) {
  return async function onSlashCommand({
    command,
    ack,
    respond,
    client,
    context,
  }: CommandArgs): Promise<void> {
    const reply = commandReply(ack, respond);
    // Slack allows 3 s for the acknowledgement: a command still running at the budget is acknowledged
    // empty, and its reply goes to the response_url when it is ready.
    const budget = setTimeout(() => {
      reply.ackEmpty().catch((error: unknown) => {
        deps.logger.warn({ err: describeError(error) }, 'could not acknowledge a slash command');
      });
    }, deps.ackBudgetMs);
    try {
      const now = deps.clock();
      const sender = {
        teamId: context.teamId ?? command.team_id,
        enterpriseId: context.enterpriseId ?? command.enterprise_id,
        teamName: command.team_domain,
      };
      const who = await deps.identities.identify(
        client,
        { ...sender, userId: command.user_id, userName: command.user_name },
        now,
      );
      if (!who) {
        await reply.send(UNKNOWN_SENDER);
        return;
      }
      const teamId = context.teamId ?? command.team_id;
      // Where it was typed: in a partner's channel, the partner's name may be left out.
      const conversation = slackConversation(
        { ...who.address, teamId },
        command.channel_id,
        command.channel_name,
      );
      await describeSharing(deps, client, conversation, teamId, now);
      const raw = command.text ?? '';
      // People mentioned (`owners Nissan add @aiko sales`) become known members first.
      await seePeople(deps, client, mentionedUsers(raw), { ...sender, userId: command.user_id }, now);
      const text = unescapeSlackText(raw);
      const result = await deps.rapport.handleCommand(who.actor, text, now, conversation, who.member);
      let opened = false;
      if (result.openForm) {
        // The modal opens with the trigger id, which lives 3 s like the acknowledgement: acknowledge empty.
        await reply.ackEmpty();
        opened = await openModal(deps, client, command.trigger_id, result.openForm, {
          channel: command.channel_id,
        });
      }
      // An export's files go to the member's DM: an ephemeral reply cannot carry files.
      if (!opened) await reply.send(await deliverFiles(deps, who.address, result.reply));
      const suggestion = await linkSuggestion(deps, client, who.actor, conversation, teamId, now);
      if (suggestion) await reply.send(suggestion);
    } catch (error) {
      deps.logger.error({ command: command.command, err: describeError(error) }, 'slash command failed');
      await reply.send(SORRY).catch(() => undefined);
    } finally {
      clearTimeout(budget);
      // Never leave Slack without its acknowledgement (e.g. a reply that could not be sent).
      await reply.ackEmpty().catch(() => undefined);
    }
  };
}

/**
 * How a slash command's messages reach the member: the first one in the acknowledgement itself (one HTTP
 * answer, no second request) while the command has not been acknowledged yet, every later one (or one
 * after the budget) through the response_url.
 */
function commandReply(ack: CommandArgs['ack'], respond: CommandArgs['respond']) {
  let acknowledged = false;
  return {
    async ackEmpty(): Promise<void> {
      if (acknowledged) return;
      acknowledged = true;
      await ack();
    },
    async send(message: Message): Promise<void> {
      if (acknowledged) {
        await respond(ephemeral(message));
        return;
      }
      acknowledged = true;
      const { text, blocks } = renderMessage(message);
      await ack({ response_type: 'ephemeral', text, blocks });
    },
  };
}

/**
 * Slack sends `&`, `<` and `>` in a command's text as HTML entities; the grammar wants what was typed. With
 * escaping on (the manifest's `should_escape`), a mentioned person arrives as `<@U123|aiko>`, which is kept
 * for the grammar to read as a member; a channel (`<#C1|general>`) and a link (`<https://…|label>`) go back
 * to what the member typed.
 */
export function unescapeSlackText(text: string): string {
  return text
    .replace(/<#[A-Z0-9]+\|([^>]*)>/g, '#$1')
    .replace(/<!([a-z]+)(?:\|[^>]*)?>/g, '@$1')
    .replace(/<((?:https?|mailto):[^|>]+)(?:\|[^>]*)?>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
