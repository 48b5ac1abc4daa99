/**
 * The scheduler's drop-off step: once a day per signed partner, the pure rule `checkDropOff` compares
 * contact touches after signing (then quarter by quarter) with the period before; when it fires, each owner
 * gets one alert nudge with the numbers and what to do, and the partner's state is disarmed until the rate
 * recovers. The state and the nudges are written in one transaction, so an alert is never sent twice for
 * the same drop, whatever the number of passes.
 */
import type { OnCreated } from './due-steps';
import { runDueSteps } from './due-steps';
import type { Partner } from '../core/model';
import { CONTACT_KINDS } from '../core/model';
import { checkDropOff, dropOffOccurrence } from '../core/playbook/drop-off';
import { recipientsOf } from '../core/playbook/recipients';
import type { Playbook } from '../core/playbook/playbook';
import type { PlaybookSource } from '../core/ports';
import { dropOffRule, dropOffSettings } from '../core/playbook/playbook';
import type { Logger, Store, UnitOfWork } from '../core/ports';
import { addDaysToDate, addDaysToInstant, localDate, nextWorkingSlot, zonedDayStart } from '../core/time';

/** Checks the signed partners due for a check at `now`; returns how many alert nudges were created. */
export function checkDropOffs(
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
      what: 'drop-off check',
      idField: 'partnerId',
      listDue: (at, limit) => store.dropOffs.listDue(at, limit),
      step,
      // Looked at again tomorrow, its state otherwise as it was.
      setAside: async (partner, at) => {
        const state = await store.dropOffs.get(partner.workspaceId, partner.id);
        await store.dropOffs.save({
          workspaceId: partner.workspaceId,
          partnerId: partner.id,
          armed: state?.armed ?? true,
          firedPeriod: state?.firedPeriod ?? null,
          firedAt: state?.firedAt ?? null,
          nextCheckAt: addDaysToInstant(at, 1),
        });
      },
    },
    onCreated,
  );
}

async function step(tx: UnitOfWork, partner: Partner, playbook: Playbook, now: Date): Promise<string[]> {
  const { workspaceId } = partner;
  const settings = dropOffSettings(playbook);
  const signedOn = partner.signedOn!;
  const today = localDate(now, 'UTC');
  const state = (await tx.dropOffs.get(workspaceId, partner.id)) ?? {
    workspaceId,
    partnerId: partner.id,
    armed: true,
    firedPeriod: null,
    firedAt: null,
    nextCheckAt: null,
  };
  // Two windows back from today covers the judged period and the one before it.
  const logged = await tx.interactions.listForPartner(workspaceId, partner.id, {
    since: addDaysToDate(today, -2 * settings.windowDays - 1),
  });
  const contact = CONTACT_KINDS as readonly string[];
  const check = checkDropOff({
    signedOn,
    today,
    // The signature's own milestone is the event compared around, not a touch.
    touches: logged
      .filter((i) => contact.includes(i.kind) && !(i.kind === 'milestone' && i.occurredOn === signedOn))
      .map((i) => i.occurredOn),
    logged,
    armed: state.armed,
    settings,
  });
  const created: string[] = [];
  const rule = dropOffRule(playbook, check.suggestion);
  if (check.action === 'fire' && rule) {
    // Whom the rule nudges among the owners: every owner by default, the lead, or one role.
    const team = await tx.partners.listOwners(workspaceId, partner.id);
    for (const memberId of recipientsOf(rule.recipients, team)) {
      const member = await tx.members.get(workspaceId, memberId);
      // From the start of the owner's working day (in their zone), never earlier than now.
      const start = member
        ? nextWorkingSlot(zonedDayStart(localDate(now, member.timeZone), member.timeZone), member)
        : now;
      const result = await tx.nudges.createIfAbsent({
        workspaceId,
        partnerId: partner.id,
        memberId,
        ruleId: rule.id,
        occurrence: dropOffOccurrence(check),
        dueAt: now,
        deliverAfter: start > now ? start : now,
        now,
      });
      if (result.created) created.push(rule.id);
    }
  }
  const fired = check.action === 'fire' && rule !== undefined;
  await tx.dropOffs.save({
    workspaceId,
    partnerId: partner.id,
    armed: fired ? false : check.action === 'rearm' ? true : state.armed,
    firedPeriod: fired ? check.period : state.firedPeriod,
    firedAt: fired ? now : state.firedAt,
    // Once a day, from the start of the next UTC day.
    nextCheckAt: zonedDayStart(addDaysToDate(today, 1), 'UTC'),
  });
  return created;
}
