/**
 * Each workspace's own playbook: everyone may read it (`playbook`); its admins change it (`playbook set …`,
 * `off`, `on`, `reset`, `text`, `budget`), name other admins (`admin add|remove`, `admins`) and read the
 * audit log (`audit`). A change is stored as overrides on the default playbook, checked as a whole
 * playbook before it is kept, written with its audit line and the re-planning of the workspace's partners
 * in one transaction, and the next scheduler pass plans with it.
 */
import { playbookChoiceId } from '../choice-ids';
import { RapportError } from '../errors';
import type { ChoiceResult, Choice, Message, Section } from '../messages';
import type { Member } from '../model';
import type { CadenceDays } from '../playbook/overrides';
import {
  cadenceDaysOf,
  cadenceField,
  describeCadence,
  OVERRIDE_LIMITS,
  valueAt,
  workspacePlaybook,
} from '../playbook/overrides';
import type { Playbook, Rule } from '../playbook/playbook';
import { findRule } from '../playbook/playbook';
import type { PlaybookOverride } from '../ports';
import { PLAYBOOK_WIDE } from '../ports';
import { formatLocal } from '../time';
import { truncate, usageError } from '../views';
import type { CommandContext, CommandResult, CommandTable, FeatureDeps } from './context';

/** Whether a member may change the workspace's playbook and its admins. */
export function isAdmin(member: Pick<Member, 'platformAdmin' | 'grantedAdmin'>): boolean {
  return member.platformAdmin === true || member.grantedAdmin === true;
}

/** Audit lines `audit` shows. */
const AUDIT_SHOWN = 30;

/** One field set (a value) or taken back to the default (`undefined`). */
interface FieldChange {
  ruleId: string;
  field: string;
  value: unknown;
}

/** What one change does: the fields it sets, or the rule (or everything) it resets; and its audit line. */
interface Change {
  set?: FieldChange[];
  reset?: { ruleId?: string };
  audit: { action: string; subject: string | null; before: string | null; after: string | null };
  /** What the reply says was done. */
  done: string;
}

/** `45d`, `6w` → days; null when it is not a duration in days or weeks. */
export function readDays(word: string): number | null {
  const match = /^(\d{1,4})\s*(d|days?|w|weeks?)$/i.exec(word.trim());
  if (!match) return null;
  const days = Number(match[1]) * (match[2]!.toLowerCase().startsWith('w') ? 7 : 1);
  return days >= 1 ? days : null;
}

export class PlaybookAdminFeature {
  readonly commands: CommandTable = {
    playbook: (ctx, args) => this.playbook(ctx, args),
    admins: async (ctx, args) =>
      args.length ? usageError('`admins` takes nothing after it.', 'admins') : this.admins(ctx),
    admin: (ctx, args) => this.admin(ctx, args),
    audit: (ctx, args) => this.audit(ctx, args),
  };

  constructor(private readonly deps: FeatureDeps) {}

  /**
   * The playbook as an admin sees it (a section per rule with one button to turn it on or off, and reset in
   * the overflow), or null for a member who is not an admin.
   */
  async panel(ctx: CommandContext): Promise<Message | null> {
    if (!isAdmin(ctx.member)) return null;
    return this.view(ctx, true);
  }

  private async playbook(ctx: CommandContext, args: string[]): Promise<CommandResult | Message> {
    const sub = args[0]?.toLowerCase();
    if (!sub) return this.view(ctx, isAdmin(ctx.member));
    const refused = await this.refuseNonAdmin(ctx);
    if (refused) return refused;
    const current = await this.deps.playbooks.forWorkspace(ctx.actor.workspaceId);
    const rest = args.slice(1);
    let change: Change | Message;
    switch (sub) {
      case 'set':
        change = this.setCadence(current, rest);
        break;
      case 'on':
      case 'off':
        change = this.turn(current, rest, sub === 'on');
        break;
      case 'reset':
        change = this.reset(current, rest);
        break;
      case 'text':
        change = this.text(current, rest);
        break;
      case 'budget':
        change = this.budget(current, rest);
        break;
      default:
        return usageError(
          `“${truncate(args[0]!, 30)}” is not something I can change in the playbook: set, on, off, reset, text or budget.`,
          'playbook',
        );
    }
    if ('text' in change) return change;
    return this.apply(ctx, change);
  }

