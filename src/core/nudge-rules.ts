/** What "open" means for a nudge, in one place: the store's queries and the core's views share it. */
import type { Nudge, NudgeStatus, Partner } from './model';

/** A nudge still waiting for its member: not yet delivered, delivered and unanswered, or snoozed. */
export const OPEN_NUDGE_STATUSES = ['pending', 'sent', 'snoozed'] as const satisfies readonly NudgeStatus[];

/** Not yet delivered (or snoozed back into the queue): what a delivery pass may claim. */
export const UNDELIVERED_NUDGE_STATUSES = ['pending', 'snoozed'] as const satisfies readonly NudgeStatus[];

/** The answer recorded on a nudge closed because its member logged what it asked for. */
export const LOGGED_ANSWER = '_logged';

export function isOpenNudge(nudge: Pick<Nudge, 'status'>): boolean {
  return (OPEN_NUDGE_STATUSES as readonly NudgeStatus[]).includes(nudge.status);
}

/** Who may act on a nudge: the member it went to, or any owner of its partner. */
export function mayAnswer(
  nudge: Pick<Nudge, 'memberId'>,
  partner: Pick<Partner, 'owners'>,
  memberId: string,
): boolean {
  return nudge.memberId === memberId || partner.owners.includes(memberId);
}
