/** Promises made both ways, and the promise step's index (`next_step_at`). */
import { RapportError } from '../../core/errors';
import type { PartnerPromise, PromiseStatus } from '../../core/model';
import type { NewPromise, PromiseRepository } from '../../core/ports';
import type { NudgeOfPromise } from '../mapping/promise';
import { promiseIdsOfNudges, promisesByNudge, toPromise } from '../mapping/promise';
import type { PgSql } from './pg-sql';

/**
 * The promises that claimed nudges are about, by nudge id (for a delivery to render without further
 * reads). Nudges that are not promise reminders are left out.
 */
export async function readPromisesOfNudges(
  sql: PgSql,
  nudges: readonly NudgeOfPromise[],
): Promise<Map<number, PartnerPromise>> {
  const wanted = promiseIdsOfNudges(nudges);
  if (wanted.size === 0) return new Map();
  const rows = await sql.all('SELECT * FROM promises WHERE id = ANY($1::integer[])', [
    [...new Set(wanted.values())],
  ]);
  return promisesByNudge(nudges, wanted, rows);
}

/** Promise ids come from the identity sequence: a deleted promise's id is never handed out again. */
export class PgPromiseRepository implements PromiseRepository {
  constructor(private readonly sql: PgSql) {}

  async add(input: NewPromise): Promise<PartnerPromise> {
    // Only a partner of the same workspace: the insert reads it.
    const row = await this.sql.one(
      `INSERT INTO promises (workspace_id, partner_id, direction, text, due_on, owner_id, next_step_at,
         created_at, dated_at)
       SELECT $1, id, $3, $4, $5, $6, $7, $7, $7 FROM partners WHERE workspace_id = $1 AND id = $2
       RETURNING *`,
      [
        input.workspaceId,
        input.partnerId,
        input.direction,
        input.text,
        input.dueOn,
        input.ownerId,
        input.now,
      ],
    );
    if (!row) throw new RapportError('NOT_FOUND', `No partner ${input.partnerId} in ${input.workspaceId}`);
    return toPromise(row);
  }

  async get(workspaceId: string, id: number): Promise<PartnerPromise | null> {
    const row = await this.sql.one('SELECT * FROM promises WHERE workspace_id = $1 AND id = $2', [
      workspaceId,
      id,
    ]);
    return row ? toPromise(row) : null;
  }

  async list(
    workspaceId: string,
    options: { partnerId?: number; statuses?: readonly PromiseStatus[]; resolvedSince?: Date } = {},
  ): Promise<PartnerPromise[]> {
    // One SQL text for every combination of options: an absent filter is bound as NULL.
    const rows = await this.sql.all(
      `SELECT * FROM promises
       WHERE workspace_id = $1
         AND ($2::integer IS NULL OR partner_id = $2::integer)
         AND ($3::text[] IS NULL OR status = ANY($3::text[]))
         AND ($4::timestamptz IS NULL OR resolved_at >= $4::timestamptz)
       ORDER BY due_on, id`,
      [
        workspaceId,
        options.partnerId ?? null,
        options.statuses?.length ? options.statuses : null,
        options.resolvedSince ?? null,
      ],
    );
    return rows.map(toPromise);
  }

  async resolve(
    workspaceId: string,
    id: number,
    status: Exclude<PromiseStatus, 'open'>,
    memberId: string,
    now: Date,
  ): Promise<boolean> {
    // The status test is in the update itself: of two racing answers, the second finds it resolved.
    const changed = await this.sql.run(
      `UPDATE promises SET status = $1, resolved_at = $2, resolved_by = $3, next_step_at = NULL
       WHERE workspace_id = $4 AND id = $5 AND status = 'open'`,
      [status, now, memberId, workspaceId, id],
    );
    return changed === 1;
  }

  async move(workspaceId: string, id: number, dueOn: string, now: Date): Promise<boolean> {
    const changed = await this.sql.run(
      `UPDATE promises SET due_on = $1, moved_count = moved_count + 1, dated_at = $2, next_step_at = $2
       WHERE workspace_id = $3 AND id = $4 AND status = 'open'`,
      [dueOn, now, workspaceId, id],
    );
    return changed === 1;
  }

  async restore(promise: PartnerPromise): Promise<void> {
    await this.sql.run(
      `UPDATE promises SET status = $1, due_on = $2, moved_count = $3, dated_at = $4, resolved_at = $5,
         resolved_by = $6, next_step_at = CASE WHEN $1::text = 'open' THEN $4::timestamptz END
       WHERE workspace_id = $7 AND id = $8`,
      [
        promise.status,
        promise.dueOn,
        promise.movedCount,
        promise.datedAt,
        promise.resolvedAt,
        promise.resolvedBy,
        promise.workspaceId,
        promise.id,
      ],
    );
  }

  async remove(workspaceId: string, id: number): Promise<boolean> {
    return (
      (await this.sql.run('DELETE FROM promises WHERE workspace_id = $1 AND id = $2', [workspaceId, id])) ===
      1
    );
  }

  async listDueSteps(now: Date, limit: number): Promise<PartnerPromise[]> {
    const rows = await this.sql.all(
      `SELECT * FROM promises
       WHERE next_step_at IS NOT NULL AND next_step_at <= $1 AND status = 'open'
       ORDER BY next_step_at, id LIMIT $2`,
      [now, limit],
    );
    return rows.map(toPromise);
  }

  async setNextStepAt(workspaceId: string, id: number, at: Date | null): Promise<void> {
    await this.sql.run('UPDATE promises SET next_step_at = $1 WHERE workspace_id = $2 AND id = $3', [
      at,
      workspaceId,
      id,
    ]);
  }
}
