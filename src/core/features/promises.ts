/**
 * Promises, both ways: `promise NAME "TEXT" by DATE` (what we promised), `they-promise NAME "TEXT" by DATE`
 * (what they promised us), `promises [NAME]` (what is open, overdue first), and how a promise ends: Kept,
 * Late, Broken, or Moved to a new day — from its reminder, from a list's buttons, or typed
 * (`promise-kept ID`, `promise-late ID`, `promise-broken ID`, `promise-moved ID DATE`). The reminders are
 * nudges created by the scheduler's promise step; when they fall due is `promises.ts`.
 */
import { resolvePartner } from '../commands/arguments';
import { readDate } from '../commands/dates';
import { dayText } from '../insight-views';
import type { ChoiceResult, FormResult, FormValues, Message } from '../messages';
import type {
  IsoDate,
  Member,
  Nudge,
  NudgeStatus,
  Partner,
  PartnerPromise,
  PromiseDirection,
} from '../model';
import { isOpenNudge } from '../nudge-rules';
import type { PromiseOutcome, RuleChoice } from '../playbook/playbook';
import { promiseReminderDays, stepManagedRuleIds } from '../playbook/playbook';
import type { UnitOfWork } from '../ports';
import { parsePromiseOccurrence, promisePhrase } from '../promises';
import { addDaysToDate, daysBetween, formatDay, localDate } from '../time';
import { usageError } from '../views';
import type { Actor, CommandContext, CommandResult, CommandTable, FeatureDeps } from './context';
import type { Ending } from './promise-views';
import {
  byUrgency,
  ENDING_WORDS,
  ENDINGS,
  promiseMoveForm,
  promiseSection,
  settledText,
} from './promise-views';
import { journal } from './record-journal';

export { PROMISE_MOVE_FORM_ID, promiseMoveForm, statusPromiseSections } from './promise-views';
export { undoPromiseChange } from './promise-undo';

/** Longest promise text, in characters: it is quoted in reminders and on buttons' messages. */
export const PROMISE_TEXT_LIMIT = 300;

export class PromiseFeature {
  readonly commands: CommandTable = {
    promise: (ctx, args) => this.record(ctx, args, 'ours'),
    'they-promise': (ctx, args) => this.record(ctx, args, 'theirs'),
    promises: (ctx, args) => this.list(ctx, args),
    'promise-kept': (ctx, args) => this.endCommand(ctx, args, 'kept'),
    'promise-late': (ctx, args) => this.endCommand(ctx, args, 'late'),
    'promise-broken': (ctx, args) => this.endCommand(ctx, args, 'broken'),
    'promise-moved': (ctx, args) => this.moveCommand(ctx, args),
  };

  constructor(private readonly deps: FeatureDeps) {}

  /** `promise NAME "TEXT" by DATE` / `they-promise …`; the text may be unquoted: the last `by` ends it. */
  private async record(
    ctx: CommandContext,
    args: string[],
    direction: PromiseDirection,
  ): Promise<CommandResult | Message> {
    const command = direction === 'ours' ? 'promise' : 'they-promise';
    if (args.length === 0) return usageError('Which partner, what, and by when?', command);
    const resolved = await resolvePartner(this.deps.store.partners, ctx, args, command);
    if (!resolved.ok) return resolved.reply;
    const { partner, rest } = resolved;
    const by = rest.map((word) => word.toLowerCase()).lastIndexOf('by');
    const text = (by === -1 ? rest : rest.slice(0, by)).join(' ').trim();
    if (!text) return usageError(`What was promised? Put it in quotes, then \`by DATE\`.`, command);
    if (text.length > PROMISE_TEXT_LIMIT)
      return usageError(
        `That promise is ${text.length} characters long; the limit is ${PROMISE_TEXT_LIMIT}. Say it shorter.`,
        command,
      );
    if (/\p{Cc}/u.test(text)) return usageError('A promise cannot contain control characters.', command);
    const dateWords = by === -1 ? [] : rest.slice(by + 1);
    if (dateWords.length === 0)
      return usageError(
        `By when? A promise needs a date: \`… by ${formatDay(addDaysToDate(ctx.today, 7))
          .split(' ')
          .slice(1, 3)
          .join(' ')}\`.`,
        command,
      );
    const read = readDate(dateWords.join(' '), ctx.today, 'future');
    if (!read || !read.ok) return usageError(read?.error ?? 'By when?', command);
    const promise = await this.deps.store.transaction(async (tx) => {
      const added = await tx.promises.add({
        workspaceId: ctx.actor.workspaceId,
        partnerId: partner.id,
        direction,
        text,
        dueOn: read.date,
        ownerId: ctx.actor.memberId,
        now: ctx.now,
      });
      await journal(tx, ctx.actor, partner, { action: 'promise', promise: added }, [], ctx.now);
      return added;
    });
    const lead = promiseReminderDays(this.deps.playbook);
    const remind =
      lead > 0
        ? `I will remind you ${lead} working day${lead === 1 ? '' : 's'} before and on the day`
        : 'I will remind you on the day';
    return {
      text:
        `Recorded promise #${promise.id}: ${promisePhrase(promise, partner.name)}, by ${dayText(read.date, ctx.today)}.\n` +
        `${remind}, to say whether it was kept. Moved? \`partner promise-moved ${promise.id} DATE\`.`,
    };
  }

