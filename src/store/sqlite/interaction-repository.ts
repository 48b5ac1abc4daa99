import { RapportError } from '../../core/errors';
import type { Interaction, InteractionKind, IsoDate } from '../../core/model';
import type { InteractionRepository, NewInteraction } from '../../core/ports';
import type { Connection } from './connection';
import type { Row } from './rows';
import { iso, jsonList, textOrNull, toDate } from './rows';

function toInteraction(row: Row): Interaction {
  return {
    id: Number(row.id),
    workspaceId: String(row.workspace_id),
    partnerId: Number(row.partner_id),
    memberId: String(row.member_id),
    kind: row.kind as InteractionKind,
    occurredOn: String(row.occurred_on),
    note: textOrNull(row.note),
    rating: (row.rating as number | null) ?? null,
    nudgeId: (row.nudge_id as number | null) ?? null,
    createdAt: toDate(row.created_at),
  };
}

export class SqliteInteractionRepository implements InteractionRepository {
  constructor(private readonly connection: Connection) {}

  add(input: NewInteraction): Promise<Interaction> {
    return this.connection.run((db) => {
      const partner = db
        .prepare('SELECT 1 FROM partners WHERE workspace_id = ? AND id = ?')
        .get(input.workspaceId, input.partnerId);
      if (!partner)
        throw new RapportError('NOT_FOUND', `No partner ${input.partnerId} in ${input.workspaceId}`);
      const result = db
        .prepare(
          `INSERT INTO interactions (workspace_id, partner_id, member_id, kind, occurred_on, note, rating, nudge_id,
             created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
}
