/**
 * Co-owners with roles: `owners NAME` (who owns it, as what, who leads), `owners NAME add @member ROLE`,
 * `owners NAME remove @member`, `owners NAME lead @member`, `handover NAME @member [NOTE…]`, and the
 * "Add a co-owner" form (Slack users select, Teams people picker). Whoever is made an owner hears about it
 * in their own chat through a notice: a nudge row delivered like any other (working hours, retries).
 */
import { resolvePartner } from '../commands/arguments';
import { LIMITS } from '../commands/grammar';
import { quoteName } from '../insight-views';
import type { ChoiceResult, Form, FormResult, FormValues, Message } from '../messages';
import type { Owner, Partner } from '../model';
import { isOpenNudge } from '../nudge-rules';
import { joinAnd, ownerLabel, ownerName, ownersMessage, roleLabel } from '../owner-views';
import { HANDOVER_RULE, NOTICE_STATUS_ACTION, noticeOccurrence, OWNER_ADDED_RULE } from '../playbook/notices';
import { refreshSchedule } from '../playbook/partner-schedule';
import type { UnitOfWork } from '../ports';
import { truncate, usageError } from '../views';
import type { CommandContext, CommandResult, CommandTable, FeatureDeps } from './context';
import type { RoleRead } from './owner-inputs';
import { addOwnerForm, OTHER_ROLE, readMemberRef, readRole } from './owner-inputs';
import type { OverviewFeature } from './overview';

export { ADD_OWNER_FORM_ID, addOwnerForm, readMemberRef, readRole } from './owner-inputs';

/** Why an owner change cannot be made: what to say, and the form field it is about. */
class Refusal {
  constructor(
    readonly problem: string,
    readonly field: string,
  ) {}
}

export class OwnersFeature {
  readonly commands: CommandTable = {
    owners: (ctx, args) => this.ownersCommand(ctx, args),
    handover: (ctx, args) => this.handoverCommand(ctx, args),
  };

  constructor(
    private readonly deps: FeatureDeps,
    private readonly overview: OverviewFeature,
  ) {}

  /** The form for a partner named in a form's context; null when it is gone. */
  async form(workspaceId: string, context: Record<string, string> | undefined): Promise<Form | null> {
    const id = Number(context?.partner);
    const partner = Number.isSafeInteger(id) ? await this.deps.store.partners.get(workspaceId, id) : null;
    return partner ? this.formFor(partner) : null;
  }

  /** The form for a partner, suggesting the members the workspace knows who do not own it yet. */
  async formFor(partner: Partner): Promise<Form> {
    const members = await this.deps.store.members.listByWorkspace(partner.workspaceId);
    const people = members
      .filter((m) => !partner.owners.includes(m.id))
      .map((m) => ({ value: m.id, label: truncate(m.displayName ?? m.id, 75) }))
      .sort((a, b) => a.label.localeCompare(b.label))
      .slice(0, 15);
    return addOwnerForm(partner, people);
  }

  /** `owners NAME [add @member ROLE | remove @member | lead @member]`. */
  private async ownersCommand(ctx: CommandContext, args: string[]): Promise<CommandResult | Message> {
    if (args.length === 0) return usageError('Which partner?', 'owners');
    const resolved = await resolvePartner(this.deps.store.partners, ctx, args, 'owners');
    if (!resolved.ok) return resolved.reply;
    const { partner, rest } = resolved;
    const team = await this.deps.store.partners.listOwners(ctx.actor.workspaceId, partner.id);
    const action = rest[0]?.toLowerCase();
    if (!action) {
      const list = ownersMessage(partner, team);
      return { ...list, choices: [{ id: `p:${partner.id}:add-owner`, label: 'Add co-owner' }] };
    }
    const target = rest[1] ? readMemberRef(rest[1]) : null;
    const name = quoteName(partner.name);
    if (!['add', 'remove', 'lead'].includes(action))
      return usageError(
        `“${truncate(rest[0]!, 30)}” is not something I can do with owners: add, remove or lead.`,
        'owners',
      );
    if (!target)
      return usageError(
        rest[1]
          ? `“${truncate(rest[1], 40)}” is not a member I can read. Mention them (@name) or give their member id.`
          : `Whom should I ${action === 'add' ? 'add' : action === 'remove' ? 'remove' : 'make the lead'}? Mention them: \`partner owners ${name} ${action} @member${action === 'add' ? ' ROLE' : ''}\`.`,
        'owners',
      );
    try {
      switch (action) {
        case 'add': {
          const role = readRole(rest.slice(2).join(' '));
          if (!role.ok) return usageError(role.problem, 'owners');
          return await this.add(ctx, partner, team, target, role.role);
        }
        case 'remove':
          if (rest.length > 2) return usageError(`I expected only the member after “remove”.`, 'owners');
          return await this.remove(ctx, partner, team, target);
        default:
          if (rest.length > 2) return usageError(`I expected only the member after “lead”.`, 'owners');
          return await this.lead(ctx, partner, team, target);
      }
    } catch (error) {
      if (error instanceof Refusal) return usageError(error.problem, 'owners');
      throw error;
    }
  }

