import { randomUUID } from 'node:crypto';
import type { DigestClaim, DigestRecord, DigestRepository } from '../../core/ports';
import { toDigest } from '../mapping/digest';
import type { Connection } from './connection';
import type { LeasedTable, Row } from './rows';
import { iso, updateWhileHeld } from './rows';

const DIGESTS: LeasedTable = {
  name: 'digests',
  key: 'workspace_id = ? AND member_id = ? AND week = ?',
  settleable: "status = 'sending'",
};

export class SqliteDigestRepository implements DigestRepository {
  constructor(private readonly connection: Connection) {}

  claim(
    workspaceId: string,
    memberId: string,
    week: string,
    now: Date,
    leaseUntil: Date,
  ): Promise<DigestClaim | null> {
    const token = randomUUID();
    return this.connection.run((db) =>
      db.atomic((): DigestClaim | null => {
        const row = db
          .prepare(
            'SELECT status, lease_until FROM digests WHERE workspace_id = ? AND member_id = ? AND week = ?',
          )
          .get(workspaceId, memberId, week) as { status: string; lease_until: string | null } | undefined;
        if (!row) {
          db.prepare(
            `INSERT INTO digests (workspace_id, member_id, week, status, lease_until, lease_token, attempts, created_at,
               updated_at)
             VALUES (?, ?, ?, 'sending', ?, ?, 1, ?, ?)`,
          ).run(workspaceId, memberId, week, iso(leaseUntil), token, iso(now), iso(now));
          return { workspaceId, memberId, week, token };
        }
        if (row.status !== 'sending' || (row.lease_until !== null && row.lease_until > iso(now))) return null;
        db.prepare(
          `UPDATE digests SET lease_until = ?, lease_token = ?, attempts = attempts + 1, updated_at = ?
           WHERE workspace_id = ? AND member_id = ? AND week = ?`,
        ).run(iso(leaseUntil), token, iso(now), workspaceId, memberId, week);
        return { workspaceId, memberId, week, token };
      }, true),
    );
  }

  /** Records an outcome while the claim's token is still on the row. */
  private settle(claim: DigestClaim, assignments: string[], values: unknown[]): Promise<boolean> {
    return this.connection.run((db) =>
      updateWhileHeld(
        db,
        DIGESTS,
        claim.token,
        [claim.workspaceId, claim.memberId, claim.week],
        assignments,
        values,
      ),
    );
  }

  markSent(claim: DigestClaim, messageRef: unknown, now: Date): Promise<boolean> {
    return this.settle(
      claim,
      [
        "status = 'sent'",
        'message_ref = ?',
        'sent_at = ?',
        'lease_until = NULL',
        'last_error = NULL',
        'updated_at = ?',
      ],
      [JSON.stringify(messageRef ?? null), iso(now), iso(now)],
    );
  }

  release(claim: DigestClaim, retryAt: Date, error: string | null, countAttempt = true): Promise<boolean> {
    // The lease becomes the retry time: no pass may claim the week again before it.
    return this.settle(
      claim,
      ['lease_until = ?', 'last_error = COALESCE(?, last_error)', 'attempts = attempts - ?'],
      [iso(retryAt), error, countAttempt ? 0 : 1],
    );
  }

  skip(claim: DigestClaim, reason: string, now: Date): Promise<boolean> {
    return this.settle(
      claim,
      ["status = 'skipped'", 'lease_until = NULL', 'last_error = ?', 'updated_at = ?'],
      [reason, iso(now)],
    );
  }

  get(workspaceId: string, memberId: string, week: string): Promise<DigestRecord | null> {
    return this.connection.run((db) => {
      const row = db
        .prepare('SELECT * FROM digests WHERE workspace_id = ? AND member_id = ? AND week = ?')
        .get(workspaceId, memberId, week) as Row | undefined;
      return row ? toDigest(row) : null;
    });
  }
}
