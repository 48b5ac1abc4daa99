/**
 * The scheduler's promise step: for each open promise whose next step has come, its reminders (working
 * days before its day, and on the day) for the member who recorded it, as nudges (unique by partner, rule,
 * occurrence, member, so a step run twice creates nothing twice). When they fall due is
 * `promiseReminders`, a pure function; this step only reads and writes.
 */
import type { OnCreated } from './due-steps';
import { runDueSteps } from './due-steps';
import type { PartnerPromise } from '../core/model';
import type { Playbook } from '../core/playbook/playbook';
import type { PlaybookSource } from '../core/ports';
import type { Logger, Store, UnitOfWork } from '../core/ports';
import { promiseReminders } from '../core/promises';

/** Creates the promise reminders due at `now`; returns how many were created. */
export function createPromiseReminders(
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
      what: 'promise reminder',
      idField: 'promiseId',
      listDue: (at, limit) => store.promises.listDueSteps(at, limit),
      step,
      // Looked at again in an hour.
      setAside: (promise, at) =>
        store.promises.setNextStepAt(promise.workspaceId, promise.id, new Date(at.getTime() + 3_600_000)),
    },
    onCreated,
  );
}

/** One promise's reminders and its next step, in one transaction. */
async function step(
  tx: UnitOfWork,
  promise: PartnerPromise,
  playbook: Playbook,
  now: Date,
): Promise<string[]> {
  const { workspaceId } = promise;
  const [partner, owner] = await Promise.all([
    tx.partners.get(workspaceId, promise.partnerId),
    tx.members.get(workspaceId, promise.ownerId),
  ]);
  if (!partner || partner.stage === 'ended' || !owner) {
    await tx.promises.setNextStepAt(workspaceId, promise.id, null);
    return [];
  }
  const { due, nextAt } = promiseReminders(promise, owner, now, playbook);
  const created: string[] = [];
  for (const reminder of due) {
    const result = await tx.nudges.createIfAbsent({
      workspaceId,
      partnerId: partner.id,
      memberId: reminder.memberId,
      ruleId: reminder.ruleId,
      occurrence: reminder.occurrence,
      dueAt: reminder.at,
      deliverAfter: reminder.at,
      now,
    });
    if (result.created) created.push(reminder.ruleId);
  }
  await tx.promises.setNextStepAt(workspaceId, promise.id, nextAt);
  return created;
}
