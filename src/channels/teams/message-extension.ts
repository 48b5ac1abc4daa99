/**
 * The "Log to partner" message action (a message extension action command, `logToPartner`): from any
 * message's "…" menu, Teams asks for a task module (`composeExtension/fetchTask`) and gets the log form as
 * an Adaptive Card, pre-filled from the message — its text (HTML stripped, within the note limit, with a
 * link back to the message), its day in the member's time zone, the kind it sounds like and the partner it
 * names. The submitted card (`composeExtension/submitAction`) goes through the core's log form like any
 * other; a refused one comes back in the task module with the errors and everything typed.
 */
import { decodeEntities } from './teams-text';
import type { InvokeResponse, TurnContext } from 'botbuilder';
import { LIMITS } from '../../core/commands/grammar';
import { describeError } from '../../core/errors';
import type { Form, FormValues } from '../../core/messages';
import type { Member } from '../../core/model';
import type { Logger } from '../../core/ports';
import type { Actor, Rapport } from '../../core/rapport';
import { localDate } from '../../core/time';
import type { AdaptiveCard, FormState } from './adaptive-cards';
import { cardAttachment, formCard, plainText, RESERVED_DATA_KEYS } from './adaptive-cards';
import { guessMessageKind } from './message-kind';
import { isRecord } from './teams-address';

export const FETCH_TASK_INVOKE = 'composeExtension/fetchTask';
export const SUBMIT_ACTION_INVOKE = 'composeExtension/submitAction';
/** The command's id in the manifest's `composeExtensions`. */
export const LOG_TO_PARTNER_COMMAND = 'logToPartner';
const LOG_FORM_ID = 'log-interaction';
const TASK_TITLE = 'Log to partner';

/** The invokes this file answers. */
export function isMessageExtensionInvoke(name: string | undefined): boolean {
  return name === FETCH_TASK_INVOKE || name === SUBMIT_ACTION_INVOKE;
}

/** Who sent the invoke, as the bot's roster and tenant checks found (see `TeamsBot.see`). */
export type Sender = { actor: Actor; member: Member } | { problem: string; status: 400 | 403 | 503 };

export interface MessageExtensionOptions {
  rapport: Rapport;
  logger: Logger;
  clock: () => Date;
}

/** What a message gives the form: its plain text with the link, and the day it was written. */
export interface MessagePrefill {
  note: string;
  text: string;
  sentAt: Date | null;
}

export class MessageExtension {
  constructor(private readonly options: MessageExtensionOptions) {}

  async handle(context: TurnContext, see: () => Promise<Sender>): Promise<InvokeResponse> {
    const value = isRecord(context.activity.value) ? context.activity.value : {};
    if (value.commandId !== LOG_TO_PARTNER_COMMAND)
      return invokeError(400, `Rapport has no message action "${String(value.commandId)}".`);
    try {
      const sender = await see();
      if ('problem' in sender) return taskMessage(sender.problem);
      return context.activity.name === FETCH_TASK_INVOKE
        ? await this.fetchTask(sender, value)
        : await this.submitAction(sender, value);
    } catch (error) {
      this.options.logger.error({ err: describeError(error) }, 'Teams message action failed');
      return taskMessage('Sorry, something went wrong on my side. Please try again.');
    }
  }

  /** The log form for the message the action was started on. */
  private async fetchTask(sender: { actor: Actor; member: Member }, value: Record<string, unknown>) {
    const { rapport, clock } = this.options;
    const now = clock();
    if ((await rapport.searchPartners(sender.actor, '', now, 1)).length === 0)
      return taskMessage('There is no partner to log this for yet. Add one first: `partner add NAME`.');
    const prefill = readMessage(value.messagePayload);
    const partner = prefill.text ? await rapport.partnerNamedIn(sender.actor, prefill.text) : null;
    const form = await rapport.openLogForm(sender.actor, now, {
      partnerId: partner?.id,
      kind: guessMessageKind(prefill.text),
    });
    const today = localDate(now, sender.member.timeZone);
    const sentOn = prefill.sentAt ? localDate(prefill.sentAt, sender.member.timeZone) : today;
    setInitial(form, 'date', sentOn <= today ? sentOn : today);
    if (prefill.note) setInitial(form, 'note', prefill.note);
    return taskCard(form);
  }

