/**
 * Where the limits every proactive send respects are kept: pacing slots per workspace and per conversation,
 * a workspace's "slow down" (Retry-After), and whose turn it is to serve a member. One process keeps them in
 * memory (the scheduler's `InProcessSendSlots`); several instances on one PostgreSQL database keep them in
 * the database, so that the limits hold across all of them (`store/postgres/send-slots.ts`).
 *
 * Slot times are milliseconds on the send gate's clock: a monotonic clock in one process, the wall clock
 * (epoch milliseconds) when instances share the book.
 */

/** How sends are spread: at most this many a second per workspace, and this long between two in a conversation. */
export interface SendPacing {
  workspaceRatePerSecond: number;
  conversationIntervalMs: number;
}

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
