/** Members from their rows, and their addresses as stored, in either store. */
import type { Address, Member } from '../../core/model';
import { DEFAULT_WORKING_PREFS } from '../../core/model';
import { hasWorkingTime, isValidTimeZone } from '../../core/time';
import type { BadRowReporter, Row } from '../row-values';
import { flag, parseJsonOrNull, textOrNull, toDate, toDateOrNull } from '../row-values';

/** A stored address, or null when there is none or it cannot be read (reported). */
function decodeAddress(row: Row, onBadRow: BadRowReporter, context: object): Address | null {
  if (row.address == null) return null;
  const address = parseJsonOrNull(row.address);
  if (typeof address === 'object' && address !== null && typeof (address as Address).channel === 'string') {
    return address as Address;
  }
  onBadRow('member address', { workspaceId: row.workspace_id, memberId: row.id, ...context });
  return null;
}

/**
 * A member from its row. Stored values that no longer make sense fall back to safe defaults (an
 * unreadable address to none), each reported with `context` added to the report.
 */
export function toMember(row: Row, onBadRow: BadRowReporter, context: object = {}): Member {
  let timeZone = String(row.time_zone);
  if (!isValidTimeZone(timeZone)) {
    onBadRow('member time zone', { workspaceId: row.workspace_id, memberId: row.id, timeZone, ...context });
    timeZone = 'UTC';
  }
  let hours = {
    workingDays: String(row.working_days).split(',').filter(Boolean).map(Number),
    workStart: Number(row.work_start),
    workEnd: Number(row.work_end),
  };
  if (!hasWorkingTime(hours)) {
    onBadRow('member working hours', {
      workspaceId: row.workspace_id,
      memberId: row.id,
      ...hours,
      ...context,
    });
    hours = { ...DEFAULT_WORKING_PREFS };
  }
  return {
    workspaceId: String(row.workspace_id),
    id: String(row.id),
    displayName: textOrNull(row.display_name),
    email: textOrNull(row.email),
    timeZone,
    timeZoneCheckedAt: toDateOrNull(row.time_zone_checked_at),
    timeZoneChosen: flag(row.time_zone_chosen),
    ...hours,
    address: decodeAddress(row, onBadRow, context),
    addressStale: flag(row.address_stale),
    pausedUntil: toDateOrNull(row.paused_until),
    digest: flag(row.digest),
    holidayCountry: textOrNull(row.holiday_country),
    createdAt: toDate(row.created_at),
    platformAdmin: flag(row.platform_admin),
    grantedAdmin: flag(row.granted_admin),
  };
}

/**
 * The address as stored: its JSON, and its platform in `address_channel`, which the delivery claim reads
 * instead of the JSON. Every write of `address` writes both.
 */
export function addressColumns(address: Address | null | undefined): {
  json: string | null;
  channel: string | null;
} {
  return address
    ? { json: JSON.stringify(address), channel: address.channel }
    : { json: null, channel: null };
}
