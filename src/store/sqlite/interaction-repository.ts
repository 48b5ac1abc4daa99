import { RapportError } from '../../core/errors';
import type { Interaction, InteractionKind, IsoDate, KindHistory } from '../../core/model';
import type { InteractionFields, InteractionRepository, NewInteraction } from '../../core/ports';
import type { Connection, SqliteDb } from './connection';
import { readSummary } from './interaction-summary';
import { toInteraction } from '../mapping/interaction';
import type { Row } from './rows';
import { iso, jsonList } from './rows';

export class SqliteInteractionRepository implements InteractionRepository {
  constructor(private readonly connection: Connection) {}

  add(input: NewInteraction): Promise<Interaction> {
    return this.connection.run((db) => this.insert(db, input));
  }

  addReadingHistory(input: NewInteraction): Promise<{ interaction: Interaction; history: KindHistory }> {
    return this.connection.run((db) => {
      const interaction = this.insert(db, input);
      return { interaction, history: readSummary(db, input.workspaceId, input.partnerId) };
    });
  }

  private insert(db: SqliteDb, input: NewInteraction): Interaction {
    const partner = db
      .prepare('SELECT 1 FROM partners WHERE workspace_id = ? AND id = ?')
      .get(input.workspaceId, input.partnerId);
    if (!partner)
      throw new RapportError('NOT_FOUND', `No partner ${input.partnerId} in ${input.workspaceId}`);
    // SQLite would hand the highest id out again once its row is deleted; an id the journal names must
    // stay that interaction's, so that undoing its deletion can put it back under the same id.
    const result = db
      .prepare(
        `INSERT INTO interactions (id, workspace_id, partner_id, member_id, kind, occurred_on, note, rating,
           nudge_id, created_at)
         VALUES ((SELECT MAX(id) + 1 FROM (SELECT MAX(id) AS id FROM interactions
                                           UNION ALL SELECT MAX(interaction_id) FROM journal)),
                 ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        input.workspaceId,
        input.partnerId,
        input.memberId,
        input.kind,
        input.occurredOn,
        input.note ?? null,
        input.rating ?? null,
        input.nudgeId ?? null,
        iso(input.now),
      );
    return toInteraction(
      db.prepare('SELECT * FROM interactions WHERE id = ?').get(result.lastInsertRowid) as Row,
    );
  }

  get(workspaceId: string, id: number): Promise<Interaction | null> {
    return this.connection.run((db) => this.read(db, workspaceId, id));
  }

  update(workspaceId: string, id: number, fields: Partial<InteractionFields>): Promise<Interaction | null> {
    const columns: Record<keyof InteractionFields, string> = {
      kind: 'kind',
      occurredOn: 'occurred_on',
      note: 'note',
      rating: 'rating',
    };
    const sets: string[] = [];
    const values: unknown[] = [];
    for (const [key, column] of Object.entries(columns) as [keyof InteractionFields, string][]) {
      if (!(key in fields)) continue;
      sets.push(`${column} = ?`);
      values.push(fields[key] ?? null);
    }
    return this.connection.run((db) => {
      if (sets.length) {
        db.prepare(`UPDATE interactions SET ${sets.join(', ')} WHERE workspace_id = ? AND id = ?`).run(
          ...values,
          workspaceId,
          id,
        );
      }
      return this.read(db, workspaceId, id);
    });
  }

  remove(workspaceId: string, id: number): Promise<boolean> {
    return this.connection.run(
      (db) =>
        db.prepare('DELETE FROM interactions WHERE workspace_id = ? AND id = ?').run(workspaceId, id)
          .changes === 1,
    );
  }

  restore(interaction: Interaction): Promise<Interaction> {
    return this.connection.run((db) => {
      let changes = 0;
      try {
        // Only under a partner of the interaction's own workspace: the insert reads it.
        changes = db
          .prepare(
            `INSERT INTO interactions (id, workspace_id, partner_id, member_id, kind, occurred_on, note, rating,
               nudge_id, created_at)
             SELECT ?, workspace_id, id, ?, ?, ?, ?, ?, ?, ? FROM partners WHERE workspace_id = ? AND id = ?`,
          )
          .run(
            interaction.id,
            interaction.memberId,
            interaction.kind,
            interaction.occurredOn,
            interaction.note,
            interaction.rating,
            interaction.nudgeId,
            iso(interaction.createdAt),
            interaction.workspaceId,
            interaction.partnerId,
          ).changes;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code !== 'SQLITE_CONSTRAINT_PRIMARYKEY' && code !== 'SQLITE_CONSTRAINT_FOREIGNKEY') throw error;
        throw new RapportError('CONFLICT', `Interaction ${interaction.id} cannot be put back`, {
          cause: error,
        });
      }
      if (changes !== 1)
        throw new RapportError('CONFLICT', `Interaction ${interaction.id} cannot be put back`);
      return this.read(db, interaction.workspaceId, interaction.id)!;
    });
  }

  listForPartner(
    workspaceId: string,
    partnerId: number,
    options: { limit?: number; kinds?: InteractionKind[]; since?: IsoDate } = {},
  ): Promise<Interaction[]> {
    // One SQL text for every combination of options: an absent filter is bound as NULL.
    return this.connection.run((db) =>
      (
        db
          .prepare(
            `SELECT * FROM interactions
             WHERE workspace_id = @workspaceId AND partner_id = @partnerId
               AND (@kinds IS NULL OR kind IN (SELECT value FROM json_each(@kinds)))
               AND (@since IS NULL OR occurred_on >= @since)
             ORDER BY occurred_on DESC, id DESC LIMIT @limit`,
          )
          .all({
            workspaceId,
            partnerId,
            kinds: options.kinds?.length ? jsonList(options.kinds) : null,
            since: options.since ?? null,
            limit: options.limit ?? -1,
          }) as Row[]
      ).map(toInteraction),
    );
  }

  recordBlocker(
    workspaceId: string,
    nudgeId: number,
    blocker: string,
    noteSuffix: string,
  ): Promise<{ blocker: string; recorded: boolean } | null> {
    return this.connection.run((db) =>
      db.atomic(() => {
        const row = db
          .prepare(
            `SELECT id, blocker FROM interactions
             WHERE workspace_id = ? AND nudge_id = ? AND kind = 'checkin' ORDER BY id LIMIT 1`,
          )
          .get(workspaceId, nudgeId) as { id: number; blocker: string | null } | undefined;
        if (!row) return null;
        if (row.blocker !== null) return { blocker: row.blocker, recorded: false };
        db.prepare(
          `UPDATE interactions SET blocker = ?, note = COALESCE(note, '') || ? WHERE id = ? AND blocker IS NULL`,
        ).run(blocker, noteSuffix, row.id);
        return { blocker, recorded: true };
      }, true),
    );
  }

  listForWorkspace(workspaceId: string): Promise<Interaction[]> {
    return this.connection.run((db) =>
      (
        db.prepare('SELECT * FROM interactions WHERE workspace_id = ? ORDER BY id').all(workspaceId) as Row[]
      ).map(toInteraction),
    );
  }

  private read(db: SqliteDb, workspaceId: string, id: number): Interaction | null {
    const row = db
      .prepare('SELECT * FROM interactions WHERE workspace_id = ? AND id = ?')
      .get(workspaceId, id) as Row | undefined;
    return row ? toInteraction(row) : null;
  }
}
