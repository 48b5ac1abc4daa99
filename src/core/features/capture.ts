/**
 * Logging where it happens: a log form pre-filled from a chat message (Slack's "Log to partner" message
 * shortcut). The message becomes the note (with a link back to it), its day the date, its words a guess
 * of the kind, and the partner is guessed: the channel's own partner, else one the message names, else the
 * organisation the channel is shared with. Every guess is shown in the form, for the member to change.
 */
import { LIMITS } from '../commands/grammar';
import { guessKind } from '../kind-guess';
import type { Form } from '../messages';
import { localDate } from '../time';
import { truncate } from '../views';
import { partnerNamedIn } from './channel-links';
import type { CommandContext, FeatureDeps } from './context';
import type { InteractionFeature } from './interactions';

/** A chat message someone wants to log, as the channel read it. */
export interface CapturedMessage {
  /** The message's words, as plain text. */
  text: string;
  /** When it was posted. */
  at: Date;
  /** A link back to the message, appended to the note. */
  permalink?: string | null;
  /** Names of the organisations the channel is shared with (Slack Connect), and the channel's own name. */
  connectedNames?: readonly string[];
}

/** The note a message makes: its text, shortened to fit with the link back to it after it. */
export function captureNote(text: string, permalink?: string | null): string {
  const link = permalink ? `\n${permalink}` : '';
  const room = LIMITS.note - link.length;
  const body = room > 0 ? truncate(text.trim(), room) : '';
  return `${body}${link}`.trim().slice(0, LIMITS.note);
}

export class CaptureFeature {
  constructor(
    private readonly deps: FeatureDeps,
    private readonly interactions: InteractionFeature,
  ) {}

  /** The log form for `message`, every field guessed; empty but for today when there is no message. */
  async form(ctx: CommandContext, message: CapturedMessage | null): Promise<Form> {
    const { workspaceId } = ctx.actor;
    if (!message) return this.interactions.form(workspaceId, ctx.today, { partnerId: ctx.channelPartnerId });
    const day = localDate(message.at, ctx.member.timeZone);
    return this.interactions.form(workspaceId, ctx.today, {
      partnerId: ctx.channelPartnerId ?? (await this.guessPartner(workspaceId, message)),
      kind: guessKind(message.text),
      // A message stamped after `now` (a clock running late) is logged today: never a day to come.
      date: day <= ctx.today ? day : ctx.today,
      note: captureNote(message.text, message.permalink),
    });
  }

  private async guessPartner(workspaceId: string, message: CapturedMessage): Promise<number | undefined> {
    const partners = await this.deps.store.partners.list(workspaceId);
    const named =
      partnerNamedIn(partners, [message.text]) ??
      partnerNamedIn(partners, message.connectedNames ?? [], 'either');
    return named?.id;
  }
}
