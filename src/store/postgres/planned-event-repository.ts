import { RapportError } from '../../core/errors';
import type { PlannableKind, PlannedEvent, PlannedEventStatus } from '../../core/model';
import type { NewPlannedEvent, PlannedEventRepository } from '../../core/ports';
import { toPlannedEvent } from '../mapping/planned-event';
import type { PgSql } from './pg-sql';

export class PgPlannedEventRepository implements PlannedEventRepository {
  constructor(private readonly sql: PgSql) {}

  async add(input: NewPlannedEvent): Promise<PlannedEvent> {
    // Only a partner of the same workspace: the insert reads it.
    const row = await this.sql.one(
      `INSERT INTO planned_events (workspace_id, partner_id, kind, planned_on, note, planned_by, replaces_id,
         next_step_at, created_at)
       SELECT $1, id, $3, $4, $5, $6, $7, $8, $8 FROM partners WHERE workspace_id = $1 AND id = $2
       RETURNING *`,
      [
        input.workspaceId,
        input.partnerId,
        input.kind,
        input.plannedOn,
        input.note ?? null,
        input.plannedBy,
        input.replacesId ?? null,
        input.now,
      ],
    );
    if (!row) throw new RapportError('NOT_FOUND', `No partner ${input.partnerId} in ${input.workspaceId}`);
    return toPlannedEvent(row);
  }

  async get(workspaceId: string, id: number): Promise<PlannedEvent | null> {
    const row = await this.sql.one('SELECT * FROM planned_events WHERE workspace_id = $1 AND id = $2', [
      workspaceId,
      id,
    ]);
    return row ? toPlannedEvent(row) : null;
  }

  async listForPartner(
    workspaceId: string,
    partnerId: number,
    options: { statuses?: readonly PlannedEventStatus[]; kind?: PlannableKind; limit?: number } = {},
  ): Promise<PlannedEvent[]> {
    // One SQL text for every combination of options: an absent filter is bound as NULL (LIMIT NULL is none).
    const rows = await this.sql.all(
      `SELECT * FROM planned_events
       WHERE workspace_id = $1 AND partner_id = $2
         AND ($3::text[] IS NULL OR status = ANY($3::text[]))
         AND ($4::text IS NULL OR kind = $4::text)
       ORDER BY planned_on, id LIMIT $5`,
      [
        workspaceId,
        partnerId,
        options.statuses?.length ? options.statuses : null,
        options.kind ?? null,
        options.limit ?? null,
      ],
    );
    return rows.map(toPlannedEvent);
  }

  async settle(
    workspaceId: string,
    id: number,
    status: Exclude<PlannedEventStatus, 'planned'>,
    memberId: string | null,
    now: Date,
    from: readonly PlannedEventStatus[] = ['planned'],
  ): Promise<boolean> {
    // The status test is in the update itself: of two racing answers, the second finds it settled.
    const changed = await this.sql.run(
      `UPDATE planned_events SET status = $1, closed_at = $2, closed_by = $3, next_step_at = NULL
       WHERE workspace_id = $4 AND id = $5 AND status = ANY($6::text[])`,
      [status, now, memberId, workspaceId, id, from],
    );
    return changed === 1;
  }

  async listDueSteps(now: Date, limit: number): Promise<PlannedEvent[]> {
    const rows = await this.sql.all(
      `SELECT * FROM planned_events
       WHERE next_step_at IS NOT NULL AND next_step_at <= $1 AND status = 'planned'
       ORDER BY next_step_at, id LIMIT $2`,
      [now, limit],
    );
    return rows.map(toPlannedEvent);
  }

  async setNextStepAt(workspaceId: string, id: number, at: Date | null): Promise<void> {
    await this.sql.run('UPDATE planned_events SET next_step_at = $1 WHERE workspace_id = $2 AND id = $3', [
      at,
      workspaceId,
      id,
    ]);
  }
}
