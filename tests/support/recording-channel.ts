import type { Message } from '../../src/core/messages';
import type { Address, Platform } from '../../src/core/model';
import type { Channel, DeliveryReceipt } from '../../src/core/ports';

/** A channel that records deliveries; `failWith` queues errors to throw on the next sends. */
export class RecordingChannel implements Channel {
  readonly deliveries: { address: Address; message: Message }[] = [];
  private readonly failures: unknown[] = [];

  constructor(readonly platform: Platform = 'shell') {}

  failWith(...errors: unknown[]): void {
    this.failures.push(...errors);
  }

  async deliver(address: Address, message: Message): Promise<DeliveryReceipt> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.deliveries.push({ address, message });
    return { messageRef: { n: this.deliveries.length } };
  }
}
