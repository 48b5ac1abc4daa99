/**
 * Planned events: `plan NAME KIND DATE [NOTE]`, the plan form (Slack modal, Teams card), the date asked
 * after "Visit planned", and the answers to "did it happen?" (Yes logs it on the planned day; No asks for
 * a new date or drops it). The brief the day before and the question the day after are nudges created by
 * the scheduler's planned-event step; their keys and days are in `playbook/planned-events.ts`.
 */
import { resolvePartner } from '../commands/arguments';
import { readDate, readDatePhrase } from '../commands/dates';
import { LIMITS, suggest } from '../commands/grammar';
import { dayText, PLAN_LABELS, quoteName } from '../insight-views';
import type { ChoiceResult, Form, FormResult, FormValues, Message } from '../messages';
import type { Member, Nudge, Partner, PlannableKind, PlannedEvent } from '../model';
import { PLANNABLE_KINDS } from '../model';
import { refreshSchedule } from '../playbook/partner-schedule';
import { eventNoun, eventPhrase, parsePlannedOccurrence } from '../playbook/planned-events';
import type { RuleChoice } from '../playbook/playbook';
import { addDaysToDate, addDaysToInstant, daysBetween, formatDay, localDate } from '../time';
import { partnerField, truncate, usageError } from '../views';
import type { Actor, CommandContext, CommandResult, CommandTable, FeatureDeps } from './context';
import { addFact } from './facts';
import { chosenPartner, pickerPartners } from './partner-picker';

export const PLAN_FORM_ID = 'plan-event';

/** A missed event planned again within this many days is re-planned (linked), not a new plan. */
const REPLAN_WINDOW_DAYS = 14;

export function isPlannable(word: string): word is PlannableKind {
  return (PLANNABLE_KINDS as readonly string[]).includes(word);
}

/** The plan form, optionally prefilled; `replaces` links the new date to an event that did not happen. */
export function planForm(
  partners: readonly Pick<Partner, 'id' | 'name'>[],
  initial: { partnerId?: number; kind?: PlannableKind; replaces?: number } = {},
): Form {
  return {
    id: PLAN_FORM_ID,
    title: 'Plan a visit or meeting',
    submitLabel: 'Plan it',
    fields: [
      partnerField(partners, initial.partnerId, false),
      {
        id: 'kind',
        label: 'What',
        type: 'select',
        options: PLANNABLE_KINDS.map((kind) => ({ value: kind, label: PLAN_LABELS[kind] })),
        initial: initial.kind,
      },
      { id: 'date', label: 'When', type: 'date' },
      {
        id: 'note',
        label: 'Note',
        type: 'text',
        multiline: true,
        maxLength: LIMITS.note,
        optional: true,
        placeholder: 'Who goes, what you want to learn or agree',
      },
    ],
    context: initial.replaces !== undefined ? { replaces: String(initial.replaces) } : undefined,
  };
}

/** `14 Dec`: a day as the `plan` command reads it, for examples. */
function shortDay(date: string): string {
  const [, day, month] = formatDay(date).split(' ');
  return `${day} ${month}`;
}

export class PlannedEventFeature {
  readonly commands: CommandTable = {
    plan: (ctx, args) => this.planCommand(ctx, args),
  };

  constructor(private readonly deps: FeatureDeps) {}

  async form(
    workspaceId: string,
    initial: { partnerId?: number; kind?: PlannableKind; replaces?: number } = {},
  ): Promise<Form> {
    return planForm(await pickerPartners(this.deps.store.partners, workspaceId, initial.partnerId), initial);
  }

  /** After "Visit planned": when is it? A form where there are forms, the command everywhere. */
  async askDate(
    partner: Partner,
    kind: PlannableKind,
    today: string,
    lead: string,
    replaces?: number,
  ): Promise<{ reply: Message; openForm: Form }> {
    const example = `partner plan ${quoteName(partner.name)} ${kind} ${shortDay(addDaysToDate(today, 14))}`;
    return {
      reply: {
        text:
          `${lead} When is the ${eventPhrase(kind, partner.name)}? Pick the day and I will send you a brief the ` +
          `working day before, then ask whether it happened.\nType \`${example}\` (any day: 2026-12-14, ` +
          'next friday…), or use the form.',
      },
      openForm: await this.form(partner.workspaceId, { partnerId: partner.id, kind, replaces }),
    };
  }