  /** `handover NAME @member [NOTE…]`: my ownership (and the lead, if mine) goes to the member, with a note. */
  private async handoverCommand(ctx: CommandContext, args: string[]): Promise<Message> {
    if (args.length === 0) return usageError('Which partner, and to whom?', 'handover');
    const resolved = await resolvePartner(this.deps.store.partners, ctx, args, 'handover');
    if (!resolved.ok) return resolved.reply;
    const { partner, rest } = resolved;
    const target = rest[0] ? readMemberRef(rest[0]) : null;
    if (!target)
      return usageError(
        rest[0]
          ? `“${truncate(rest[0], 40)}” is not a member I can read. Mention them (@name) or give their member id.`
          : `To whom? \`partner handover ${quoteName(partner.name)} @member NOTE\`.`,
        'handover',
      );
    const note = rest.slice(1).join(' ').trim();
    if (note.length > LIMITS.note)
      return usageError(
        `That note is ${note.length} characters long; the limit is ${LIMITS.note}.`,
        'handover',
      );
    try {
      return await this.handover(ctx, partner, target, note || null);
    } catch (error) {
      if (error instanceof Refusal) return usageError(error.problem, 'handover');
      throw error;
    }
  }

  /** The "Add a co-owner" form, submitted. */
  async submit(
    ctx: CommandContext,
    values: FormValues,
    context: Record<string, string> | undefined,
  ): Promise<FormResult> {
    const { store } = this.deps;
    const id = Number(context?.partner);
    const partner = Number.isSafeInteger(id) ? await store.partners.get(ctx.actor.workspaceId, id) : null;
    if (!partner) return { ok: false, errors: { form: 'That partner no longer exists.' } };
    const errors: Record<string, string> = {};
    // A multi-select sends several ids, comma-separated: this form adds one owner at a time.
    const members = (values.member ?? '')
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean);
    if (members.length === 0) errors.member = 'Choose whom to add.';
    else if (members.length > 1) errors.member = 'Choose one person at a time.';
    const roleWord = values.role?.trim().toLowerCase();
    let role: RoleRead | null = null;
    if (!roleWord) errors.role = 'Choose their role.';
    else if (roleWord === OTHER_ROLE) {
      const own = values.otherRole?.trim() ?? '';
      if (!own) errors.otherRole = 'Write their role (one word, e.g. finance).';
      else {
        role = readRole(/^[a-z]/i.test(own) ? `other:${own.replace(/\s+/g, '-')}` : own);
        if (!role.ok) errors.otherRole = 'One word of letters, digits or dashes (at most 30), e.g. finance.';
      }
    } else {
      role = readRole(roleWord);
      if (!role.ok) errors.role = role.problem;
    }
    if (Object.keys(errors).length || !role?.ok) return { ok: false, errors };
    const team = await store.partners.listOwners(ctx.actor.workspaceId, partner.id);
    try {
      return { ok: true, reply: await this.add(ctx, partner, team, members[0]!, role.role) };
    } catch (error) {
      if (error instanceof Refusal) return { ok: false, errors: { [error.field]: error.problem } };
      throw error;
    }
  }

  /** A notice's "Open status": the partner's status, and the notice counted as read. */
  async openFromNotice(ctx: CommandContext, nudgeId: number): Promise<ChoiceResult> {
    const { store } = this.deps;
    const nudge = await store.nudges.get(ctx.actor.workspaceId, nudgeId);
    const partner = nudge ? await store.partners.get(ctx.actor.workspaceId, nudge.partnerId) : null;
    if (!nudge || !partner) return { reply: usageError('That partner no longer exists.') };
    if (nudge.memberId === ctx.actor.memberId && isOpenNudge(nudge))
      await store.nudges.answer(ctx.actor.workspaceId, nudge.id, {
        choiceId: NOTICE_STATUS_ACTION,
        memberId: ctx.actor.memberId,
        at: ctx.now,
      });
    return { reply: await this.overview.status(ctx, partner) };
  }

  /** Checks that `memberId` is someone this workspace knows; their name for replies. */
  private async knownMember(ctx: CommandContext, memberId: string, field: string): Promise<string> {
    const member = await this.deps.store.members.get(ctx.actor.workspaceId, memberId);
    if (!member)
      throw new Refusal(
        `I don't know anyone called “${truncate(memberId, 40)}” in this workspace yet. Mention them (@name); ` +
          'if you did, ask them to say hello to Rapport once, then try again.',
        field,
      );
    return member.displayName ?? member.id;
  }

  private async add(
    ctx: CommandContext,
    partner: Partner,
    team: readonly Owner[],
    memberId: string,
    role: string,
  ): Promise<Message> {
    const name = await this.knownMember(ctx, memberId, 'member');
    const existing = team.find((owner) => owner.memberId === memberId);
    if (existing)
      throw new Refusal(
        `${name} already owns *${partner.name}* (${roleLabel(existing.role)}${existing.lead ? ', lead' : ''}).`,
        'member',
      );
    const { workspaceId, memberId: me } = ctx.actor;
    await this.write(async (tx) => {
      const added = await tx.partners.addOwner(workspaceId, partner.id, memberId, {
        role,
        addedBy: me,
        now: ctx.now,
      });
      if (!added) throw new Refusal(`${name} already owns *${partner.name}*.`, 'member');
      if (memberId !== me) await this.notify(tx, partner, memberId, OWNER_ADDED_RULE, ctx.now);
      // What is due now reaches the new owner too, on the scheduler's next pass.
      await refreshSchedule(tx, partner, ctx.now, ctx.playbook ?? this.deps.playbook);
    });
    const others = team.map((owner) => ownerLabel(owner));
    const told =
      memberId === me ? '' : ` I will tell ${name} in their own chat, with where the relationship stands.`;
    return {
      text: `Added ${name} (${roleLabel(role)}) as a co-owner of *${partner.name}*, with ${joinAnd(others)}.${told}`,
    };
  }

  private async remove(
    ctx: CommandContext,
    partner: Partner,
    team: readonly Owner[],
    memberId: string,
  ): Promise<Message> {
    this.mustOwn(ctx, partner, team, 'change its owners');
    const owner = team.find((o) => o.memberId === memberId);
    if (!owner) throw new Refusal(`“${truncate(memberId, 40)}” does not own *${partner.name}*.`, 'member');
    if (team.length === 1)
      throw new Refusal(
        `${ownerName(owner)} is the only owner of *${partner.name}*: add another owner first ` +
          `(\`partner owners ${quoteName(partner.name)} add @member ROLE\`), or remove the partner.`,
        'member',
      );
    const { workspaceId } = ctx.actor;
    await this.write(async (tx) => {
      if (!(await tx.partners.removeOwner(workspaceId, partner.id, memberId)))
        throw new Refusal(`${ownerName(owner)} no longer owns *${partner.name}*.`, 'member');
      await this.closeNudgesOf(tx, partner, memberId, ctx);
    });
    const after = await this.deps.store.partners.listOwners(workspaceId, partner.id);
    const lead = after.find((o) => o.lead);
    return {
      text:
        `Removed ${ownerName(owner)} from the owners of *${partner.name}*.` +
        (owner.lead && lead ? ` ${ownerName(lead)} leads it now.` : ''),
    };
  }

  private async lead(
    ctx: CommandContext,
    partner: Partner,
    team: readonly Owner[],
    memberId: string,
  ): Promise<Message> {
    this.mustOwn(ctx, partner, team, 'choose its lead');
    const owner = team.find((o) => o.memberId === memberId);
    if (!owner)
      throw new Refusal(
        `“${truncate(memberId, 40)}” does not own *${partner.name}*: add them first with \`partner owners ${quoteName(partner.name)} add @member ROLE\`.`,
        'member',
      );
    await this.deps.store.partners.setLead(ctx.actor.workspaceId, partner.id, memberId);
    return { text: `${ownerName(owner)} leads the relationship with *${partner.name}* now.` };
  }

  private async handover(
    ctx: CommandContext,
    partner: Partner,
    memberId: string,
    note: string | null,
  ): Promise<Message> {
    const { workspaceId, memberId: me } = ctx.actor;
    const team = await this.deps.store.partners.listOwners(workspaceId, partner.id);
    const mine = this.mustOwn(ctx, partner, team, 'hand it over');
    if (memberId === me) throw new Refusal('You cannot hand a partner over to yourself.', 'member');
    const name = await this.knownMember(ctx, memberId, 'member');
    const theirs = team.find((o) => o.memberId === memberId);
    await this.write(async (tx) => {
      // They get my role (or keep theirs), the lead when it was mine or theirs, and the note, with the notice.
      if (theirs) await tx.partners.removeOwner(workspaceId, partner.id, memberId);
      await tx.partners.addOwner(workspaceId, partner.id, memberId, {
        role: theirs?.role ?? mine.role,
        addedBy: me,
        note,
        now: ctx.now,
      });
      if (!(await tx.partners.removeOwner(workspaceId, partner.id, me)))
        throw new Refusal(`You no longer own *${partner.name}*.`, 'member');
      if (mine.lead || theirs?.lead) await tx.partners.setLead(workspaceId, partner.id, memberId);
      await this.closeNudgesOf(tx, partner, me, ctx);
      await this.notify(tx, partner, memberId, HANDOVER_RULE, ctx.now);
      await refreshSchedule(tx, partner, ctx.now, ctx.playbook ?? this.deps.playbook);
    });
    const lead = mine.lead ? ` ${name} leads it now.` : '';
    return {
      text:
        `Handed *${partner.name}* over to ${name}.${lead} I will tell them in their own chat` +
        `${note ? ', with your note' : ''}, and your nudges about it stop.`,
    };
  }

  /** The actor's owner row; refused when they do not own the partner. */
  private mustOwn(ctx: CommandContext, partner: Partner, team: readonly Owner[], what: string): Owner {
    const mine = team.find((o) => o.memberId === ctx.actor.memberId);
    if (!mine)
      throw new Refusal(
        `You do not own *${partner.name}*, so you cannot ${what}. Its owners: ${joinAnd(team.map((o) => ownerLabel(o)))}.`,
        'member',
      );
    return mine;
  }

  /** The notice that tells a member they now own a partner: a nudge, delivered in their working hours. */
  private async notify(
    tx: UnitOfWork,
    partner: Partner,
    memberId: string,
    ruleId: string,
    now: Date,
  ): Promise<void> {
    await tx.nudges.createIfAbsent({
      workspaceId: partner.workspaceId,
      partnerId: partner.id,
      memberId,
      ruleId,
      occurrence: noticeOccurrence(now),
      dueAt: now,
      deliverAfter: now,
      now,
    });
  }

  /** A member who no longer owns a partner is not nudged about it any more. */
  private async closeNudgesOf(
    tx: UnitOfWork,
    partner: Partner,
    memberId: string,
    ctx: CommandContext,
  ): Promise<void> {
    const open = await tx.nudges.listOpenForPartner(partner.workspaceId, partner.id);
    for (const nudge of open.filter((n) => n.memberId === memberId))
      await tx.nudges.dismiss(partner.workspaceId, nudge.id, ctx.actor.memberId, ctx.now);
  }

  /** One transaction; a refusal found inside it rolls everything back and is rethrown as such. */
  private write(work: (tx: UnitOfWork) => Promise<void>): Promise<void> {
    return this.deps.store.transaction(work);
  }
}
