import { RapportError } from '../../core/errors';
import type { PlannableKind, PlannedEvent, PlannedEventStatus } from '../../core/model';
import type { NewPlannedEvent, PlannedEventRepository } from '../../core/ports';
import { toPlannedEvent } from '../mapping/planned-event';
import type { Connection, SqliteDb } from './connection';
import type { Row } from './rows';
import { iso, isoOrNull, jsonList } from './rows';

export class SqlitePlannedEventRepository implements PlannedEventRepository {
  constructor(private readonly connection: Connection) {}

  add(input: NewPlannedEvent): Promise<PlannedEvent> {
    return this.connection.run((db) => {
      // Only a partner of the same workspace; the row is checked by the insert itself.
      const result = db
        .prepare(
          `INSERT INTO planned_events (workspace_id, partner_id, kind, planned_on, note, planned_by, replaces_id,
             next_step_at, created_at)
           SELECT ?, id, ?, ?, ?, ?, ?, ?, ? FROM partners WHERE workspace_id = ? AND id = ?`,
        )
        .run(
          input.workspaceId,
          input.kind,
          input.plannedOn,
          input.note ?? null,
          input.plannedBy,
          input.replacesId ?? null,
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

  get(workspaceId: string, id: number): Promise<PlannedEvent | null> {
    return this.connection.run((db) => this.read(db, workspaceId, id));
  }

  listForPartner(
    workspaceId: string,
    partnerId: number,
    options: { statuses?: readonly PlannedEventStatus[]; kind?: PlannableKind; limit?: number } = {},
  ): Promise<PlannedEvent[]> {
    return this.connection.run((db) =>
      (
        db
          .prepare(
            `SELECT * FROM planned_events
             WHERE workspace_id = @workspaceId AND partner_id = @partnerId
               AND (@statuses IS NULL OR status IN (SELECT value FROM json_each(@statuses)))
               AND (@kind IS NULL OR kind = @kind)
             ORDER BY planned_on, id LIMIT @limit`,
          )
          .all({
            workspaceId,
            partnerId,
            statuses: options.statuses?.length ? jsonList(options.statuses) : null,
            kind: options.kind ?? null,
            limit: options.limit ?? -1,
          }) as Row[]
      ).map(toPlannedEvent),
    );
  }

  settle(
    workspaceId: string,
    id: number,
    status: Exclude<PlannedEventStatus, 'planned'>,
    memberId: string | null,
    now: Date,
    from: readonly PlannedEventStatus[] = ['planned'],
  ): Promise<boolean> {
    return this.connection.run(
      (db) =>
        db
          .prepare(
            `UPDATE planned_events SET status = ?, closed_at = ?, closed_by = ?, next_step_at = NULL
             WHERE workspace_id = ? AND id = ? AND status IN (SELECT value FROM json_each(?))`,
          )
          .run(status, iso(now), memberId, workspaceId, id, jsonList(from)).changes === 1,
    );
  }

  listDueSteps(now: Date, limit: number): Promise<PlannedEvent[]> {
    return this.connection.run((db) =>
      (
        db
          .prepare(
            `SELECT * FROM planned_events
             WHERE next_step_at IS NOT NULL AND next_step_at <= ? AND status = 'planned'
             ORDER BY next_step_at, id LIMIT ?`,
          )
          .all(iso(now), limit) as Row[]
      ).map(toPlannedEvent),
    );
  }

  setNextStepAt(workspaceId: string, id: number, at: Date | null): Promise<void> {
    return this.connection.run((db) => {
      db.prepare('UPDATE planned_events SET next_step_at = ? WHERE workspace_id = ? AND id = ?').run(
        isoOrNull(at),
        workspaceId,
        id,
      );
    });
  }

  private read(db: SqliteDb, workspaceId: string, id: number): PlannedEvent | null {
    const row = db
      .prepare('SELECT * FROM planned_events WHERE workspace_id = ? AND id = ?')
      .get(workspaceId, id) as Row | undefined;
    return row ? toPlannedEvent(row) : null;
  }
}
