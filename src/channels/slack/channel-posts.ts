/**
 * Slack channels as the core sees them: where a command or shortcut came from (a DM, a group DM, or a
 * channel that may belong to a partner), the address that posts to a channel later, and posting there
 * (a partner's nudges, its weekly status) with its owners mentioned.
 */
import type { webApi } from '@slack/bolt';
import { ChannelError } from '../../core/errors';
import type { Message } from '../../core/messages';
import type { Address } from '../../core/model';
import type { Conversation } from '../../core/rapport';
import { renderMessage, SLACK_LIMITS } from './block-kit';
import type { SlackMessageRef } from './direct-messages';

type WebClient = webApi.WebClient;

/** A stored address that posts to a Slack channel (not to a member's DM). */
export interface SlackChannelAddress {
  kind: 'channel';
  teamId?: string;
  /** The organisation, on Enterprise Grid: an org-wide installation is looked up by it. */
  enterpriseId?: string;
  isEnterpriseInstall?: boolean;
  channelId: string;
}

/**
 * Where a request came from: a channel (with the address that posts there), or a chat (a DM, a group DM).
 * Slash commands name a DM `directmessage` and a group DM `mpdm-…`; DM ids start with D.
 */
export function slackConversation(
  /** The installation the request came through: its team, or its organisation (an org-wide install). */
  installation: Pick<SlackChannelAddress, 'teamId' | 'enterpriseId' | 'isEnterpriseInstall'>,
  channelId: string | undefined,
  channelName?: string,
): Conversation | undefined {
  if (!channelId) return undefined;
  if (channelId.startsWith('D') || channelName === 'directmessage' || channelName?.startsWith('mpdm-'))
    return { id: channelId, kind: 'chat' };
  const { teamId, enterpriseId, isEnterpriseInstall } = installation;
  // Posting later needs the installation's token: an org-wide install is found by its organisation.
  const payload: SlackChannelAddress = {
    kind: 'channel',
    ...(teamId ? { teamId } : {}),
    ...(enterpriseId ? { enterpriseId } : {}),
    ...(isEnterpriseInstall ? { isEnterpriseInstall: true } : {}),
    channelId,
  };
  return {
    id: channelId,
    kind: 'channel',
    address: { channel: 'slack', payload },
    ...(channelName && channelName !== 'privategroup' ? { name: channelName } : {}),
  };
}

/** A stored channel address, or null when `address` is not one (a member's address). */
export function readSlackChannelAddress(address: Address): SlackChannelAddress | null {
  const payload = address.payload as Record<string, unknown> | null;
  if (address.channel !== 'slack' || !payload || payload.kind !== 'channel') return null;
  if (typeof payload.channelId !== 'string' || payload.channelId === '') return null;
  return {
    kind: 'channel',
    channelId: payload.channelId,
    ...(typeof payload.teamId === 'string' ? { teamId: payload.teamId } : {}),
    ...(typeof payload.enterpriseId === 'string' ? { enterpriseId: payload.enterpriseId } : {}),
    ...(payload.isEnterpriseInstall === true ? { isEnterpriseInstall: true } : {}),
  };
}

/**
 * A Slack message's text as plain words for a note: links as their label (or address), mentions as names
 * where Slack gave them, and `&amp;`, `&lt;`, `&gt;` as the characters.
 */
export function plainSlackText(text: string): string {
  return text
    .replace(/<([@#!])([^>|]+)\|([^>]+)>/g, (_all, sigil: string, _id: string, label: string) =>
      sigil === '!' ? `@${label}` : `${sigil}${label}`,
    )
    .replace(/<([@#!])([^>]+)>/g, (_all, sigil: string, id: string) =>
      sigil === '!' ? `@${id}` : `${sigil}${id}`,
    )
    .replace(/<([^>|]+)\|([^>]+)>/g, '$2')
    .replace(/<([^>]+)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** When a message was posted, from its `ts` (seconds since the epoch, with a sequence after the dot). */
export function messageTime(ts: string | undefined): Date | null {
  const seconds = Number(String(ts ?? '').split('.')[0]);
  return Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : null;
}

/** Posts messages to channels, mentioning the members they are for. */
export class ChannelPosts {
  /** `clientFor` gives the client that speaks for the channel's workspace (its own token under OAuth). */
  constructor(private readonly clientFor: (to: SlackChannelAddress) => Promise<WebClient>) {}

  /** Throws what the Web API throws. */
  async post(to: SlackChannelAddress, message: Message): Promise<SlackMessageRef> {
    const { text, blocks } = renderMessage(message);
    const mentions = (message.mentions ?? []).map((m) => `<@${m.id}>`).join(' ');
    const client = await this.clientFor(to);
    const posted = await client.chat.postMessage({
      channel: to.channelId,
      text: mentions ? `${mentions} ${text}`.slice(0, SLACK_LIMITS.fallbackText) : text,
      blocks: mentions
        ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: mentions }] }, ...blocks].slice(
            0,
            SLACK_LIMITS.messageBlocks,
          )
        : blocks,
      unfurl_links: false,
      unfurl_media: false,
    });
    if (!posted.ts) throw new ChannelError('UNAVAILABLE', 'chat.postMessage answered without a ts');
    return { channel: posted.channel ?? to.channelId, ts: posted.ts };
  }
}
