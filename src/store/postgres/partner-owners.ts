/**
 * A partner's owners with their roles: who they are, which one leads, and how they came to own it. The
 * partner repository delegates here; every statement is scoped to the workspace.
 *
 * Every change to a partner's owners first locks the partner's row (`lockPartner`), so that changes from
 * several instances to one partner's owners happen one after another: two owners added at once get
 * consecutive positions, and removing the lead while another owner leaves still leaves someone leading.
 */
import type { Owner } from '../../core/model';
import type { NewOwnerDetails } from '../../core/ports';
import { DEFAULT_OWNER_ROLE, toOwner } from '../mapping/partner';
import type { PgSql } from './pg-sql';

const OWNERS_SELECT = `SELECT o.*, m.id AS known_id, m.display_name, m.address_stale,
    a.display_name AS added_by_name
  FROM partner_owners o
  JOIN partners p ON p.id = o.partner_id AND p.workspace_id = o.workspace_id
  LEFT JOIN members m ON m.workspace_id = o.workspace_id AND m.id = o.member_id
  LEFT JOIN members a ON a.workspace_id = o.workspace_id AND a.id = o.added_by`;

/**
 * Locks the partner's row until the transaction ends; false when the workspace has no such partner.
 * `FOR NO KEY UPDATE`, not `FOR UPDATE`: it excludes the other owner changes, but not the key-share locks
 * that inserting the partner's interactions or nudges takes through their foreign keys.
 */
async function lockPartner(sql: PgSql, workspaceId: string, partnerId: number): Promise<boolean> {
  const row = await sql.one('SELECT id FROM partners WHERE workspace_id = $1 AND id = $2 FOR NO KEY UPDATE', [
    workspaceId,
    partnerId,
  ]);
  return row !== undefined;
}

export async function listOwners(sql: PgSql, workspaceId: string, partnerId: number): Promise<Owner[]> {
  const rows = await sql.all(
    `${OWNERS_SELECT} WHERE o.workspace_id = $1 AND o.partner_id = $2 ORDER BY o.position`,
    [workspaceId, partnerId],
  );
  return rows.map(toOwner);
}

/** The owners of several partners in one query, by partner (each scoped to its partner's workspace). */
export async function readTeams(sql: PgSql, partnerIds: readonly number[]): Promise<Map<number, Owner[]>> {
  const teams = new Map<number, Owner[]>(partnerIds.map((id) => [id, []]));
  if (partnerIds.length === 0) return teams;
  const rows = await sql.all(
    `${OWNERS_SELECT} WHERE o.partner_id = ANY($1) ORDER BY o.partner_id, o.position`,
    [partnerIds],
  );
  for (const row of rows) teams.get(Number(row.partner_id))?.push(toOwner(row));
  return teams;
}

export function addOwner(
  sql: PgSql,
  workspaceId: string,
  partnerId: number,
  memberId: string,
  details: NewOwnerDetails = {},
): Promise<boolean> {
  return sql.atomic(async (tx) => {
    if (!(await lockPartner(tx, workspaceId, partnerId))) return false;
    // Under the lock no other owner change is under way, so the next free position is this one's.
    const added = await tx.run(
      `INSERT INTO partner_owners
         (partner_id, workspace_id, member_id, position, role, lead, added_by, added_at, note)
       VALUES ($1, $2, $3, (SELECT COALESCE(MAX(position), -1) + 1 FROM partner_owners WHERE partner_id = $1),
         $4, false, $5, $6, $7)
       ON CONFLICT (partner_id, member_id) DO NOTHING`,
      [
        partnerId,
        workspaceId,
        memberId,
        details.role ?? DEFAULT_OWNER_ROLE,
        details.addedBy ?? null,
        details.now ?? null,
        details.note ?? null,
      ],
    );
    if (added === 0) return false;
    if (details.lead) await makeLead(tx, workspaceId, partnerId, memberId);
    return true;
  });
}

export function removeOwner(
  sql: PgSql,
  workspaceId: string,
  partnerId: number,
  memberId: string,
): Promise<boolean> {
  return sql.atomic(async (tx) => {
    if (!(await lockPartner(tx, workspaceId, partnerId))) return false;
    const removed = await tx.run(
      'DELETE FROM partner_owners WHERE workspace_id = $1 AND partner_id = $2 AND member_id = $3',
      [workspaceId, partnerId, memberId],
    );
    if (removed === 0) return false;
    // Someone always leads: when the lead left, the next owner in order does.
    await tx.run(
      `UPDATE partner_owners o SET lead = true
       WHERE o.workspace_id = $1 AND o.partner_id = $2
         AND NOT EXISTS (SELECT 1 FROM partner_owners l WHERE l.partner_id = o.partner_id AND l.lead)
         AND o.position = (SELECT MIN(position) FROM partner_owners f WHERE f.partner_id = o.partner_id)`,
      [workspaceId, partnerId],
    );
    return true;
  });
}

export function setLead(
  sql: PgSql,
  workspaceId: string,
  partnerId: number,
  memberId: string,
): Promise<boolean> {
  return sql.atomic(async (tx) => {
    if (!(await lockPartner(tx, workspaceId, partnerId))) return false;
    return makeLead(tx, workspaceId, partnerId, memberId);
  });
}

/** Makes the owner the only lead; false (nothing changes) when the member is not an owner. */
async function makeLead(
  sql: PgSql,
  workspaceId: string,
  partnerId: number,
  memberId: string,
): Promise<boolean> {
  const changed = await sql.run(
    `UPDATE partner_owners SET lead = (member_id = $1)
     WHERE workspace_id = $2 AND partner_id = $3
       AND EXISTS (SELECT 1 FROM partner_owners WHERE workspace_id = $2 AND partner_id = $3 AND member_id = $1)`,
    [memberId, workspaceId, partnerId],
  );
  return changed > 0;
}

/** The creator's row: the first owner, lead, alliance manager. */
export async function addCreator(
  sql: PgSql,
  workspaceId: string,
  partnerId: number,
  memberId: string,
  now: Date,
): Promise<void> {
  await sql.run(
    `INSERT INTO partner_owners (partner_id, workspace_id, member_id, position, role, lead, added_by, added_at)
     VALUES ($1, $2, $3, 0, $4, true, $3, $5)`,
    [partnerId, workspaceId, memberId, DEFAULT_OWNER_ROLE, now],
  );
}
