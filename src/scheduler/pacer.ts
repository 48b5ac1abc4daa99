/**
 * Spreads sends out so that a 9:00 wave of nudges does not hit the platforms' rate limits: at most one
 * message per `conversationIntervalMs` per conversation, and at most `workspaceRatePerSecond` per
 * workspace. Slots are handed out in the order they are asked for, so a member's nudges keep their order.
 *
 * Times are milliseconds on a monotonic clock (not wall-clock instants).
 */
export interface PacerOptions {
  workspaceRatePerSecond: number;
  conversationIntervalMs: number;
}

export class Pacer {
  private readonly workspaceNext = new Map<string, number>();
  private readonly conversationNext = new Map<string, number>();
  private readonly workspaceBlockedUntil = new Map<string, number>();

  constructor(private readonly options: PacerOptions) {}

  /**
   * Reserves the earliest slot at or after `now` for a send in this workspace and conversation, or
   * returns null (reserving nothing) when that slot would be later than `notAfter`.
   */
  reserve(workspace: string, conversation: string, now: number, notAfter = Infinity): number | null {
    const slot = Math.max(
      now,
      this.workspaceNext.get(workspace) ?? 0,
      this.conversationNext.get(conversation) ?? 0,
      this.workspaceBlockedUntil.get(workspace) ?? 0,
    );
    if (slot > notAfter) return null;
    this.workspaceNext.set(workspace, slot + 1000 / this.options.workspaceRatePerSecond);
    this.conversationNext.set(conversation, slot + this.options.conversationIntervalMs);
    return slot;
  }

  /** The platform said "slow down": nothing more for this workspace before `until`. */
  block(workspace: string, until: number): void {
    this.workspaceBlockedUntil.set(
      workspace,
      Math.max(until, this.workspaceBlockedUntil.get(workspace) ?? 0),
    );
  }

  /** Whether the workspace is told to wait at `now` (a slot reserved earlier must then be reserved again). */
  isBlocked(workspace: string, now: number): boolean {
    return (this.workspaceBlockedUntil.get(workspace) ?? 0) > now;
  }

  /** Forgets slots that are in the past, so that the maps do not grow without bound. */
  prune(now: number): void {
    for (const map of [this.workspaceNext, this.conversationNext, this.workspaceBlockedUntil]) {
      for (const [key, at] of map) if (at < now) map.delete(key);
    }
  }
}
