/**
 * Fixing the record: `edit` and `delete` a logged interaction by its number in `status`, `undo` the
 * member's own last write of the last 24 hours, `rename` a partner. Each is one transaction that re-plans
 * the partner as well, so its nudges and health are what they would be had the record been right from
 * the start.
 */
import { interactionChoiceId } from '../choice-ids';
import { checkPartnerName, isKind, resolvePartner } from '../commands/arguments';
import { describeDay, readDatePhrase } from '../commands/dates';
import { LIMITS, suggest } from '../commands/grammar';
import { RapportError } from '../errors';
import { quoteName } from '../insight-views';
import type { ChoiceResult, Message } from '../messages';
import type { Interaction, Nudge, Partner } from '../model';
import { INTERACTION_KINDS } from '../model';
import { refreshSchedule } from '../playbook/partner-schedule';
import type { Playbook } from '../playbook/playbook';
import { findRule } from '../playbook/playbook';
import type { InteractionFields, JournalChange, JournalEntry, Repositories, StageFields } from '../ports';
import { formatDay } from '../time';
import { interactionLine, KIND_LABELS, kindList, nudgeChoices, truncate, usageError } from '../views';
import type { Actor, CommandContext, CommandTable, FeatureDeps } from './context';
import { undoPromiseChange } from './promises';
import { journal, refreshFirstMet, reopenExpired, replanAndJournal, UNDO_WINDOW_MS } from './record-journal';

/** Words that name what `edit` changes. */
const EDIT_FIELDS = ['date', 'kind', 'rating', 'note'] as const;
type EditField = (typeof EDIT_FIELDS)[number];

/** How many recent answers `undo` looks through for the member's latest one it can take back. */
const ANSWERS_LOOKED_AT = 20;

type Selected =
  | { ok: true; partner: Partner; interaction: Interaction; number: number; rest: string[] }
  | { ok: false; reply: Message };

type Read<T> = { ok: true; value: T } | { ok: false; error: string };

/** What an undo did, or why it left things as they were. */
interface Undone {
  text: string;
  done: boolean;
}

const UNDO_AGAIN = 'Type `partner undo` again to take back the change before it (within 24 hours).';

function fieldsOf(interaction: Interaction): InteractionFields {
  const { kind, occurredOn, note, rating } = interaction;
  return { kind, occurredOn, note, rating };
}

function sameFields(a: InteractionFields, b: InteractionFields): boolean {
  return a.kind === b.kind && a.occurredOn === b.occurredOn && a.note === b.note && a.rating === b.rating;
}

function sameStage(a: StageFields, b: StageFields): boolean {
  return (
    a.stage === b.stage &&
    a.signedOn === b.signedOn &&
    a.stageChangedAt.getTime() === b.stageChangedAt.getTime()
  );
}

/** `Call on Fri 20 Nov 2026, 4/5 (“Pricing questions”)`. */
function describe(fields: InteractionFields): string {
  const rating = fields.rating ? `, ${fields.rating}/5` : '';
  const note = fields.note ? ` (“${truncate(fields.note, 80)}”)` : '';
  return `${KIND_LABELS[fields.kind]} on ${formatDay(fields.occurredOn)}${rating}${note}`;
}

function stageText(fields: StageFields): string {
  return fields.signedOn ? `${fields.stage}, signed ${formatDay(fields.signedOn)}` : fields.stage;
}

export class RecordFeature {
  readonly commands: CommandTable = {
    edit: (ctx, args) => this.edit(ctx, args),
    delete: (ctx, args) => this.delete(ctx, args),
    undo: (ctx, args) => this.undo(ctx, args),
    rename: (ctx, args) => this.rename(ctx, args),
  };

  constructor(private readonly deps: FeatureDeps) {}

