/**
 * The one "when must the scheduler look at this partner next" computation, shared by the core (after a
 * partner changes) and the nudge scheduler (after it has turned what is due into nudges), and the one
 * place that writes its outcome.
 */
import type { KindHistory, Partner, PartnerState } from '../model';
import type { Repositories } from '../ports';
import { plannedOccurrence } from './planned-events';
import type { Evaluation, Playbook } from './playbook';
import { evaluatePlaybook, rulesEndedByLogging, stepManagedRuleIds } from './playbook';

/** What the playbook makes due for a partner now, and when the scheduler should look again. */
export interface PartnerSchedule {
  evaluation: Evaluation;
  /**
   * The scheduler's index (`next_due_at`). While something due has not been turned into nudges yet, it
   * is that occurrence's own due instant, so a pass as of any later time finds it; once it has
   * (`dueMaterialized`), the next future occurrence. Null: nothing will ever fall due.
   */
  nextDueAt: Date | null;
  /**
   * Occurrences whose undelivered nudges stay: what is due, and the brief and follow-up of each event still
   * planned (the scheduler's planned-event step creates those; they end when their event is settled).
   */
  keep: { ruleId: string; occurrence: string }[];
}

/** Everything the playbook reads about a partner: its history and the events still planned. */
export async function readPartnerState(
  repos: Pick<Repositories, 'partners' | 'plannedEvents'>,
  partner: Partner,
  /** The partner's history when the caller already has it as it stands (read with its last write). */
  known?: KindHistory,
): Promise<PartnerState> {
  const [history, planned] = await Promise.all([
    known ?? repos.partners.history(partner.workspaceId, partner.id),
    repos.plannedEvents.listForPartner(partner.workspaceId, partner.id, { statuses: ['planned'] }),
  ]);
  return { partner, history, planned };
}

export function planSchedule(
  state: PartnerState,
  now: Date,
  playbook: Playbook,
  options: { dueMaterialized: boolean },
): PartnerSchedule {
  const evaluation = evaluatePlaybook(state, now, playbook);
  const keep = [
    ...evaluation.due,
    ...(state.planned ?? []).flatMap((event) =>
      playbook.rules
        .filter((rule) => rule.trigger.type === 'planned')
        .map((rule) => ({ ruleId: rule.id, occurrence: plannedOccurrence(event) })),
    ),
  ];
  if (!options.dueMaterialized && evaluation.due.length) {
    const earliestDue = evaluation.due.reduce(
      (min, o) => (o.dueAt < min ? o.dueAt : min),
      evaluation.due[0]!.dueAt,
    );
    return { evaluation, nextDueAt: earliestDue, keep };
  }
  const next = evaluation.nextDueAt;
  // The playbook only ever returns future instants here; guard anyway so that a pass always terminates.
  const nextDueAt = next && next.getTime() <= now.getTime() ? new Date(now.getTime() + 60_000) : next;
  return { evaluation, nextDueAt, keep };
}

/**
 * Writes a schedule: undelivered nudges whose occurrence is no longer due expire (snoozed ones only for
 * rules that logging ends), and the scheduler's index moves.
 */
export async function saveSchedule(
  repos: Pick<Repositories, 'nudges' | 'partners'>,
  partner: Partner,
  schedule: PartnerSchedule,
  now: Date,
  playbook: Playbook,
): Promise<void> {
  await repos.nudges.expirePending(
    partner.workspaceId,
    partner.id,
    schedule.keep,
    now,
    rulesEndedByLogging(playbook),
    stepManagedRuleIds(playbook),
  );
  await repos.partners.setNextDueAt(partner.workspaceId, partner.id, schedule.nextDueAt);
}

/** Re-plans one partner after a change, inside the caller's transaction. */
export async function refreshSchedule(
  tx: Pick<Repositories, 'nudges' | 'partners' | 'plannedEvents'>,
  partner: Partner,
  now: Date,
  playbook: Playbook,
): Promise<PartnerSchedule> {
  const state = await readPartnerState(tx, partner);
  const schedule = planSchedule(state, now, playbook, { dueMaterialized: false });
  await saveSchedule(tx, partner, schedule, now, playbook);
  return schedule;
}
