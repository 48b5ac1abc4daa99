/** Partners: add, sign, move through stages, remove (with its confirmation buttons). */
import { partnerChoiceId } from '../choice-ids';
import { checkPartnerName, isStage, resolvePartner } from '../commands/arguments';
import { readDatePhrase } from '../commands/dates';
import { quoteName } from '../insight-views';
import type { ChoiceResult, Message } from '../messages';
import type { IsoDate, Partner, Stage } from '../model';
import type { Playbook } from '../playbook/playbook';
import { refreshSchedule } from '../playbook/partner-schedule';
import { addDaysToDate, daysBetween, formatDay, relativeDays } from '../time';
import { stageList, truncate, usageError } from '../views';
import type { Actor, CommandContext, CommandTable, FeatureDeps } from './context';
import { replanAndJournal, stageFields } from './record-journal';

export class PartnerFeature {
  readonly commands: CommandTable = {
    add: (ctx, args) => this.add(ctx, args),
    signed: (ctx, args) => this.signed(ctx, args),
    stage: (ctx, args) => this.stage(ctx, args),
    remove: (ctx, args) => this.remove(ctx, args),
  };

  constructor(private readonly deps: FeatureDeps) {}

  private async add(ctx: CommandContext, args: string[]): Promise<Message> {
    if (args.length === 0) return usageError('Which partner? Give a name.', 'add');
    let stage: Stage = 'exploring';
    const last = args[args.length - 1]!.toLowerCase();
    if (args.length > 1 && isStage(last)) {
      stage = last;
      args = args.slice(0, -1);
    }
    const name = args.join(' ').trim();
    const problem = checkPartnerName(name);
    if (problem) return usageError(problem, 'add');
    const { store, logger } = this.deps;
    const playbook = await this.deps.playbooks.forWorkspace(ctx.actor.workspaceId);
    const existing = await store.partners.findByName(ctx.actor.workspaceId, name);
    if (existing)
      return usageError(
        `*${existing.name}* is already here. See it with \`partner status ${quoteName(existing.name)}\`.`,
      );
    const partner = await store.transaction(async (tx) => {
      const created = await tx.partners.create({
        workspaceId: ctx.actor.workspaceId,
        name,
        stage,
        createdBy: ctx.actor.memberId,
        signedOn: stage === 'signed' ? ctx.today : null,
        now: ctx.now,
      });
      await refreshSchedule(tx, created, ctx.now, playbook);
      return created;
    });
    logger.info({ workspaceId: partner.workspaceId, partnerId: partner.id }, 'partner added');
    return {
      text: `Added *${partner.name}* (${stage}). You own it. I'll nudge you to visit them, note what you learn about their culture, design the collaboration together and keep in touch.`,
      footer: `Log what happens: \`partner log ${quoteName(partner.name)} meeting today First call\``,
    };
  }

  /** The signature, its "contract signed" milestone, the new schedule and its journal entry are written together. */
  private async signed(ctx: CommandContext, args: string[]): Promise<Message> {
    if (args.length === 0) return usageError('Which partner did you sign with?', 'signed');
    const { store } = this.deps;
    const playbook = await this.deps.playbooks.forWorkspace(ctx.actor.workspaceId);
    const resolved = await resolvePartner(store.partners, ctx, args, 'signed');
    if (!resolved.ok) return resolved.reply;
    const { partner, rest } = resolved;
    const read = rest.length ? readDatePhrase(rest, ctx.today, 'past') : null;
    if (read && !read.ok) return usageError(read.error, 'signed');
    if (rest.length && (!read || read.words < rest.length)) {
      const extra = rest.slice(read ? read.words : 0).join(' ');
      return usageError(`I expected at most a date after the name, not “${truncate(extra, 60)}”.`, 'signed');
    }
    const date = read ? read.date : ctx.today;
    const updated = await store.transaction(async (tx) => {
      const signed = await tx.partners.update(ctx.actor.workspaceId, partner.id, {
        stage: 'signed',
        signedOn: date,
        stageChangedAt: partner.stage === 'signed' ? partner.stageChangedAt : ctx.now,
      });
      const milestone = await tx.interactions.add({
        workspaceId: ctx.actor.workspaceId,
        partnerId: partner.id,
        memberId: ctx.actor.memberId,
        kind: 'milestone',
        occurredOn: date,
        note: 'Contract signed',
        now: ctx.now,
      });
      const change = {
        action: 'signed',
        before: stageFields(partner),
        after: stageFields(signed),
        milestone,
      } as const;
      await replanAndJournal(tx, ctx.actor, signed, change, ctx.now, playbook);
      return signed;
    });
    const history = await store.partners.history(ctx.actor.workspaceId, updated.id);
    return signedMessage(updated.name, date, ctx.today, playbook, Boolean(history.workshop));
  }

