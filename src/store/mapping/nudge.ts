/** A nudge row as the core's `Nudge`, in either store. */
import type { Nudge, NudgeStatus } from '../../core/model';
import type { Row } from '../row-values';
import { parseJsonOrNull, textOrNull, toDate, toDateOrNull } from '../row-values';

export function toNudge(row: Row): Nudge {
  return {
    id: Number(row.id),
    workspaceId: String(row.workspace_id),
    partnerId: Number(row.partner_id),
    memberId: String(row.member_id),
    ruleId: String(row.rule_id),
    occurrence: String(row.occurrence),
    dueAt: toDate(row.due_at),
    deliverAfter: toDate(row.deliver_after),
    status: row.status as NudgeStatus,
    attempts: Number(row.attempts),
    leaseUntil: toDateOrNull(row.lease_until),
    leaseToken: textOrNull(row.lease_token),
    lastError: textOrNull(row.last_error),
    messageRef: parseJsonOrNull(row.message_ref),
    sentAt: toDateOrNull(row.sent_at),
    answeredAt: toDateOrNull(row.answered_at),
    answer: textOrNull(row.answer),
    answeredBy: textOrNull(row.answered_by),
    createdAt: toDate(row.created_at),
  };
}
