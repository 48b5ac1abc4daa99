import { randomUUID } from 'node:crypto';
import type { DigestClaim, DigestRecord, DigestRepository } from '../../core/ports';
import { toDigest } from '../mapping/digest';
import type { PgLeasedTable } from './leases';
import { updateWhileHeld } from './leases';
import type { PgSql } from './pg-sql';

const DIGESTS: PgLeasedTable = {
  name: 'digests',
  keyColumns: ['workspace_id', 'member_id', 'week'],
  settleable: "status = 'sending'",
};

export class PgDigestRepository implements DigestRepository {
  constructor(private readonly sql: PgSql) {}

  async claim(
    workspaceId: string,
    memberId: string,
    week: string,
    now: Date,
    leaseUntil: Date,
  ): Promise<DigestClaim | null> {
    const token = randomUUID();
    // One statement: the first claim of the week inserts the row; a later one takes it over only while it is
    // still being sent and no lease (or retry time) holds it. Two instances claiming at once meet on the
    // row: the second waits for the first, then finds its lease and returns nothing.
    const row = await this.sql.one(
      `INSERT INTO digests AS d (workspace_id, member_id, week, status, lease_until, lease_token, attempts,
         created_at, updated_at)
       VALUES ($1, $2, $3, 'sending', $4, $5, 1, $6, $6)
       ON CONFLICT (workspace_id, member_id, week) DO UPDATE SET
         lease_until = excluded.lease_until, lease_token = excluded.lease_token, attempts = d.attempts + 1,
         updated_at = excluded.updated_at
       WHERE d.status = 'sending' AND (d.lease_until IS NULL OR d.lease_until <= $6)
       RETURNING d.lease_token`,
      [workspaceId, memberId, week, leaseUntil, token, now],
    );
    return row ? { workspaceId, memberId, week, token } : null;
  }

  /** Records an outcome while the claim's token is still on the row. */
  private settle(claim: DigestClaim, assignments: string[], values: unknown[]): Promise<boolean> {
    return updateWhileHeld(
      this.sql,
      DIGESTS,
      claim.token,
      [claim.workspaceId, claim.memberId, claim.week],
      assignments,
      values,
    );
  }

  markSent(claim: DigestClaim, messageRef: unknown, now: Date): Promise<boolean> {
    return this.settle(
      claim,
      [
        "status = 'sent'",
        'message_ref = $1',
        'sent_at = $2',
        'lease_until = NULL',
        'last_error = NULL',
        'updated_at = $2',
      ],
      [JSON.stringify(messageRef ?? null), now],
    );
  }

  release(claim: DigestClaim, retryAt: Date, error: string | null, countAttempt = true): Promise<boolean> {
    // The lease becomes the retry time: no pass may claim the week again before it.
    return this.settle(
      claim,
      ['lease_until = $1', 'last_error = COALESCE($2, last_error)', 'attempts = attempts - $3'],
      [retryAt, error, countAttempt ? 0 : 1],
    );
  }

  skip(claim: DigestClaim, reason: string, now: Date): Promise<boolean> {
    return this.settle(
      claim,
      ["status = 'skipped'", 'lease_until = NULL', 'last_error = $1', 'updated_at = $2'],
      [reason, now],
    );
  }

  async get(workspaceId: string, memberId: string, week: string): Promise<DigestRecord | null> {
    const row = await this.sql.one(
      'SELECT * FROM digests WHERE workspace_id = $1 AND member_id = $2 AND week = $3',
      [workspaceId, memberId, week],
    );
    return row ? toDigest(row) : null;
  }
}