  /** `PARTNER N …`: the partner, and its Nth most recent interaction (the numbering of `status`). */
  private async select(ctx: CommandContext, args: string[], command: 'edit' | 'delete'): Promise<Selected> {
    const { store } = this.deps;
    if (args.length === 0)
      return {
        ok: false,
        reply: usageError('Which partner, and which of its interactions (its number in `status`)?', command),
      };
    const resolved = await resolvePartner(store.partners, ctx, args, command);
    if (!resolved.ok) return resolved;
    const { partner } = resolved;
    const [word, ...rest] = resolved.rest;
    const where = `\`partner status ${quoteName(partner.name)}\``;
    if (!word)
      return {
        ok: false,
        reply: usageError(
          `Which of *${partner.name}*'s interactions? Give its number in ${where} (1 is the most recent).`,
          command,
        ),
      };
    const match = /^#?(\d{1,6})$/.exec(word);
    if (!match)
      return {
        ok: false,
        reply: usageError(
          `“${truncate(word, 30)}” is not a number. Give the interaction's number in ${where} (1 is the most recent).`,
          command,
        ),
      };
    const number = Number(match[1]);
    const recent =
      number >= 1
        ? await store.interactions.listForPartner(ctx.actor.workspaceId, partner.id, { limit: number })
        : [];
    const interaction = recent[number - 1];
    if (!interaction) {
      const count = number >= 1 ? recent.length : null;
      const problem =
        count === 0
          ? `Nothing is logged with *${partner.name}* yet, so there is no number ${number}.`
          : `There is no interaction number ${number} with *${partner.name}*: ${where} numbers them from 1, the most recent${count ? `, to ${count}` : ''}.`;
      return { ok: false, reply: usageError(problem, command) };
    }
    return { ok: true, partner, interaction, number, rest };
  }

  /** Only the member who logged an interaction, or an owner of its partner, may change it. */
  private async mayChange(
    actor: Actor,
    partner: Partner,
    interaction: Interaction,
    command?: 'edit' | 'delete',
  ): Promise<Message | null> {
    if (interaction.memberId === actor.memberId || partner.owners.includes(actor.memberId)) return null;
    const author = await this.deps.store.members.get(actor.workspaceId, interaction.memberId);
    const who = author?.displayName ?? 'someone else';
    return usageError(
      `That interaction was logged by ${who}. Only they or an owner of *${partner.name}* may change it.`,
      command,
    );
  }

  private async edit(ctx: CommandContext, args: string[]): Promise<Message> {
    const selected = await this.select(ctx, args, 'edit');
    if (!selected.ok) return selected.reply;
    const { partner, interaction, number, rest } = selected;
    const refused = await this.mayChange(ctx.actor, partner, interaction, 'edit');
    if (refused) return refused;
    const read = this.readEdit(ctx, partner, number, rest);
    if (!read.ok) return usageError(read.error, 'edit');
    const before = fieldsOf(interaction);
    const patch: Partial<InteractionFields> = {};
    for (const key of Object.keys(read.value) as (keyof InteractionFields)[]) {
      if (read.value[key] !== before[key]) Object.assign(patch, { [key]: read.value[key] });
    }
    if (Object.keys(patch).length === 0)
      return { text: `Nothing to change: number ${number} with *${partner.name}* already says that.` };

    const { store } = this.deps;
    const playbook = await this.deps.playbooks.forWorkspace(ctx.actor.workspaceId);
    const { workspaceId } = ctx.actor;
    const edited = await store.transaction(async (tx) => {
      const current = await tx.interactions.get(workspaceId, interaction.id);
      if (!current) return null;
      const updated = (await tx.interactions.update(workspaceId, current.id, patch))!;
      await reopenExpired(
        tx,
        workspaceId,
        await tx.journal.expiredByInteraction(workspaceId, current.id),
        ctx.now,
      );
      const replanned = await refreshFirstMet(tx, partner);
      const change: JournalChange = {
        action: 'edit',
        interactionId: current.id,
        before: fieldsOf(current),
        after: fieldsOf(updated),
      };
      // The corrected log does what a log of its kind does: nudges asking for it are done.
      await replanAndJournal(tx, ctx.actor, replanned, change, ctx.now, playbook, updated.kind);
      return { current, updated };
    });
    if (!edited) return usageError('That interaction was deleted meanwhile; nothing was changed.');
    return {
      text: `Corrected for *${partner.name}*: ${KIND_LABELS[edited.updated.kind]}, ${describeDay(edited.updated.occurredOn, ctx.today)}${edited.updated.rating ? `, ${edited.updated.rating}/5` : ''}.`,
      footer: [
        edited.updated.note ? `“${truncate(edited.updated.note, 200)}”` : '',
        `It was: ${describe(fieldsOf(edited.current))}. \`partner undo\` takes the correction back.`,
      ]
        .filter(Boolean)
        .join('\n'),
    };
  }

