/**
 * `import` in the app's DM: the member shares their portfolio spreadsheet (CSV) in the DM with the message
 * `import` (a dry run: what would change) or `import apply` (write it). Slack sends it as a `message` event
 * (`file_share`) with `files[]`; the file is read from `url_private_download` with the bot token, which is
 * sent only to Slack's own file host. Owners named by e-mail are found with `users.lookupByEmail`, then
 * among the members Rapport already knows. Requests were admitted like every other (`installation.ts`).
 */
import type { AllMiddlewareArgs, App, SlackEventMiddlewareArgs } from '@slack/bolt';
import { describeError } from '../../../core/errors';
import type { OwnerResolver } from '../../../core/import/import-plan';
import { importReportLines } from '../../../core/import/import-portfolio';
import type { Message } from '../../../core/messages';
import { localDate } from '../../../core/time';
import { renderMessage } from '../block-kit';
import type { SlackDeps } from './shared';

type MessageArgs = SlackEventMiddlewareArgs<'message'> & AllMiddlewareArgs;
type WebClient = MessageArgs['client'];

const IMPORT_COMMAND = /^(?:\/?partner\s+)?import(?:\s+(apply))?$/i;
/** Largest spreadsheet read, in bytes. */
const IMPORT_MAX_BYTES = 2_000_000;
const READ_TIMEOUT_MS = 15_000;
/** Rows of each kind a reply lists; the rest are counted. */
const REPLY_ROWS = 15;

const IMPORT_HELP: Message = {
  text:
    'To import your portfolio, share a CSV file here in our DM with the message `import`: I reply with what ' +
    'would change. Then share it again with `import apply` to write it. Columns: name, stage, signed date, ' +
    'country (two letters), owners (e-mail addresses), first meeting, last contact.',
};

interface SharedFile {
  name?: string;
  filetype?: string;
  url_private_download?: string;
  size?: number;
}

export function register(app: App, deps: SlackDeps): void {
  app.event('message', deps.track(onDirectMessage(deps)));
}

function onDirectMessage(deps: SlackDeps) {
  return async function onMessage({ event, body, client, context }: MessageArgs): Promise<void> {
    const message = event as unknown as {
      channel_type?: string;
      channel: string;
      user?: string;
      bot_id?: string;
      text?: string;
      files?: SharedFile[];
    };
    const request = IMPORT_COMMAND.exec((message.text ?? '').trim());
    if (message.channel_type !== 'im' || message.bot_id || !message.user || !request) return;
    try {
      const now = deps.clock();
      const who = await deps.identities.identify(
        client,
        {
          userId: message.user,
          teamId: context.teamId ?? body.team_id,
          enterpriseId: context.enterpriseId ?? body.enterprise_id,
          dmChannelId: message.channel.startsWith('D') ? message.channel : null,
        },
        now,
      );
      if (!who) return;
      const token = context.botToken ?? client.token ?? '';
      const reply = await importShared(
        deps,
        client,
        token,
        who,
        message.files ?? [],
        Boolean(request[1]),
        now,
      );
      await client.chat.postMessage({ channel: message.channel, ...renderMessage(reply) });
    } catch (error) {
      deps.logger.error({ err: describeError(error) }, 'Slack import failed');
    }
  };
}

async function importShared(
  deps: SlackDeps,
  client: WebClient,
  token: string,
  who: NonNullable<Awaited<ReturnType<SlackDeps['identities']['identify']>>>,
  files: SharedFile[],
  apply: boolean,
  now: Date,
): Promise<Message> {
  const file = files[0];
  if (!file?.url_private_download) return IMPORT_HELP;
  const name = file.name ?? 'the file';
  if (file.filetype !== 'csv' && !/\.csv$/i.test(name))
    return {
      text: `${name} is not a CSV file. Save the spreadsheet as CSV (UTF-8) and share that.`,
      isError: true,
    };
  if (!slackFileUrl(file.url_private_download, client.slackApiUrl)) {
    deps.logger.warn({ file: name }, 'shared file offered outside Slack’s file host; not read');
    return { text: `I could not read ${name}. Please share it again.`, isError: true };
  }
  let csv: string;
  try {
    csv = await readSlackFile(file.url_private_download, token);
  } catch (error) {
    deps.logger.warn({ file: name, err: describeError(error) }, 'could not read a shared file to import');
    return { text: `I could not read ${name} just now (at most 2 MB). Please try again.`, isError: true };
  }
  const outcome = await deps.rapport.importPortfolio(
    who.actor.workspaceId,
    csv,
    {
      apply,
      resolver: lookupByEmail(deps, client, who.actor.workspaceId, now),
      defaultOwner: who.actor.memberId,
      importedBy: who.actor.memberId,
      today: localDate(now, who.member.timeZone),
    },
    now,
  );
  const lines = importReportLines(outcome, {
    limit: REPLY_ROWS,
    applyHint: 'Share the file again with `import apply` to import it.',
  });
  const failed = !outcome.ok || outcome.plan.errors.length > 0;
  return { title: `Import of ${name}`, text: lines.join('\n'), isError: failed || undefined };
}

/**
 * Owners by `users.lookupByEmail`. Someone found whom Rapport has not seen yet is recorded as a member
 * (with the address), so they can own partners and be nudged later.
 */
function lookupByEmail(deps: SlackDeps, client: WebClient, workspaceId: string, now: Date): OwnerResolver {
  const external = workspaceId.slice(workspaceId.indexOf(':') + 1);
  return {
    async membersByEmail(emails) {
      const found = new Map<string, string | null>();
      for (const email of emails) {
        try {
          const { user } = await client.users.lookupByEmail({ email });
          if (!user?.id || user.deleted || user.is_bot) {
            found.set(email, null);
            continue;
          }
          const displayName = user.profile?.display_name || user.real_name || null;
          await deps.rapport.identify('slack', external, { memberId: user.id, displayName, email }, now);
          found.set(email, user.id);
        } catch {
          // `users_not_found` (or Slack unreachable): the address is looked up among known members.
          found.set(email, null);
        }
      }
      return found;
    },
  };
}

/** Whether `url` is on Slack's file host (or the configured API host: GovSlack, a test fake). */
function slackFileUrl(url: string, apiUrl: string): boolean {
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) return false;
    if (parsed.origin === new URL(apiUrl).origin) return true;
    return parsed.protocol === 'https:' && /^files\.slack(-gov)?\.com$/.test(parsed.hostname);
  } catch {
    return false;
  }
}

async function readSlackFile(url: string, token: string): Promise<string> {
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(READ_TIMEOUT_MS),
    // The token goes to Slack's file host only: a redirect elsewhere is not followed.
    redirect: 'error',
  });
  if (!response.ok) throw new Error(`Slack's file host answered HTTP ${response.status}`);
  if (Number(response.headers.get('content-length') ?? 0) > IMPORT_MAX_BYTES)
    throw new Error('file too large');
  const bytes = Buffer.from(await response.arrayBuffer());
  if (bytes.length > IMPORT_MAX_BYTES) throw new Error('file too large');
  return bytes.toString('utf8');
}
