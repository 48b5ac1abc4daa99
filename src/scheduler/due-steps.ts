/**
 * How the scheduler's own steps (planned-event follow-ups, promise reminders, drop-off checks) walk what has
 * come due: in batches, each item in its own transaction under its workspace's playbook, each nudge it
 * created counted once committed, and an item that fails set aside (logged, looked at again later) without
 * stopping the others.
 */
import { describeError } from '../core/errors';
import type { Playbook } from '../core/playbook/playbook';
import type { Logger, PlaybookSource, Store, UnitOfWork } from '../core/ports';

/** Items looked at per batch. */
const BATCH = 200;

/** Told of each nudge a step created, once its transaction committed (the metrics count it). */
export type OnCreated = (nudge: { ruleId: string; workspaceId: string }) => void;

export interface DueStep<T extends { id: number; workspaceId: string }> {
  /** Named in the log line of a failure, e.g. `promise reminder`. */
  what: string;
  /** The field naming the item in that log line, e.g. `promiseId`. */
  idField: string;
  listDue(now: Date, limit: number): Promise<T[]>;
  /** One item, in one transaction; returns the rules of the nudges it created. */
  step(tx: UnitOfWork, item: T, playbook: Playbook, now: Date): Promise<string[]>;
  /** Sets a failed item aside so that a later pass looks at it again. */
  setAside(item: T, now: Date): Promise<void>;
}

/** Runs `due` over everything due at `now`; returns how many nudges it created. */
export async function runDueSteps<T extends { id: number; workspaceId: string }>(
  store: Store,
  /** Each workspace's playbook (or one playbook for every workspace). */
  playbooks: PlaybookSource | Playbook,
  logger: Logger,
  now: Date,
  due: DueStep<T>,
  onCreated: OnCreated = () => undefined,
): Promise<number> {
  let created = 0;
  const seen = new Set<number>();
  for (;;) {
    const items = (await due.listDue(now, BATCH)).filter((item) => !seen.has(item.id));
    if (items.length === 0) break;
    for (const item of items) {
      seen.add(item.id);
      try {
        const playbook =
          'forWorkspace' in playbooks ? await playbooks.forWorkspace(item.workspaceId) : playbooks;
        const made = await store.transaction((tx) => due.step(tx, item, playbook, now));
        // Counted once committed, so that a rolled-back step counts nothing.
        for (const ruleId of made) onCreated({ ruleId, workspaceId: item.workspaceId });
        created += made.length;
      } catch (error) {
        // One bad item must not stop the pass.
        logger.error(
          { [due.idField]: item.id, workspaceId: item.workspaceId, err: describeError(error) },
          `${due.what} failed`,
        );
        await due.setAside(item, now);
      }
    }
  }
  return created;
}