  /** `[date DATE] [kind KIND] [rating 1-5|none] [note TEXT…|note -]`, in any order, the note last. */
  private readEdit(
    ctx: CommandContext,
    partner: Partner,
    number: number,
    words: string[],
  ): Read<Partial<InteractionFields>> {
    const fields: Partial<InteractionFields> = {};
    const fail = (error: string): Read<Partial<InteractionFields>> => ({ ok: false, error });
    const example = `partner edit ${quoteName(partner.name)} ${number}`;
    if (words.length === 0)
      return fail(
        `What should change? Say \`date\`, \`kind\`, \`rating\` or \`note\`, e.g. \`${example} date yesterday\`.`,
      );
    const seen = new Set<EditField>();
    for (let i = 0; i < words.length;) {
      const word = words[i]!.toLowerCase();
      if (!(EDIT_FIELDS as readonly string[]).includes(word)) {
        if (isKind(word)) return fail(`To change the kind, say so: \`${example} kind ${word}\`.`);
        const date = readDatePhrase(words.slice(i), ctx.today, 'past');
        if (date?.ok)
          return fail(
            `To change the date, say so: \`${example} date ${words.slice(i, i + date.words).join(' ')}\`.`,
          );
        return fail(
          `I expected what to change (date, kind, rating or note), not “${truncate(words[i]!, 30)}”.`,
        );
      }
      const field = word as EditField;
      if (seen.has(field)) return fail(`You gave the ${field} twice.`);
      seen.add(field);
      const after = words.slice(i + 1);
      switch (field) {
        case 'date': {
          const read = readDatePhrase(after, ctx.today, 'past');
          if (!read) return fail(`Which date? e.g. \`${example} date 20 Nov\`.`);
          if (!read.ok) return fail(read.error);
          fields.occurredOn = read.date;
          i += 1 + read.words;
          break;
        }
        case 'kind': {
          const kind = after[0]?.toLowerCase();
          if (!kind) return fail(`Which kind? One of: ${kindList()}.`);
          if (!isKind(kind)) {
            const close = suggest(kind, [...INTERACTION_KINDS], 2);
            const hint = close.length ? ` Did you mean ${close.map((k) => `\`${k}\``).join(' or ')}?` : '';
            return fail(`“${truncate(kind, 30)}” is not a kind of interaction.${hint} Kinds: ${kindList()}.`);
          }
          fields.kind = kind;
          i += 2;
          break;
        }
        case 'rating': {
          const value = after[0]?.toLowerCase();
          if (value === 'none' || value === '-') fields.rating = null;
          else if (value && /^[1-5]$/.test(value)) fields.rating = Number(value);
          else return fail('A rating is 1 to 5, or `none` to remove it.');
          i += 2;
          break;
        }
        case 'note': {
          const note = after.join(' ').trim();
          if (!note) return fail(`What should the note say? (\`${example} note -\` removes it.)`);
          if (note.length > LIMITS.note)
            return fail(`That note is ${note.length} characters long; the limit is ${LIMITS.note}.`);
          fields.note = note === '-' ? null : note;
          i = words.length;
          break;
        }
      }
    }
    return { ok: true, value: fields };
  }

  /** Asks first, with the interaction in full; the deletion itself is the button's. */
  private async delete(ctx: CommandContext, args: string[]): Promise<Message> {
    const selected = await this.select(ctx, args, 'delete');
    if (!selected.ok) return selected.reply;
    const { partner, interaction, number, rest } = selected;
    if (rest.length)
      return usageError(
        `I expected only a number after the name, not “${truncate(rest.join(' '), 60)}”.`,
        'delete',
      );
    const refused = await this.mayChange(ctx.actor, partner, interaction, 'delete');
    if (refused) return refused;
    return {
      text: `Delete number ${number} with *${partner.name}*?\n${interactionLine(interaction, ctx.today)}`,
      choices: [
        { id: interactionChoiceId(interaction.id, 'delete'), label: 'Delete it', style: 'danger' },
        { id: interactionChoiceId(interaction.id, 'keep'), label: 'Keep it' },
      ],
      footer: '`partner undo` brings it back within 24 hours.',
    };
  }

  /** The confirmation's buttons. */
  async choose(ctx: CommandContext, interactionId: number, action: string): Promise<ChoiceResult> {
    const { store } = this.deps;
    const playbook = await this.deps.playbooks.forWorkspace(ctx.actor.workspaceId);
    const { workspaceId } = ctx.actor;
    const interaction = await store.interactions.get(workspaceId, interactionId);
    const partner = interaction ? await store.partners.get(workspaceId, interaction.partnerId) : null;
    if (!interaction || !partner) {
      const text = 'That interaction is no longer on the record (it may have been deleted already).';
      return { reply: usageError(text), replaceOriginal: { text } };
    }
    const line = interactionLine(interaction, ctx.today);
    if (action === 'keep') {
      const text = `Kept for *${partner.name}*: ${line}`;
      return { reply: { text }, replaceOriginal: { text } };
    }
    if (action !== 'delete') return { reply: usageError('That button is not one I recognise any more.') };
    const refused = await this.mayChange(ctx.actor, partner, interaction);
    if (refused) return { reply: refused };
    const deleted = await store.transaction(async (tx) => {
      const current = await tx.interactions.get(workspaceId, interactionId);
      if (!current || !(await tx.interactions.remove(workspaceId, current.id))) return false;
      await reopenExpired(
        tx,
        workspaceId,
        await tx.journal.expiredByInteraction(workspaceId, current.id),
        ctx.now,
      );
      const replanned = await refreshFirstMet(tx, partner);
      const change: JournalChange = { action: 'delete', interaction: current };
      await replanAndJournal(tx, ctx.actor, replanned, change, ctx.now, playbook);
      return true;
    });
    if (!deleted) {
      const text = 'That interaction is no longer on the record (it was deleted meanwhile).';
      return { reply: usageError(text), replaceOriginal: { text } };
    }
    const text = `Deleted from *${partner.name}*'s record: ${line}`;
    return {
      reply: { text, footer: '`partner undo` brings it back within 24 hours.' },
      replaceOriginal: { text },
    };
  }

  private async rename(ctx: CommandContext, args: string[]): Promise<Message> {
    if (args.length === 0) return usageError('Which partner, and what should it be called?', 'rename');
    const { store } = this.deps;
    const resolved = await resolvePartner(store.partners, ctx, args, 'rename');
    if (!resolved.ok) return resolved.reply;
    const { partner } = resolved;
    const name = resolved.rest.join(' ').trim();
    if (!name) return usageError(`What should *${partner.name}* be called?`, 'rename');
    const problem = checkPartnerName(name);
    if (problem) return usageError(problem, 'rename');
    if (!partner.owners.includes(ctx.actor.memberId))
      return usageError(`Only ${partner.name}'s owners can rename it.`, 'rename');
    if (name === partner.name) return { text: `*${partner.name}* is already called that.` };
    const taken = await store.partners.findByName(ctx.actor.workspaceId, name);
    if (taken && taken.id !== partner.id)
      return usageError(
        `*${taken.name}* is already the name of another partner. Choose another name.`,
        'rename',
      );
    try {
      await store.transaction(async (tx) => {
        const renamed = await tx.partners.rename(ctx.actor.workspaceId, partner.id, name);
        const change: JournalChange = { action: 'rename', before: partner.name, after: renamed.name };
        await journal(tx, ctx.actor, renamed, change, [], ctx.now);
      });
    } catch (error) {
      if (error instanceof RapportError && error.code === 'CONFLICT')
        return usageError(`*${name}* was just taken by another partner. Choose another name.`, 'rename');
      throw error;
    }
    return {
      text: `Renamed *${partner.name}* to *${name}*.`,
      footer: `Its record, nudges and owners are unchanged. \`partner undo\` takes the rename back.`,
    };
  }

  private async undo(ctx: CommandContext, args: string[]): Promise<Message> {
    if (args.length)
      return usageError('`undo` takes nothing after it: it takes back your own last change.', 'undo');
    const { store } = this.deps;
    const { workspaceId, memberId } = ctx.actor;
    const since = new Date(ctx.now.getTime() - UNDO_WINDOW_MS);
    const [entry, answers] = await Promise.all([
      store.journal.latest(workspaceId, memberId, since),
      store.nudges.listAnsweredBy(workspaceId, memberId, since, ANSWERS_LOOKED_AT),
    ]);
    const answer = answers.find((n) => this.undoableAnswer(n));
    if (answer && (!entry || answer.answeredAt! > entry.createdAt)) return this.undoAnswer(ctx, answer);
    if (!entry)
      return usageError(
        'Nothing to undo: you have changed nothing in the last 24 hours that I can take back.',
        'undo',
      );
    return this.undoEntry(ctx, entry);
  }

  /** A rule's own answer; not one that plans an event or asks a follow-up question (those have their own steps). */
  private undoableAnswer(nudge: Nudge): boolean {
    const rule = findRule(this.deps.playbook, nudge.ruleId);
    const choice = rule?.choices.find((c) => c.id === nudge.answer);
    // A promise's ending is journaled with the promise, and taken back from there.
    return !!choice && !choice.plans && !choice.asks && !choice.promise;
  }

  private async undoEntry(ctx: CommandContext, entry: JournalEntry): Promise<Message> {
    const { store } = this.deps;
    const { workspaceId } = ctx.actor;
    const playbook = await this.deps.playbooks.forWorkspace(workspaceId);
    const outcome = await store.transaction(async (tx): Promise<Undone | null> => {
      if (!(await tx.journal.markUndone(workspaceId, entry.id, ctx.now))) return null;
      const partner = await tx.partners.get(workspaceId, entry.partnerId);
      if (!partner || !entry.change)
        return {
          done: false,
          text: 'I could not take back your last change: what it changed is no longer known.',
        };
      return this.invert(tx, ctx, partner, entry, entry.change, playbook);
    });
    if (!outcome) return usageError('That change was just taken back.', 'undo');
    return { text: outcome.done ? `Undone: ${outcome.text}` : outcome.text, footer: UNDO_AGAIN };
  }

  /** Takes one journaled write back inside `tx`, unless what it wrote was changed since by someone else. */
  private async invert(
    tx: Repositories,
    ctx: CommandContext,
    partner: Partner,
    entry: JournalEntry,
    change: JournalChange,
    playbook: Playbook,
  ): Promise<Undone> {
    const { workspaceId } = ctx.actor;
    const name = `*${partner.name}*`;
    const leftAlone = (why: string): Undone => ({
      done: false,
      text: `I could not take back your last change: ${why} I left it as it is.`,
    });
    const reopened = async (interactionId: number | null): Promise<void> => {
      const expired =
        interactionId === null ? [] : await tx.journal.expiredByInteraction(workspaceId, interactionId);
      await reopenExpired(tx, workspaceId, [...entry.expiredNudges, ...expired], ctx.now);
    };
    const replanned = async (current: Partner): Promise<void> => {
      await refreshSchedule(tx, await refreshFirstMet(tx, current), ctx.now, playbook);
    };
    switch (change.action) {
      case 'log': {
        const logged = change.interaction;
        const current = await tx.interactions.get(workspaceId, logged.id);
        if (!current)
          return leftAlone(`what you logged for ${name}, ${describe(fieldsOf(logged))}, was deleted since.`);
        await tx.interactions.remove(workspaceId, current.id);
        const answered = change.answeredNudge;
        if (answered) await tx.nudges.reopen(workspaceId, answered.id, 'answered', answered.status, ctx.now);
        await reopened(current.id);
        await replanned(partner);
        return {
          done: true,
          text: `your log for ${name}: ${describe(fieldsOf(current))} is no longer on the record${answered ? ', and the nudge it answered waits for your answer again' : ''}.`,
        };
      }
      case 'edit': {
        const current = await tx.interactions.get(workspaceId, change.interactionId);
        if (!current) return leftAlone(`the interaction you corrected for ${name} was deleted since.`);
        if (!sameFields(fieldsOf(current), change.after))
          return leftAlone(
            `the interaction you corrected for ${name} was changed again since (it is now: ${describe(fieldsOf(current))}).`,
          );
        await tx.interactions.update(workspaceId, current.id, change.before);
        await reopened(current.id);
        await replanned(partner);
        return {
          done: true,
          text: `your correction for ${name}: back to ${describe(change.before)} (it was ${describe(change.after)}).`,
        };
      }
      case 'delete': {
        try {
          await tx.interactions.restore(change.interaction);
        } catch (error) {
          if (error instanceof RapportError && error.code === 'CONFLICT')
            return leftAlone(`the interaction you deleted for ${name} cannot be put back.`);
          throw error;
        }
        await reopened(null);
        await replanned(partner);
        return {
          done: true,
          text: `your deletion: ${describe(fieldsOf(change.interaction))} is back on ${name}'s record.`,
        };
      }
      case 'signed':
      case 'stage': {
        if (!sameStage(partner, change.after))
          return leftAlone(`${name}'s stage was changed again since (it is now ${stageText(partner)}).`);
        const restored = await tx.partners.update(workspaceId, partner.id, { ...change.before });
        let milestone = '';
        if (change.action === 'signed') {
          const removed = await tx.interactions.remove(workspaceId, change.milestone.id);
          if (removed) milestone = ', and the “Contract signed” milestone is gone';
          await reopened(change.milestone.id);
        } else await reopened(null);
        await replanned(restored);
        const what =
          change.action === 'signed'
            ? `the signature with ${name} on ${formatDay(change.after.signedOn!)}`
            : `${name}'s move to ${change.after.stage}`;
        return { done: true, text: `${what}: it is ${stageText(change.before)} again${milestone}.` };
      }
      case 'rename': {
        if (partner.name !== change.after)
          return leftAlone(`the partner you renamed *${change.after}* is now called ${name}.`);
        const taken = await tx.partners.findByName(workspaceId, change.before);
        if (taken && taken.id !== partner.id)
          return leftAlone(`*${change.before}* is now the name of another partner.`);
        await tx.partners.rename(workspaceId, partner.id, change.before);
        return { done: true, text: `your rename: *${change.after}* is called *${change.before}* again.` };
      }
      case 'place': {
        if (partner.country !== change.after.country || partner.timeZone !== change.after.timeZone)
          return leftAlone(`where ${name} is was changed again since.`);
        await tx.partners.update(workspaceId, partner.id, { ...change.before });
        const place = [change.before.country, change.before.timeZone].filter(Boolean).join(' · ');
        return {
          done: true,
          text: `${name} is ${place ? `back to ${place}` : 'without a country or time zone again'}.`,
        };
      }
      case 'promise':
      case 'promise-changed':
        return undoPromiseChange(tx, ctx.actor, partner, change, ctx.now);
    }
  }

  /** Takes back an answer to a nudge: the nudge waits for an answer again, and what it recorded goes. */
  private async undoAnswer(ctx: CommandContext, nudge: Nudge): Promise<Message> {
    const { store } = this.deps;
    const playbook = await this.deps.playbooks.forWorkspace(ctx.actor.workspaceId);
    const { workspaceId } = ctx.actor;
    const rule = findRule(playbook, nudge.ruleId)!;
    const label = rule.choices.find((c) => c.id === nudge.answer)?.label ?? nudge.answer;
    const partner = await store.partners.get(workspaceId, nudge.partnerId);
    if (!partner) return usageError('That answer went with its partner, which was removed.', 'undo');
    const undone = await store.transaction(async (tx) => {
      const back = nudge.sentAt ? 'sent' : 'pending';
      if (!(await tx.nudges.reopen(workspaceId, nudge.id, 'answered', back, ctx.now))) return null;
      const recorded = (await tx.interactions.listForPartner(workspaceId, partner.id)).filter(
        (i) => i.nudgeId === nudge.id,
      );
      for (const interaction of recorded) await tx.interactions.remove(workspaceId, interaction.id);
      await refreshSchedule(
        tx,
        recorded.length ? await refreshFirstMet(tx, partner) : partner,
        ctx.now,
        playbook,
      );
      return { nudge: (await tx.nudges.get(workspaceId, nudge.id))!, recorded };
    });
    if (!undone) return usageError('That answer was just taken back.', 'undo');
    const recorded = undone.recorded.length
      ? ` and the ${undone.recorded.map((i) => KIND_LABELS[i.kind].toLowerCase()).join(', ')} it recorded`
      : '';
    return {
      title: `${partner.name} — ${rule.title}`,
      text: `Undone: your answer “${label}” to ${rule.title} (${nudge.occurrence}) for *${partner.name}*${recorded}. It waits for your answer again.`,
      choices: nudgeChoices(undone.nudge, rule),
      footer: UNDO_AGAIN,
    };
  }
}
