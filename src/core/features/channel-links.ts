/**
 * Channels that belong to a partner. `link NAME` typed in a channel (a Slack channel, a Teams team
 * channel) links it to the partner, one partner per channel; there, commands may leave the partner's name
 * out, the log shortcut picks it, and, when the owners choose (`prefs NAME post-to-channel`), the
 * partner's nudges and weekly status are posted there instead of each owner's DM. A channel shared with
 * the partner's own organisation (Slack Connect) is suggested for linking with one tap.
 */
import { partnerChoiceId } from '../choice-ids';
import type { Resolved } from '../commands/arguments';
import { resolvePartner } from '../commands/arguments';
import { RapportError } from '../errors';
import type { Message } from '../messages';
import type { Partner } from '../model';
import type { PartnerRepository } from '../ports';
import { usageError } from '../views';
import type { CommandContext, CommandHandler, CommandTable, Conversation, FeatureDeps } from './context';

/** The words of `prefs NAME …` that choose where a partner's nudges go. */
const POSTING_WORDS = { 'post-to-channel': true, 'post-to-dm': false } as const;

const ONLY_IN_A_CHANNEL =
  '`link` works only in a channel: type it in the channel you share with the partner (or keep about them), ' +
  'and that channel becomes theirs.';

export class ChannelLinkFeature {
  constructor(private readonly deps: FeatureDeps) {}

  /** `link` and `unlink`, and `prefs` taught `NAME post-to-channel|post-to-dm` (the rest goes to `prefs`). */
  commands(prefs: CommandHandler | undefined): CommandTable {
    return {
      link: (ctx, args) => this.linkCommand(ctx, args),
      unlink: (ctx, args) => this.unlink(ctx, args),
      ...(prefs ? { prefs: (ctx, args) => this.prefs(ctx, args, prefs) } : {}),
    };
  }

  /** The partner a channel belongs to, or null (not a channel, or not linked). */
  async partnerOf(workspaceId: string, conversation: Conversation | undefined): Promise<number | null> {
    if (conversation?.kind !== 'channel') return null;
    return (await this.deps.store.channelLinks.get(workspaceId, conversation.id))?.partnerId ?? null;
  }

  private async linkCommand(ctx: CommandContext, args: string[]): Promise<Message> {
    if (args.length === 0) return usageError('Which partner does this channel belong to?', 'link');
    const resolved = await resolvePartner(this.deps.store.partners, ctx, args, 'link');
    if (!resolved.ok) return resolved.reply;
    if (resolved.rest.length > 0) return usageError('`link` takes one partner name.', 'link');
    return this.link(ctx, resolved.partner);
  }

  /** Links the conversation the command (or the "Link to …" button) came from to `partner`. */
  async link(ctx: CommandContext, partner: Partner): Promise<Message> {
    const conversation = ctx.conversation;
    if (conversation?.kind !== 'channel' || !conversation.address)
      return { text: ONLY_IN_A_CHANNEL, isError: true };
    const { store } = this.deps;
    const { workspaceId, memberId } = ctx.actor;
    const existing = await store.channelLinks.get(workspaceId, conversation.id);
    if (existing) return this.alreadyLinked(workspaceId, existing.partnerId, partner);
    try {
      await store.channelLinks.link({
        workspaceId,
        channelId: conversation.id,
        partnerId: partner.id,
        address: conversation.address,
        external: conversation.external !== false,
        linkedBy: memberId,
        now: ctx.now,
      });
    } catch (error) {
      // Linked by someone else a moment ago.
      if (error instanceof RapportError && error.code === 'CONFLICT') {
        const now = await store.channelLinks.get(workspaceId, conversation.id);
        if (now) return this.alreadyLinked(workspaceId, now.partnerId, partner);
      }
      throw error;
    }
    return {
      text:
        `This channel now belongs to *${partner.name}*. Here, \`partner log call …\` needs no name, and the ` +
        `“Log to partner” shortcut picks ${partner.name}.`,
      footer:
        conversation.external !== false
          ? `This channel is shared with another organisation, so ${partner.name}'s nudges and status stay in its owners' direct messages. \`partner unlink\` undoes the link.`
          : `Owners can have ${partner.name}'s nudges and weekly status posted here: \`partner prefs ${partner.name} post-to-channel\`. \`partner unlink\` undoes the link.`,
    };
  }

  private async alreadyLinked(workspaceId: string, linkedId: number, wanted: Partner): Promise<Message> {
    if (linkedId === wanted.id)
      return { text: `This channel already belongs to *${wanted.name}*.`, isError: true };
    const other = await this.deps.store.partners.get(workspaceId, linkedId);
    return {
      text:
        `This channel already belongs to *${other?.name ?? 'another partner'}*; a channel belongs to one partner. ` +
        `Type \`partner unlink\` first to link it to ${wanted.name}.`,
      isError: true,
    };
  }

