import { RapportError } from '../../core/errors';
import type { KindHistory, Owner, Partner } from '../../core/model';
import type {
  NewOwnerDetails,
  NewPartner,
  PartnerName,
  PartnerPatch,
  PartnerRepository,
} from '../../core/ports';
import { nameKey, PARTNER_PATCH_COLUMNS, partnersWithOwners, toPartner } from '../mapping/partner';
import type { Row } from '../row-values';
import { readSummaries, readSummary } from './interaction-summary';
import { addCreator, addOwner, listOwners, removeOwner, setLead } from './partner-owners';
import type { PgSql } from './pg-sql';
import { isUniqueViolation } from './pg-sql';

/**
 * Names are ordered by their key's bytes (`COLLATE "C"`), as SQLite orders text, whatever collation the
 * database was created with: both stores list and suggest partners in the same order.
 */
const BY_NAME = 'name_key COLLATE "C"';

/** Partners from their rows, with their owners in order (one query for all of them). */
export async function withOwners(sql: PgSql, rows: Row[]): Promise<Partner[]> {
  if (rows.length === 0) return [];
  const ownerRows = await sql.all(
    'SELECT partner_id, member_id FROM partner_owners WHERE partner_id = ANY($1) ORDER BY partner_id, position',
    [rows.map((row) => Number(row.id))],
  );
  return partnersWithOwners(rows, ownerRows);
}

/** Per-kind histories of several partners in one read (of the interaction summary). */
export function readHistories(sql: PgSql, partnerIds: readonly number[]): Promise<Map<number, KindHistory>> {
  return readSummaries(sql, partnerIds);
}

function conflict(name: string, error: unknown): RapportError {
  return new RapportError('CONFLICT', `A partner called ${name} already exists`, { cause: error });
}

export class PgPartnerRepository implements PartnerRepository {
  constructor(private readonly sql: PgSql) {}

  async create(input: NewPartner): Promise<Partner> {
    try {
      // Atomic: a duplicate name rolls back to here, leaving a surrounding transaction usable.
      const row = await this.sql.atomic(async (sql) => {
        const row = (await sql.one(
          `INSERT INTO partners (workspace_id, name, name_key, stage, country, signed_on, stage_changed_at,
             created_at, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) RETURNING *`,
          [
            input.workspaceId,
            input.name,
            nameKey(input.name),
            input.stage,
            input.country ?? null,
            input.signedOn ?? null,
            input.now,
            input.createdBy,
          ],
        ))!;
        await addCreator(sql, input.workspaceId, Number(row.id), input.createdBy, input.now);
        return row;
      });
      return toPartner(row, [input.createdBy]);
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(input.name, error);
      throw error;
    }
  }

  get(workspaceId: string, id: number): Promise<Partner | null> {
    return this.read(this.sql, workspaceId, id);
  }

  async findByName(workspaceId: string, name: string): Promise<Partner | null> {
    const row = await this.sql.one('SELECT * FROM partners WHERE workspace_id = $1 AND name_key = $2', [
      workspaceId,
      nameKey(name),
    ]);
    return row ? (await withOwners(this.sql, [row]))[0]! : null;
  }

  async findFirstNamed(
    workspaceId: string,
    names: readonly string[],
  ): Promise<{ partner: Partner; index: number } | null> {
    const keys = names.map(nameKey);
    if (keys.length === 0) return null;
    const rows = await this.sql.all('SELECT * FROM partners WHERE workspace_id = $1 AND name_key = ANY($2)', [
      workspaceId,
      keys,
    ]);
    const byKey = new Map(rows.map((row) => [String(row.name_key), row]));
    const index = keys.findIndex((key) => byKey.has(key));
    if (index < 0) return null;
    return { partner: (await withOwners(this.sql, [byKey.get(keys[index]!)!]))[0]!, index };
  }

  async list(workspaceId: string, options: { ownerId?: string } = {}): Promise<Partner[]> {
    const rows = options.ownerId
      ? await this.sql.all(
          `SELECT p.* FROM partners p JOIN partner_owners o ON o.partner_id = p.id
           WHERE p.workspace_id = $1 AND o.member_id = $2 ORDER BY p.${BY_NAME}`,
          [workspaceId, options.ownerId],
        )
      : await this.sql.all(`SELECT * FROM partners WHERE workspace_id = $1 ORDER BY ${BY_NAME}`, [
          workspaceId,
        ]);
    return withOwners(this.sql, rows);
  }

