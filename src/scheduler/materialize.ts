/**
 * The first step of a scheduler pass: what the playbook makes due for each partner becomes nudge rows,
 * idempotently (by partner, rule, occurrence and member).
 */
import type { WorkingPrefs } from '../core/model';
import { DEFAULT_WORKING_PREFS } from '../core/model';
import { describeError } from '../core/errors';
import { planSchedule, readPartnerState, saveSchedule } from '../core/playbook/partner-schedule';
import { findRule } from '../core/playbook/playbook';
import { recipientsOf } from '../core/playbook/recipients';
import type { Logger, PlaybookSource, Store } from '../core/ports';
import { nextWorkingSlot, zonedDayStart } from '../core/time';

/**
 * Creates nudges for partners whose next due instant has come, each for the owners its rule names, from
 * the start of their working day. Reads only those partners (an index on `next_due_at`), so the cost
 * follows what is due, not how many partners exist. Returns how many nudges it created.
 */
export async function materializeDue(
  store: Store,
  playbooks: PlaybookSource,
  logger: Logger,
  now: Date,
  batchSize: number,
  /** Told of each nudge created. */
  onCreated: (nudge: { ruleId: string; workspaceId: string }) => void = () => undefined,
): Promise<number> {
  let created = 0;
  const owners = new Map<string, WorkingPrefs>();
  for (;;) {
    const partners = await store.partners.listDue(now, batchSize);
    if (partners.length === 0) break;
    for (const partner of partners) {
      try {
        const { workspaceId } = partner;
        const playbook = await playbooks.forWorkspace(workspaceId);
        const state = await readPartnerState(store, partner);
        const schedule = planSchedule(state, now, playbook, { dueMaterialized: true });
        const team = await store.partners.listOwners(workspaceId, partner.id);
        for (const occurrence of schedule.evaluation.due) {
          // Each rule says whom it nudges: every owner (the default), the lead, or one role.
          const rule = findRule(playbook, occurrence.ruleId);
          for (const memberId of recipientsOf(rule?.recipients, team)) {
            const result = await store.nudges.createIfAbsent({
              workspaceId,
              partnerId: partner.id,
              memberId,
              ruleId: occurrence.ruleId,
              occurrence: occurrence.occurrence,
              dueAt: occurrence.dueAt,
              deliverAfter: await dueDayStart(store, workspaceId, memberId, occurrence.dueAt, owners),
              now,
            });
            if (!result.created) continue;
            created++;
            onCreated({ ruleId: occurrence.ruleId, workspaceId });
          }
        }
        await saveSchedule(store, partner, schedule, now, playbook);
      } catch (error) {
        // One bad partner must not stop the pass; look at it again in an hour.
        logger.error(
          { partnerId: partner.id, workspaceId: partner.workspaceId, err: describeError(error) },
          'playbook evaluation failed',
        );
        await store.partners.setNextDueAt(
          partner.workspaceId,
          partner.id,
          new Date(now.getTime() + 3_600_000),
        );
      }
    }
  }
  return created;
}

/**
 * A playbook day is due from the start of that day where the owner lives, never earlier: midnight UTC
 * would still be the day before west of Greenwich. From there, the owner's next working instant: a
 * nudge due on their public holiday (or weekend) waits for their next working day.
 */
async function dueDayStart(
  store: Store,
  workspaceId: string,
  memberId: string,
  dueAt: Date,
  owners: Map<string, WorkingPrefs>,
): Promise<Date> {
  const key = `${workspaceId}\u0000${memberId}`;
  let owner = owners.get(key);
  if (owner === undefined) {
    owner = (await store.members.get(workspaceId, memberId)) ?? {
      ...DEFAULT_WORKING_PREFS,
      timeZone: 'UTC',
    };
    owners.set(key, owner);
  }
  const dayStart = zonedDayStart(dueAt.toISOString().slice(0, 10), owner.timeZone);
  return nextWorkingSlot(dayStart > dueAt ? dayStart : dueAt, owner);
}
