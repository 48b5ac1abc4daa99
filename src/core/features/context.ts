/**
 * What every feature is given and returns: the acting member, the moment, and the shared services.
 * Features are written once here and reached through the thin router in `rapport.ts`.
 */
import type { Insights } from '../insights';
import type { Form, Message } from '../messages';
import type { Address, IsoDate, Member } from '../model';
import type { Playbook } from '../playbook/playbook';
import type { Logger, PlaybookSource, Store } from '../ports';

/** Who is acting: a member of a workspace. Every operation is scoped to `workspaceId`. */
export interface Actor {
  workspaceId: string;
  memberId: string;
}

/**
 * Where a command was typed, as the channel saw it: a shared channel (which may belong to a partner,
 * see `link`) or a chat (a DM, a group chat). Every field comes from the platform, never from what was typed.
 */
export interface Conversation {
  /** The platform's id for the channel or chat, stable across messages. */
  id: string;
  kind: 'channel' | 'chat';
  /** Where the bot can post to this channel later (a partner's nudges, its weekly status); channels only. */
  address?: Address;
  /** The channel's name, where the platform gives it. */
  name?: string;
  /**
   * Whether the channel is shared with people of other organisations (Slack Connect): what Rapport says about
   * how a relationship is going (nudges, status) is never posted there. Unknown (absent) counts as shared.
   */
  external?: boolean;
}

/** What a command produced: a reply, and optionally a form the channel should open (Slack modal). */
export interface CommandResult {
  reply: Message;
  openForm?: Form;
  /**
   * The same answer as a message with buttons for each item (a partner's Log and Status), for a channel
   * that has no home tab of its own and shows buttons inline (Teams shows this in place of `reply`).
   */
  actionable?: Message;
}

/** One command's situation: who, when, and the member's calendar day. */
export interface CommandContext {
  actor: Actor;
  member: Member;
  now: Date;
  /** `now` as a calendar day where the member lives. */
  today: IsoDate;
  /** A quoted name is exactly that name: it is never extended with the words after it. */
  firstArgQuoted?: boolean;
  /** The playbook the actor's workspace runs (the default with its changes); absent: `deps.playbook`. */
  playbook?: Playbook;
  /** Where the command was typed, when the channel says. */
  conversation?: Conversation;
  /** The partner the conversation belongs to (a linked channel): commands may leave its name out. */
  channelPartnerId?: number;
}

/** The services every feature shares. */
export interface FeatureDeps {
  store: Store;
  logger: Logger;
  /** The default playbook, for what has no workspace; a workspace's own comes from `playbooks`. */
  playbook: Playbook;
  /** Each workspace's playbook: use it wherever a partner's schedule is planned or a nudge is worded. */
  playbooks: PlaybookSource;
  insights: Insights;
}

/** A command's handler: the words after the command's name. Mistakes are answered, never thrown. */
export type CommandHandler = (ctx: CommandContext, args: string[]) => Promise<CommandResult | Message>;

export type CommandTable = Readonly<Record<string, CommandHandler>>;

export function asResult(outcome: CommandResult | Message): CommandResult {
  return 'reply' in outcome ? outcome : { reply: outcome };
}