  /** `plan NAME KIND DATE [NOTE…]`. */
  private async planCommand(ctx: CommandContext, args: string[]): Promise<CommandResult> {
    const { store } = this.deps;
    if (args.length === 0) {
      const reply = usageError('What will you plan, with whom, and when?', 'plan');
      const partners = await store.partners.list(ctx.actor.workspaceId);
      return { reply, openForm: partners.length ? planForm(partners) : undefined };
    }
    const resolved = await resolvePartner(store.partners, ctx, args, 'plan');
    if (!resolved.ok) return { reply: resolved.reply };
    const { partner, rest } = resolved;
    const kinds = PLANNABLE_KINDS.join(', ');
    const kindWord = rest[0]?.toLowerCase();
    if (!kindWord) {
      return {
        reply: usageError(`What will you plan with *${partner.name}*? One of: ${kinds}.`, 'plan'),
        openForm: await this.form(ctx.actor.workspaceId, { partnerId: partner.id }),
      };
    }
    if (!isPlannable(kindWord)) {
      const close = suggest(kindWord, [...PLANNABLE_KINDS], 2);
      const hint = close.length ? ` Did you mean ${close.map((k) => `\`${k}\``).join(' or ')}?` : '';
      return {
        reply: usageError(`“${truncate(kindWord, 30)}” cannot be planned.${hint} One of: ${kinds}.`, 'plan'),
      };
    }
    const read = readDatePhrase(rest.slice(1), ctx.today, 'future');
    if (!read)
      return {
        reply: usageError(
          `When is the ${eventPhrase(kindWord, partner.name)}? Give the day, e.g. \`partner plan ${quoteName(partner.name)} ${kindWord} ${shortDay(addDaysToDate(ctx.today, 14))}\`.`,
          'plan',
        ),
      };
    if (!read.ok) return { reply: usageError(read.error, 'plan') };
    const note = rest
      .slice(1 + read.words)
      .join(' ')
      .trim();
    if (note.length > LIMITS.note)
      return {
        reply: usageError(
          `That note is ${note.length} characters long; the limit is ${LIMITS.note}. Please shorten it.`,
          'plan',
        ),
      };
    return { reply: await this.plan(ctx, partner, kindWord, read.date, note || null, null) };
  }

  /** Validates and stores a submitted plan form; every problem is reported against its field. */
  async submit(
    ctx: CommandContext,
    values: FormValues,
    context: Record<string, string> | undefined,
  ): Promise<FormResult> {
    const errors: Record<string, string> = {};
    const partner = await chosenPartner(
      this.deps.store.partners,
      ctx.actor.workspaceId,
      values.partner,
      errors,
    );
    const kind = values.kind?.trim().toLowerCase();
    if (!kind) errors.kind = 'Choose what you plan.';
    else if (!isPlannable(kind)) errors.kind = `Choose one of: ${PLANNABLE_KINDS.join(', ')}.`;
    const read = values.date ? readDate(values.date, ctx.today, 'future') : null;
    if (!read) errors.date = 'Choose the day.';
    else if (!read.ok) errors.date = read.error;
    const note = values.note?.trim() ?? '';
    if (note.length > LIMITS.note)
      errors.note = `Keep the note under ${LIMITS.note} characters (it has ${note.length}).`;
    if (Object.keys(errors).length || !partner || !kind || !isPlannable(kind) || !read?.ok)
      return { ok: false, errors };
    const replaces = Number(context?.replaces);
    return {
      ok: true,
      reply: await this.plan(
        ctx,
        partner,
        kind,
        read.date,
        note || null,
        Number.isSafeInteger(replaces) && replaces > 0 ? replaces : null,
      ),
    };
  }

  /**
   * Plans an event as one transaction: the event, the one it replaces (an open plan of the same kind is
   * moved; one that did not happen, recently, is planned again) and the schedule it quiets.
   */
  private async plan(
    ctx: CommandContext,
    partner: Partner,
    kind: PlannableKind,
    day: string,
    note: string | null,
    replacesId: number | null,
  ): Promise<Message> {
    const { workspaceId, memberId } = ctx.actor;
    const { store } = this.deps;
    const playbook = await this.deps.playbooks.forWorkspace(workspaceId);
    const replaced = await store.transaction(async (tx) => {
      const candidates = await tx.plannedEvents.listForPartner(workspaceId, partner.id, {
        kind,
        statuses: ['planned', 'missed'],
      });
      const recent = (e: PlannedEvent): boolean =>
        e.status === 'planned' ||
        (e.closedAt !== null && e.closedAt >= addDaysToInstant(ctx.now, -REPLAN_WINDOW_DAYS));
      const previous =
        candidates.find((e) => e.id === replacesId) ??
        candidates.find((e) => e.status === 'planned') ??
        candidates
          .filter(recent)
          .sort((a, b) => b.closedAt!.getTime() - a.closedAt!.getTime())
          .at(0);
      if (previous)
        await tx.plannedEvents.settle(workspaceId, previous.id, 'replanned', memberId, ctx.now, [
          'planned',
          'missed',
        ]);
      await tx.plannedEvents.add({
        workspaceId,
        partnerId: partner.id,
        kind,
        plannedOn: day,
        note,
        plannedBy: memberId,
        replacesId: previous?.id ?? null,
        now: ctx.now,
      });
      await refreshSchedule(tx, partner, ctx.now, playbook);
      return previous ?? null;
    });
    const moved =
      replaced?.status === 'planned'
        ? ` It replaces the one planned for ${formatDay(replaced.plannedOn)}.`
        : '';
    const ahead = daysBetween(ctx.today, day);
    const follow =
      ahead >= 1
        ? 'I will send you a brief the working day before, and ask the working day after whether it happened.'
        : 'I will ask the next working day whether it happened.';
    return {
      text: `Planned: ${eventPhrase(kind, partner.name)} on ${dayText(day, ctx.today)}.${moved}\n${follow}`,
      footer: note ? `“${truncate(note, 200)}”` : undefined,
    };
  }

  /**
   * Answers "did it happen?". Yes logs the event's kind on the planned day and settles it; No settles it as
   * missed and asks for a new date (or drops it). One transaction; a lost race returns `again()`.
   */
  async answerFollowUp(
    actor: Actor,
    member: Member,
    nudge: Nudge,
    partner: Partner,
    choice: RuleChoice,
    now: Date,
    /** The message the button was on, as it stands once `outcome` is recorded. */
    replacement: (outcome: string) => Promise<Message>,
    again: () => Promise<ChoiceResult>,
  ): Promise<ChoiceResult> {
    const { store } = this.deps;
    const { workspaceId, memberId } = actor;
    const playbook = await this.deps.playbooks.forWorkspace(workspaceId);
    const key = parsePlannedOccurrence(nudge.occurrence);
    const event = key ? await store.plannedEvents.get(workspaceId, key.eventId) : null;
    if (!event || event.partnerId !== partner.id)
      return { reply: usageError('This planned event no longer exists (it may have been removed).') };
    const today = localDate(now, member.timeZone);
    const phrase = eventPhrase(event.kind, partner.name);
    if (event.status !== 'planned') {
      // Settled by someone else (or re-planned meanwhile): this question is closed without an answer.
      if (!(await store.nudges.dismiss(workspaceId, nudge.id, memberId, now))) return again();
      const outcome = `Already settled: ${settledText(event)}`;
      return { reply: { text: `${outcome}.` }, replaceOriginal: await replacement(outcome) };
    }
    const outcome = choice.outcome ?? 'drop';
    if (outcome === 'happened' && today < event.plannedOn)
      return {
        reply: usageError(
          `The ${eventNoun(event.kind)} is planned for ${dayText(event.plannedOn, today)}; tell me once it has happened.`,
        ),
      };
    const settled = await store
      .transaction(async (tx) => {
        const status = outcome === 'happened' ? 'happened' : 'missed';
        if (!(await tx.plannedEvents.settle(workspaceId, event.id, status, memberId, now))) return false;
        const answer = await tx.nudges.answer(workspaceId, nudge.id, {
          choiceId: choice.id,
          memberId,
          at: now,
        });
        // Settled the event but lost the nudge to another click: undo both, then describe what happened.
        if (!answer.answered) throw new LostRace();
        let current = partner;
        if (outcome === 'happened') {
          const sameDay = await tx.interactions.listForPartner(workspaceId, partner.id, {
            kinds: [event.kind],
            since: event.plannedOn,
          });
          if (!sameDay.some((i) => i.occurredOn === event.plannedOn))
            current = await addFact(tx, partner, {
              memberId,
              kind: event.kind,
              occurredOn: event.plannedOn,
              note: event.note ?? `Planned ${eventNoun(event.kind)}`,
              nudgeId: nudge.id,
              now,
            });
        }
        await refreshSchedule(tx, current, now, playbook);
        return true;
      })
      .catch((error: unknown) => {
        if (error instanceof LostRace) return false;
        throw error;
      });
    if (!settled) return again();
    const closed = await replacement(
      `Recorded “${choice.label}” — ${member.displayName ?? 'you'}, ${formatDay(today)}`,
    );
    const name = quoteName(partner.name);
    switch (outcome) {
      case 'happened':
        return {
          reply: {
            text:
              `Logged: ${phrase} on ${formatDay(event.plannedOn)}. While it is fresh, one thing you noticed ` +
              `about how they work? \`partner observe ${name} …\``,
          },
          replaceOriginal: closed,
        };
      case 'replan': {
        const ask = await this.askDate(partner, event.kind, today, 'Noted: it did not happen.', event.id);
        return { ...ask, replaceOriginal: closed };
      }
      case 'drop':
        return {
          reply: {
            text: `Dropped: the ${phrase} did not happen, and I will not ask about it again. Plan another any time with \`partner plan ${name} ${event.kind} DATE\`.`,
          },
          replaceOriginal: closed,
        };
    }
  }
}

function settledText(event: PlannedEvent): string {
  switch (event.status) {
    case 'happened':
      return `the ${eventNoun(event.kind)} on ${formatDay(event.plannedOn)} happened`;
    case 'missed':
      return `the ${eventNoun(event.kind)} on ${formatDay(event.plannedOn)} did not happen`;
    default:
      return `the ${eventNoun(event.kind)} on ${formatDay(event.plannedOn)} was moved to another day`;
  }
}

/** Thrown inside a transaction to roll it back when a concurrent answer got there first. */
class LostRace extends Error {}
