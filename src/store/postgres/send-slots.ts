/**
 * The send limits of several instances, kept in PostgreSQL so that they hold across all of them: one
 * workspace's rate and one conversation's interval however many processes send, a platform's Retry-After
 * obeyed by every process once any of them heard it, and one instance at a time serving a member (who
 * therefore gets their daily cap once, not once per instance). Times are epoch milliseconds: the gate that
 * uses this book runs on the wall clock, which the instances share.
 */
import type { SendPacing, SendSlots } from '../../core/send-slots-port';
import type { PgSql } from './pg-sql';

/** Slot rows this far in the past are forgotten (they no longer hold anything back). */
const KEEP_PAST_MS = 60 * 60_000;
/** Pruning is a write on a shared table: at most this often per instance. */
const PRUNE_EVERY_MS = 5 * 60_000;

/**
 * A key as PostgreSQL can store it: the scheduler's keys join their parts with NUL, which `text` cannot
 * hold, so NUL becomes `\0` (and a backslash `\\`, so that two keys never meet).
 */
const storable = (key: string): string => key.replaceAll('\\', '\\\\').replaceAll('\u0000', '\\0');

export class PostgresSendSlots implements SendSlots {
  private lastPrune = 0;

  constructor(
    private readonly sql: PgSql,
    private readonly options: SendPacing,
  ) {}

  async reserve(
    workspace: string,
    conversation: string,
    now: number,
    notAfter: number,
  ): Promise<number | null> {
    const row = await this.sql.one<{ slot: Date | null }>(
      `SELECT rapport_reserve_send_slot($1, $2, $3, $4, make_interval(secs => $5), make_interval(secs => $6)) AS slot`,
      [
        storable(workspace),
        storable(conversation),
        new Date(now),
        // An open-ended wait is a far-off instant to the database.
        Number.isFinite(notAfter) ? new Date(notAfter) : new Date(8.64e15),
        1 / this.options.workspaceRatePerSecond,
        this.options.conversationIntervalMs / 1000,
      ],
    );
    return row?.slot ? row.slot.getTime() : null;
  }

  async block(workspace: string, until: number): Promise<void> {
    await this.sql.run(
      `INSERT INTO send_holds AS h (workspace_id, until) VALUES ($1, $2)
       ON CONFLICT (workspace_id) DO UPDATE SET until = GREATEST(h.until, excluded.until)`,
      [storable(workspace), new Date(until)],
    );
  }

  async isBlocked(workspace: string, at: number): Promise<boolean> {
    const row = await this.sql.one('SELECT 1 FROM send_holds WHERE workspace_id = $1 AND until > $2', [
      storable(workspace),
      new Date(at),
    ]);
    return row !== undefined;
  }

  async takeTurn(key: string, holder: string, now: number, until: number): Promise<boolean> {
    // Taken when nobody holds it, when the last holder's turn has run out (it may have died), or by the
    // holder itself again.
    const row = await this.sql.one(
      `INSERT INTO member_turns AS t (key, holder, until) VALUES ($1, $2, $4)
       ON CONFLICT (key) DO UPDATE SET holder = excluded.holder, until = excluded.until
         WHERE t.until <= $3 OR t.holder = excluded.holder
       RETURNING holder`,
      [storable(key), holder, new Date(now), new Date(until)],
    );
    return row !== undefined;
  }

  async endTurn(key: string, holder: string): Promise<void> {
    await this.sql.run('DELETE FROM member_turns WHERE key = $1 AND holder = $2', [storable(key), holder]);
  }

  async prune(now: number): Promise<void> {
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    const before = new Date(now - KEEP_PAST_MS);
    await this.sql.run('DELETE FROM send_slots WHERE next_at < $1', [before]);
    await this.sql.run('DELETE FROM send_holds WHERE until < $1', [before]);
    await this.sql.run('DELETE FROM member_turns WHERE until < $1', [before]);
  }
}
