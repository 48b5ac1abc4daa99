/**
 * Claimed nudges made into deliveries, the same for both stores: each with its member (who must have an
 * address on a platform being served), its partner, history, team and promise. A nudge whose member or
 * partner cannot be read is reported and left out (never fatal).
 */
import type { KindHistory, Nudge, Owner, Partner, PartnerPromise, Platform } from '../../core/model';
import type { Delivery } from '../../core/ports';
import type { BadRowReporter, Row } from '../row-values';
import { toMember } from './member';

export interface DeliveryReads {
  /** Each nudge's member row, by nudge id. */
  memberRowOf: ReadonlyMap<number, Row>;
  partners: ReadonlyMap<number, Partner>;
  histories: ReadonlyMap<number, KindHistory>;
  promises: ReadonlyMap<number, PartnerPromise>;
  teams: ReadonlyMap<number, Owner[]>;
}

export function assembleDeliveries(
  nudges: readonly Nudge[],
  reads: DeliveryReads,
  platforms: readonly Platform[],
  onBadRow: BadRowReporter,
): Delivery[] {
  const deliveries: Delivery[] = [];
  for (const nudge of nudges) {
    const where = { nudgeId: nudge.id, workspaceId: nudge.workspaceId };
    const memberRow = reads.memberRowOf.get(nudge.id);
    const member = memberRow ? toMember(memberRow, onBadRow, { nudgeId: nudge.id }) : null;
    const partner = reads.partners.get(nudge.partnerId);
    if (!member) {
      onBadRow('nudge member', { ...where, memberId: nudge.memberId });
    } else if (!member.address) {
      // Reported by toMember as a 'member address'.
    } else if (!platforms.includes(member.address.channel)) {
      onBadRow('member address channel', {
        ...where,
        memberId: member.id,
        channel: member.address.channel,
      });
    } else if (!partner) {
      onBadRow('nudge partner', { ...where, partnerId: nudge.partnerId });
    } else {
      const promise = reads.promises.get(nudge.id);
      deliveries.push({
        nudge,
        member: { ...member, address: member.address },
        partner,
        history: reads.histories.get(partner.id) ?? {},
        ...(promise ? { promise } : {}),
        team: reads.teams.get(partner.id) ?? [],
      });
    }
  }
  return deliveries;
}