  /** A button on the playbook panel: the same change as its command. */
  async choose(ctx: CommandContext, ruleId: string, action: string): Promise<ChoiceResult> {
    const refused = await this.refuseNonAdmin(ctx);
    if (refused) return { reply: refused };
    if (action === 'audit') return { reply: await this.audit(ctx, []) };
    const current = await this.deps.playbooks.forWorkspace(ctx.actor.workspaceId);
    const change =
      action === 'on' || action === 'off'
        ? this.turn(current, [ruleId], action === 'on')
        : action === 'reset'
          ? this.reset(current, [ruleId])
          : usageError('That button is not one I recognise any more.');
    const reply = 'text' in change ? change : await this.apply(ctx, change);
    const panel = await this.panel({
      ...ctx,
      playbook: await this.deps.playbooks.forWorkspace(ctx.actor.workspaceId),
    });
    return { reply, replaceOriginal: panel ?? undefined };
  }

  private async view(ctx: CommandContext, withButtons: boolean): Promise<Message> {
    const playbook = await this.deps.playbooks.forWorkspace(ctx.actor.workspaceId);
    const overrides = await this.deps.store.playbookOverrides.list(ctx.actor.workspaceId);
    const changed = new Set(overrides.map((o) => o.ruleId));
    const sections: Section[] = playbook.rules.map((rule) => {
      const choices: Choice[] = withButtons
        ? [
            rule.off
              ? { id: playbookChoiceId(rule.id, 'on'), label: 'Turn on', style: 'primary' }
              : { id: playbookChoiceId(rule.id, 'off'), label: 'Turn off' },
            { id: playbookChoiceId(rule.id, 'reset'), label: 'Reset to default', secondary: true },
            { id: playbookChoiceId(rule.id, 'audit'), label: 'Audit log', secondary: true },
          ]
        : [];
      return {
        title: `${rule.title} (\`${rule.id}\`)${rule.off ? ' — off' : ''}${changed.has(rule.id) ? ' — changed here' : ''}`,
        lines: [describeCadence(rule), `“${truncate(rule.prompt, 200)}”`],
        choices: choices.length ? choices : undefined,
      };
    });
    const budget = this.budgetText(playbook);
    return {
      title: 'Playbook',
      text:
        `The rules this workspace's nudges follow. ${budget}` +
        (withButtons ? '' : ' Only admins can change it.'),
      sections,
      footer: withButtons
        ? 'Change it: `partner playbook set keep-in-touch every 45d`, `playbook text RULE "wording"`, `playbook budget daily 3`, `playbook reset`. `partner audit` shows who changed what.'
        : undefined,
    };
  }

  private budgetText(playbook: Playbook): string {
    const daily = playbook.budget?.dailyCap;
    const interval = playbook.budget?.partnerIntervalDays;
    return (
      `Budget: ${daily ? `${daily} messages a day` : 'the service’s daily cap'}, ` +
      `${interval !== undefined ? `${interval} days` : 'the service’s interval'} between two messages about one partner.`
    );
  }

  private ruleOf(playbook: Playbook, word: string | undefined, command: string): Rule | Message {
    if (!word) return usageError('Which rule? `partner playbook` lists them.', command);
    // Only the workspace's own rules: the built-in owner notices are not the playbook's to change.
    const rule = playbook.rules.find((r) => r.id === word.toLowerCase());
    if (rule) return rule;
    if (findRule(playbook, word.toLowerCase()))
      return usageError(
        `“${truncate(word, 40)}” is Rapport's notice to a new owner, not a rule of the playbook: it always goes.`,
        command,
      );
    const ids = playbook.rules.map((r) => `\`${r.id}\``).join(', ');
    return usageError(`There is no rule “${truncate(word, 40)}”. Rules: ${ids}.`, command);
  }

