/** A digest ledger row as the core's `DigestRecord`, in either store. */
import type { DigestRecord } from '../../core/ports';
import type { Row } from '../row-values';
import { parseJsonOrNull, textOrNull, toDateOrNull } from '../row-values';

export function toDigest(row: Row): DigestRecord {
  return {
    workspaceId: String(row.workspace_id),
    memberId: String(row.member_id),
    week: String(row.week),
    status: row.status as DigestRecord['status'],
    leaseUntil: toDateOrNull(row.lease_until),
    attempts: Number(row.attempts),
    messageRef: parseJsonOrNull(row.message_ref),
    lastError: textOrNull(row.last_error),
    sentAt: toDateOrNull(row.sent_at),
  };
}
