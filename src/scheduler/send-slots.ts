/** The send limits of one process, kept in memory (see `core/send-slots-port.ts`). */
import type { SendPacing, SendSlots } from '../core/send-slots-port';
import { Pacer } from './pacer';

/** The limits of one process, in memory. Turns always succeed: one process serves a member once per pass. */
export class InProcessSendSlots implements SendSlots {
  private readonly pacer: Pacer;

  constructor(options: SendPacing) {
    this.pacer = new Pacer(options);
  }

  async reserve(
    workspace: string,
    conversation: string,
    now: number,
    notAfter: number,
  ): Promise<number | null> {
    return this.pacer.reserve(workspace, conversation, now, notAfter);
  }

  async block(workspace: string, until: number): Promise<void> {
    this.pacer.block(workspace, until);
  }

  async isBlocked(workspace: string, at: number): Promise<boolean> {
    return this.pacer.isBlocked(workspace, at);
  }

  async takeTurn(): Promise<boolean> {
    return true;
  }

  async endTurn(): Promise<void> {}

  async prune(now: number): Promise<void> {
    this.pacer.prune(now);
  }
}
