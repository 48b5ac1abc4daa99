/** Interactions: `log`, `observe`, and the log form (Slack modal, Teams card). */
import { NUDGE_ACTIONS } from '../choice-ids';
import { isKind, resolvePartner } from '../commands/arguments';
import { describeDay, readDate, readDatePhrase } from '../commands/dates';
import { LIMITS, suggest } from '../commands/grammar';
import type { Form, FormOption, FormResult, FormValues, Message } from '../messages';
import { FORM_SELECT_OPTIONS } from '../messages';
import type { InteractionKind, IsoDate, NudgeStatus, Partner } from '../model';
import { INTERACTION_KINDS, MEETING_KINDS } from '../model';
import { KIND_LABELS, kindList, logForm, partnerOption, truncate, usageError } from '../views';
import type { CommandContext, CommandResult, CommandTable, FeatureDeps } from './context';
import { mayAnswer } from '../nudge-rules';
import { partnerOrChannelPartner } from './channel-links';
import { chosenPartner, pickerPartners } from './partner-picker';
import { replanAndJournal } from './record-journal';

export interface LogFormInitial {
  partnerId?: number;
  kind?: string;
  /** The nudge the form answers ("Log it now"); it is answered by the submission. */
  nudgeId?: number;
  /** The day, when not today (a logged chat message's day). */
  date?: IsoDate;
  note?: string;
}

export class InteractionFeature {
  readonly commands: CommandTable = {
    log: (ctx, args) => this.log(ctx, args),
    observe: (ctx, args) => this.observe(ctx, args),
  };

  constructor(private readonly deps: FeatureDeps) {}

