/** Writing an answer's facts: one interaction, and what it changes about the partner. */
import type { Partner } from '../model';
import { MEETING_KINDS } from '../model';
import type { NewInteraction, Repositories } from '../ports';

/**
 * Adds an interaction inside the caller's transaction; a first meeting also sets the partner's first-met
 * day. Returns the partner as it now stands (for the schedule the caller refreshes next).
 */
export async function addFact(
  tx: Pick<Repositories, 'interactions' | 'partners'>,
  partner: Partner,
  fact: Omit<NewInteraction, 'workspaceId' | 'partnerId'>,
): Promise<Partner> {
  await tx.interactions.add({ ...fact, workspaceId: partner.workspaceId, partnerId: partner.id });
  const met = MEETING_KINDS.includes(fact.kind);
  if (met && (!partner.firstMetOn || fact.occurredOn < partner.firstMetOn))
    return tx.partners.update(partner.workspaceId, partner.id, { firstMetOn: fact.occurredOn });
  return partner;
}
