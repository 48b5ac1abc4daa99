/** Journal entries from their rows, and the interaction column an entry is written with, in either store. */
import type { ExpiredNudge, JournalChange, JournalEntry } from '../../core/ports';
import type { BadRowReporter, Row } from '../row-values';
import { parseJsonOrNull, toDate, toDateOrNull } from '../row-values';

/** Instants inside a stored change (an interaction's `createdAt`, a stage's `stageChangedAt`) are ISO text. */
const INSTANT_KEYS = new Set(['createdAt', 'stageChangedAt', 'datedAt', 'resolvedAt']);

function reviveInstants(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reviveInstants);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      INSTANT_KEYS.has(key) && typeof inner === 'string' ? new Date(inner) : reviveInstants(inner),
    ]),
  );
}

/** The interaction a change is about, kept in a column so that ids the journal names are never reused. */
export function interactionOf(change: JournalChange): number | null {
  switch (change.action) {
    case 'log':
    case 'delete':
      return change.interaction.id;
    case 'edit':
      return change.interactionId;
    case 'signed':
      return change.milestone.id;
    default:
      return null;
  }
}

/** The expired nudges as stored: only what reopening them needs. */
export function expiredNudgesJson(expired: readonly ExpiredNudge[]): string {
  return JSON.stringify(expired.map(({ id, status, closedAs }) => ({ id, status, closedAs })));
}

/** A stored list of expired nudges; entries that are not nudges are left out. */
export function expiredList(value: unknown): ExpiredNudge[] {
  const parsed = parseJsonOrNull(value);
  return Array.isArray(parsed)
    ? parsed.filter(
        (n): n is ExpiredNudge =>
          !!n && typeof n === 'object' && Number.isSafeInteger((n as ExpiredNudge).id),
      )
    : [];
}

/** A journal entry from its row; a change that cannot be read is reported and read as forgotten. */
export function toJournalEntry(row: Row, onBadRow: BadRowReporter): JournalEntry {
  let change: JournalChange | null = null;
  if (row.change != null) {
    const parsed = reviveInstants(parseJsonOrNull(row.change)) as JournalChange | null;
    if (parsed && parsed.action === row.action) change = parsed;
    else onBadRow('unreadable journal change', { journalId: Number(row.id) });
  }
  return {
    id: Number(row.id),
    workspaceId: String(row.workspace_id),
    memberId: String(row.member_id),
    partnerId: Number(row.partner_id),
    interactionId: row.interaction_id == null ? null : Number(row.interaction_id),
    change,
    expiredNudges: expiredList(row.expired_nudges),
    createdAt: toDate(row.created_at),
    undoneAt: toDateOrNull(row.undone_at),
  };
}
