import { RapportError } from '../../core/errors';
import type { KindHistory, Owner, Partner } from '../../core/model';
import type {
  NewOwnerDetails,
  NewPartner,
  PartnerName,
  PartnerPatch,
  PartnerRepository,
} from '../../core/ports';
import { nameKey, PARTNER_PATCH_COLUMNS, partnersWithOwners } from '../mapping/partner';
import type { Connection, SqliteDb } from './connection';
import { readSummaries, readSummary } from './interaction-summary';
import { addCreator, addOwner, listOwners, removeOwner, setLead } from './partner-owners';
import type { Row } from './rows';
import { iso, isoOrNull, jsonList } from './rows';

/** Partners from their rows, with their owners in order (one query for all of them). */
export function withOwners(db: SqliteDb, rows: Row[]): Partner[] {
  if (rows.length === 0) return [];
  const ownerRows = db
    .prepare(
      `SELECT partner_id, member_id FROM partner_owners
       WHERE partner_id IN (SELECT value FROM json_each(?)) ORDER BY partner_id, position`,
    )
    .all(jsonList(rows.map((row) => Number(row.id)))) as Row[];
  return partnersWithOwners(rows, ownerRows);
}

/** Per-kind histories of several partners in one read (of the interaction summary). */
export function readHistories(db: SqliteDb, partnerIds: readonly number[]): Map<number, KindHistory> {
  return readSummaries(db, partnerIds);
}

export class SqlitePartnerRepository implements PartnerRepository {
  constructor(private readonly connection: Connection) {}