  /** `promises [NAME]`: open promises of the workspace (or one partner), ours and theirs, overdue first. */
  private async list(ctx: CommandContext, args: string[]): Promise<Message> {
    const { store } = this.deps;
    let only: Partner | null = null;
    if (args.length) {
      const resolved = await resolvePartner(store.partners, ctx, args, 'promises');
      if (!resolved.ok) return resolved.reply;
      only = resolved.partner;
    }
    const open = (
      await store.promises.list(ctx.actor.workspaceId, {
        partnerId: only?.id,
        statuses: ['open'],
      })
    ).sort(byUrgency);
    const scope = only ? ` with *${only.name}*` : '';
    if (open.length === 0)
      return {
        text: `No open promises${scope}. Record one with \`partner promise NAME "what" by DATE\` (or \`they-promise\` for theirs).`,
      };
    const names = new Map<number, string>();
    for (const promise of open)
      if (!names.has(promise.partnerId))
        names.set(
          promise.partnerId,
          (await store.partners.get(ctx.actor.workspaceId, promise.partnerId))?.name ?? '?',
        );
    const overdue = open.filter((p) => p.dueOn < ctx.today).length;
    return {
      title: 'Open promises',
      text:
        `${open.length} open promise${open.length === 1 ? '' : 's'}${scope}` +
        (overdue ? `, ${overdue} overdue.` : '.'),
      sections: open.slice(0, 40).map((p) => promiseSection(p, names.get(p.partnerId)!, ctx.today)),
      footer:
        'Typed: `partner promise-kept ID`, `promise-late ID`, `promise-broken ID`, `promise-moved ID DATE`.',
    };
  }

  /** A promise's button (from a list or the status): Kept, Late, Broken or Moved. */
  async choose(ctx: CommandContext, promiseId: number, action: string): Promise<ChoiceResult> {
    if (action === 'moved') return this.askNewDate(ctx, promiseId, null);
    if (!(ENDINGS as readonly string[]).includes(action))
      return { reply: usageError('That button is not one I recognise any more.') };
    return { reply: await this.end(ctx, promiseId, action as Ending, null) };
  }

  private async endCommand(ctx: CommandContext, args: string[], ending: Ending): Promise<Message> {
    const id = promiseIdOf(args[0]);
    if (id === null || args.length !== 1)
      return usageError(
        `Which promise? Give its number, as \`partner promises\` shows it.`,
        `promise-${ending}`,
      );
    return this.end(ctx, id, ending, null);
  }

  /** `promise-moved ID DATE`. */
  private async moveCommand(ctx: CommandContext, args: string[]): Promise<Message> {
    const id = promiseIdOf(args[0]);
    if (id === null)
      return usageError('Which promise? Give its number, as `partner promises` shows it.', 'promise-moved');
    const read = args.length > 1 ? readDate(args.slice(1).join(' '), ctx.today, 'future') : null;
    if (!read) return usageError('To which day? Give the new date.', 'promise-moved');
    if (!read.ok) return usageError(read.error, 'promise-moved');
    return this.move(ctx, id, read.date);
  }

  /** Validates and applies the date form "Moved to…" opened. */
  async submitMove(
    ctx: CommandContext,
    values: FormValues,
    context: Record<string, string> | undefined,
  ): Promise<FormResult> {
    const id = promiseIdOf(context?.promise);
    if (id === null) return { ok: false, errors: { form: 'This form is not one I know any more.' } };
    const read = values.date ? readDate(values.date, ctx.today, 'future') : null;
    if (!read) return { ok: false, errors: { date: 'Choose the new day.' } };
    if (!read.ok) return { ok: false, errors: { date: read.error } };
    const reply = await this.move(ctx, id, read.date);
    return reply.isError ? { ok: false, errors: { date: reply.text } } : { ok: true, reply };
  }