  private async stage(ctx: CommandContext, args: string[]): Promise<Message> {
    if (args.length < 2)
      return usageError('Give a partner and a stage.', 'stage', [`Stages: ${stageList()}.`]);
    const stageWord = args[args.length - 1]!.toLowerCase();
    if (!isStage(stageWord)) {
      return usageError(`“${truncate(stageWord, 30)}” is not a stage. Stages: ${stageList()}.`, 'stage');
    }
    const { store } = this.deps;
    const playbook = await this.deps.playbooks.forWorkspace(ctx.actor.workspaceId);
    const resolved = await resolvePartner(store.partners, ctx, args.slice(0, -1), 'stage');
    if (!resolved.ok) return resolved.reply;
    const { partner } = resolved;
    if (resolved.rest.length)
      return usageError(`I could not read “${truncate(resolved.rest.join(' '), 60)}”.`, 'stage');
    if (partner.stage === stageWord) return { text: `*${partner.name}* is already ${stageWord}.` };
    const updated = await store.transaction(async (tx) => {
      const moved = await tx.partners.update(ctx.actor.workspaceId, partner.id, {
        stage: stageWord,
        stageChangedAt: ctx.now,
        signedOn: stageWord === 'signed' ? (partner.signedOn ?? ctx.today) : partner.signedOn,
      });
      const change = { action: 'stage', before: stageFields(partner), after: stageFields(moved) } as const;
      await replanAndJournal(tx, ctx.actor, moved, change, ctx.now, playbook);
      return moved;
    });
    const extra = stageWord === 'ended' ? ' I will stop nudging you about them.' : '';
    return { text: `*${updated.name}* moved from ${partner.stage} to ${stageWord}.${extra}` };
  }

  /** Asks first: removing a partner deletes everything logged about it. */
  private async remove(ctx: CommandContext, args: string[]): Promise<Message> {
    if (args.length === 0) return usageError('Which partner should I remove? Usage: `partner remove NAME`');
    const resolved = await resolvePartner(this.deps.store.partners, ctx, args, undefined);
    if (!resolved.ok) return resolved.reply;
    const { partner } = resolved;
    return {
      text: `Remove *${partner.name}* with all its interactions and nudges? This cannot be undone.`,
      choices: [
        {
          id: partnerChoiceId(partner.id, 'remove'),
          label: `Remove ${truncate(partner.name, 30)}`,
          style: 'danger',
          role: 'confirm',
        },
        { id: partnerChoiceId(partner.id, 'keep'), label: 'Keep it', role: 'cancel' },
      ],
    };
  }

  /** The confirmation's buttons. */
  async confirmRemoval(actor: Actor, partner: Partner, remove: boolean): Promise<ChoiceResult> {
    if (!remove) {
      return {
        reply: { text: `Kept *${partner.name}*.` },
        replaceOriginal: { text: `Kept *${partner.name}*.` },
      };
    }
    if (!partner.owners.includes(actor.memberId))
      return { reply: usageError(`Only ${partner.name}'s owners can remove it.`) };
    await this.deps.store.partners.remove(actor.workspaceId, partner.id);
    this.deps.logger.info({ workspaceId: actor.workspaceId, partnerId: partner.id }, 'partner removed');
    const text = `Removed *${partner.name}* and everything logged about it.`;
    return { reply: { text }, replaceOriginal: { text } };
  }
}

/**
 * What a signature's confirmation says, from the playbook and the real dates: a signature recorded today
 * starts the post-signing reviews; a backdated one says which reviews are still ahead, and asks for the
 * joint workshop only while its window is open (or, past it, when none is on record).
 */
export function signedMessage(
  name: string,
  signedOn: IsoDate,
  today: IsoDate,
  playbook: Playbook,
  workshopLogged: boolean,
): Message {
  const since = Math.max(0, daysBetween(signedOn, today));
  const reviews = playbook.rules.find((rule) => rule.trigger.type === 'after-signing')?.trigger;
  const offsets = reviews?.type === 'after-signing' ? [...reviews.days].sort((a, b) => a - b) : [];
  const quarterly = reviews?.type === 'after-signing' && reviews.thenEveryDays ? ', then every quarter' : '';
  const ahead = offsets.filter((days) => days > since);
  const list = (days: number[]): string =>
    days.length > 1 ? `${days.slice(0, -1).join(', ')} and ${days[days.length - 1]}` : String(days[0]);
  let plan: string;
  if (ahead.length === offsets.length)
    plan = `I will check in ${list(offsets)} days after signing${quarterly}.`;
  else if (ahead.length)
    plan = `I will check in ${list(ahead)} days after signing (the first in ${ahead[0]! - since} days)${quarterly}.`;
  else plan = `Its first reviews are behind it: I will ask how the collaboration is going now${quarterly}.`;
  const workshopWindow = playbook.rules
    .map((rule) => rule.trigger)
    .flatMap((trigger) =>
      trigger.type === 'missing' && trigger.kinds.includes('workshop') ? trigger.windows : [],
    )
    .find((window) => window.stage === 'signed')?.untilDays;
  let footer: string | undefined;
  if (!workshopLogged && workshopWindow !== undefined && since < workshopWindow)
    footer = `By ${formatDay(addDaysToDate(signedOn, workshopWindow))}, hold a joint workshop to design the collaboration together.`;
  else if (!workshopLogged)
    footer = 'No joint workshop on record: designing the collaboration together is still the best next step.';
  const lead =
    since === 0
      ? `Signed with *${name}* today. Congratulations — this is where the real work starts.`
      : `Recorded the signature with *${name}* on ${formatDay(signedOn)} (${relativeDays(signedOn, today)}).` +
        (since <= 7 ? ' Congratulations — this is where the real work starts.' : '');
  return { text: `${lead} ${plan}`, footer };
}
