import { RapportError } from '../../core/errors';
import type { Interaction, InteractionKind, IsoDate, KindHistory } from '../../core/model';
import type { InteractionFields, InteractionRepository, NewInteraction } from '../../core/ports';
import { toInteraction } from '../mapping/interaction';
import { readSummary } from './interaction-summary';
import type { PgSql } from './pg-sql';

/** PostgreSQL's SQLSTATE for a foreign-key violation (the partner went away meanwhile). */
const FOREIGN_KEY_VIOLATION = '23503';

const isForeignKeyViolation = (error: unknown): boolean =>
  (error as { code?: unknown }).code === FOREIGN_KEY_VIOLATION;

/** The columns a correction may change, by field. */
const CORRECTABLE: Record<keyof InteractionFields, string> = {
  kind: 'kind',
  occurredOn: 'occurred_on',
  note: 'note',
  rating: 'rating',
};

export class PgInteractionRepository implements InteractionRepository {
  constructor(private readonly sql: PgSql) {}

  add(input: NewInteraction): Promise<Interaction> {
    return this.insert(this.sql, input);
  }

  addReadingHistory(input: NewInteraction): Promise<{ interaction: Interaction; history: KindHistory }> {
    // The triggers update the summary within the insert, and the summary row they wrote stays locked by this
    // transaction until it ends: the read that follows, in the same transaction, counts this interaction.
    return this.sql.atomic(async (sql) => {
      const interaction = await this.insert(sql, input);
      return { interaction, history: await readSummary(sql, input.workspaceId, input.partnerId) };
    });
  }

  /**
   * One statement: the insert reads the partner in the workspace, so a partner of another workspace (or
   * none) inserts nothing. The id comes from the identity sequence, which never hands an id out twice (a
   * deleted interaction's id stays free for undo to put it back).
   */
  private async insert(sql: PgSql, input: NewInteraction): Promise<Interaction> {
    let row;
    try {
      row = await sql.one(
        `INSERT INTO interactions (workspace_id, partner_id, member_id, kind, occurred_on, note, rating,
           nudge_id, created_at)
         SELECT $1, id, $3, $4, $5, $6, $7, $8, $9 FROM partners WHERE workspace_id = $1 AND id = $2
         RETURNING *`,
        [
          input.workspaceId,
          input.partnerId,
          input.memberId,
          input.kind,
          input.occurredOn,
          input.note ?? null,
          input.rating ?? null,
          input.nudgeId ?? null,
          input.now,
        ],
      );
    } catch (error) {
      // The partner was removed between the insert's read and its foreign-key check.
      if (!isForeignKeyViolation(error)) throw error;
    }
    if (!row) throw new RapportError('NOT_FOUND', `No partner ${input.partnerId} in ${input.workspaceId}`);
    return toInteraction(row);
  }

  get(workspaceId: string, id: number): Promise<Interaction | null> {
    return this.read(workspaceId, id);
  }

  async update(
    workspaceId: string,
    id: number,
    fields: Partial<InteractionFields>,
  ): Promise<Interaction | null> {
    const sets: string[] = [];
    const values: unknown[] = [workspaceId, id];
    for (const [key, column] of Object.entries(CORRECTABLE) as [keyof InteractionFields, string][]) {
      if (!(key in fields)) continue;
      values.push(fields[key] ?? null);
      sets.push(`${column} = $${values.length}`);
    }
    if (!sets.length) return this.read(workspaceId, id);
    const row = await this.sql.one(
      `UPDATE interactions SET ${sets.join(', ')} WHERE workspace_id = $1 AND id = $2 RETURNING *`,
      values,
    );
    return row ? toInteraction(row) : null;
  }

  async remove(workspaceId: string, id: number): Promise<boolean> {
    return (
      (await this.sql.run('DELETE FROM interactions WHERE workspace_id = $1 AND id = $2', [
        workspaceId,
        id,
      ])) === 1
    );
  }

  async restore(interaction: Interaction): Promise<Interaction> {
    let row;
    try {
      // A savepoint inside a use case's transaction: a foreign-key failure (the partner went away meanwhile)
      // undoes only this statement, and the use case can still answer and commit.
      row = await this.sql.atomic((sql) =>
        // The identity column is BY DEFAULT: the old id is accepted as given. An id in use, or a partner no
        // longer in the workspace, inserts nothing.
        sql.one(
          `INSERT INTO interactions (id, workspace_id, partner_id, member_id, kind, occurred_on, note, rating,
             nudge_id, created_at)
           SELECT $1, $2, id, $4, $5, $6, $7, $8, $9, $10 FROM partners WHERE workspace_id = $2 AND id = $3
           ON CONFLICT (id) DO NOTHING
           RETURNING *`,
          [
            interaction.id,
            interaction.workspaceId,
            interaction.partnerId,
            interaction.memberId,
            interaction.kind,
            interaction.occurredOn,
            interaction.note,
            interaction.rating,
            interaction.nudgeId,
            interaction.createdAt,
          ],
        ),
      );
    } catch (error) {
      if (!isForeignKeyViolation(error)) throw error;
    }
    if (!row) throw new RapportError('CONFLICT', `Interaction ${interaction.id} cannot be put back`);
    return toInteraction(row);
  }

  async listForPartner(
    workspaceId: string,
    partnerId: number,
    options: { limit?: number; kinds?: InteractionKind[]; since?: IsoDate } = {},
  ): Promise<Interaction[]> {
    // One SQL text for every combination of options: an absent filter is bound as NULL (LIMIT NULL is none).
    const rows = await this.sql.all(
      `SELECT * FROM interactions
       WHERE workspace_id = $1 AND partner_id = $2
         AND ($3::text[] IS NULL OR kind = ANY($3::text[]))
         AND ($4::date IS NULL OR occurred_on >= $4::date)
       ORDER BY occurred_on DESC, id DESC LIMIT $5`,
      [
        workspaceId,
        partnerId,
        options.kinds?.length ? options.kinds : null,
        options.since ?? null,
        options.limit ?? null,
      ],
    );
    return rows.map(toInteraction);
  }

  recordBlocker(
    workspaceId: string,
    nudgeId: number,
    blocker: string,
    noteSuffix: string,
  ): Promise<{ blocker: string; recorded: boolean } | null> {
    // The check-in is locked while it is read: a second caller waits, then reads the blocker the first set.
    return this.sql.atomic(async (sql) => {
      const row = await sql.one<{ id: number; blocker: string | null }>(
        `SELECT id, blocker FROM interactions
         WHERE workspace_id = $1 AND nudge_id = $2 AND kind = 'checkin' ORDER BY id LIMIT 1 FOR UPDATE`,
        [workspaceId, nudgeId],
      );
      if (!row) return null;
      if (row.blocker !== null) return { blocker: row.blocker, recorded: false };
      await sql.run(
        `UPDATE interactions SET blocker = $1, note = COALESCE(note, '') || $2
         WHERE workspace_id = $3 AND id = $4 AND blocker IS NULL`,
        [blocker, noteSuffix, workspaceId, row.id],
      );
      return { blocker, recorded: true };
    });
  }

  async listForWorkspace(workspaceId: string): Promise<Interaction[]> {
    const rows = await this.sql.all('SELECT * FROM interactions WHERE workspace_id = $1 ORDER BY id', [
      workspaceId,
    ]);
    return rows.map(toInteraction);
  }

  private async read(workspaceId: string, id: number): Promise<Interaction | null> {
    const row = await this.sql.one('SELECT * FROM interactions WHERE workspace_id = $1 AND id = $2', [
      workspaceId,
      id,
    ]);
    return row ? toInteraction(row) : null;
  }
}
