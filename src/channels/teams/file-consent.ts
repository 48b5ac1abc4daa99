/**
 * Files from the bot in a Teams personal chat: Teams takes them only through its consent flow. The bot
 * sends a FileConsentCard per file; when the member accepts, Teams creates an upload session in their
 * OneDrive and sends a `fileConsent/invoke` with its `uploadUrl`; the bot PUTs the bytes there and posts
 * a file info card that opens the file. Team channels and group chats have no such flow.
 *
 * Nothing is kept between the card and the answer: the card's context names the export and the file,
 * and the export is built again on acceptance, so a restart in between loses nothing (the member gets
 * the data as it is when they accept).
 */
import { ActivityTypes } from 'botbuilder';
import type { Attachment, TurnContext } from 'botbuilder';
import { describeError } from '../../core/errors';
import type { Logger } from '../../core/ports';
import type { Actor, Rapport } from '../../core/rapport';
import type { MessageFile } from '../../core/messages';
import { isLoopbackHost } from '../../http/server';
import { escapeMarkdown } from './adaptive-cards';
import { isRecord } from './teams-address';

export const FILE_CONSENT_CONTENT_TYPE = 'application/vnd.microsoft.teams.card.file.consent';
export const FILE_INFO_CONTENT_TYPE = 'application/vnd.microsoft.teams.card.file.info';
/** The invoke Teams sends when a consent card is accepted or declined. */
export const FILE_CONSENT_INVOKE = 'fileConsent/invoke';

/** What a consent card carries back: which file of which export to build again. */
export interface ExportFileContext {
  /** `mine`: the member's own data (`export mine`). */
  export: 'csv' | 'json' | 'mine';
  /** The file's position in the export (the core lists the tables in a fixed order). */
  index: number;
  name: string;
}

/** The export a file belongs to, from its type (and name, for a member's own data). */
function formatOf(file: MessageFile): ExportFileContext['export'] {
  if (file.name.startsWith('rapport-mine-')) return 'mine';
  return file.mimeType === 'application/json' ? 'json' : 'csv';
}

/** A FileConsentCard asking the member to accept one file of an export. */
export function fileConsentAttachment(file: MessageFile, index: number): Attachment {
  const context: ExportFileContext = { export: formatOf(file), index, name: file.name };
  return {
    contentType: FILE_CONSENT_CONTENT_TYPE,
    name: file.name,
    content: {
      description:
        file.mimeType === 'text/csv'
          ? 'Rapport export (UTF-8 CSV with a header row; opens in any spreadsheet)'
          : 'Rapport export (JSON)',
      sizeInBytes: Buffer.byteLength(file.content, 'utf8'),
      acceptContext: context,
      declineContext: context,
    },
  };
}

/** The context of a consent answer, or null when it is not one of ours. */
export function readExportFileContext(value: unknown): ExportFileContext | null {
  if (!isRecord(value)) return null;
  const { export: format, index, name } = value;
  if (
    (format !== 'csv' && format !== 'json' && format !== 'mine') ||
    typeof name !== 'string' ||
    name.length > 200
  )
    return null;
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > 20) return null;
  return { export: format, index, name };
}

/** Where Teams lets the bot write an accepted file, and how to show it afterwards. */
export interface UploadInfo {
  uploadUrl: string;
  name: string;
  contentUrl?: string;
  uniqueId?: string;
  fileType?: string;
}

export function readUploadInfo(value: unknown): UploadInfo | null {
  if (!isRecord(value) || typeof value.uploadUrl !== 'string' || typeof value.name !== 'string') return null;
  const text = (key: string): string | undefined =>
    typeof value[key] === 'string' ? (value[key] as string) : undefined;
  return {
    uploadUrl: value.uploadUrl,
    name: value.name,
    contentUrl: text('contentUrl'),
    uniqueId: text('uniqueId'),
    fileType: text('fileType'),
  };
}

/**
 * Hosts of OneDrive and SharePoint upload sessions (the member's OneDrive for Business, in the public,
 * US government and China clouds) and of Microsoft Graph: a name here, or any name under one starting with
 * a dot.
 */
export const UPLOAD_HOSTS = [
  '.sharepoint.com',
  '.sharepoint.us',
  '.sharepoint-mil.us',
  '.sharepoint.cn',
  'graph.microsoft.com',
  'graph.microsoft.us',
  'dod-graph.microsoft.us',
  'microsoftgraph.chinacloudapi.cn',
  'api.onedrive.com',
  '.1drv.com',
];