  private async unlink(ctx: CommandContext, args: string[]): Promise<Message> {
    if (args.length > 0) return usageError('`unlink` takes nothing after it.', 'unlink');
    if (ctx.conversation?.kind !== 'channel')
      return { text: '`unlink` works only in a linked channel: type it there.', isError: true };
    const { store } = this.deps;
    const removed = await store.channelLinks.unlink(ctx.actor.workspaceId, ctx.conversation.id);
    if (!removed) return { text: 'This channel is not linked to a partner.', isError: true };
    const partner = await store.partners.get(ctx.actor.workspaceId, removed.partnerId);
    const dms = removed.postToChannel ? ' Its nudges go to its owners’ direct messages again.' : '';
    return { text: `This channel no longer belongs to *${partner?.name ?? 'its partner'}*.${dms}` };
  }

  private async prefs(ctx: CommandContext, args: string[], prefs: CommandHandler) {
    const last = args[args.length - 1]?.toLowerCase() ?? '';
    if (args.length < 2 || !Object.hasOwn(POSTING_WORDS, last)) return prefs(ctx, args);
    const post = POSTING_WORDS[last as keyof typeof POSTING_WORDS];
    const resolved = await resolvePartner(this.deps.store.partners, ctx, args.slice(0, -1), 'link');
    if (!resolved.ok) return resolved.reply;
    const { partner } = resolved;
    if (resolved.rest.length > 0)
      return usageError('Say one partner, then `post-to-channel` or `post-to-dm`.', 'link');
    if (!partner.owners.includes(ctx.actor.memberId))
      return { text: `Only ${partner.name}'s owners choose where its nudges go.`, isError: true };
    const links = await this.deps.store.channelLinks.listForPartner(ctx.actor.workspaceId, partner.id);
    if (post && links.length > 0 && links.every((link) => link.external))
      return {
        text:
          `*${partner.name}*'s channel is shared with people outside your organisation, so its nudges and status ` +
          'stay in its owners’ direct messages: they say how the relationship is going.',
        isError: true,
      };
    const changed = await this.deps.store.channelLinks.setPostToChannel(
      ctx.actor.workspaceId,
      partner.id,
      post,
    );
    if (changed === 0)
      return {
        text: `*${partner.name}* has no channel yet: type \`partner link ${partner.name}\` in its channel first.`,
        isError: true,
      };
    return {
      text: post
        ? `*${partner.name}*'s nudges now go to its channel, mentioning its owners, and its status is posted there weekly.`
        : `*${partner.name}*'s nudges go to each owner's direct messages again.`,
    };
  }

  /**
   * The partner a channel shared with another organisation (Slack Connect) most likely belongs to: one whose
   * name matches a connected organisation's name (or the channel's), when the channel is not linked yet.
   * A suggestion with a one-tap "Link to …" button, or null.
   */
  async suggestion(ctx: CommandContext, connectedNames: readonly string[]): Promise<Message | null> {
    if (ctx.conversation?.kind !== 'channel' || !ctx.conversation.address) return null;
    if (ctx.channelPartnerId !== undefined) return null;
    const partners = await this.deps.store.partners.list(ctx.actor.workspaceId);
    const partner = partnerNamedIn(partners, connectedNames, 'either');
    if (!partner) return null;
    return {
      text: `This channel is shared with *${partner.name}*'s workspace. Link it to ${partner.name}? Then logging here needs no name.`,
      choices: [
        { id: partnerChoiceId(partner.id, 'link'), label: `Link to ${partner.name}`, style: 'primary' },
      ],
    };
  }
}

/** Lower case, accents and punctuation gone, words separated by one space. */
export function comparable(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Whether `name`'s words appear, together and whole, in `text`. */
export function namesIn(text: string, name: string): boolean {
  const needle = comparable(name);
  return needle !== '' && ` ${comparable(text)} `.includes(` ${needle} `);
}

/**
 * The partner whose name appears in one of `texts` (the longest name wins: "Renault Group" before
 * "Renault"); with `either`, also one whose name contains a text whole ("Nissan" names "Nissan Motor").
 */
export function partnerNamedIn<P extends Pick<Partner, 'name'>>(
  partners: readonly P[],
  texts: readonly string[],
  mode: 'in-text' | 'either' = 'in-text',
): P | null {
  const byLength = [...partners].sort((a, b) => comparable(b.name).length - comparable(a.name).length);
  for (const text of texts) {
    const found = byLength.find(
      (p) =>
        namesIn(text, p.name) || (mode === 'either' && comparable(text).length >= 3 && namesIn(p.name, text)),
    );
    if (found) return found;
  }
  return null;
}

/**
 * The partner a command names, or, in a linked channel, the channel's partner when the words do not start
 * with a partner's name and `fits` the words (e.g. they start with a kind: `log call …`).
 */
export async function partnerOrChannelPartner(
  partners: PartnerRepository,
  ctx: CommandContext,
  args: string[],
  commandName: string,
  fits: (words: string[]) => boolean,
): Promise<Resolved> {
  const named = args.length ? await resolvePartner(partners, ctx, args, commandName) : null;
  if (named?.ok) return named;
  if (ctx.channelPartnerId !== undefined && fits(args)) {
    const partner = await partners.get(ctx.actor.workspaceId, ctx.channelPartnerId);
    if (partner) return { ok: true, partner, rest: args };
  }
  return named ?? { ok: false, reply: usageError('Which partner?', commandName) };
}
