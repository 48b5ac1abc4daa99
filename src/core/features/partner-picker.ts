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

/**
 * The partner a submitted form names; when there is none (missing, or removed meanwhile), null, with the
 * reason written against the form's `partner` field in `errors`.
 */
export async function chosenPartner(
  partners: PartnerRepository,
  workspaceId: string,
  value: string | undefined,
  errors: Record<string, string>,
): Promise<Partner | null> {
  const id = Number(value);
  const partner = value && Number.isSafeInteger(id) ? await partners.get(workspaceId, id) : null;
  if (!value) errors.partner = 'Choose a partner.';
  else if (!partner)
    errors.partner = 'This partner no longer exists. It may have been removed; choose another.';
  return partner;
}
