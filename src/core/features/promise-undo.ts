/** Taking back a promise write (`undo`): recording a promise, settling it, moving it. */
import type { Partner } from '../model';
import type { JournalChange, Repositories } from '../ports';
import { parsePromiseOccurrence, promisePhrase } from '../promises';
import { formatDay } from '../time';
import type { Actor } from './context';

/**
 * Takes back a journaled promise write inside `tx`: a recorded promise is deleted (its open reminders
 * dismissed), a settled or moved one goes back to what it was with the reminders that closed. Left alone
 * when the promise changed again since.
 */
export async function undoPromiseChange(
  tx: Repositories,
  actor: Actor,
  partner: Partner,
  change: Extract<JournalChange, { action: 'promise' | 'promise-changed' }>,
  now: Date,
): Promise<{ done: boolean; text: string }> {
  const { workspaceId } = actor;
  const recorded = change.action === 'promise' ? change.promise : change.before;
  const current = await tx.promises.get(workspaceId, recorded.id);
  const phrase = promisePhrase(recorded, partner.name).replace(/^You /, 'you ');
  const leftAlone = (why: string) => ({
    done: false,
    text: `I could not take back your last change: ${why} I left it as it is.`,
  });
  if (!current) return leftAlone(`promise #${recorded.id} was deleted since.`);
  const expected =
    change.action === 'promise' ? { status: 'open', dueOn: recorded.dueOn, movedCount: 0 } : change.after;
  if (
    current.status !== expected.status ||
    current.dueOn !== expected.dueOn ||
    current.movedCount !== expected.movedCount
  )
    return leftAlone(`promise #${current.id} (${phrase}) was changed again since.`);
  if (change.action === 'promise') {
    for (const n of await tx.nudges.listOpenForPartner(workspaceId, partner.id))
      if (parsePromiseOccurrence(n.occurrence)?.promiseId === current.id)
        await tx.nudges.dismiss(workspaceId, n.id, actor.memberId, now);
    await tx.promises.remove(workspaceId, current.id);
    return { done: true, text: `your promise #${current.id}: ${phrase} is no longer on the record.` };
  }
  await tx.promises.restore(change.before);
  for (const nudge of change.closedNudges)
    await tx.nudges.reopen(workspaceId, nudge.id, 'answered', nudge.status, now);
  return {
    done: true,
    text: `promise #${current.id} (${phrase}) is open again, due ${formatDay(change.before.dueOn)}.`,
  };
}