  private async log(ctx: CommandContext, args: string[]): Promise<CommandResult> {
    const { store } = this.deps;
    if (args.length === 0) {
      const reply = usageError('What happened, and with whom?', 'log');
      const partnerId = ctx.channelPartnerId;
      const partners = await pickerPartners(store.partners, ctx.actor.workspaceId, partnerId);
      return {
        reply,
        openForm: partners.length ? logForm(partners, { partnerId, date: ctx.today }) : undefined,
      };
    }
    // In a partner's channel, `log call …` needs no name.
    const resolved = await partnerOrChannelPartner(store.partners, ctx, args, 'log', (words) =>
      isKind(words[0]!.toLowerCase()),
    );
    if (!resolved.ok) return { reply: resolved.reply };
    const { partner, rest } = resolved;
    const kindWord = rest[0]?.toLowerCase();
    if (!kindWord)
      return {
        reply: usageError(`What kind of interaction with *${partner.name}*? One of: ${kindList()}.`, 'log'),
      };
    if (!isKind(kindWord)) {
      const close = suggest(kindWord, [...INTERACTION_KINDS], 2);
      const hint = close.length ? ` Did you mean ${close.map((k) => `\`${k}\``).join(' or ')}?` : '';
      return {
        reply: usageError(
          `“${truncate(kindWord, 30)}” is not a kind of interaction.${hint} Kinds: ${kindList()}.`,
          'log',
        ),
      };
    }
    const dated = this.datedNote(ctx, rest.slice(1));
    if (!dated.ok) return { reply: usageError(dated.error, 'log') };
    return { reply: await this.record(ctx, partner, kindWord, dated.date, dated.note || null, null) };
  }

  private async observe(ctx: CommandContext, args: string[]): Promise<Message> {
    if (args.length === 0) return usageError('Which partner, and what did you observe?', 'observe');
    const resolved = await resolvePartner(this.deps.store.partners, ctx, args, 'observe');
    if (!resolved.ok) return resolved.reply;
    const dated = this.datedNote(ctx, resolved.rest);
    if (!dated.ok) return usageError(dated.error, 'observe');
    if (!dated.note)
      return usageError(`What did you observe about *${resolved.partner.name}*'s culture?`, 'observe');
    return this.record(ctx, resolved.partner, 'observation', dated.date, dated.note, null);
  }

  /** `[DATE] [NOTE…]`: a leading date (today when there is none), then the note. */
  private datedNote(
    ctx: CommandContext,
    words: string[],
  ): { ok: true; date: IsoDate; note: string } | { ok: false; error: string } {
    const read = readDatePhrase(words, ctx.today, 'past');
    if (read && !read.ok) return read;
    const note = words
      .slice(read ? read.words : 0)
      .join(' ')
      .trim();
    return { ok: true, date: read ? read.date : ctx.today, note };
  }

  /** The log form, optionally prefilled (from a nudge's "Log it now" or a partner's Log button). */
  async form(workspaceId: string, today: IsoDate, initial: LogFormInitial = {}): Promise<Form> {
    const partners = await pickerPartners(this.deps.store.partners, workspaceId, initial.partnerId);
    const form = logForm(partners, {
      partnerId: initial.partnerId,
      kind: initial.kind,
      date: initial.date ?? today,
      note: initial.note,
    });
    if (initial.nudgeId !== undefined) form.context = { nudgeId: String(initial.nudgeId) };
    return form;
  }

  /**
   * A picker's type-ahead: partners whose name contains `query` (case-insensitive) as form options, names
   * that start with it first, then by name; at most `limit` (1 to {@link FORM_SELECT_OPTIONS}).
   */
  async partnerOptions(workspaceId: string, query: string, limit: number): Promise<FormOption[]> {
    const max = Math.min(Math.max(1, Math.floor(limit) || 1), FORM_SELECT_OPTIONS);
    const text = query.trim().slice(0, LIMITS.partnerName);
    const found = await this.deps.store.partners.search(workspaceId, text, max);
    return found.map(partnerOption);
  }

  /** Validates and stores a submitted log form; every problem is reported against its field. */
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
    if (!kind) errors.kind = 'Choose what happened.';
    else if (!isKind(kind)) errors.kind = `Choose one of: ${kindList()}.`;
    let date = ctx.today;
    const read = values.date ? readDate(values.date, ctx.today, 'past') : null;
    if (read && !read.ok) errors.date = read.error;
    else if (read) date = read.date;
    const note = values.note?.trim() ?? '';
    if (note.length > LIMITS.note)
      errors.note = `Keep the note under ${LIMITS.note} characters (it has ${note.length}).`;
    let rating: number | null = null;
    if (values.rating) {
      rating = Number(values.rating);
      if (![1, 2, 3, 4, 5].includes(rating)) errors.rating = 'Choose a rating from 1 to 5.';
    }
    if (Object.keys(errors).length || !partner || !kind || !isKind(kind)) return { ok: false, errors };
    const nudgeId = context?.nudgeId ? Number(context.nudgeId) : null;
    return { ok: true, reply: await this.record(ctx, partner, kind, date, note || null, rating, nudgeId) };
  }

  /**
   * Records one interaction as one transaction: the interaction, the nudge it answers (if any), the
   * partner's first-met day, the schedule it changes and its journal entry (for `undo`) are written
   * together or not at all.
   */
  private async record(
    ctx: CommandContext,
    partner: Partner,
    kind: InteractionKind,
    date: IsoDate,
    note: string | null,
    rating: number | null,
    nudgeId: number | null = null,
  ): Promise<Message> {
    if (note && note.length > LIMITS.note) {
      return usageError(
        `That note is ${note.length} characters long; the limit is ${LIMITS.note}. Please shorten it.`,
        'log',
      );
    }
    const { workspaceId, memberId } = ctx.actor;
    const { store } = this.deps;
    const playbook = await this.deps.playbooks.forWorkspace(ctx.actor.workspaceId);
    await store.transaction(async (tx) => {
      let answered: { id: number; status: NudgeStatus } | null = null;
      if (nudgeId !== null && Number.isSafeInteger(nudgeId)) {
        const nudge = await tx.nudges.get(workspaceId, nudgeId);
        // The nudge id comes back from the client (form context): honour it only for this partner and for
        // someone the nudge is for, exactly as a button press would be.
        if (nudge && nudge.partnerId === partner.id && mayAnswer(nudge, partner, memberId)) {
          const outcome = await tx.nudges.answer(workspaceId, nudge.id, {
            choiceId: NUDGE_ACTIONS.log,
            memberId,
            at: ctx.now,
          });
          if (outcome.answered) answered = { id: nudge.id, status: nudge.status };
        }
      }
      const { interaction, history } = await tx.interactions.addReadingHistory({
        workspaceId,
        partnerId: partner.id,
        memberId,
        kind,
        occurredOn: date,
        note,
        rating,
        nudgeId: answered?.id ?? null,
        now: ctx.now,
      });
      let current = partner;
      if (MEETING_KINDS.includes(kind) && (!partner.firstMetOn || date < partner.firstMetOn)) {
        current = await tx.partners.update(workspaceId, partner.id, { firstMetOn: date });
      }
      const change = { action: 'log', interaction, answeredNudge: answered } as const;
      await replanAndJournal(tx, ctx.actor, current, change, ctx.now, playbook, kind, history);
    });
    return {
      text: `Logged for *${partner.name}*: ${KIND_LABELS[kind]}, ${describeDay(date, ctx.today)}${rating ? `, ${rating}/5` : ''}.`,
      footer: note ? `“${truncate(note, 200)}”` : undefined,
    };
  }
}
