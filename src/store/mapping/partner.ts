/** Partners and their owners from their rows, in either store; and the key a partner's name is found by. */
import type { Owner, Partner, Stage } from '../../core/model';
import type { PartnerPatch } from '../../core/ports';
import type { Row } from '../row-values';
import { flag, textOrNull, toDate, toDateOrNull } from '../row-values';

/** The role a creator and an owner added without one get. */
export const DEFAULT_OWNER_ROLE = 'alliance-manager';

/** What a name is compared by: names differing only in case or surrounding spaces are the same name. */
export const nameKey = (name: string): string => name.trim().toLocaleLowerCase('en');

/** A partner from its row and its owners' member ids in order. */
export function toPartner(row: Row, owners: string[]): Partner {
  return {
    id: Number(row.id),
    workspaceId: String(row.workspace_id),
    name: String(row.name),
    stage: row.stage as Stage,
    country: textOrNull(row.country),
    timeZone: textOrNull(row.time_zone),
    firstMetOn: textOrNull(row.first_met_on),
    signedOn: textOrNull(row.signed_on),
    stageChangedAt: toDate(row.stage_changed_at),
    createdAt: toDate(row.created_at),
    createdBy: String(row.created_by),
    owners,
  };
}

/**
 * An owner from a `partner_owners` row joined with what the workspace knows of the member (`known_id`,
 * `display_name`, `address_stale`) and of who added them (`added_by_name`).
 */
export function toOwner(row: Row): Owner {
  return {
    memberId: String(row.member_id),
    role: textOrNull(row.role) ?? DEFAULT_OWNER_ROLE,
    lead: flag(row.lead),
    displayName: textOrNull(row.display_name),
    addressStale: flag(row.address_stale),
    known: row.known_id != null,
    addedBy: textOrNull(row.added_by),
    addedByName: textOrNull(row.added_by_name),
    addedAt: toDateOrNull(row.added_at),
    note: textOrNull(row.note),
  };
}

/** Partners from their rows, given `(partner_id, member_id)` owner rows in partner-then-position order. */
export function partnersWithOwners(rows: Row[], ownerRows: Row[]): Partner[] {
  const owners = new Map<number, string[]>();
  for (const row of ownerRows) {
    const partnerId = Number(row.partner_id);
    const list = owners.get(partnerId) ?? [];
    list.push(String(row.member_id));
    owners.set(partnerId, list);
  }
  return rows.map((row) => toPartner(row, owners.get(Number(row.id)) ?? []));
}

/** The column each field of a partner patch is stored in. */
export const PARTNER_PATCH_COLUMNS: Readonly<Record<keyof PartnerPatch, string>> = {
  stage: 'stage',
  signedOn: 'signed_on',
  firstMetOn: 'first_met_on',
  country: 'country',
  timeZone: 'time_zone',
  stageChangedAt: 'stage_changed_at',
};
