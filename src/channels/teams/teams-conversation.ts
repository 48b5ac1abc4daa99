/**
 * Where a Teams activity was typed, as the core sees it: a team channel (which may belong to a partner,
 * with the conversation reference that posts to it later) or a chat (personal, group). And how a message
 * posted in a channel mentions the members it is for.
 */
import type { Activity, Mention } from 'botbuilder';
import type { Message } from '../../core/messages';
import type { Conversation } from '../../core/rapport';
import { isRecord, referenceOf, teamsAddress } from './teams-address';

/**
 * The conversation of an activity. In a team channel, its id is the channel's (`channelData.channel.id`,
 * else the conversation id without the `;messageid=` of the thread the message was typed in), and its
 * address a reference to the channel itself, so that later posts start new threads there.
 */
export function teamsConversation(activity: Partial<Activity>): Conversation | undefined {
  const conversation = activity.conversation;
  if (!conversation?.id) return undefined;
  if (conversation.conversationType !== 'channel') return { id: conversation.id, kind: 'chat' };
  const channelData = isRecord(activity.channelData) ? activity.channelData : {};
  const channel = isRecord(channelData.channel) ? channelData.channel : {};
  const id = typeof channel.id === 'string' && channel.id ? channel.id : conversation.id.split(';')[0]!;
  const reference = referenceOf(activity);
  reference.conversation = { ...reference.conversation!, id };
  return {
    id,
    kind: 'channel',
    address: teamsAddress({ kind: 'conversation', reference }),
    // A team channel of the organisation. (Teams shared channels, open to other organisations, are not told
    // apart here: this is where they would be.)
    external: false,
    ...(typeof channel.name === 'string' && channel.name ? { name: channel.name } : {}),
  };
}

/** An activity that mentions `message.mentions` before what it says (a post in a partner's channel). */
export function withMentions(activity: Partial<Activity>, message: Message): Partial<Activity> {
  const mentions = message.mentions ?? [];
  if (mentions.length === 0) return activity;
  const entities: Mention[] = mentions.map(({ id, name }) => ({
    type: 'mention',
    text: `<at>${escapeXml(name ?? 'owner')}</at>`,
    mentioned: { id, name: name ?? 'owner' },
  }));
  const lead = entities.map((entity) => entity.text).join(' ');
  return {
    ...activity,
    text: activity.text ? `${lead} ${activity.text}` : lead,
    textFormat: activity.textFormat ?? 'xml',
    entities: [...(activity.entities ?? []), ...entities],
  };
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