  private setCadence(playbook: Playbook, args: string[]): Change | Message {
    const rule = this.ruleOf(playbook, args[0], 'playbook');
    if ('text' in rule) return rule;
    const word = args[1]?.toLowerCase() as keyof CadenceDays | undefined;
    const daysWord = args.slice(2).join(' ');
    if (!word || !['every', 'first', 'after'].includes(word) || !daysWord)
      return usageError('Say how often: e.g. `every 45d`, `first 14d` or `after 2d`.', 'playbook');
    const days = readDays(daysWord);
    const { min, max } = OVERRIDE_LIMITS.cadenceDays;
    if (days === null || days < min || days > max)
      return usageError(
        `“${truncate(daysWord, 20)}” is not a number of days I can use: write e.g. 45d or 6w, from ${min} day to ${max} days.`,
        'playbook',
      );
    const field = cadenceField(rule, word);
    if (!field) {
      const allowed = (['every', 'first', 'after'] as const).filter((w) => cadenceField(rule, w));
      return usageError(
        allowed.length
          ? `\`${rule.id}\` takes ${allowed.map((w) => `\`${w}\``).join(' or ')}, not \`${word}\`.`
          : `\`${rule.id}\` has no cadence to set: it follows ${describeCadence(rule)}.`,
        'playbook',
      );
    }
    const before = cadenceDaysOf(rule);
    const set: FieldChange[] = [{ ruleId: rule.id, field, value: days }];
    // A rule whose first reminder comes one cadence after its start keeps doing so.
    if (word === 'every' && before.first !== undefined && before.first === before.every)
      set.push({ ruleId: rule.id, field: 'trigger.firstAfterDays', value: days });
    const was = valueAt(rule, field);
    return {
      set,
      audit: {
        action: 'playbook.set',
        subject: rule.id,
        before: `${word} ${String(was)}d`,
        after: `${word} ${days}d`,
      },
      done: `\`${rule.id}\` now ${word === 'every' ? 'comes every' : word === 'first' ? 'first comes after' : 'comes'} ${days} days${word === 'after' ? ' after the first meeting' : ''} (was ${String(was)}).`,
    };
  }

  private turn(playbook: Playbook, args: string[], on: boolean): Change | Message {
    const rule = this.ruleOf(playbook, args[0], 'playbook');
    if ('text' in rule) return rule;
    if (args.length > 1) return usageError('`playbook on|off` takes one rule.', 'playbook');
    if (!rule.off === on) return { text: `\`${rule.id}\` is already ${on ? 'on' : 'off'}.` };
    return {
      set: [{ ruleId: rule.id, field: 'off', value: on ? undefined : true }],
      audit: {
        action: on ? 'playbook.on' : 'playbook.off',
        subject: rule.id,
        before: on ? 'off' : 'on',
        after: on ? 'on' : 'off',
      },
      done: on
        ? `\`${rule.id}\` is on again.`
        : `\`${rule.id}\` is off: it makes nothing due, and its open nudges close at the next pass.`,
    };
  }

  private reset(playbook: Playbook, args: string[]): Change | Message {
    if (args.length === 0)
      return {
        reset: {},
        audit: { action: 'playbook.reset', subject: null, before: 'changed', after: 'default' },
        done: 'The playbook is the default again: every rule and the budget.',
      };
    const rule = this.ruleOf(playbook, args[0], 'playbook');
    if ('text' in rule) return rule;
    return {
      reset: { ruleId: rule.id },
      audit: { action: 'playbook.reset', subject: rule.id, before: 'changed', after: 'default' },
      done: `\`${rule.id}\` is back to the default.`,
    };
  }

  private text(playbook: Playbook, args: string[]): Change | Message {
    const rule = this.ruleOf(playbook, args[0], 'playbook');
    if ('text' in rule) return rule;
    const wording = args.slice(1).join(' ').trim();
    if (!wording)
      return usageError(
        'Give the new wording in quotes; `{partner}` stands for the partner’s name.',
        'playbook',
      );
    return {
      set: [
        { ruleId: rule.id, field: 'prompt', value: wording },
        // The new wording serves every occurrence (the default may word some, such as day 7, apart).
        ...(rule.prompts ? [{ ruleId: rule.id, field: 'prompts', value: {} }] : []),
      ],
      audit: {
        action: 'playbook.text',
        subject: rule.id,
        before: truncate(rule.prompt, 200),
        after: truncate(wording, 200),
      },
      done: `\`${rule.id}\` now asks: “${truncate(wording, 200)}”`,
    };
  }

  private budget(playbook: Playbook, args: string[]): Change | Message {
    const which = args[0]?.toLowerCase();
    const amount = args.slice(1).join(' ');
    if (which === 'daily') {
      const cap = /^\d{1,3}$/.test(amount) ? Number(amount) : NaN;
      if (!Number.isInteger(cap))
        return usageError(`“${truncate(amount, 20)}” is not a number of messages a day.`, 'playbook');
      return {
        set: [{ ruleId: PLAYBOOK_WIDE, field: 'budget.dailyCap', value: cap }],
        audit: {
          action: 'playbook.budget',
          subject: 'daily',
          before: String(playbook.budget?.dailyCap ?? 'service default'),
          after: String(cap),
        },
        done: `Each member now gets at most ${cap} messages a day (milestones aside).`,
      };
    }
    if (which === 'partner-interval') {
      const days = amount === '0' || amount === '0d' ? 0 : readDays(amount);
      if (days === null)
        return usageError(`“${truncate(amount, 20)}” is not a number of days: write e.g. 7d.`, 'playbook');
      return {
        set: [{ ruleId: PLAYBOOK_WIDE, field: 'budget.partnerIntervalDays', value: days }],
        audit: {
          action: 'playbook.budget',
          subject: 'partner-interval',
          before: String(playbook.budget?.partnerIntervalDays ?? 'service default'),
          after: `${days}d`,
        },
        done: `At most one message about a partner every ${days} days now (milestones aside).`,
      };
    }
    return usageError('Set `daily N` or `partner-interval Nd`.', 'playbook');
  }

  /**
   * Checks the change as a whole playbook, then keeps it: the overrides, the audit line and the re-planning
   * of every partner of the workspace in one transaction. Re-planning is one statement that makes every
   * partner due now, rather than computing each partner's next instant here: that needs each partner's
   * history, which the scheduler's next pass reads anyway, in its own batches, and it also closes the open
   * nudges a change made unnecessary (a rule turned off, a longer cadence).
   */
  private async apply(ctx: CommandContext, change: Change): Promise<Message> {
    const { store, playbooks } = this.deps;
    const { workspaceId, memberId } = ctx.actor;
    const existing = await store.playbookOverrides.list(workspaceId);
    const next = nextOverrides(existing, change);
    const asStored = (list: readonly FieldChange[]): string =>
      JSON.stringify(list.map(({ ruleId, field, value }) => [ruleId, field, value]).sort());
    if (asStored(next) === asStored(existing))
      return { text: 'Nothing to change: the playbook already says that.' };
    try {
      workspacePlaybook(playbooks.default, next);
    } catch (error) {
      if (error instanceof RapportError && error.code === 'INVALID')
        return usageError(
          `I kept the playbook as it was: ${error.message.replace(/^Invalid playbook: /, '')}.`,
          'playbook',
        );
      throw error;
    }
    const replanned = await store.transaction(async (tx) => {
      if (change.reset) await tx.playbookOverrides.clear(workspaceId, change.reset.ruleId);
      for (const { ruleId, field, value } of change.set ?? []) {
        if (value === undefined) await tx.playbookOverrides.clear(workspaceId, ruleId, field);
        else await tx.playbookOverrides.set(workspaceId, ruleId, field, value, memberId, ctx.now);
      }
      await tx.audit.add({ workspaceId, actorId: memberId, ...change.audit, now: ctx.now });
      return tx.partners.replanAll(workspaceId, ctx.now);
    });
    playbooks.invalidate(workspaceId);
    this.deps.logger.info(
      { workspaceId, action: change.audit.action, subject: change.audit.subject },
      'playbook changed',
    );
    return {
      text: change.done,
      footer: `Takes effect at the next scheduler pass: ${replanned} partner${replanned === 1 ? '' : 's'} will be planned again. \`partner audit\` lists the changes.`,
    };
  }

  /** The polite refusal for a member who is not an admin, naming who is; null for an admin. */
  private async refuseNonAdmin(ctx: CommandContext): Promise<Message | null> {
    if (isAdmin(ctx.member)) return null;
    const admins = await this.adminList(ctx.actor.workspaceId);
    return {
      text: admins.length
        ? `Sorry — only admins can change the playbook and its admins here. Ask ${joinNames(admins.map(nameOf))}.`
        : 'Sorry — only admins can change the playbook, and this workspace has none yet: a Slack workspace admin or owner, or a Teams member named in `TEAMS_ADMINS`, is one.',
      isError: true,
    };
  }

  private async adminList(workspaceId: string): Promise<Member[]> {
    return (await this.deps.store.members.listByWorkspace(workspaceId)).filter(isAdmin);
  }

  private async admins(ctx: CommandContext): Promise<Message> {
    const admins = await this.adminList(ctx.actor.workspaceId);
    if (!admins.length) return { text: 'This workspace has no admins yet.' };
    return {
      title: 'Admins',
      text: admins
        .map((m) => `${nameOf(m)} — ${m.platformAdmin ? 'by the platform' : 'made admin here'}`)
        .join('\n'),
    };
  }

  private async admin(ctx: CommandContext, args: string[]): Promise<Message> {
    const verb = args[0]?.toLowerCase();
    if (verb !== 'add' && verb !== 'remove')
      return usageError('`admin add @member` or `admin remove @member`.', 'admin');
    const refused = await this.refuseNonAdmin(ctx);
    if (refused) return refused;
    const { workspaceId, memberId } = ctx.actor;
    const target = await this.findMember(workspaceId, args.slice(1).join(' '));
    if (!target)
      return usageError(
        `I do not know “${truncate(args.slice(1).join(' '), 40)}” here: they must have used Rapport once.`,
        'admin',
      );
    const granting = verb === 'add';
    if (granting && isAdmin(target)) return { text: `${nameOf(target)} is already an admin.` };
    if (!granting) {
      if (target.platformAdmin)
        return usageError(
          `${nameOf(target)} is an admin by the platform (a Slack workspace admin or owner, or named in TEAMS_ADMINS); that is changed there.`,
          'admin',
        );
      if (!target.grantedAdmin) return { text: `${nameOf(target)} is not an admin.` };
    }
    await this.deps.store.transaction(async (tx) => {
      await tx.members.setGrantedAdmin(workspaceId, target.id, granting);
      await tx.audit.add({
        workspaceId,
        actorId: memberId,
        action: granting ? 'admin.add' : 'admin.remove',
        subject: target.id,
        before: granting ? 'member' : 'admin',
        after: granting ? 'admin' : 'member',
        now: ctx.now,
      });
    });
    return {
      text: granting ? `${nameOf(target)} is now an admin.` : `${nameOf(target)} is no longer an admin.`,
    };
  }

  /** A member by mention (`<@U123>`, `<@U123|ada>`, `<at>Ada</at>`, `@Ada`), id or display name. */
  private async findMember(workspaceId: string, reference: string): Promise<Member | null> {
    const text = reference.trim();
    if (!text) return null;
    const slack = /^<@([A-Z0-9]+)(\|[^>]*)?>$/i.exec(text);
    const teams = /^<at>(.+)<\/at>$/i.exec(text);
    const wanted = (slack?.[1] ?? teams?.[1] ?? text.replace(/^@/, '')).trim().toLowerCase();
    const members = await this.deps.store.members.listByWorkspace(workspaceId);
    return (
      members.find((m) => m.id.toLowerCase() === wanted) ??
      members.find((m) => m.displayName?.toLowerCase() === wanted) ??
      null
    );
  }

  private async audit(ctx: CommandContext, args: string[]): Promise<Message> {
    if (args.length) return usageError('`audit` takes nothing after it.', 'audit');
    const refused = await this.refuseNonAdmin(ctx);
    if (refused) return refused;
    const { workspaceId } = ctx.actor;
    const [entries, members] = await Promise.all([
      this.deps.store.audit.list(workspaceId, AUDIT_SHOWN),
      this.deps.store.members.listByWorkspace(workspaceId),
    ]);
    if (!entries.length)
      return { text: 'Nothing changed yet: the playbook is the default, and no admin was named here.' };
    const names = new Map(members.map((m) => [m.id, nameOf(m)]));
    const who = (id: string | null): string => (id ? (names.get(id) ?? id) : '');
    return {
      title: 'Audit log',
      text: entries
        .map((e) => {
          const subject = e.action.startsWith('admin.')
            ? who(e.subject)
            : (e.subject ?? (e.action.startsWith('playbook.') ? 'the playbook' : ''));
          const what =
            e.before !== null || e.after !== null ? `: ${e.before ?? '—'} → ${e.after ?? '—'}` : '';
          return `${formatLocal(e.createdAt, ctx.member.timeZone)} — ${who(e.actorId)} — ${[e.action, subject].filter(Boolean).join(' ')}${what}`;
        })
        .join('\n'),
      footer: `Newest first; times in ${ctx.member.timeZone}.`,
    };
  }
}

/** The workspace's overrides as they will be once `change` is applied. */
function nextOverrides(existing: readonly PlaybookOverride[], change: Change): FieldChange[] {
  let next: FieldChange[] = existing.map(({ ruleId, field, value }) => ({ ruleId, field, value }));
  if (change.reset)
    next = change.reset.ruleId === undefined ? [] : next.filter((o) => o.ruleId !== change.reset!.ruleId);
  for (const set of change.set ?? []) {
    next = next.filter((o) => !(o.ruleId === set.ruleId && o.field === set.field));
    if (set.value !== undefined) next.push(set);
  }
  return next;
}

function nameOf(member: Member): string {
  return member.displayName ?? member.id;
}

function joinNames(names: string[]): string {
  return names.length <= 1
    ? (names[0] ?? '')
    : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}