  /**
   * Answers a promise reminder. Kept, Late and Broken end the promise and close its reminders; Moved closes
   * this reminder and asks for the new day. One transaction; a lost race returns `again()`.
   */
  async answerNudge(
    actor: Actor,
    member: Member,
    nudge: Nudge,
    choice: RuleChoice & { promise: PromiseOutcome },
    now: Date,
    replacement: (outcome: string) => Promise<Message>,
    again: () => Promise<ChoiceResult>,
  ): Promise<ChoiceResult> {
    const { store } = this.deps;
    const key = parsePromiseOccurrence(nudge.occurrence);
    const promise = key ? await store.promises.get(actor.workspaceId, key.promiseId) : null;
    const ctx = { actor, member, now, today: localDate(now, member.timeZone) };
    if (!promise || promise.partnerId !== nudge.partnerId)
      return { reply: usageError('This promise no longer exists.') };
    if (promise.status !== 'open' || promise.dueOn !== key!.dueOn) {
      if (!(await store.nudges.dismiss(actor.workspaceId, nudge.id, actor.memberId, now))) return again();
      const outcome = `Already settled: ${settledText(promise)}`;
      return { reply: { text: `${outcome}.` }, replaceOriginal: await replacement(outcome) };
    }
    const who = `${member.displayName ?? 'you'}, ${formatDay(ctx.today)}`;
    if (choice.promise === 'moved') {
      const answered = await store.nudges.answer(actor.workspaceId, nudge.id, {
        choiceId: choice.id,
        memberId: actor.memberId,
        at: now,
      });
      if (!answered.answered) return again();
      const ask = await this.askNewDate(ctx, promise.id, promise);
      return { ...ask, replaceOriginal: await replacement(`Moving — ${who}`) };
    }
    const reply = await this.end(ctx, promise.id, choice.promise, nudge);
    if (reply.isError) return again();
    return { reply, replaceOriginal: await replacement(`Recorded “${choice.label}” — ${who}`) };
  }

  /**
   * Ends an open promise as one transaction: the promise, the reminder answered (if any) and its other open
   * reminders.
   */
  private async end(
    ctx: CommandContext,
    promiseId: number,
    ending: Ending,
    nudge: Nudge | null,
  ): Promise<Message> {
    const { store } = this.deps;
    const { workspaceId, memberId } = ctx.actor;
    const found = await this.mayChange(ctx, promiseId);
    if ('reply' in found) return found.reply;
    const { promise, partner } = found;
    if (promise.status !== 'open')
      return usageError(`Promise #${promise.id} is already settled: ${settledText(promise)}.`);
    const ended = await store
      .transaction(async (tx) => {
        const closed: { id: number; status: NudgeStatus }[] = [];
        if (nudge) {
          const answer = { choiceId: ending, memberId, at: ctx.now };
          if (!(await tx.nudges.answer(workspaceId, nudge.id, answer)).answered) return false;
          closed.push({ id: nudge.id, status: nudge.status });
        }
        if (!(await tx.promises.resolve(workspaceId, promise.id, ending, memberId, ctx.now))) {
          if (nudge) throw new LostRace();
          return false;
        }
        closed.push(...(await this.closeReminders(tx, promise, ending, memberId, ctx.now)));
        const after = { status: ending, dueOn: promise.dueOn, movedCount: promise.movedCount };
        const change = { action: 'promise-changed' as const, before: promise, after, closedNudges: closed };
        await journal(tx, ctx.actor, partner, change, [], ctx.now);
        return true;
      })
      .catch((error: unknown) => {
        if (error instanceof LostRace) return false;
        throw error;
      });
    if (!ended) return usageError(`Promise #${promise.id} was settled meanwhile.`);
    const late = daysBetween(promise.dueOn, ctx.today);
    const tail =
      ending === 'broken'
        ? promise.direction === 'ours'
          ? ' Tell them, and agree what happens now: trust survives a broken promise that is owned.'
          : ' Raise it with them, calmly and soon.'
        : ending === 'late' && late > 0
          ? ` (${late} day${late === 1 ? '' : 's'} after the day)`
          : '';
    return {
      text: `Recorded: promise #${promise.id} (${promisePhrase(promise, partner.name)}) was ${ENDING_WORDS[ending]}.${tail}`,
    };
  }

