/**
 * Single voice, single point of failure: a relationship that hangs on one person. Flagged when every
 * contact with the partner in the last 90 days came from one member (at least two contacts), or when its
 * only owner is inactive (nothing logged, no nudge answered in 90 days, after owning it that long) or gone
 * (not known in the workspace any more, or unreachable). One pure function of data, shown in `status`,
 * `list`, the dashboard and the weekly digest, always with the same way out: add a co-owner.
 */
import type { Interaction, IsoDate, Nudge, Owner, Partner } from './model';
import { CONTACT_KINDS } from './model';
import { addDaysToDate, addDaysToInstant } from './time';

/** How far back the flag looks, in days. */
export const VOICE_WINDOW_DAYS = 90;

export type VoiceRisk =
  /** Every contact in the window came from `memberId` (`touches` of them, at least two). */
  | { kind: 'one-voice'; memberId: string; touches: number }
  /** The only owner logged nothing and answered no nudge in the window. */
  | { kind: 'inactive-owner'; memberId: string }
  /** No owner can be reached: not known in the workspace, or their address is stale. */
  | { kind: 'gone-owner'; memberId: string };

export interface VoiceInput {
  partner: Pick<Partner, 'stage' | 'createdAt'>;
  owners: readonly Pick<Owner, 'memberId' | 'known' | 'addressStale' | 'addedAt'>[];
  /** The partner's interactions (at least the window's). */
  interactions: readonly Pick<Interaction, 'memberId' | 'kind' | 'occurredOn'>[];
  /** The partner's nudges (answers count as activity). */
  nudges: readonly Pick<Nudge, 'answeredBy' | 'answeredAt' | 'status'>[];
  /** `now` as a calendar day (the viewer's). */
  today: IsoDate;
  now: Date;
}

const CONTACT: readonly string[] = CONTACT_KINDS;

/** The risk the relationship runs on one person, the most serious first; null when it has more than one voice. */
export function voiceRisk(input: VoiceInput): VoiceRisk | null {
  const { partner, owners, today, now } = input;
  if (partner.stage === 'ended' || owners.length === 0) return null;
  const since = addDaysToDate(today, -VOICE_WINDOW_DAYS);
  const sinceInstant = addDaysToInstant(now, -VOICE_WINDOW_DAYS);
  const reachable = owners.filter((owner) => owner.known && !owner.addressStale);
  if (reachable.length === 0) return { kind: 'gone-owner', memberId: owners[0]!.memberId };
  if (owners.length === 1) {
    const only = owners[0]!;
    const ownedSince = only.addedAt ?? partner.createdAt;
    const logged = input.interactions.some(
      (i) => i.memberId === only.memberId && i.occurredOn >= since && i.occurredOn <= today,
    );
    const answered = input.nudges.some(
      (n) => n.answeredBy === only.memberId && n.answeredAt !== null && n.answeredAt >= sinceInstant,
    );
    if (ownedSince <= sinceInstant && !logged && !answered)
      return { kind: 'inactive-owner', memberId: only.memberId };
  }
  const touches = input.interactions.filter(
    (i) => CONTACT.includes(i.kind) && i.occurredOn >= since && i.occurredOn <= today,
  );
  const voices = new Set(touches.map((i) => i.memberId));
  if (touches.length >= 2 && voices.size === 1)
    return { kind: 'one-voice', memberId: touches[0]!.memberId, touches: touches.length };
  return null;
}

/** A few words for lists: `⚠️ single voice`. */
export function voiceRiskShort(risk: VoiceRisk): string {
  switch (risk.kind) {
    case 'one-voice':
      return '⚠️ single voice';
    case 'inactive-owner':
      return '⚠️ only owner inactive';
    case 'gone-owner':
      return '⚠️ no owner reachable';
  }
}

/**
 * The flag in a sentence with its way out. `name` gives a member's name; `addCommand` the command that
 * adds a co-owner for this partner (`partner owners Nissan add @member ROLE`).
 */
export function voiceRiskText(
  risk: VoiceRisk,
  name: (memberId: string) => string,
  addCommand: string,
): string {
  const fix = `Add a co-owner: \`${addCommand}\`.`;
  switch (risk.kind) {
    case 'one-voice':
      return `⚠️ Single voice: all ${risk.touches} contacts in the last ${VOICE_WINDOW_DAYS} days came from ${name(risk.memberId)}. ${fix}`;
    case 'inactive-owner':
      return `⚠️ Single point of failure: ${name(risk.memberId)}, the only owner, logged nothing and answered no nudge in ${VOICE_WINDOW_DAYS} days. ${fix}`;
    case 'gone-owner':
      return `⚠️ Single point of failure: no owner can be reached (${name(risk.memberId)} is gone or unreachable). ${fix}`;
  }
}
