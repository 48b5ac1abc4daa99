/**
 * The write journal as use cases keep it. A write that `undo` may take back re-plans its partner and
 * records itself in its own transaction, with the nudges the re-planning expired, so that taking it back
 * can reopen them; corrections recompute what is derived from the history (the first-met day).
 */
import type { InteractionKind, IsoDate, KindHistory, Partner } from '../model';
import { UNDELIVERED_NUDGE_STATUSES } from '../nudge-rules';
import { refreshSchedule } from '../playbook/partner-schedule';
import type { Playbook } from '../playbook/playbook';
import type { ExpiredNudge, JournalChange, Repositories, StageFields } from '../ports';
import type { Actor } from './context';

/** How long a write can be taken back with `undo`, in ms. */
export const UNDO_WINDOW_MS = 24 * 3_600_000;

/** Kinds that mean we met them: the earliest sets the partner's "first met" day. */
export const MEETING_KINDS: readonly InteractionKind[] = ['meeting', 'visit', 'hosted', 'workshop'];

/** The first day we met them, from the history: the earliest meeting, visit, hosting or workshop. */
export function firstMetFrom(history: KindHistory): IsoDate | null {
  let first: IsoDate | null = null;
  for (const kind of MEETING_KINDS) {
    const seen = history[kind]?.first;
    if (seen && (!first || seen < first)) first = seen;
  }
  return first;
}

export function stageFields(partner: Partner): StageFields {
  return { stage: partner.stage, signedOn: partner.signedOn, stageChangedAt: partner.stageChangedAt };
}

/** After a correction of its history: the partner with its first-met day as the history now says. */
export async function refreshFirstMet(tx: Repositories, partner: Partner): Promise<Partner> {
  const firstMet = firstMetFrom(await tx.partners.history(partner.workspaceId, partner.id));
  if (firstMet === partner.firstMetOn) return partner;
  return tx.partners.update(partner.workspaceId, partner.id, { firstMetOn: firstMet });
}

/** Re-plans a partner (see `refreshSchedule`) and says which of its undelivered nudges that expired. */
export async function replan(
  tx: Repositories,
  partner: Partner,
  now: Date,
  playbook: Playbook,
): Promise<ExpiredNudge[]> {
  const undelivered = new Map(
    (await tx.nudges.listForPartner(partner.workspaceId, partner.id))
      .filter((n) => (UNDELIVERED_NUDGE_STATUSES as readonly string[]).includes(n.status))
      .map((n) => [n.id, n.status]),
  );
  await refreshSchedule(tx, partner, now, playbook);
  if (undelivered.size === 0) return [];
  return (await tx.nudges.listForPartner(partner.workspaceId, partner.id))
    .filter((n) => n.status === 'expired' && undelivered.has(n.id))
    .map((n) => ({ id: n.id, status: undelivered.get(n.id)! }));
}

/** Keeps one undoable write in the journal. */
export async function journal(
  tx: Repositories,
  actor: Actor,
  partner: Partner,
  change: JournalChange,
  expiredNudges: ExpiredNudge[],
  now: Date,
): Promise<void> {
  await tx.journal.add(
    {
      workspaceId: actor.workspaceId,
      memberId: actor.memberId,
      partnerId: partner.id,
      change,
      expiredNudges,
      now,
    },
    new Date(now.getTime() - UNDO_WINDOW_MS),
  );
}

/** The end of a write that changes a partner's history or stage: re-plan it, then journal the write. */
export async function replanAndJournal(
  tx: Repositories,
  actor: Actor,
  partner: Partner,
  change: JournalChange,
  now: Date,
  playbook: Playbook,
): Promise<void> {
  const expired = await replan(tx, partner, now, playbook);
  await journal(tx, actor, partner, change, expired, now);
}

/** Reopens nudges a write had expired (those no longer due expire again when the partner is re-planned). */
export async function reopenExpired(
  tx: Repositories,
  workspaceId: string,
  nudges: readonly ExpiredNudge[],
  now: Date,
): Promise<void> {
  const seen = new Set<number>();
  for (const nudge of nudges) {
    if (seen.has(nudge.id)) continue;
    seen.add(nudge.id);
    await tx.nudges.reopen(workspaceId, nudge.id, 'expired', nudge.status, now);
  }
}