  /** Re-dates an open promise (remembered as a move) and closes its reminders for the old day. */
  private async move(ctx: CommandContext, promiseId: number, day: IsoDate): Promise<Message> {
    const { store } = this.deps;
    const { workspaceId, memberId } = ctx.actor;
    const found = await this.mayChange(ctx, promiseId);
    if ('reply' in found) return found.reply;
    const { promise, partner } = found;
    if (promise.status !== 'open')
      return usageError(`Promise #${promise.id} is already settled: ${settledText(promise)}.`);
    if (day === promise.dueOn)
      return usageError(`Promise #${promise.id} is already due ${formatDay(day)}.`, 'promise-moved');
    const moved = await store.transaction(async (tx) => {
      if (!(await tx.promises.move(workspaceId, promise.id, day, ctx.now))) return false;
      const closed = await this.closeReminders(tx, promise, 'moved', memberId, ctx.now);
      const after = { status: promise.status, dueOn: day, movedCount: promise.movedCount + 1 };
      const change = { action: 'promise-changed' as const, before: promise, after, closedNudges: closed };
      await journal(tx, ctx.actor, partner, change, [], ctx.now);
      return true;
    });
    if (!moved) return usageError(`Promise #${promise.id} was settled meanwhile.`);
    return {
      text:
        `Moved promise #${promise.id} (${promisePhrase(promise, partner.name)}) from ${formatDay(promise.dueOn)} ` +
        `to ${dayText(day, ctx.today)}. I will remind you again before the new day.`,
    };
  }

  /** "Moved to…": the date form where there are forms, the command everywhere. */
  private async askNewDate(
    ctx: CommandContext,
    promiseId: number,
    known: PartnerPromise | null,
  ): Promise<ChoiceResult> {
    const promise = known ?? (await this.deps.store.promises.get(ctx.actor.workspaceId, promiseId));
    if (!promise) return { reply: usageError('This promise no longer exists.') };
    if (promise.status !== 'open')
      return { reply: usageError(`Promise #${promise.id} is already settled: ${settledText(promise)}.`) };
    const example = formatDay(addDaysToDate(promise.dueOn < ctx.today ? ctx.today : promise.dueOn, 7))
      .split(' ')
      .slice(1, 3)
      .join(' ');
    return {
      reply: {
        text: `To which day does promise #${promise.id} move? Type \`partner promise-moved ${promise.id} ${example}\` (any day: 2026-12-14, next friday…), or use the form.`,
      },
      openForm: promiseMoveForm(promise.id),
    };
  }

  /** The promise, if the actor may change it: whoever recorded it, or an owner of its partner. */
  private async mayChange(
    ctx: CommandContext,
    promiseId: number,
  ): Promise<{ promise: PartnerPromise; partner: Partner } | { reply: Message }> {
    const { store } = this.deps;
    const promise = await store.promises.get(ctx.actor.workspaceId, promiseId);
    const partner = promise ? await store.partners.get(ctx.actor.workspaceId, promise.partnerId) : null;
    if (!promise || !partner)
      return {
        reply: usageError(`There is no promise #${promiseId}. \`partner promises\` lists the open ones.`),
      };
    if (promise.ownerId !== ctx.actor.memberId && !partner.owners.includes(ctx.actor.memberId))
      return {
        reply: usageError(`Promise #${promise.id} is for ${partner.name}'s owners; you are not one of them.`),
      };
    return { promise, partner };
  }

  /**
   * Closes the promise's open reminders with `answer`, inside the caller's transaction; returns them with
   * the status they had.
   */
  private async closeReminders(
    tx: UnitOfWork,
    promise: PartnerPromise,
    answer: string,
    memberId: string,
    now: Date,
  ): Promise<{ id: number; status: NudgeStatus }[]> {
    const rules = stepManagedRuleIds(this.deps.playbook);
    const open = (await tx.nudges.listOpenForPartner(promise.workspaceId, promise.partnerId)).filter(
      (n) =>
        rules.includes(n.ruleId) &&
        isOpenNudge(n) &&
        parsePromiseOccurrence(n.occurrence)?.promiseId === promise.id,
    );
    // Closed as answered; a delivered one is changed to say so by the scheduler's next pass.
    const closed = new Set(
      await tx.nudges.closeAnswered(
        promise.workspaceId,
        open.map((n) => n.id),
        answer,
        memberId,
        now,
      ),
    );
    return open.filter((n) => closed.has(n.id)).map((n) => ({ id: n.id, status: n.status }));
  }
}

function promiseIdOf(word: string | undefined): number | null {
  const id = Number((word ?? '').replace(/^#/, ''));
  return word && Number.isSafeInteger(id) && id > 0 ? id : null;
}

/** Thrown inside a transaction to roll it back when a concurrent answer got there first. */
class LostRace extends Error {}

/** The promise a nudge is about, when it is a promise reminder (for rendering it again). */
export async function promiseOfNudge(
  deps: Pick<FeatureDeps, 'store'>,
  nudge: Pick<Nudge, 'workspaceId' | 'occurrence'>,
): Promise<PartnerPromise | null | undefined> {
  const key = parsePromiseOccurrence(nudge.occurrence);
  if (!key) return undefined;
  return deps.store.promises.get(nudge.workspaceId, key.promiseId);
}
