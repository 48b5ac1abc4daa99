/**
 * `import` in the Teams personal chat: the member attaches their portfolio spreadsheet (CSV) to a message
 * saying `import` (a dry run: what would change) or `import apply` (write it). Teams hands a personal
 * chat's file to the bot as a `file.download.info` attachment with a pre-authorised `downloadUrl` on
 * SharePoint/OneDrive, read here without any bot token. Owners named by e-mail are looked up in the
 * conversation's roster (Teams' own addresses), then among the members Rapport already knows.
 */
import { TeamsInfo } from 'botbuilder';
import type { Attachment, TurnContext } from 'botbuilder';
import { describeError } from '../../core/errors';
import type { OwnerResolver } from '../../core/import/import-plan';
import { importReportLines } from '../../core/import/import-portfolio';
import type { Message } from '../../core/messages';
import type { Member } from '../../core/model';
import type { Logger } from '../../core/ports';
import type { Actor, Rapport } from '../../core/rapport';
import { localDate } from '../../core/time';
import { uploadUrlAllowed } from './file-consent';
import { isRecord, memberIdOf } from './teams-address';

export const FILE_DOWNLOAD_INFO_TYPE = 'application/vnd.microsoft.teams.file.download.info';
/** Largest spreadsheet read, in bytes (a 5,000-row portfolio is well under it). */
export const IMPORT_MAX_BYTES = 2_000_000;
/** Rows of each kind a chat reply lists; the rest are counted. */
const REPLY_ROWS = 15;

const IMPORT_COMMAND = /^(?:partner\s+)?import(?:\s+(apply))?$/i;

/** Whether the typed text asks for an import, and whether to write it. */
export function importRequest(text: string): { apply: boolean } | null {
  const match = IMPORT_COMMAND.exec(text.trim());
  return match ? { apply: Boolean(match[1]) } : null;
}

export const IMPORT_HELP =
  'To import your portfolio, attach a CSV file to a message saying `import` here in our chat: I reply with ' +
  'what would change. Then send it again with `import apply` to write it. Columns: name, stage, signed date, ' +
  'country (two letters), owners (e-mail addresses), first meeting, last contact.';

export interface TeamsImportOptions {
  rapport: Rapport;
  logger: Logger;
  clock: () => Date;
  /** Authentication is off (local testing only): files are read from this machine's loopback only. */
  local: boolean;
  timeoutMs: number;
}

export class TeamsPortfolioImport {
  constructor(private readonly options: TeamsImportOptions) {}

  /** Reads the attached file and imports it (a dry run unless `apply`); the reply to send. */
  async run(
    context: TurnContext,
    seen: { actor: Actor; member: Member },
    tenantId: string,
    apply: boolean,
  ): Promise<Message> {
    const { rapport, clock, logger } = this.options;
    const file = (context.activity.attachments ?? []).find((a) => a.contentType === FILE_DOWNLOAD_INFO_TYPE);
    if (!file) return { text: IMPORT_HELP };
    const download = downloadInfo(file);
    if (!download)
      return {
        text: 'Teams did not give me a way to read that file. Please attach it again.',
        isError: true,
      };
    if (!/\.csv$/i.test(download.name) && download.fileType.toLowerCase() !== 'csv')
      return {
        text: `${download.name} is not a CSV file. Save the spreadsheet as CSV (UTF-8) and attach that.`,
        isError: true,
      };
    if (!uploadUrlAllowed(download.url, this.options.local)) {
      logger.warn({ file: download.name }, 'file to import offered at a place it may not be read from');
      return {
        text: 'Teams did not give me a place I can read that file from. Please attach it again.',
        isError: true,
      };
    }
    let csv: string;
    try {
      csv = await readFile(download.url, this.options.timeoutMs);
    } catch (error) {
      logger.warn({ file: download.name, err: describeError(error) }, 'could not read a file to import');
      const tooBig = error instanceof FileTooBig;
      return {
        text: tooBig
          ? `${download.name} is larger than I import at once (2 MB). Split it into smaller files.`
          : `I could not read ${download.name} just now. Please try again.`,
        isError: true,
      };
    }
    const now = clock();
    const outcome = await rapport.importPortfolio(
      seen.actor.workspaceId,
      csv,
      {
        apply,
        resolver: this.rosterOwners(context, tenantId, now),
        defaultOwner: seen.actor.memberId,
        importedBy: seen.actor.memberId,
        today: localDate(now, seen.member.timeZone),
      },
      now,
    );
    const lines = importReportLines(outcome, {
      limit: REPLY_ROWS,
      applyHint: 'Send the file again with `import apply` to import it.',
    });
    const failed = !outcome.ok || outcome.plan.errors.length > 0;
    return { title: `Import of ${download.name}`, text: lines.join('\n'), isError: failed || undefined };
  }

  /**
   * Owners by the e-mail addresses in the conversation's roster. Someone found there whom Rapport has not
   * seen yet is recorded as a member (with the address), so they can own partners and be nudged later.
   */
  private rosterOwners(context: TurnContext, tenantId: string, now: Date): OwnerResolver {
    return {
      membersByEmail: async (emails) => {
        const found = new Map<string, string | null>(emails.map((email) => [email, null]));
        let continuationToken: string | undefined;
        try {
          do {
            const page = await TeamsInfo.getPagedMembers(context, 500, continuationToken);
            for (const account of page.members) {
              const email = account.email?.toLowerCase() ?? account.userPrincipalName?.toLowerCase();
              const memberId = memberIdOf(account);
              if (!email || !memberId || !found.has(email)) continue;
              await this.options.rapport.identify(
                'teams',
                tenantId,
                { memberId, displayName: account.name || null, email },
                now,
              );
              found.set(email, memberId);
            }
            continuationToken = page.continuationToken;
          } while (continuationToken);
        } catch (error) {
          this.options.logger.warn(
            { err: describeError(error) },
            'could not read the Teams roster for an import',
          );
        }
        return found;
      },
    };
  }
}

interface DownloadInfo {
  url: string;
  name: string;
  fileType: string;
}

function downloadInfo(attachment: Attachment): DownloadInfo | null {
  const content = isRecord(attachment.content) ? attachment.content : {};
  if (typeof content.downloadUrl !== 'string') return null;
  return {
    url: content.downloadUrl,
    name: typeof attachment.name === 'string' && attachment.name ? attachment.name : 'the file',
    fileType: typeof content.fileType === 'string' ? content.fileType : '',
  };
}

class FileTooBig extends Error {}

/** The file's text (UTF-8), at most {@link IMPORT_MAX_BYTES}, within `timeoutMs`. */
async function readFile(url: string, timeoutMs: number): Promise<string> {
  // The URL is pre-authorised: no bot token goes with it, and a redirect elsewhere is not followed.
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  if (!response.ok) throw new Error(`the file's host answered HTTP ${response.status}`);
  if (Number(response.headers.get('content-length') ?? 0) > IMPORT_MAX_BYTES) throw new FileTooBig();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += (chunk as Uint8Array).length;
    if (size > IMPORT_MAX_BYTES) throw new FileTooBig();
    chunks.push(Buffer.from(chunk as Uint8Array));
  }
  return Buffer.concat(chunks).toString('utf8');
}
