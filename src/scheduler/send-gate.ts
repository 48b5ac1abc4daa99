/**
 * The one gate every proactive send passes (nudges and digests alike): pacing slots per conversation
 * and per workspace, a workspace-wide pause when a platform says "slow down", and a stop signal.
 */
import { Pacer } from './pacer';

export interface SendGateOptions {
  workspaceRatePerSecond: number;
  conversationIntervalMs: number;
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
  private readonly pacer: Pacer;
  private readonly stopping = new AbortController();

  constructor(private readonly options: SendGateOptions) {
    this.pacer = new Pacer(options);
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
  deadline(budgetMs: number): number {
    this.pacer.prune(this.now());
    return this.now() + budgetMs;
  }

  /**
   * Waits for a slot for one send. A slot reserved before the platform said "slow down" is reserved
   * again after the wait it asked for. False when no slot fits before `deadline`, or when stopping.
   */
  async waitForSlot(workspace: string, conversation: string, deadline: number): Promise<boolean> {
    for (;;) {
      const slot = this.pacer.reserve(workspace, conversation, this.now(), deadline);
      if (slot === null || this.stopped) return false;
      await this.options.sleep(slot - this.now(), this.stopping.signal);
      if (this.stopped) return false;
      // Timers may fire a moment early: compare with the slot, not the clock, so that only a block set
      // after this slot was reserved (one that ends later than it) sends us round again.
      if (!this.pacer.isBlocked(workspace, slot)) return true;
    }
  }

  /** The platform asked us to wait `ms` before the next send to this workspace. */
  block(workspace: string, ms: number): void {
    this.pacer.block(workspace, this.now() + ms);
  }
}
