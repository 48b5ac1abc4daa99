/**
 * The scheduler's promise step: for each open promise whose next step has come, its reminders (working
 * days before its day, and on the day) for the member who recorded it, as nudges (unique by partner, rule,
 * occurrence, member, so a step run twice creates nothing twice). When they fall due is
 * `promiseReminders`, a pure function; this step only reads and writes.
 */
import { describeError } from '../core/errors';
import type { PartnerPromise } from '../core/model';
import type { Playbook } from '../core/playbook/playbook';
import type { PlaybookSource } from '../core/ports';
import type { Logger, Store, UnitOfWork } from '../core/ports';
import { promiseReminders } from '../core/promises';

/** Promises looked at per batch. */
const BATCH = 200;

/** Creates the promise reminders due at `now`; returns how many were created. */
export async function createPromiseReminders(
  store: Store,
  /** Each workspace's playbook (or one playbook for every workspace). */
  playbooks: PlaybookSource | Playbook,
  logger: Logger,
  now: Date,
  /** Told of each nudge created, once its transaction committed (the metrics count it). */
  onCreated: (nudge: { ruleId: string; workspaceId: string }) => void = () => undefined,
): Promise<number> {
  let created = 0;
  const seen = new Set<number>();
  for (;;) {
    const promises = (await store.promises.listDueSteps(now, BATCH)).filter((p) => !seen.has(p.id));
    if (promises.length === 0) break;
    for (const promise of promises) {
      seen.add(promise.id);
      try {
        const playbook =
          'forWorkspace' in playbooks ? await playbooks.forWorkspace(promise.workspaceId) : playbooks;
        const made = await store.transaction((tx) => step(tx, promise, playbook, now));
        for (const ruleId of made) onCreated({ ruleId, workspaceId: promise.workspaceId });
        created += made.length;
      } catch (error) {
        // One bad promise must not stop the pass; look at it again in an hour.
        logger.error(
          { promiseId: promise.id, workspaceId: promise.workspaceId, err: describeError(error) },
          'promise reminder failed',
        );
        await store.promises.setNextStepAt(
          promise.workspaceId,
          promise.id,
          new Date(now.getTime() + 3_600_000),
        );
      }
    }
  }
  return created;
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