  async search(workspaceId: string, query: string, limit: number): Promise<PartnerName[]> {
    // `strpos` is 1 for a prefix (and for the empty query, which matches every partner). Reads the
    // workspace's part of the (workspace_id, name_key) index.
    const rows = await this.sql.all(
      `SELECT id, name FROM partners WHERE workspace_id = $1 AND strpos(name_key, $2) > 0
       ORDER BY strpos(name_key, $2) <> 1, ${BY_NAME} LIMIT $3`,
      [workspaceId, nameKey(query), limit],
    );
    return rows.map((row) => ({ id: Number(row.id), name: String(row.name) }));
  }

  async update(workspaceId: string, id: number, patch: PartnerPatch): Promise<Partner> {
    const columns = PARTNER_PATCH_COLUMNS;
    const sets: string[] = [];
    const values: unknown[] = [];
    for (const [key, column] of Object.entries(columns) as [keyof PartnerPatch, string][]) {
      if (!(key in patch)) continue;
      values.push(patch[key] ?? null);
      sets.push(`${column} = $${values.length}`);
    }
    const row = sets.length
      ? await this.sql.one(
          `UPDATE partners SET ${sets.join(', ')}
           WHERE workspace_id = $${values.length + 1} AND id = $${values.length + 2} RETURNING *`,
          [...values, workspaceId, id],
        )
      : await this.sql.one('SELECT * FROM partners WHERE workspace_id = $1 AND id = $2', [workspaceId, id]);
    if (!row) throw new RapportError('NOT_FOUND', `No partner ${id} in ${workspaceId}`);
    return (await withOwners(this.sql, [row]))[0]!;
  }

  async rename(workspaceId: string, id: number, name: string): Promise<Partner> {
    let row: Row | undefined;
    try {
      // Atomic: a name already taken rolls back to here, leaving a surrounding transaction usable.
      row = await this.sql.atomic((sql) =>
        sql.one(
          'UPDATE partners SET name = $1, name_key = $2 WHERE workspace_id = $3 AND id = $4 RETURNING *',
          [name, nameKey(name), workspaceId, id],
        ),
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(name, error);
      throw error;
    }
    if (!row) throw new RapportError('NOT_FOUND', `No partner ${id} in ${workspaceId}`);
    return (await withOwners(this.sql, [row]))[0]!;
  }

  addOwner(workspaceId: string, id: number, memberId: string, details?: NewOwnerDetails): Promise<boolean> {
    return addOwner(this.sql, workspaceId, id, memberId, details);
  }

  listOwners(workspaceId: string, id: number): Promise<Owner[]> {
    return listOwners(this.sql, workspaceId, id);
  }

  removeOwner(workspaceId: string, id: number, memberId: string): Promise<boolean> {
    return removeOwner(this.sql, workspaceId, id, memberId);
  }

  setLead(workspaceId: string, id: number, memberId: string): Promise<boolean> {
    return setLead(this.sql, workspaceId, id, memberId);
  }

  async remove(workspaceId: string, id: number): Promise<void> {
    await this.sql.run('DELETE FROM partners WHERE workspace_id = $1 AND id = $2', [workspaceId, id]);
  }

  history(workspaceId: string, id: number): Promise<KindHistory> {
    return readSummary(this.sql, workspaceId, id);
  }

  replanAll(workspaceId: string, at: Date): Promise<number> {
    return this.sql.run(`UPDATE partners SET next_due_at = $1 WHERE workspace_id = $2 AND stage <> 'ended'`, [
      at,
      workspaceId,
    ]);
  }

  async setNextDueAt(workspaceId: string, id: number, at: Date | null): Promise<void> {
    await this.sql.run('UPDATE partners SET next_due_at = $1 WHERE workspace_id = $2 AND id = $3', [
      at,
      workspaceId,
      id,
    ]);
  }

  async listDue(now: Date, limit: number): Promise<Partner[]> {
    const rows = await this.sql.all(
      'SELECT * FROM partners WHERE next_due_at IS NOT NULL AND next_due_at <= $1 ORDER BY next_due_at LIMIT $2',
      [now, limit],
    );
    return withOwners(this.sql, rows);
  }

  private async read(sql: PgSql, workspaceId: string, id: number): Promise<Partner | null> {
    const row = await sql.one('SELECT * FROM partners WHERE workspace_id = $1 AND id = $2', [
      workspaceId,
      id,
    ]);
    return row ? (await withOwners(sql, [row]))[0]! : null;
  }
}
