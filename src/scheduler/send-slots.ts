/**
 * Where the limits every proactive send respects are kept: pacing slots per workspace and per conversation,
 * a workspace's "slow down" (Retry-After), and whose turn it is to serve a member. One process keeps them in
 * memory (`InProcessSendSlots`); several instances on one PostgreSQL database keep them in the database, so
 * that the limits hold across all of them (see `store/postgres/send-slots.ts`).
 *
 * Times are milliseconds on the gate's clock: a monotonic clock in one process, the wall clock (epoch
 * milliseconds) when instances share the book.
 */
import { Pacer } from './pacer';
import type { PacerOptions } from './pacer';

export interface SendSlots {
  /**
   * Reserves the earliest slot at or after `now` for a send in this workspace and conversation, or null
   * (reserving nothing) when that slot would be later than `notAfter`.
   */
  reserve(workspace: string, conversation: string, now: number, notAfter: number): Promise<number | null>;
  /** The platform said "slow down": nothing more for this workspace before `until`. */
  block(workspace: string, until: number): Promise<void>;
  /** Whether the workspace is told to wait at `at` (a slot reserved before must be reserved again). */
  isBlocked(workspace: string, at: number): Promise<boolean>;
  /**
   * Takes the turn to plan and send one member's messages until `until`: false while another sender holds
   * it, so that two instances never decide the same member's daily cap at once. `holder` names the sender.
   * Unlike slots, turns are on the pass's clock (epoch milliseconds), the clock of the nudges' leases: a
   * turn held by an instance that died ends when the leases of the nudges it claimed do.
   */
  takeTurn(key: string, holder: string, now: number, until: number): Promise<boolean>;
  /** Gives the turn back (the member's messages of this pass are done). */
  endTurn(key: string, holder: string): Promise<void>;
  /** Forgets what is in the past, so that what is kept does not grow without bound. */
  prune(now: number): Promise<void>;
}

/** The limits of one process, in memory. Turns always succeed: one process serves a member once per pass. */
export class InProcessSendSlots implements SendSlots {
  private readonly pacer: Pacer;

  constructor(options: PacerOptions) {
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
