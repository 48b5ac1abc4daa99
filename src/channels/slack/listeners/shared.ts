/** What the Slack listeners share: their dependencies and the small steps every kind of listener takes. */
import type { RespondArguments, webApi } from '@slack/bolt';
import { describeError } from '../../../core/errors';
import type { Form, Message } from '../../../core/messages';
import type { Logger } from '../../../core/ports';
import type { Actor, Conversation, Rapport } from '../../../core/rapport';
import { GUESTS_REFUSED } from '../../guests';
import type { ModalMetadata } from '../block-kit-forms';
import { renderHomeView, renderMessage } from '../block-kit';
import { renderModal } from '../block-kit-forms';
import type { DirectMessages } from '../direct-messages';
import type { SlackConnectNames } from '../slack-connect';
import { toChannelError } from '../slack-errors';
import type { SlackAddress, SlackSender } from '../slack-identity';
import type { SlackIdentityService } from '../workspace-identities';

type WebClient = webApi.WebClient;

/** What every listener is given. */
export interface SlackDeps {
  rapport: Rapport;
  logger: Logger;
  /** The service's clock: the `now` of every core call. */
  clock: () => Date;
  /** Who is talking: the one installation's identities, or (OAuth) those of the request's installation. */
  identities: SlackIdentityService;
  dms: DirectMessages;
  /** Which organisations a channel is shared with (Slack Connect), to suggest linking it to a partner. */
  connect: SlackConnectNames;
  /**
   * Wraps a listener so that `stop()` can wait for it: with Bolt's default `processBeforeResponse:
   * false`, work after `ack()` outlives the HTTP request.
   */
  track<A>(listener: (args: A) => Promise<void>): (args: A) => Promise<void>;
  /** How long a slash command may run before it is acknowledged empty (Slack waits 3 s at most). */
  ackBudgetMs: number;
}

/** Said when something unexpected failed; details go to the log, never to the member. */
export const SORRY: Message = {
  text: 'Sorry, something went wrong on my side. Please try again in a minute.',
  isError: true,
};

/** Said when a request names no user we can act for. */
export const UNKNOWN_SENDER: Message = {
  text: 'I could not tell who sent this, so I did nothing.',
  isError: true,
};

/** Said to someone from outside the installed workspace (another team, a Slack Connect guest). */
export const OUTSIDER: Message = {
  text:
    'Rapport here serves members of this workspace only, and I could not confirm that you are one, so I did ' +
    'nothing. If you are, please try again in a little while.',
  isError: true,
};

/** Said to a single- or multi-channel guest while `ALLOW_GUESTS` is off. */
export const GUEST: Message = { text: GUESTS_REFUSED, isError: true };

/** A message as an ephemeral `respond()` payload. */
export function ephemeral(message: Message, replaceOriginal = false): RespondArguments {
  const { text, blocks } = renderMessage(message);
  return { response_type: 'ephemeral', replace_original: replaceOriginal, text, blocks };
}

/** Opens a core form as a modal; false (logged) when Slack refuses, e.g. an expired trigger id. */
export async function openModal(
  deps: SlackDeps,
  client: WebClient,
  triggerId: string | undefined,
  form: Form,
  metadata: ModalMetadata,
): Promise<boolean> {
  if (!triggerId) return false;
  try {
    await client.views.open({ trigger_id: triggerId, view: renderModal(form, metadata) });
    return true;
  } catch (error) {
    deps.logger.warn({ form: form.id, err: describeError(error) }, 'could not open the modal');
    return false;
  }
}

/** Publishes the member's dashboard as their App Home tab. */
export async function publishHome(
  deps: SlackDeps,
  client: WebClient,
  actor: Actor,
  userId: string,
  now: Date,
): Promise<void> {
  const [dashboard, playbook] = await Promise.all([
    deps.rapport.dashboard(actor, now),
    deps.rapport.playbookPanel(actor, now),
  ]);
  // An admin also sees the workspace's playbook, each rule with its on/off button.
  const home = playbook
    ? {
        ...dashboard,
        sections: [
          ...(dashboard.sections ?? []),
          { title: playbook.title, lines: [playbook.text] },
          ...(playbook.sections ?? []),
        ],
      }
    : dashboard;
  await client.views.publish({ user_id: userId, view: renderHomeView(home) });
}

