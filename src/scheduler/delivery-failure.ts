/**
 * One policy for every proactive send that fails (nudges and weekly digests alike), decided by whose
 * fault the failure is:
 * - nobody's (rate limit, outage): try again later — never before the platform's Retry-After, which then
 *   holds the whole workspace's sends; an outage backs off exponentially and counts as an attempt;
 * - ours (credentials or installation refused): the workspace's sending is held, uncounted, with one
 *   error-level line; once the hold ends a send is tried again as a probe, and success lifts it;
 * - the member's (gone, blocked): that member only — their address is marked stale and probed again later;
 * - the message's (refused as invalid), or too many attempts: give up.
 * The caller applies the decision to its own ledger; the effects on the workspace and the member are
 * applied here, once.
 */
import { ChannelError, describeError } from '../core/errors';
import type { Logger, Store } from '../core/ports';
import type { SendGate } from './send-gate';

export type FailureDecision =
  /** Try again at `at`; `countAttempt` says whether this failure counts towards giving up. */
  | { action: 'retry'; at: Date; countAttempt: boolean; detail: string }
  /** The member cannot be reached at their address (marked stale here). */
  | { action: 'member-unreachable'; detail: string }
  /** Give up on this send. */
  | { action: 'give-up'; detail: string };

/** How a kind of send retries after outages (the only failures that count as attempts). */
export interface RetryPolicy {
  /** Attempts before a send is given up. */
  maxAttempts: number;
  /** First backoff after an outage, in ms; doubles per attempt, with jitter. */
  backoffBaseMs: number;
  /** Longest backoff, in ms. */
  backoffMaxMs: number;
}

export interface DeliveryFailureOptions {
  /** How long a workspace's sending is held when the platform refuses our credentials, in ms. */
  credentialHoldMs?: number;
  /** Source of randomness for jitter (tests pass a fixed one). */
  random?: () => number;
}

/** Who the failed send was for. */
export interface SendTarget {
  workspaceId: string;
  memberId: string;
}

export class DeliveryFailures {
  /** Workspaces this process holds, until when: later sends of the same pass wait without trying. */
  private readonly held = new Map<string, Date>();
  /** A send under way to a workspace whose hold has ended: its outcome decides for the sends that wait. */
  private readonly probes = new Map<string, { done: Promise<void>; settle: () => void }>();
  private readonly credentialHoldMs: number;
  private readonly random: () => number;

  constructor(
    private readonly store: Store,
    private readonly gate: SendGate,
    private readonly logger: Logger,
    options: DeliveryFailureOptions = {},
  ) {
    this.credentialHoldMs = options.credentialHoldMs ?? 15 * 60_000;
    this.random = options.random ?? Math.random;
  }

  /** When a workspace's sending is held by this process at `now`, until when; else null. */
  heldUntil(workspaceId: string, now: Date): Date | null {
    const until = this.held.get(workspaceId);
    return until && until > now ? until : null;
  }

  /**
   * Call before a send. Null: send. An instant: the workspace is held until then (wait, uncounted). After
   * a hold ends, the first send is a probe and the workspace's other sends wait for its outcome, so an
   * outage costs one refused call per hold, not one per member. Pair every null with `afterSend`.
   */
  async beforeSend(workspaceId: string, now: Date): Promise<Date | null> {
    for (;;) {
      const held = this.heldUntil(workspaceId, now);
      if (held) return held;
      if (!this.held.has(workspaceId)) return null;
      const probe = this.probes.get(workspaceId);
      if (!probe) {
        let settle = (): void => undefined;
        const done = new Promise<void>((resolve) => (settle = resolve));
        this.probes.set(workspaceId, { done, settle });
        return null;
      }
      await probe.done;
    }
  }

  /** A send admitted by `beforeSend` ended, whatever its outcome: the sends waiting on it may go on. */
  afterSend(workspaceId: string): void {
    const probe = this.probes.get(workspaceId);
    if (!probe) return;
    this.probes.delete(workspaceId);
    probe.settle();
  }

  /** A send to the workspace went through: a hold on it (a probe that succeeded) is lifted. */
  async succeeded(workspaceId: string): Promise<void> {
    if (!this.held.has(workspaceId)) return;
    this.held.delete(workspaceId);
    await this.store.workspaces.holdSending(workspaceId, null, null);
    this.logger.info({ workspaceId }, 'platform accepts our credentials again; sending resumed');
  }

  /**
   * Decides what to do about a failed send that had made `attemptsBefore` counted attempts, and applies
   * the effects that outlive it (the workspace's Retry-After or hold, the member's stale address).
   */
  async decide(
    target: SendTarget,
    error: unknown,
    attemptsBefore: number,
    now: Date,
    policy: RetryPolicy,
  ): Promise<FailureDecision> {
    const detail = describeError(error);
    const code = error instanceof ChannelError ? error.code : 'UNAVAILABLE';
    switch (code) {
      case 'RATE_LIMITED': {
        const waitMs = Math.max((error as ChannelError).retryAfterMs ?? 1000, 1);
        await this.gate.block(target.workspaceId, waitMs);
        return { action: 'retry', at: new Date(now.getTime() + waitMs), countAttempt: false, detail };
      }
      case 'AUTH': {
        const until = new Date(now.getTime() + this.credentialHoldMs);
        await this.holdWorkspace(target.workspaceId, until, detail);
        return { action: 'retry', at: until, countAttempt: false, detail };
      }
      case 'ADDRESS_GONE':
        await this.store.members.markAddressStale(target.workspaceId, target.memberId, now);
        this.logger.warn(
          { workspaceId: target.workspaceId, memberId: target.memberId },
          'address gone; the member’s sends wait until they write again or a daily probe gets through',
        );
        return { action: 'member-unreachable', detail };
      case 'INVALID':
        return { action: 'give-up', detail };
      default: {
        if (attemptsBefore + 1 >= policy.maxAttempts) return { action: 'give-up', detail };
        const at = new Date(now.getTime() + this.backoffMs(attemptsBefore, policy));
        return { action: 'retry', at, countAttempt: true, detail };
      }
    }
  }

  private backoffMs(attemptsBefore: number, policy: RetryPolicy): number {
    const exponential = Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** attemptsBefore);
    return exponential / 2 + (this.random() * exponential) / 2;
  }

  private async holdWorkspace(workspaceId: string, until: Date, detail: string): Promise<void> {
    const already = this.held.has(workspaceId);
    this.held.set(workspaceId, until);
    await this.store.workspaces.holdSending(workspaceId, until, detail);
    // One line per outage, not one per member reached during it.
    if (!already)
      this.logger.error(
        { workspaceId, until: until.toISOString(), err: detail },
        'platform refused our credentials; sending to this workspace is held until a probe succeeds',
      );
  }
}