  /** The submitted form: logged (a confirmation closes the task module), or shown again with its errors. */
  private async submitAction(sender: { actor: Actor; member: Member }, value: Record<string, unknown>) {
    const { rapport, clock } = this.options;
    const now = clock();
    const data = isRecord(value.data) ? value.data : {};
    if (data.formId !== LOG_FORM_ID) return taskMessage('This form is out of date. Please start again.');
    const values = formValues(data);
    const result = await rapport.submitForm(sender.actor, LOG_FORM_ID, values, undefined, now);
    if (result.ok) return taskMessage(plainText(result.reply, 1_000));
    const partnerId = Number(values.partner);
    const chosen = values.partner && Number.isSafeInteger(partnerId) ? partnerId : undefined;
    const form = await rapport.reopenForm(sender.actor, LOG_FORM_ID, undefined, now, chosen);
    return taskCard(form, { values, errors: result.errors });
  }
}

/**
 * What the log form takes from a message (`messagePayload`): its text without HTML, and a link back to it,
 * within the note's limit (the text is cut, never the link); and when it was sent.
 */
export function readMessage(payload: unknown): MessagePrefill {
  if (!isRecord(payload)) return { note: '', text: '', sentAt: null };
  const body = isRecord(payload.body) ? payload.body : {};
  const content = typeof body.content === 'string' ? body.content : '';
  const text = body.contentType === 'text' ? tidy(content) : htmlToText(content);
  const link =
    typeof payload.linkToMessage === 'string' && /^https:\/\/\S+$/.test(payload.linkToMessage)
      ? payload.linkToMessage
      : '';
  const usableLink = link.length <= 500 ? link : '';
  const room = LIMITS.note - (usableLink ? usableLink.length + 1 : 0);
  const cut = text.length <= room ? text : `${text.slice(0, room - 1).trimEnd()}…`;
  const note = [cut, usableLink].filter(Boolean).join('\n');
  const sent = typeof payload.createdDateTime === 'string' ? new Date(payload.createdDateTime) : null;
  return { note, text, sentAt: sent && !Number.isNaN(sent.getTime()) ? sent : null };
}

/** Teams message HTML as plain text: paragraphs and breaks as line breaks, tags dropped, entities decoded. */
export function htmlToText(html: string): string {
  const withBreaks = html
    .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|h[1-6]|tr|blockquote)>/gi, '\n')
    .replace(/<[^>]*>/g, '');
  return tidy(decodeEntities(withBreaks));
}

function tidy(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.replace(/[ \t\u00a0]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function setInitial(form: Form, fieldId: string, value: string): void {
  const field = form.fields.find((f) => f.id === fieldId);
  if (field) field.initial = value;
}

/**
 * The form as a task module. Task modules answer `Action.Submit` only (with the inputs in `data`), so the
 * card's Universal Action becomes one.
 */
function taskCard(form: Form, state: FormState = {}): InvokeResponse {
  const card: AdaptiveCard = formCard(form, state);
  card.actions = [
    { type: 'Action.Submit', title: form.submitLabel, style: 'positive', data: { formId: form.id } },
  ];
  return {
    status: 200,
    body: { task: { type: 'continue', value: { title: TASK_TITLE, card: cardAttachment(card) } } },
  };
}

/** Closes the task module with a short message. */
function taskMessage(text: string): InvokeResponse {
  return { status: 200, body: { task: { type: 'message', value: text } } };
}

function invokeError(status: number, message: string): InvokeResponse {
  return {
    status,
    body: {
      statusCode: status,
      type: 'application/vnd.microsoft.error',
      value: { code: 'BadRequest', message },
    },
  };
}

/** Input values from the submitted data, without the action's own keys. */
function formValues(data: Record<string, unknown>): FormValues {
  const values: FormValues = {};
  for (const [key, value] of Object.entries(data)) {
    if (RESERVED_DATA_KEYS.has(key)) continue;
    if (typeof value === 'string') values[key] = value;
    else if (typeof value === 'number') values[key] = String(value);
  }
  return values;
}
