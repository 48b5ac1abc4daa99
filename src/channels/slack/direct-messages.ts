/**
 * Messages from the app to one member, in the app's DM with them. The DM's channel id is opened with
 * `conversations.open` when the address lacks it, and handed back with the send so that the caller can
 * keep it in the member's stored address: later nudges skip that call (it is rate limited far more
 * tightly than `chat.postMessage`).
 */
import type { webApi } from '@slack/bolt';
import { ChannelError } from '../../core/errors';
import type { Message, MessageFile } from '../../core/messages';
import { mrkdwn, renderMessage } from './block-kit';
import type { SlackAddress } from './slack-identity';

type WebClient = webApi.WebClient;

/** A posted Slack message: what `chat.update` needs to change it later. */
export interface SlackMessageRef {
  channel: string;
  ts: string;
}

/** A message posted to a member's DM, and their address with the DM's id when it was opened for it. */
export interface SentDirectMessage {
  ref: SlackMessageRef;
  opened?: SlackAddress;
}

/**
 * The Web API client that speaks for the app in a member's workspace: the one bot token's, or (OAuth) the
 * token of the installation serving the address's team or organisation. Throws `ChannelError('AUTH')`
 * when the app is not installed there.
 */
export type SlackClientFor = (address: SlackAddress) => Promise<WebClient>;

export class DirectMessages {
  constructor(private readonly clientFor: SlackClientFor) {}

  /** The app's DM with the member. Throws what the Web API throws. */
  private async channelFor(
    client: WebClient,
    address: SlackAddress,
  ): Promise<{ channel: string; opened?: SlackAddress }> {
    if (address.dmChannelId) return { channel: address.dmChannelId };
    const opened = await client.conversations.open({ users: address.userId });
    const id = opened.channel?.id;
    if (!id) throw new ChannelError('UNAVAILABLE', 'conversations.open answered without a channel');
    return { channel: id, opened: { ...address, dmChannelId: id } };
  }

  /** Posts `message` to the member's DM, as Block Kit with a plain fallback. Throws what the Web API throws. */
  async send(address: SlackAddress, message: Message): Promise<SentDirectMessage> {
    const client = await this.clientFor(address);
    const { channel, opened } = await this.channelFor(client, address);
    const { text, blocks } = renderMessage(message);
    const posted = await client.chat.postMessage({
      channel,
      text,
      blocks,
      unfurl_links: false,
      unfurl_media: false,
    });
    if (!posted.ts) throw new ChannelError('UNAVAILABLE', 'chat.postMessage answered without a ts');
    return { ref: { channel: posted.channel ?? channel, ts: posted.ts }, opened };
  }

  /** Replaces a message posted earlier to the member at `address`. Throws what the Web API throws. */
  async update(address: SlackAddress, ref: SlackMessageRef, message: Message): Promise<void> {
    const client = await this.clientFor(address);
    const { text, blocks } = renderMessage(message);
    await client.chat.update({ channel: ref.channel, ts: ref.ts, text, blocks });
  }

  /**
   * Uploads `files` to the member's DM as one message with `comment` (`files.uploadV2`: an upload URL
   * per file, the bytes, then one completion that shares them). Returns the DM's channel id. Throws
   * what the Web API throws.
   */
  async upload(address: SlackAddress, files: MessageFile[], comment: string): Promise<string> {
    const client = await this.clientFor(address);
    const { channel } = await this.channelFor(client, address);
    await client.filesUploadV2({
      channel_id: channel,
      initial_comment: mrkdwn(comment),
      file_uploads: files.map((file) => ({
        file: Buffer.from(file.content, 'utf8'),
        filename: file.name,
        title: file.name,
      })),
    });
    return channel;
  }
}
