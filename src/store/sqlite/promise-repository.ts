/** Promises made both ways, and the promise step's index (`next_step_at`). */
import { RapportError } from '../../core/errors';
import type { PartnerPromise, PromiseStatus } from '../../core/model';
import type { NewPromise, PromiseRepository } from '../../core/ports';
import type { NudgeOfPromise } from '../mapping/promise';
import { promiseIdsOfNudges, promisesByNudge, toPromise } from '../mapping/promise';
import type { Connection, SqliteDb } from './connection';
import type { Row } from './rows';
import { iso, isoOrNull, jsonList } from './rows';

/**
 * The promises that claimed nudges are about, by nudge id (for a delivery to render without further
 * reads). Nudges that are not promise reminders are left out.
 */
export function readPromisesOfNudges(
  db: SqliteDb,
  nudges: readonly NudgeOfPromise[],
): Map<number, PartnerPromise> {
  const wanted = promiseIdsOfNudges(nudges);
  if (wanted.size === 0) return new Map();
  const rows = db
    .prepare('SELECT * FROM promises WHERE id IN (SELECT value FROM json_each(?))')
    .all(jsonList([...new Set(wanted.values())])) as Row[];
  return promisesByNudge(nudges, wanted, rows);
}

export class SqlitePromiseRepository implements PromiseRepository {
  constructor(private readonly connection: Connection) {}

  add(input: NewPromise): Promise<PartnerPromise> {
    return this.connection.run((db) => {
      // Only a partner of the same workspace: the insert reads it.
      const result = db
        .prepare(
          `INSERT INTO promises (workspace_id, partner_id, direction, text, due_on, owner_id, next_step_at,
             created_at, dated_at)
           SELECT ?, id, ?, ?, ?, ?, ?, ?, ? FROM partners WHERE workspace_id = ? AND id = ?`,
        )
        .run(
          input.workspaceId,
          input.direction,
          input.text,
          input.dueOn,
          input.ownerId,
          iso(input.now),
          iso(input.now),
          iso(input.now),
          input.workspaceId,
          input.partnerId,
        );
      if (result.changes !== 1)
        throw new RapportError('NOT_FOUND', `No partner ${input.partnerId} in ${input.workspaceId}`);
      return this.read(db, input.workspaceId, Number(result.lastInsertRowid))!;
    });
  }

  get(workspaceId: string, id: number): Promise<PartnerPromise | null> {
    return this.connection.run((db) => this.read(db, workspaceId, id));
  }

  list(
    workspaceId: string,
    options: { partnerId?: number; statuses?: readonly PromiseStatus[]; resolvedSince?: Date } = {},
  ): Promise<PartnerPromise[]> {
    return this.connection.run((db) =>
      (
        db
          .prepare(
            `SELECT * FROM promises
             WHERE workspace_id = @workspaceId
               AND (@partnerId IS NULL OR partner_id = @partnerId)
               AND (@statuses IS NULL OR status IN (SELECT value FROM json_each(@statuses)))
               AND (@since IS NULL OR resolved_at >= @since)
             ORDER BY due_on, id`,
          )
          .all({
            workspaceId,
            partnerId: options.partnerId ?? null,
            statuses: options.statuses?.length ? jsonList(options.statuses) : null,
            since: isoOrNull(options.resolvedSince),
          }) as Row[]
      ).map(toPromise),
    );
  }

  resolve(
    workspaceId: string,
    id: number,
    status: Exclude<PromiseStatus, 'open'>,
    memberId: string,
    now: Date,
  ): Promise<boolean> {
    return this.connection.run(
      (db) =>
        db
          .prepare(
            `UPDATE promises SET status = ?, resolved_at = ?, resolved_by = ?, next_step_at = NULL
             WHERE workspace_id = ? AND id = ? AND status = 'open'`,
          )
          .run(status, iso(now), memberId, workspaceId, id).changes === 1,
    );
  }

  move(workspaceId: string, id: number, dueOn: string, now: Date): Promise<boolean> {
    return this.connection.run(
      (db) =>
        db
          .prepare(
            `UPDATE promises SET due_on = ?, moved_count = moved_count + 1, dated_at = ?, next_step_at = ?
             WHERE workspace_id = ? AND id = ? AND status = 'open'`,
          )
          .run(dueOn, iso(now), iso(now), workspaceId, id).changes === 1,
    );
  }

  restore(promise: PartnerPromise): Promise<void> {
    return this.connection.run((db) => {
      db.prepare(
        `UPDATE promises SET status = ?, due_on = ?, moved_count = ?, dated_at = ?, resolved_at = ?,
           resolved_by = ?, next_step_at = CASE WHEN ? = 'open' THEN ? ELSE NULL END
         WHERE workspace_id = ? AND id = ?`,
      ).run(
        promise.status,
        promise.dueOn,
        promise.movedCount,
        iso(promise.datedAt),
        isoOrNull(promise.resolvedAt),
        promise.resolvedBy,
        promise.status,
        iso(promise.datedAt),
        promise.workspaceId,
        promise.id,
      );
    });
  }

  remove(workspaceId: string, id: number): Promise<boolean> {
    return this.connection.run(
      (db) =>
        db.prepare('DELETE FROM promises WHERE workspace_id = ? AND id = ?').run(workspaceId, id).changes ===
        1,
    );
  }

  listDueSteps(now: Date, limit: number): Promise<PartnerPromise[]> {
    return this.connection.run((db) =>
      (
        db
          .prepare(
            `SELECT * FROM promises
             WHERE next_step_at IS NOT NULL AND next_step_at <= ? AND status = 'open'
             ORDER BY next_step_at, id LIMIT ?`,
          )
          .all(iso(now), limit) as Row[]
      ).map(toPromise),
    );
  }

  setNextStepAt(workspaceId: string, id: number, at: Date | null): Promise<void> {
    return this.connection.run((db) => {
      db.prepare('UPDATE promises SET next_step_at = ? WHERE workspace_id = ? AND id = ?').run(
        isoOrNull(at),
        workspaceId,
        id,
      );
    });
  }

  private read(db: SqliteDb, workspaceId: string, id: number): PartnerPromise | null {
    const row = db
      .prepare('SELECT * FROM promises WHERE workspace_id = ? AND id = ?')
      .get(workspaceId, id) as Row | undefined;
    return row ? toPromise(row) : null;
  }
}
