/**
 * The scheduler's planned-event step: for each event still planned whose next step has come, the brief the
 * working day before and "did it happen?" the working day after, as nudges (unique by partner, rule,
 * occurrence, member, so a step run twice creates nothing twice). What falls due when is
 * `plannedFollowUps`, a pure function; this step only reads and writes.
 */
import type { OnCreated } from './due-steps';
import { runDueSteps } from './due-steps';
import type { Member, PlannedEvent } from '../core/model';
import { refreshSchedule } from '../core/playbook/partner-schedule';
import { plannedFollowUps } from '../core/playbook/planned-events';
import type { Playbook } from '../core/playbook/playbook';
import { findRule } from '../core/playbook/playbook';
import { recipientsOf } from '../core/playbook/recipients';
import type { Logger, PlaybookSource, Store, UnitOfWork } from '../core/ports';

/**
 * Creates the planned-event nudges due at `now`; returns how many were created. An event whose kind was
 * logged on or after its planned day needs no "did it happen?": it is settled as happened.
 */
export function createPlannedFollowUps(
  store: Store,
  /** Each workspace's playbook (or one playbook for every workspace). */
  playbooks: PlaybookSource | Playbook,
  logger: Logger,
  now: Date,
  onCreated?: OnCreated,
): Promise<number> {
  return runDueSteps(
    store,
    playbooks,
    logger,
    now,
    {
      what: 'planned event follow-up',
      idField: 'plannedEventId',
      listDue: (at, limit) => store.plannedEvents.listDueSteps(at, limit),
      step,
      // Looked at again in an hour.
      setAside: (event, at) =>
        store.plannedEvents.setNextStepAt(event.workspaceId, event.id, new Date(at.getTime() + 3_600_000)),
    },
    onCreated,
  );
}

/** One event's nudges and its next step, in one transaction; returns the rules of the nudges it created. */
async function step(tx: UnitOfWork, event: PlannedEvent, playbook: Playbook, now: Date): Promise<string[]> {
  const { workspaceId } = event;
  const partner = await tx.partners.get(workspaceId, event.partnerId);
  if (!partner || partner.stage === 'ended') {
    await tx.plannedEvents.setNextStepAt(workspaceId, event.id, null);
    return [];
  }
  const logged = (await tx.partners.history(workspaceId, partner.id))[event.kind]?.last;
  if (logged && logged >= event.plannedOn) {
    // Someone logged it already: settled, with nothing to ask (and what it quieted wakes up).
    await tx.plannedEvents.settle(workspaceId, event.id, 'happened', null, now);
    await refreshSchedule(tx, partner, now, playbook);
    return [];
  }
  const owners = (await Promise.all(partner.owners.map((id) => tx.members.get(workspaceId, id)))).filter(
    (member): member is Member => member !== null,
  );
  const { due, nextAt } = plannedFollowUps(event, owners, now, playbook);
  const team = await tx.partners.listOwners(workspaceId, partner.id);
  const created: string[] = [];
  for (const nudge of due) {
    if (!recipientsOf(findRule(playbook, nudge.ruleId)?.recipients, team).includes(nudge.memberId)) continue;
    const result = await tx.nudges.createIfAbsent({
      workspaceId,
      partnerId: partner.id,
      memberId: nudge.memberId,
      ruleId: nudge.ruleId,
      occurrence: nudge.occurrence,
      dueAt: nudge.at,
      deliverAfter: nudge.at,
      now,
    });
    if (result.created) created.push(nudge.ruleId);
  }
  await tx.plannedEvents.setNextStepAt(workspaceId, event.id, nextAt);
  return created;
}
