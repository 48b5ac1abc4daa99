/**
 * The write journal as use cases keep it. A write that `undo` may take back re-plans its partner and
 * records itself in its own transaction, with the nudges the re-planning expired, so that taking it back
 * can reopen them; corrections recompute what is derived from the history (the first-met day).
 */
import type { InteractionKind, IsoDate, KindHistory, Partner } from '../model';
import { MEETING_KINDS } from '../model';
import { planSchedule, readPartnerState, saveSchedule } from '../playbook/partner-schedule';
import type { Playbook } from '../playbook/playbook';
import { rulesAnsweredBy } from '../playbook/playbook';
import type { ExpiredNudge, JournalChange, Repositories, StageFields } from '../ports';
import type { Actor } from './context';

/** How long a write can be taken back with `undo`, in ms. */
export const UNDO_WINDOW_MS = 24 * 3_600_000;

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

/**
 * Re-plans a partner after a write and says which of its open nudges that closed. With `logged` (a new
 * interaction of that kind), the nudges asking for it that are no longer due are done, for every owner,
 * sent or not (a backdated log that changes nothing due closes nothing); the others no longer due expire.
 */
export async function replan(
  tx: Repositories,
  actor: Actor,
  partner: Partner,
  now: Date,
  playbook: Playbook,
  logged?: InteractionKind,
  history?: KindHistory,
): Promise<ExpiredNudge[]> {
  const { workspaceId } = partner;
  // Only the open ones: what a write can close (reading every nudge would grow with the partner's age).
  const open = await tx.nudges.listOpenForPartner(workspaceId, partner.id);
  const schedule = planSchedule(await readPartnerState(tx, partner, history), now, playbook, {
    dueMaterialized: false,
  });
  let done: string[] = [];
  if (logged && open.length) {
    const stillDue = new Set(schedule.evaluation.due.map((o) => o.ruleId));
    done = rulesAnsweredBy(playbook, logged).filter((ruleId) => !stillDue.has(ruleId));
    await tx.nudges.closeLogged(workspaceId, partner.id, done, actor.memberId, now);
  }
  await saveSchedule(tx, partner, schedule, now, playbook);
  if (open.length === 0) return [];
  const stillOpen = new Set((await tx.nudges.listOpenForPartner(workspaceId, partner.id)).map((n) => n.id));
  // What closed: the rules the log answered were closed as answered, the rest expired.
  return open
    .filter((n) => !stillOpen.has(n.id))
    .map((n) => ({
      id: n.id,
      status: n.status,
      closedAs: done.includes(n.ruleId) ? ('answered' as const) : ('expired' as const),
    }));
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
  logged?: InteractionKind,
  /** The partner's history after the write, when the write returned it (saves reading it again). */
  history?: KindHistory,
): Promise<void> {
  const expired = await replan(tx, actor, partner, now, playbook, logged, history);
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
    await tx.nudges.reopen(workspaceId, nudge.id, nudge.closedAs ?? 'expired', nudge.status, now);
  }
}
