/**
 * A partner's owners with their roles: who they are, which one leads, and how they came to own it. The
 * partner repository delegates here; every statement is scoped to the workspace.
 */
import type { Owner } from '../../core/model';
import type { NewOwnerDetails } from '../../core/ports';
import type { SqliteDb } from './connection';
import { DEFAULT_OWNER_ROLE, toOwner } from '../mapping/partner';
import type { Row } from './rows';
import { iso, isoOrNull, jsonList } from './rows';

/**
 * A partner's owners with what the workspace knows of them. `+o.workspace_id`: they are found by the primary
 * key (partner_id, …), never by scanning the workspace's owners through its (workspace_id, member_id) index,
 * which SQLite would choose on a database it has no statistics about, at a cost that grew with the workspace.
 */
export const LIST_OWNERS_SQL = `SELECT o.*, m.id AS known_id, m.display_name, m.address_stale,
    a.display_name AS added_by_name
  FROM partner_owners o
  JOIN partners p ON p.id = o.partner_id AND p.workspace_id = +o.workspace_id
  LEFT JOIN members m ON m.workspace_id = o.workspace_id AND m.id = o.member_id
  LEFT JOIN members a ON a.workspace_id = o.workspace_id AND a.id = o.added_by
  WHERE +o.workspace_id = ? AND o.partner_id = ? ORDER BY o.position`;

export function listOwners(db: SqliteDb, workspaceId: string, partnerId: number): Owner[] {
  const rows = db.prepare(LIST_OWNERS_SQL).all(workspaceId, partnerId) as Row[];
  return rows.map(toOwner);
}

/** The owners of several partners in one query, by partner (each scoped to its partner's workspace). */
export function readTeams(db: SqliteDb, partnerIds: readonly number[]): Map<number, Owner[]> {
  const teams = new Map<number, Owner[]>(partnerIds.map((id) => [id, []]));
  if (partnerIds.length === 0) return teams;
  const rows = db
    .prepare(
      `SELECT o.*, m.id AS known_id, m.display_name, m.address_stale, a.display_name AS added_by_name
       FROM partner_owners o
       JOIN partners p ON p.id = o.partner_id AND p.workspace_id = o.workspace_id
       LEFT JOIN members m ON m.workspace_id = o.workspace_id AND m.id = o.member_id
       LEFT JOIN members a ON a.workspace_id = o.workspace_id AND a.id = o.added_by
       WHERE o.partner_id IN (SELECT value FROM json_each(?)) ORDER BY o.partner_id, o.position`,
    )
    .all(jsonList(partnerIds)) as Row[];
  for (const row of rows) teams.get(Number(row.partner_id))?.push(toOwner(row));
  return teams;
}

export function addOwner(
  db: SqliteDb,
  workspaceId: string,
  partnerId: number,
  memberId: string,
  details: NewOwnerDetails = {},
): boolean {
  return db.atomic(() => {
    const result = db
      .prepare(
        `INSERT OR IGNORE INTO partner_owners
           (partner_id, workspace_id, member_id, position, role, lead, added_by, added_at, note)
         SELECT p.id, p.workspace_id, ?,
           (SELECT COALESCE(MAX(position), -1) + 1 FROM partner_owners WHERE partner_id = p.id), ?, 0, ?, ?, ?
         FROM partners p WHERE p.workspace_id = ? AND p.id = ?`,
      )
      .run(
        memberId,
        details.role ?? DEFAULT_OWNER_ROLE,
        details.addedBy ?? null,
        isoOrNull(details.now),
        details.note ?? null,
        workspaceId,
        partnerId,
      );
    if (result.changes === 0) return false;
    if (details.lead) setLead(db, workspaceId, partnerId, memberId);
    return true;
  });
}

export function removeOwner(db: SqliteDb, workspaceId: string, partnerId: number, memberId: string): boolean {
  return db.atomic(() => {
    const result = db
      .prepare('DELETE FROM partner_owners WHERE workspace_id = ? AND partner_id = ? AND member_id = ?')
      .run(workspaceId, partnerId, memberId);
    if (result.changes === 0) return false;
    // Someone always leads: when the lead left, the next owner in order does.
    db.prepare(
      `UPDATE partner_owners SET lead = 1
       WHERE workspace_id = ? AND partner_id = ?
         AND NOT EXISTS (SELECT 1 FROM partner_owners l WHERE l.partner_id = partner_owners.partner_id AND l.lead = 1)
         AND position = (SELECT MIN(position) FROM partner_owners f WHERE f.partner_id = partner_owners.partner_id)`,
    ).run(workspaceId, partnerId);
    return true;
  });
}

export function setLead(db: SqliteDb, workspaceId: string, partnerId: number, memberId: string): boolean {
  return db.atomic(() => {
    const owner = db
      .prepare('SELECT 1 FROM partner_owners WHERE workspace_id = ? AND partner_id = ? AND member_id = ?')
      .get(workspaceId, partnerId, memberId);
    if (!owner) return false;
    db.prepare(
      'UPDATE partner_owners SET lead = CASE WHEN member_id = ? THEN 1 ELSE 0 END WHERE workspace_id = ? AND partner_id = ?',
    ).run(memberId, workspaceId, partnerId);
    return true;
  });
}

/** The creator's row: the first owner, lead, alliance manager. */
export function addCreator(
  db: SqliteDb,
  workspaceId: string,
  partnerId: number,
  memberId: string,
  now: Date,
): void {
  db.prepare(
    `INSERT INTO partner_owners (partner_id, workspace_id, member_id, position, role, lead, added_by, added_at)
     VALUES (?, ?, ?, 0, ?, 1, ?, ?)`,
  ).run(partnerId, workspaceId, memberId, DEFAULT_OWNER_ROLE, memberId, iso(now));
}
