/** The partner a form asks for: what its picker lists, and the partner a submission chose. */
import { FORM_SELECT_OPTIONS } from '../messages';
import type { Partner } from '../model';
import type { PartnerName, PartnerRepository } from '../ports';

/**
 * What a form's partner picker lists: the first partners by name, one more than it shows (so that the
 * form knows whether there are others to search for), and the initial partner wherever it falls. Two
 * small reads however many partners there are.
 */
export async function pickerPartners(
  partners: PartnerRepository,
  workspaceId: string,
  partnerId?: number,
): Promise<PartnerName[]> {
  const first = await partners.search(workspaceId, '', FORM_SELECT_OPTIONS + 1);
  if (partnerId === undefined || first.some((p) => p.id === partnerId)) return first;
  const chosen = await partners.get(workspaceId, partnerId);
  return chosen ? [...first, chosen] : first;
}

/** The partner a submitted form names, or the error to show against its field. */
export async function chosenPartner(
  partners: PartnerRepository,
  workspaceId: string,
  value: string | undefined,
): Promise<{ partner: Partner } | { error: string }> {
  if (!value) return { error: 'Choose a partner.' };
  const id = Number(value);
  const partner = Number.isSafeInteger(id) ? await partners.get(workspaceId, id) : null;
  return partner
    ? { partner }
    : { error: 'This partner no longer exists. It may have been removed; choose another.' };
}