/**
 * Whether the bot may write an export to `url`, the upload session Teams named in a consent answer: over
 * https to a Microsoft host ({@link UPLOAD_HOSTS}). With authentication off (`local`) the answer is not
 * Teams' own, so only this machine's loopback (a test fake), and nowhere else, is written to.
 */
export function uploadUrlAllowed(url: string, local: boolean): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.username || parsed.password) return false;
  if (local) {
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && isLoopbackHost(parsed.hostname);
  }
  const host = parsed.hostname.toLowerCase();
  return (
    parsed.protocol === 'https:' &&
    UPLOAD_HOSTS.some((allowed) => (allowed.startsWith('.') ? host.endsWith(allowed) : host === allowed))
  );
}

/**
 * Writes the whole file to an upload session in one PUT, as the session expects (a `Content-Range`
 * covering every byte). The URL is pre-authorised: no bot token goes with it. The request, answer
 * included, is aborted after `timeoutMs`. Throws on a refusal or a deadline that passed.
 */
export async function putToUploadSession(
  url: string,
  content: Buffer,
  mimeType: string,
  timeoutMs: number,
): Promise<void> {
  const signal = AbortSignal.timeout(timeoutMs);
  const response = await fetch(url, {
    method: 'PUT',
    headers: {
      'content-type': mimeType,
      'content-range': `bytes 0-${content.length - 1}/${content.length}`,
    },
    body: content,
    signal,
    // Upload sessions answer the PUT itself; a redirect elsewhere is not one to follow with the file.
    redirect: 'error',
  });
  await response.arrayBuffer().catch(() => undefined);
  if (!response.ok) throw new Error(`the upload session answered HTTP ${response.status}`);
}

/** The card Teams shows for an uploaded file: it opens, previews or downloads it. */
export function fileInfoAttachment(info: UploadInfo): Attachment {
  return {
    contentType: FILE_INFO_CONTENT_TYPE,
    name: info.name,
    contentUrl: info.contentUrl,
    content: { uniqueId: info.uniqueId, fileType: info.fileType },
  };
}

/** What answering a file consent needs of the bot. */
export interface FileConsentDeps {
  rapport: Rapport;
  clock: () => Date;
  logger: Logger;
  /** Authentication is off (local testing only): uploads go to this machine's loopback only. */
  local: boolean;
  timeoutMs: number;
}

/**
 * The member answered a file consent card for `file`. On acceptance the export is built again (nothing is
 * kept between the card and the answer), the file's bytes are written to the upload session Teams opened
 * in their OneDrive, and a file card that opens it is posted; what went wrong is said in the chat.
 */
export async function answerFileConsent(
  context: TurnContext,
  actor: Actor,
  file: ExportFileContext,
  value: Record<string, unknown>,
  deps: FileConsentDeps,
): Promise<void> {
  if (value.action !== 'accept') {
    await context.sendActivity(`All right, I did not send ${escapeMarkdown(file.name)}.`);
    return;
  }
  const upload = readUploadInfo(value.uploadInfo);
  if (!upload || !uploadUrlAllowed(upload.uploadUrl, deps.local)) {
    deps.logger.warn({ file: file.name }, 'file consent without a usable upload URL');
    await context.sendActivity(
      `Teams did not give me a place to save ${escapeMarkdown(file.name)}. Please try again.`,
    );
    return;
  }
  const result = await deps.rapport.handleCommand(actor, `export ${file.export}`, deps.clock());
  const content = result.reply.files?.[file.index];
  if (!content) {
    await context.sendActivity(
      `${escapeMarkdown(file.name)} is no longer part of the export. Type \`export\` again.`,
    );
    return;
  }
  try {
    await putToUploadSession(
      upload.uploadUrl,
      Buffer.from(content.content, 'utf8'),
      content.mimeType,
      deps.timeoutMs,
    );
  } catch (error) {
    deps.logger.warn(
      { file: file.name, err: describeError(error) },
      'could not upload an export file to Teams',
    );
    await context.sendActivity(
      `I could not save ${escapeMarkdown(upload.name)} to your OneDrive just now. Type \`export\` to try again.`,
    );
    return;
  }
  await context.sendActivity({
    type: ActivityTypes.Message,
    text: `Saved **${escapeMarkdown(upload.name)}** to your OneDrive.`,
    textFormat: 'markdown',
    attachments: [fileInfoAttachment(upload)],
  });
}