/** Runs a best-effort step (a confirmation, a refreshed view): failures are logged, not raised. */
export async function bestEffort(logger: Logger, what: string, step: () => Promise<unknown>): Promise<void> {
  try {
    await step();
  } catch (error) {
    logger.warn({ err: describeError(error) }, `${what} failed`);
  }
}

/** What the member is told when Slack refuses an export's upload, by error code. */
const UPLOAD_REFUSED: Record<string, string> = {
  AUTH:
    'Slack did not let me upload the export: Rapport needs the `files:write` permission. ' +
    'Ask a Slack admin to reinstall the app from its manifest, then try again.',
  RATE_LIMITED: 'Slack asked me to slow down, so the export was not uploaded. Please try again in a minute.',
  ADDRESS_GONE:
    'I could not open our direct message to send you the export. Open Rapport’s Messages tab, then try again.',
};

/**
 * Hands over the files a reply carries (an export): uploads them to the member's DM with Rapport and
 * returns the reply to show, saying where the files are; or, when Slack refuses the upload, a reply that
 * says why in words (details go to the log).
 */
export async function deliverFiles(deps: SlackDeps, address: SlackAddress, reply: Message): Promise<Message> {
  const files = reply.files ?? [];
  if (files.length === 0) return reply;
  try {
    await deps.dms.upload(address, files, reply.text);
  } catch (error) {
    const mapped = toChannelError(error, 'files.uploadV2');
    deps.logger.warn({ code: mapped.code, err: describeError(error) }, 'could not upload an export to Slack');
    return {
      text:
        UPLOAD_REFUSED[mapped.code] ??
        'I could not upload the export to Slack just now. Nothing was lost: please try again in a minute.',
      isError: true,
    };
  }
  const where = files.length === 1 ? 'The file is' : `The ${files.length} files are`;
  const { files: _uploaded, ...rest } = reply;
  return { ...rest, text: `${reply.text}\n${where} in your direct messages with Rapport.` };
}

/** What an interactive payload (a button press, a modal submission) says about who sent it. */
export function interactionSender(
  body: {
    user?: { id?: string; name?: string; username?: string; team_id?: string } | null;
    team?: { id?: string; domain?: string } | null;
    enterprise?: { id?: string } | null;
  },
  context: { teamId?: string; enterpriseId?: string },
): SlackSender {
  return {
    userId: body.user?.id,
    teamId: context.teamId ?? body.team?.id ?? body.user?.team_id,
    enterpriseId: context.enterpriseId ?? body.enterprise?.id,
    teamName: body.team?.domain,
    userName: body.user?.name ?? body.user?.username,
  };
}

/**
 * Marks a channel as shared with other organisations (Slack Connect: `external`) or not, and returns their
 * names (then the channel's) for matching a partner; null for a chat, an internal channel, or when Slack
 * cannot say. Answered from memory most of the time (see `SlackConnectNames`).
 */
export async function describeSharing(
  deps: SlackDeps,
  client: WebClient,
  conversation: Conversation | undefined,
  teamId: string | undefined,
  now: Date,
): Promise<string[] | null> {
  if (conversation?.kind !== 'channel') return null;
  const names = await deps.connect.of(client, conversation.id, teamId, now);
  // Slack could not say: `external` stays unknown, which the core treats as shared (nothing is posted).
  if (names !== undefined) conversation.external = names !== null;
  return names ?? null;
}

/**
 * In a channel shared with another organisation (Slack Connect) that belongs to no partner yet, a
 * suggestion to link it to the partner whose name matches that organisation's, with a one-tap button; null
 * otherwise (a DM, a linked channel, an internal channel, no partner matches). Never throws.
 */
export async function linkSuggestion(
  deps: SlackDeps,
  client: WebClient,
  actor: Actor,
  conversation: Conversation | undefined,
  teamId: string | undefined,
  now: Date,
): Promise<Message | null> {
  try {
    if (conversation?.kind !== 'channel') return null;
    if ((await deps.rapport.channelPartner(actor, conversation)) !== null) return null;
    const names = await describeSharing(deps, client, conversation, teamId, now);
    if (!names?.length) return null;
    const suggestion = await deps.rapport.linkSuggestion(actor, conversation, names, now);
    // Offered once a day at most to each member in each channel: a suggestion repeated on every command nags.
    return suggestion && deps.connect.mayOffer(conversation.id, actor.memberId, now) ? suggestion : null;
  } catch (error) {
    deps.logger.warn({ err: describeError(error) }, 'could not look for a partner to link the channel to');
    return null;
  }
}
