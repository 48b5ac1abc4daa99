/**
 * Slash commands. Any command name the app is given runs the command grammar, so a workspace may
 * install the app as `/partner` (the manifest) or under another name (e.g. a `/partner-dev` copy).
 * Replies are ephemeral; `/partner` alone and `/partner log` without arguments open the log modal;
 * `/partner export` uploads its files to the member's DM with the app.
 */
import type { AllMiddlewareArgs, App, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { describeError } from '../../../core/errors';
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
    // Acknowledge first: Slack allows 3 s, and the trigger id for a modal lives no longer.
    await ack();
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
        await respond(ephemeral(UNKNOWN_SENDER));
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
      const result = await deps.rapport.handleCommand(who.actor, text, now, conversation);
      let opened = false;
      if (result.openForm) {
        opened = await openModal(deps, client, command.trigger_id, result.openForm, {
          channel: command.channel_id,
        });
      }
      // An export's files go to the member's DM: an ephemeral reply cannot carry files.
      if (!opened) await respond(ephemeral(await deliverFiles(deps, who.address, result.reply)));
      const suggestion = await linkSuggestion(deps, client, who.actor, conversation, teamId, now);
      if (suggestion) await respond(ephemeral(suggestion));
    } catch (error) {
      deps.logger.error({ command: command.command, err: describeError(error) }, 'slash command failed');
      await respond(ephemeral(SORRY)).catch(() => undefined);
    }
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