  create(input: NewPartner): Promise<Partner> {
    return this.connection.run((db) => {
      try {
        const id = db.atomic(() => {
          const result = db
            .prepare(
              `INSERT INTO partners (workspace_id, name, name_key, stage, country, signed_on, stage_changed_at,
                 created_at, created_by)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            )
            .run(
              input.workspaceId,
              input.name,
              nameKey(input.name),
              input.stage,
              input.country ?? null,
              input.signedOn ?? null,
              iso(input.now),
              iso(input.now),
              input.createdBy,
            );
          const id = Number(result.lastInsertRowid);
          addCreator(db, input.workspaceId, id, input.createdBy, input.now);
          return id;
        });
        return this.read(db, input.workspaceId, id)!;
      } catch (error) {
        // Checked by code, not instanceof: the native module's errors may come from another realm.
        if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
          throw new RapportError('CONFLICT', `A partner called ${input.name} already exists`, {
            cause: error,
          });
        }
        throw error;
      }
    });
  }

  get(workspaceId: string, id: number): Promise<Partner | null> {
    return this.connection.run((db) => this.read(db, workspaceId, id));
  }

  findByName(workspaceId: string, name: string): Promise<Partner | null> {
    return this.connection.run((db) => {
      const row = db
        .prepare('SELECT * FROM partners WHERE workspace_id = ? AND name_key = ?')
        .get(workspaceId, nameKey(name)) as Row | undefined;
      return row ? withOwners(db, [row])[0]! : null;
    });
  }

  findFirstNamed(
    workspaceId: string,
    names: readonly string[],
  ): Promise<{ partner: Partner; index: number } | null> {
    const keys = names.map(nameKey);
    return this.connection.run((db) => {
      if (keys.length === 0) return null;
      const rows = db
        .prepare(
          `SELECT * FROM partners WHERE workspace_id = ? AND name_key IN (SELECT value FROM json_each(?))`,
        )
        .all(workspaceId, jsonList(keys)) as Row[];
      const byKey = new Map(rows.map((row) => [String(row.name_key), row]));
      const index = keys.findIndex((key) => byKey.has(key));
      if (index < 0) return null;
      return { partner: withOwners(db, [byKey.get(keys[index]!)!])[0]!, index };
    });
  }

  list(workspaceId: string, options: { ownerId?: string } = {}): Promise<Partner[]> {
    return this.connection.run((db) => {
      const rows = options.ownerId
        ? (db
            .prepare(
              `SELECT p.* FROM partners p JOIN partner_owners o ON o.partner_id = p.id
               WHERE p.workspace_id = ? AND o.member_id = ? ORDER BY p.name_key`,
            )
            .all(workspaceId, options.ownerId) as Row[])
        : (db
            .prepare('SELECT * FROM partners WHERE workspace_id = ? ORDER BY name_key')
            .all(workspaceId) as Row[]);
      return withOwners(db, rows);
    });
  }

  search(workspaceId: string, query: string, limit: number): Promise<PartnerName[]> {
    const key = nameKey(query);
    return this.connection.run((db) => {
      // Walks the workspace's part of the (workspace_id, name_key) index; `instr` is 1 for a prefix.
      const rows = db
        .prepare(
          `SELECT id, name FROM partners WHERE workspace_id = ? AND instr(name_key, ?) > 0
           ORDER BY instr(name_key, ?) <> 1, name_key LIMIT ?`,
        )
        .all(workspaceId, key, key, limit) as { id: number; name: string }[];
      return rows.map((row) => ({ id: Number(row.id), name: String(row.name) }));
    });
  }

  update(workspaceId: string, id: number, patch: PartnerPatch): Promise<Partner> {
    const columns = PARTNER_PATCH_COLUMNS;
    const sets: string[] = [];
    const values: unknown[] = [];
    for (const [key, column] of Object.entries(columns) as [keyof PartnerPatch, string][]) {
      if (!(key in patch)) continue;
      const value = patch[key];
      sets.push(`${column} = ?`);
      values.push(value instanceof Date ? iso(value) : (value ?? null));
    }
    return this.connection.run((db) => {
      if (sets.length) {
        db.prepare(`UPDATE partners SET ${sets.join(', ')} WHERE workspace_id = ? AND id = ?`).run(
          ...values,
          workspaceId,
          id,
        );
      }
      const partner = this.read(db, workspaceId, id);
      if (!partner) throw new RapportError('NOT_FOUND', `No partner ${id} in ${workspaceId}`);
      return partner;
    });
  }

  rename(workspaceId: string, id: number, name: string): Promise<Partner> {
    return this.connection.run((db) => {
      try {
        db.prepare('UPDATE partners SET name = ?, name_key = ? WHERE workspace_id = ? AND id = ?').run(
          name,
          nameKey(name),
          workspaceId,
          id,
        );
      } catch (error) {
        if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
          throw new RapportError('CONFLICT', `A partner called ${name} already exists`, { cause: error });
        }
        throw error;
      }
      const partner = this.read(db, workspaceId, id);
      if (!partner) throw new RapportError('NOT_FOUND', `No partner ${id} in ${workspaceId}`);
      return partner;
    });
  }

  addOwner(workspaceId: string, id: number, memberId: string, details?: NewOwnerDetails): Promise<boolean> {
    return this.connection.run((db) => addOwner(db, workspaceId, id, memberId, details));
  }

  listOwners(workspaceId: string, id: number): Promise<Owner[]> {
    return this.connection.run((db) => listOwners(db, workspaceId, id));
  }

  removeOwner(workspaceId: string, id: number, memberId: string): Promise<boolean> {
    return this.connection.run((db) => removeOwner(db, workspaceId, id, memberId));
  }

  setLead(workspaceId: string, id: number, memberId: string): Promise<boolean> {
    return this.connection.run((db) => setLead(db, workspaceId, id, memberId));
  }

  remove(workspaceId: string, id: number): Promise<void> {
    return this.connection.run((db) => {
      db.prepare('DELETE FROM partners WHERE workspace_id = ? AND id = ?').run(workspaceId, id);
    });
  }

  history(workspaceId: string, id: number): Promise<KindHistory> {
    return this.connection.run((db) => readSummary(db, workspaceId, id));
  }

  replanAll(workspaceId: string, at: Date): Promise<number> {
    return this.connection.run(
      (db) =>
        db
          .prepare(`UPDATE partners SET next_due_at = ? WHERE workspace_id = ? AND stage != 'ended'`)
          .run(iso(at), workspaceId).changes,
    );
  }

  setNextDueAt(workspaceId: string, id: number, at: Date | null): Promise<void> {
    return this.connection.run((db) => {
      db.prepare('UPDATE partners SET next_due_at = ? WHERE workspace_id = ? AND id = ?').run(
        isoOrNull(at),
        workspaceId,
        id,
      );
    });
  }

  listDue(now: Date, limit: number): Promise<Partner[]> {
    return this.connection.run((db) => {
      const rows = db
        .prepare(
          'SELECT * FROM partners WHERE next_due_at IS NOT NULL AND next_due_at <= ? ORDER BY next_due_at LIMIT ?',
        )
        .all(iso(now), limit) as Row[];
      return withOwners(db, rows);
    });
  }

  private read(db: SqliteDb, workspaceId: string, id: number): Partner | null {
    const row = db
      .prepare('SELECT * FROM partners WHERE workspace_id = ? AND id = ?')
      .get(workspaceId, id) as Row | undefined;
    return row ? withOwners(db, [row])[0]! : null;
  }
}
