/**
 * The one gate every proactive send passes (nudges and digests alike): pacing slots per conversation
 * and per workspace, a workspace-wide pause when a platform says "slow down", and a stop signal.
 */
import { InProcessSendSlots } from './send-slots';
import type { SendSlots } from '../core/send-slots-port';

export interface SendGateOptions {
  workspaceRatePerSecond: number;
  conversationIntervalMs: number;
  /**
   * Where slots, Retry-After and turns are kept (default: in this process). Instances that share a
   * database share them through it, with the wall clock as `monotonic`.
   */
  slots?: SendSlots;
  /** Monotonic milliseconds (tests pass a virtual clock). */
  monotonic: () => number;
  /** Waits; resolves early when `signal` aborts (shutdown). */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export class SendGate {
  private readonly slots: SendSlots;
  private readonly stopping = new AbortController();

  constructor(private readonly options: SendGateOptions) {
    this.slots = options.slots ?? new InProcessSendSlots(options);
  }

  get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  /** No more sends: waits end at once and report that no slot was had. */
  stop(): void {
    this.stopping.abort();
  }

  now(): number {
    return this.options.monotonic();
  }

  /** The moment a pass that may spend `budgetMs` waiting for slots must stop waiting. */
  async deadline(budgetMs: number): Promise<number> {
    await this.slots.prune(this.now());
    return this.now() + budgetMs;
  }

  /**
   * Waits for a slot for one send. A slot reserved before the platform said "slow down" is reserved
   * again after the wait it asked for. False when no slot fits before `deadline`, or when stopping.
   */
  async waitForSlot(workspace: string, conversation: string, deadline: number): Promise<boolean> {
    for (;;) {
      const reservedAt = this.now();
      const slot = await this.slots.reserve(workspace, conversation, reservedAt, deadline);
      if (slot === null || this.stopped) return false;
      // A slot that is due at once was reserved with every hold already counted: there is nothing to check
      // again (with shared slots, that saves the database a round trip per send).
      if (slot <= reservedAt) return true;
      await this.options.sleep(slot - this.now(), this.stopping.signal);
      if (this.stopped) return false;
      // Timers may fire a moment early: compare with the slot, not the clock, so that only a block set
      // after this slot was reserved (one that ends later than it) sends us round again.
      if (!(await this.slots.isBlocked(workspace, slot))) return true;
    }
  }

  /** The platform asked us to wait `ms` before the next send to this workspace. */
  block(workspace: string, ms: number): Promise<void> {
    return this.slots.block(workspace, this.now() + ms);
  }

  /**
   * Serves one member's messages as `holder` until `until` (the lease of their claimed nudges, on the
   * pass's clock): false while another sender (another instance) is serving them; pair a true with
   * `endTurn`.
   */
  takeTurn(member: string, holder: string, now: Date, until: Date): Promise<boolean> {
    return this.slots.takeTurn(member, holder, now.getTime(), until.getTime());
  }

  endTurn(member: string, holder: string): Promise<void> {
    return this.slots.endTurn(member, holder);
  }
}
