/**
 * Messages from the app to one member, in the app's DM with them. The DM's channel id is opened
 * once with `conversations.open` and then kept in the member's stored address, so later nudges skip
 * that call (it is rate limited far more tightly than `chat.postMessage`).
 */
import type { webApi } from '@slack/bolt';
import { ChannelError, describeError } from '../../core/errors';
import type { Message, MessageFile } from '../../core/messages';
import type { Logger } from '../../core/ports';
import type { Rapport } from '../../core/rapport';
import { mrkdwn, renderMessage } from './block-kit';
import type { SlackAddress } from './slack-identity';
import { encodeAddress, workspaceExternalId } from './slack-identity';

type WebClient = webApi.WebClient;

/** A posted Slack message: what `chat.update` needs to change it later. */
export interface SlackMessageRef {
  channel: string;
  ts: string;
}

export class DirectMessages {
  constructor(
    private readonly client: WebClient,
    private readonly rapport: Rapport,
    private readonly logger: Logger,
    private readonly clock: () => Date,
  ) {}

  /** The app's DM with the member. Throws what the Web API throws. */
  async channelFor(address: SlackAddress): Promise<string> {
    if (address.dmChannelId) return address.dmChannelId;
    const opened = await this.client.conversations.open({ users: address.userId });
    const id = opened.channel?.id;
    if (!id) throw new ChannelError('UNAVAILABLE', 'conversations.open answered without a channel');
    await this.remember({ ...address, dmChannelId: id });
    return id;
  }

  /** Posts `message` to the member's DM, as Block Kit with a plain fallback. Throws what the Web API throws. */
  async send(address: SlackAddress, message: Message): Promise<SlackMessageRef> {
    const channel = await this.channelFor(address);
    const { text, blocks } = renderMessage(message);
    const posted = await this.client.chat.postMessage({
      channel,
      text,
      blocks,
      unfurl_links: false,
      unfurl_media: false,
    });
    if (!posted.ts) throw new ChannelError('UNAVAILABLE', 'chat.postMessage answered without a ts');
    return { channel: posted.channel ?? channel, ts: posted.ts };
  }

  /**
   * Uploads `files` to the member's DM as one message with `comment` (`files.uploadV2`: an upload URL
   * per file, the bytes, then one completion that shares them). Returns the DM's channel id. Throws
   * what the Web API throws.
   */
  async upload(address: SlackAddress, files: MessageFile[], comment: string): Promise<string> {
    const channel = await this.channelFor(address);
    await this.client.filesUploadV2({
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

  private async remember(address: SlackAddress): Promise<void> {
    const external = workspaceExternalId(address);
    if (!external) return;
    try {
      await this.rapport.identify(
        'slack',
        external,
        { memberId: address.userId, address: encodeAddress(address) },
        this.clock(),
      );
    } catch (error) {
      // Only a cache: the next delivery opens the DM again.
      this.logger.warn({ userId: address.userId, err: describeError(error) }, 'could not store the DM id');
    }
  }
}
