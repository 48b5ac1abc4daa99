/**
 * Stands in for a platform channel during `rapport tick --dry-run`: prints what would be sent instead of
 * sending it, so an operator can see a pass's effect without touching Slack or Teams.
 */
import type { Writable } from 'node:stream';
import type { Message } from '../../core/messages';
import type { Address, Platform } from '../../core/model';
import type { Channel, DeliveryReceipt } from '../../core/ports';
import { renderText } from './render-text';

export class DryRunChannel implements Channel {
  private sent = 0;

  constructor(
    readonly platform: Platform,
    private readonly output: Writable,
  ) {}

  async deliver(_address: Address, message: Message): Promise<DeliveryReceipt> {
    this.output.write(
      `[dry run: would send on ${this.platform}]\n${renderText(message, { color: false })}\n\n`,
    );
    return { messageRef: { dryRun: ++this.sent } };
  }
}
