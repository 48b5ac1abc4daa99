/**
 * Whom a playbook rule nudges among a partner's owners: every owner (`all`, the default), only the lead
 * (`lead`), or the owners with one role (`{ "role": "it" }`). Pure functions of data.
 */
import type { Owner } from '../model';

export type Recipients = 'all' | 'lead' | { role: string };

/** Why a rule's `recipients` cannot be used, or null. */
export function checkRecipients(value: unknown): string | null {
  if (value === undefined || value === 'all' || value === 'lead') return null;
  if (
    value &&
    typeof value === 'object' &&
    Object.keys(value).length === 1 &&
    typeof (value as { role?: unknown }).role === 'string' &&
    /^[a-z0-9-]{1,30}$/.test((value as { role: string }).role)
  )
    return null;
  return 'recipients must be "all", "lead" or { "role": "…" } (a lower-case role such as "it")';
}

/**
 * The member ids a rule's nudge goes to, in owner order. The lead is the owner marked so, or the first one.
 * A role nobody holds falls back to the lead, so that what the rule asks is never lost.
 */
export function recipientsOf(
  recipients: Recipients | undefined,
  owners: readonly Pick<Owner, 'memberId' | 'role' | 'lead'>[],
): string[] {
  if (owners.length === 0) return [];
  const lead = owners.find((owner) => owner.lead) ?? owners[0]!;
  if (recipients === undefined || recipients === 'all') return owners.map((owner) => owner.memberId);
  if (recipients === 'lead') return [lead.memberId];
  const withRole = owners.filter((owner) => owner.role === recipients.role);
  return withRole.length ? withRole.map((owner) => owner.memberId) : [lead.memberId];
}
