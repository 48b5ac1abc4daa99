/**
 * Rapport's application service: every feature, written once, behind channel-neutral entry points.
 * Channels call `identify` for each inbound event, then `handleCommand`, `handleChoice` or `submitForm`,
 * and render the returned messages. Every method takes `now`; nothing here reads the wall clock.
 */
import { COMMANDS, LIMITS, stripCommandPrefix, suggest, tokenize } from './commands/grammar';
import { NUDGE_ACTIONS, OPEN_LOG_FORM, parseChoiceId, partnerChoiceId } from './choice-ids';
import type { DigestWeek } from './digest';
import { RapportError } from './errors';
import type { ExportFormat } from './export';
import { EXPORT_FORMATS } from './export';
import { byAttention, touchesPerMonth } from './health';
import { healthBadge, healthSection, healthText, nextStepText, touchesSection } from './insight-views';
import type { Assessment } from './insights';
import { Insights } from './insights';
import type { ChoiceResult, Form, FormResult, FormValues, Message } from './messages';
import type {
  InteractionKind,
  IsoDate,
  Member,
  Nudge,
  Partner,
  PartnerState,
  Platform,
  Stage,
} from './model';
import { INTERACTION_KINDS, STAGES } from './model';
import type { Playbook, Rule } from './playbook/playbook';
import {
  DEFAULT_PLAYBOOK,
  evaluatePlaybook,
  findRule,
  lastDayOf,
  rulesEndedByLogging,
} from './playbook/playbook';
import { PREVIEW_DEFAULT_DAYS, PREVIEW_MAX_DAYS } from './playbook/preview';
import type { Logger, MemberSighting, Store } from './ports';
import {
  addDaysToDate,
  addDaysToInstant,
  formatClock,
  formatDay,
  formatLocal,
  hasWorkingTime,
  isValidTimeZone,
  localDate,
  nextWorkingSlot,
  parseClock,
  parseDuration,
  parseIsoDate,
  parseWeekdays,
  relativeDays,
} from './time';
import {
  closedNudgeMessage,
  helpMessage,
  interactionLine,
  KIND_LABELS,
  kindList,
  logForm,
  nudgeMessage,
  prefsMessage,
  sinceText,
  stageList,
  truncate,
  unknownPartner,
  upcomingLine,
  usageError,
} from './views';

/** Who is acting: a member of a workspace. Every operation is scoped to `workspaceId`. */
export interface Actor {
  workspaceId: string;
  memberId: string;
}

/** What a command produced: a reply, and optionally a form the channel should open (Slack modal). */
export interface CommandResult {
  reply: Message;
  openForm?: Form;
  /**
   * The reply is an overview of the member's partners that `dashboard()` (the same partners with Log
   * and Status buttons) can stand in for: a channel without a home tab of its own (Teams) shows that.
   */
  overview?: true;
}

export interface RapportOptions {
  store: Store;
  logger: Logger;
  playbook?: Playbook;
  /** Time zone for members whose platform does not report one. */
  defaultTimeZone: string;
}

type Resolved = { ok: true; partner: Partner; rest: string[] } | { ok: false; reply: Message };

const DAY_MS = 86_400_000;

export class Rapport {
  readonly playbook: Playbook;
  readonly insights: Insights;
  private readonly store: Store;
  private readonly logger: Logger;
  private readonly defaultTimeZone: string;

  constructor(options: RapportOptions) {
    this.store = options.store;
    this.logger = options.logger;
    this.playbook = options.playbook ?? DEFAULT_PLAYBOOK;
    this.defaultTimeZone = isValidTimeZone(options.defaultTimeZone) ? options.defaultTimeZone : 'UTC';
    this.insights = new Insights(this.store, this.playbook);
  }

  /** Records that a channel saw a member (creating workspace and member on first sight). */
  async identify(
    platform: Platform,
    workspaceExternalId: string,
    sighting: Omit<MemberSighting, 'workspaceId'>,
    now: Date,
    workspaceName?: string | null,
  ): Promise<{ actor: Actor; member: Member }> {
    const workspace = await this.store.workspaces.ensure(platform, workspaceExternalId, workspaceName, now);
    const member = await this.store.members.see(
      { ...sighting, workspaceId: workspace.id },
      this.defaultTimeZone,
      now,
    );
    return { actor: { workspaceId: workspace.id, memberId: member.id }, member };
  }

  async member(actor: Actor): Promise<Member> {
    const member = await this.store.members.get(actor.workspaceId, actor.memberId);
    if (!member)
      throw new RapportError('NOT_FOUND', `Unknown member ${actor.memberId} in ${actor.workspaceId}`);
    return member;
  }

  // ---------------------------------------------------------------------------------------------
  // Commands

  /** Runs one line of the command grammar. Mistakes are answered with usage, never thrown. */
  async handleCommand(actor: Actor, text: string, now: Date): Promise<CommandResult> {
    if (text.length > LIMITS.commandText) {
      return {
        reply: usageError(
          `That message is too long (${text.length} characters; the limit is ${LIMITS.commandText}).`,
        ),
      };
    }
    const tokenized = tokenize(text.trim());
    if (!tokenized.ok) return { reply: usageError(tokenized.error) };
    const tokens = stripCommandPrefix(tokenized.tokens);
    // Whether the first argument (the partner's name, for most commands) was typed in quotes.
    const firstArgQuoted = tokenized.quoted[tokenized.tokens.length - tokens.length + 1] ?? false;
    const member = await this.member(actor);
    if (tokens.length === 0) {
      const partners = await this.store.partners.list(actor.workspaceId);
      return {
        reply: helpMessage(),
        openForm: partners.length ? logForm(partners, { date: localDate(now, member.timeZone) }) : undefined,
      };
    }
    const [name, ...args] = tokens;
    const command = name!.toLowerCase();
    const context = { actor, member, now, today: localDate(now, member.timeZone), firstArgQuoted };
    switch (command) {
      case 'help':
        return { reply: helpMessage(args[0]) };
      case 'add':
        return { reply: await this.add(context, args) };
      case 'log':
        return this.log(context, args);
      case 'signed':
        return { reply: await this.signed(context, args) };
      case 'observe':
        return { reply: await this.observe(context, args) };
      case 'stage':
        return { reply: await this.stage(context, args) };
      case 'list':
        return { reply: await this.list(context), overview: true };
      case 'status':
        return { reply: await this.status(context, args) };
      case 'brief':
        return { reply: await this.brief(context, args) };
      case 'preview':
        return { reply: await this.preview(context, args) };
      case 'export':
        return { reply: await this.export(context, args) };
      case 'snooze':
        return { reply: await this.snooze(context, args) };
      case 'pause':
        return { reply: await this.pause(context, args) };
      case 'prefs':
        return { reply: await this.prefs(context, args) };
      case 'remove':
        return { reply: await this.remove(context, args) };
      default: {
        const close = suggest(command, [...COMMANDS.map((c) => c.name), 'remove'], 2);
        const hint = close.length ? ` Did you mean ${close.map((c) => `\`${c}\``).join(' or ')}?` : '';
        return {
          reply: usageError(
            `I don't know the command “${truncate(command, 40)}”.${hint} Type \`partner help\` for the list.`,
          ),
        };
      }
    }
  }

  private async add(ctx: Context, args: string[]): Promise<Message> {
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
    const existing = await this.store.partners.findByName(ctx.actor.workspaceId, name);
    if (existing)
      return usageError(
        `*${existing.name}* is already here. See it with \`partner status ${quoteName(existing.name)}\`.`,
      );
    const partner = await this.store.partners.create({
      workspaceId: ctx.actor.workspaceId,
      name,
      stage,
      createdBy: ctx.actor.memberId,
      signedOn: stage === 'signed' ? ctx.today : null,
      now: ctx.now,
    });
    await this.refreshSchedule(partner, ctx.now);
    this.logger.info({ workspaceId: partner.workspaceId, partnerId: partner.id }, 'partner added');
    return {
      text: `Added *${partner.name}* (${stage}). You own it. I'll nudge you to visit them, note what you learn about their culture, design the collaboration together and keep in touch.`,
      footer: `Log what happens: \`partner log ${quoteName(partner.name)} meeting today First call\``,
    };
  }

  private async log(ctx: Context, args: string[]): Promise<CommandResult> {
    if (args.length === 0) {
      const partners = await this.store.partners.list(ctx.actor.workspaceId);
      const reply = usageError('What happened, and with whom?', 'log');
      return { reply, openForm: partners.length ? logForm(partners, { date: ctx.today }) : undefined };
    }
    const resolved = await this.resolvePartner(ctx, args, 'log');
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
    let noteWords = rest.slice(1);
    let date = ctx.today;
    if (noteWords[0] && looksLikeDate(noteWords[0])) {
      const parsed = parseDay(noteWords[0], ctx.today);
      if (!parsed.ok) return { reply: usageError(parsed.error, 'log') };
      date = parsed.date;
      noteWords = noteWords.slice(1);
    }
    const note = noteWords.join(' ').trim();
    const recorded = await this.recordInteraction(ctx, partner, kindWord, date, note || null, null);
    return { reply: recorded };
  }

  private async signed(ctx: Context, args: string[]): Promise<Message> {
    if (args.length === 0) return usageError('Which partner did you sign with?', 'signed');
    const resolved = await this.resolvePartner(ctx, args, 'signed');
    if (!resolved.ok) return resolved.reply;
    const { partner, rest } = resolved;
    if (rest.length > 1)
      return usageError(
        `I expected at most a date after the name, not “${truncate(rest.join(' '), 60)}”.`,
        'signed',
      );
    let date = ctx.today;
    if (rest[0]) {
      const parsed = parseDay(rest[0], ctx.today);
      if (!parsed.ok) return usageError(parsed.error, 'signed');
      date = parsed.date;
    }
    const updated = await this.store.partners.update(ctx.actor.workspaceId, partner.id, {
      stage: 'signed',
      signedOn: date,
      stageChangedAt: partner.stage === 'signed' ? partner.stageChangedAt : ctx.now,
    });
    await this.store.interactions.add({
      workspaceId: ctx.actor.workspaceId,
      partnerId: partner.id,
      memberId: ctx.actor.memberId,
      kind: 'milestone',
      occurredOn: date,
      note: 'Contract signed',
      now: ctx.now,
    });
    await this.refreshSchedule(updated, ctx.now);
    return {
      text:
        `Signed with *${updated.name}* on ${formatDay(date)}. Congratulations — this is where the real work starts. ` +
        'I will check in 7, 30, 60 and 100 days after signing, then every quarter.',
      footer: 'Within 45 days of signing, hold a joint workshop to design the collaboration together.',
    };
  }

  private async observe(ctx: Context, args: string[]): Promise<Message> {
    if (args.length === 0) return usageError('Which partner, and what did you observe?', 'observe');
    const resolved = await this.resolvePartner(ctx, args, 'observe');
    if (!resolved.ok) return resolved.reply;
    const note = resolved.rest.join(' ').trim();
    if (!note)
      return usageError(`What did you observe about *${resolved.partner.name}*'s culture?`, 'observe');
    return this.recordInteraction(ctx, resolved.partner, 'observation', ctx.today, note, null);
  }

  private async stage(ctx: Context, args: string[]): Promise<Message> {
    if (args.length < 2)
      return usageError('Give a partner and a stage.', 'stage', [`Stages: ${stageList()}.`]);
    const stageWord = args[args.length - 1]!.toLowerCase();
    if (!isStage(stageWord)) {
      return usageError(`“${truncate(stageWord, 30)}” is not a stage. Stages: ${stageList()}.`, 'stage');
    }
    const resolved = await this.resolvePartner(ctx, args.slice(0, -1), 'stage');
    if (!resolved.ok) return resolved.reply;
    const { partner } = resolved;
    if (resolved.rest.length)
      return usageError(`I could not read “${truncate(resolved.rest.join(' '), 60)}”.`, 'stage');
    if (partner.stage === stageWord) return { text: `*${partner.name}* is already ${stageWord}.` };
    const updated = await this.store.partners.update(ctx.actor.workspaceId, partner.id, {
      stage: stageWord,
      stageChangedAt: ctx.now,
      signedOn: stageWord === 'signed' ? (partner.signedOn ?? ctx.today) : partner.signedOn,
    });
    await this.refreshSchedule(updated, ctx.now);
    const extra = stageWord === 'ended' ? ' I will stop nudging you about them.' : '';
    return { text: `*${updated.name}* moved from ${partner.stage} to ${stageWord}.${extra}` };
  }

  private async list(ctx: Context): Promise<Message> {
    const partners = await this.store.partners.list(ctx.actor.workspaceId);
    if (partners.length === 0) {
      return { text: 'No partners yet. Add one with `partner add NAME`, e.g. `partner add Nissan`.' };
    }
    const mine = partners.filter((p) => p.owners.includes(ctx.actor.memberId));
    const others = partners.filter((p) => !p.owners.includes(ctx.actor.memberId));
    const assessed = await this.byAttention(ctx, mine);
    const lines = await Promise.all(
      assessed.map(async ({ assessment }) => {
        const why = assessment.health.reasons[0];
        const summary = await this.partnerSummaryLine(ctx, assessment.partner);
        return `${healthBadge(assessment.health)} ${summary}${why && assessment.partner.stage !== 'ended' ? ` · ${why}` : ''}`;
      }),
    );
    const sections = [
      {
        title: `Your partners (${mine.length}), what needs attention first`,
        lines: lines.length ? lines : ['None yet.'],
      },
    ];
    if (others.length) {
      sections.push({
        title: `Others in this workspace (${others.length})`,
        lines: [others.map((p) => p.name).join(', ')],
      });
    }
    return { title: 'Partners', text: 'Where each relationship stands.', sections };
  }

  /**
   * The member's dashboard (Slack App Home, a Teams card): each partner they own with stage, last
   * contact and what comes next, with buttons to log and to see its status.
   */
  async dashboard(actor: Actor, now: Date): Promise<Message> {
    const member = await this.member(actor);
    const ctx: Context = { actor, member, now, today: localDate(now, member.timeZone) };
    const partners = await this.store.partners.list(actor.workspaceId, { ownerId: actor.memberId });
    const open = await this.store.nudges.listOpenForMember(actor.workspaceId, actor.memberId);
    const assessed = await this.byAttention(ctx, partners);
    const sections = await Promise.all(
      assessed.map(async ({ assessment }) => {
        const { partner, health } = assessment;
        const waiting = open
          .filter((n) => n.partnerId === partner.id)
          .map((n) => this.nudgeStatusLine(n, member));
        // A nudge given up after bounded retries must be seen, never silently dropped.
        const failed = (await this.store.nudges.listForPartner(actor.workspaceId, partner.id, { limit: 50 }))
          .filter((n) => n.status === 'failed' && n.memberId === actor.memberId)
          .map(
            (n) =>
              `⚠️ ${this.ruleTitle(n.ruleId)} could not be delivered (${n.lastError ?? 'unknown error'})`,
          );
        const healthLine =
          partner.stage === 'ended'
            ? `Health ${healthBadge(health)} — ended`
            : `Health ${healthText(health)} — ${health.reasons[0] ?? ''}. Next: ${nextStepText(health, partner)}`;
        return {
          title: partner.name,
          lines: [healthLine, await this.partnerSummaryLine(ctx, partner), ...waiting, ...failed],
          choices: [
            { id: partnerChoiceId(partner.id, 'log'), label: 'Log' },
            { id: partnerChoiceId(partner.id, 'status'), label: 'Status' },
          ],
        };
      }),
    );
    return {
      title: 'Your partnerships',
      text: partners.length
        ? `You own ${partners.length} partner relationship${partners.length === 1 ? '' : 's'}.`
        : 'You do not own any partners yet. Add one with `partner add NAME`.',
      sections,
      choices: [{ id: OPEN_LOG_FORM, label: 'Log an interaction', style: 'primary' }],
    };
  }

  /** Partners with their health, what needs attention first (lowest health, most waiting, ended last). */
  private async byAttention(ctx: Context, partners: Partner[]): Promise<{ assessment: Assessment }[]> {
    const assessed = await Promise.all(
      partners.map(async (partner) => {
        const assessment = await this.insights.assess(partner, ctx.today, ctx.now);
        const waiting = this.insights.waitingFor(assessment, ctx.actor.memberId).length;
        return { assessment, partner, health: assessment.health, waiting };
      }),
    );
    return assessed.sort(byAttention);
  }

  private async partnerSummaryLine(ctx: Context, partner: Partner): Promise<string> {
    const history = await this.store.partners.history(ctx.actor.workspaceId, partner.id);
    const last = lastDayOf(history);
    const evaluation = evaluatePlaybook({ partner, history }, ctx.now, this.playbook);
    const next = evaluation.upcoming[0];
    const nextText = next
      ? `; next: ${findRule(this.playbook, next.ruleId)?.title ?? next.ruleId} ${relativeDays(localDate(next.dueAt, 'UTC'), ctx.today)}`
      : '';
    const lastText = last ? `last contact ${relativeDays(last, ctx.today)}` : 'no contact logged';
    return `*${partner.name}* — ${partner.stage}, ${lastText}${nextText}`;
  }

  private async status(ctx: Context, args: string[]): Promise<Message> {
    if (args.length === 0) return usageError('Which partner?', 'status');
    const resolved = await this.resolvePartner(ctx, args, 'status');
    if (!resolved.ok) return resolved.reply;
    const { partner } = resolved;
    const { workspaceId } = ctx.actor;
    const [history, recent, nudges] = await Promise.all([
      this.store.partners.history(workspaceId, partner.id),
      this.store.interactions.listForPartner(workspaceId, partner.id, { limit: 5 }),
      this.store.nudges.listForPartner(workspaceId, partner.id, { limit: 50 }),
    ]);
    const evaluation = evaluatePlaybook({ partner, history }, ctx.now, this.playbook);
    const assessment = await this.insights.assess(partner, ctx.today, ctx.now);
    const owners = await Promise.all(partner.owners.map((id) => this.store.members.get(workspaceId, id)));
    const facts = [
      { label: 'Stage', value: partner.stage },
      { label: 'Health', value: healthText(assessment.health) },
      { label: 'Owners', value: owners.map((m, i) => m?.displayName ?? partner.owners[i]).join(', ') },
      { label: 'Added', value: formatDay(localDate(partner.createdAt, ctx.member.timeZone)) },
    ];
    if (partner.firstMetOn) facts.push({ label: 'First met', value: formatDay(partner.firstMetOn) });
    if (partner.signedOn) {
      facts.push({
        label: 'Signed',
        value: `${formatDay(partner.signedOn)} (${relativeDays(partner.signedOn, ctx.today)})`,
      });
    }
    const last = lastDayOf(history);
    facts.push({
      label: 'Last contact',
      value: last ? `${formatDay(last)} (${relativeDays(last, ctx.today)})` : 'none logged',
    });

    const isOpen = (n: Nudge): boolean =>
      n.status === 'pending' || n.status === 'sent' || n.status === 'snoozed';
    const isCheckin = (n: Nudge): boolean => findRule(this.playbook, n.ruleId)?.records === 'checkin';
    const openCheckins = nudges.filter((n) => isOpen(n) && isCheckin(n));
    const open = nudges.filter((n) => isOpen(n) && !isCheckin(n));
    const answered = nudges.filter((n) => n.status === 'answered' && n.answer && !n.answer.startsWith('_'));
    const failed = nudges.filter((n) => n.status === 'failed');
    const sections = [
      healthSection(assessment.health, partner),
      touchesSection(touchesPerMonth(assessment.interactions, ctx.today, 12), ctx.today),
      {
        title: 'Recent interactions',
        lines: recent.length ? recent.map((i) => interactionLine(i, ctx.today)) : ['None logged yet.'],
      },
      {
        title: 'Open check-ins',
        lines: openCheckins.length
          ? openCheckins.map((n) => this.nudgeStatusLine(n, ctx.member))
          : ['No check-in waiting for an answer.'],
      },
      {
        title: 'Open nudges',
        lines: open.length
          ? open.map((n) => this.nudgeStatusLine(n, ctx.member))
          : ['Nothing waiting for you.'],
      },
    ];
    if (answered.length) {
      sections.push({
        title: 'Answers',
        lines: answered.slice(0, 5).map((n) => this.answerLine(n, ctx.member)),
      });
    }
    if (failed.length) {
      sections.push({
        title: 'Could not be delivered',
        lines: failed.map(
          (n) =>
            `${this.ruleTitle(n.ruleId)} — gave up after ${n.attempts} attempts (${n.lastError ?? 'unknown error'})`,
        ),
      });
    }
    sections.push({
      title: 'Coming up',
      lines: evaluation.upcoming.length
        ? evaluation.upcoming.slice(0, 4).map((o) => upcomingLine(o, findRule(this.playbook, o.ruleId)))
        : ['Nothing scheduled.'],
    });
    return {
      title: partner.name,
      text: `Where the relationship with *${partner.name}* stands.`,
      facts,
      sections,
    };
  }

  private async brief(ctx: Context, args: string[]): Promise<Message> {
    if (args.length === 0) return usageError('Which partner are you about to meet?', 'brief');
    const resolved = await this.resolvePartner(ctx, args, 'brief');
    if (!resolved.ok) return resolved.reply;
    if (resolved.rest.length)
      return usageError(`I could not read “${truncate(resolved.rest.join(' '), 60)}”.`, 'brief');
    return this.insights.brief(resolved.partner, ctx.today, ctx.now);
  }

  private async preview(ctx: Context, args: string[]): Promise<Message> {
    if (args.length === 0) return usageError('Which partner?', 'preview');
    // The name is resolved first, so that a name ending in a number ("Studio 54") still works.
    const resolved = await this.resolvePartner(ctx, args, 'preview');
    if (!resolved.ok) return resolved.reply;
    let days = PREVIEW_DEFAULT_DAYS;
    if (resolved.rest.length) {
      const word = resolved.rest[0]!;
      if (resolved.rest.length > 1 || !/^\d{1,6}d?$/i.test(word))
        return usageError(
          `I expected a number of days after the name, not “${truncate(resolved.rest.join(' '), 60)}”.`,
          'preview',
        );
      days = Number(word.replace(/d$/i, ''));
      if (days < 1 || days > PREVIEW_MAX_DAYS)
        return usageError(`Preview between 1 and ${PREVIEW_MAX_DAYS} days ahead, not ${days}.`, 'preview');
    }
    const { partner } = resolved;
    const waiting = (await this.store.nudges.listOpenForMember(ctx.actor.workspaceId, ctx.actor.memberId))
      .filter((n) => n.partnerId === partner.id)
      .map((n) => this.nudgeStatusLine(n, ctx.member));
    return this.insights.preview(partner, days, ctx.now, ctx.member, waiting);
  }

  private async export(ctx: Context, args: string[]): Promise<Message> {
    const format = (args[0] ?? 'csv').toLowerCase();
    if (args.length > 1 || !isExportFormat(format))
      return usageError(`Export as \`csv\` or \`json\`, not “${truncate(args.join(' '), 30)}”.`, 'export');
    const message = await this.insights.export(ctx.actor.workspaceId, format, ctx.now, ctx.member.timeZone);
    this.logger.info(
      { workspaceId: ctx.actor.workspaceId, memberId: ctx.actor.memberId, format },
      'workspace exported',
    );
    return message;
  }

  /**
   * The timeline preview for the command line: a workspace and a partner name, no member (due days are
   * shown in UTC). Unknown partners get suggestions.
   */
  async previewForWorkspace(
    workspaceId: string,
    partnerName: string,
    days: number,
    now: Date,
  ): Promise<Message> {
    if (!Number.isInteger(days) || days < 1 || days > PREVIEW_MAX_DAYS)
      return usageError(`Preview between 1 and ${PREVIEW_MAX_DAYS} days ahead, not ${days}.`, 'preview');
    const partner = await this.store.partners.findByName(workspaceId, partnerName);
    if (!partner) {
      const names = (await this.store.partners.list(workspaceId)).map((p) => p.name);
      return unknownPartner(partnerName, suggest(partnerName, names), 'preview');
    }
    return this.insights.preview(partner, days, now, null);
  }

  /** The export for the command line: everything in a workspace, as files. */
  async exportWorkspace(workspaceId: string, format: ExportFormat, now: Date): Promise<Message> {
    return this.insights.export(workspaceId, format, now, 'UTC');
  }

  /** The weekly digest a member should get for `week`, or null when there is nothing to say. */
  async weeklyDigest(member: Member, week: DigestWeek, now: Date): Promise<Message | null> {
    return this.insights.digest(member, week, now);
  }

  /** The member the nudge went to, or any owner of its partner. */
  private mayAnswer(nudge: Nudge, partner: Partner, memberId: string): boolean {
    return nudge.memberId === memberId || partner.owners.includes(memberId);
  }

  private ruleTitle(ruleId: string): string {
    return findRule(this.playbook, ruleId)?.title ?? ruleId;
  }

  private nudgeStatusLine(nudge: Nudge, member: Member): string {
    const title = this.ruleTitle(nudge.ruleId);
    if (nudge.status === 'sent')
      return `${title} — sent ${formatLocal(nudge.sentAt ?? nudge.dueAt, member.timeZone)}, waiting for your answer`;
    if (nudge.status === 'snoozed')
      return `${title} — snoozed until ${formatLocal(nudge.deliverAfter, member.timeZone)}`;
    return `${title} — due, will be sent from ${formatLocal(nextWorkingSlot(nudge.deliverAfter, member), member.timeZone)}`;
  }

  private answerLine(nudge: Nudge, member: Member): string {
    const rule = findRule(this.playbook, nudge.ruleId);
    const choice = rule?.choices.find((c) => c.id === nudge.answer);
    const when = nudge.answeredAt ? formatDay(localDate(nudge.answeredAt, member.timeZone)) : '';
    return `${rule?.title ?? nudge.ruleId} (${nudge.occurrence}): ${choice?.label ?? nudge.answer} — ${when}`;
  }

  private async snooze(ctx: Context, args: string[]): Promise<Message> {
    if (args.length < 2) return usageError('Give a partner and a duration.', 'snooze');
    const durationMs = parseDuration(args[args.length - 1]!);
    if (durationMs === null)
      return usageError(
        `“${truncate(args[args.length - 1]!, 20)}” is not a duration. Use e.g. 3d, 1w or 12h.`,
        'snooze',
      );
    if (durationMs > 90 * DAY_MS) return usageError('You can snooze for 90 days at most.', 'snooze');
    const resolved = await this.resolvePartner(ctx, args.slice(0, -1), 'snooze');
    if (!resolved.ok) return resolved.reply;
    const { partner } = resolved;
    const until = new Date(ctx.now.getTime() + durationMs);
    const open = (
      await this.store.nudges.listOpenForMember(ctx.actor.workspaceId, ctx.actor.memberId)
    ).filter((n) => n.partnerId === partner.id);
    let count = 0;
    for (const nudge of open) {
      if (await this.store.nudges.snooze(ctx.actor.workspaceId, nudge.id, until, ctx.actor.memberId, ctx.now))
        count++;
    }
    if (count === 0)
      return { text: `Nothing is open for *${partner.name}* right now, so there is nothing to snooze.` };
    return {
      text: `Snoozed ${count} nudge${count === 1 ? '' : 's'} for *${partner.name}* until ${formatLocal(until, ctx.member.timeZone)}.`,
    };
  }

  private async pause(ctx: Context, args: string[]): Promise<Message> {
    const word = args[0]?.toLowerCase();
    if (!word || args.length > 1) return usageError('Give a duration, or `off`.', 'pause');
    if (word === 'off') {
      await this.store.members.setPausedUntil(ctx.actor.workspaceId, ctx.actor.memberId, null);
      return { text: 'Welcome back — nudges are on again.' };
    }
    const durationMs = parseDuration(word);
    if (durationMs === null)
      return usageError(`“${truncate(word, 20)}” is not a duration. Use e.g. 3d or 2w.`, 'pause');
    if (durationMs > 180 * DAY_MS) return usageError('You can pause for 180 days at most.', 'pause');
    const until = new Date(ctx.now.getTime() + durationMs);
    await this.store.members.setPausedUntil(ctx.actor.workspaceId, ctx.actor.memberId, until);
    return {
      text: `Paused until ${formatLocal(until, ctx.member.timeZone)}. Nudges that fall due meanwhile wait for your return.`,
    };
  }

  private async prefs(ctx: Context, args: string[]): Promise<Message> {
    const { workspaceId, memberId } = ctx.actor;
    if (args.length === 0) return prefsMessage(ctx.member, ctx.now);
    const [setting, ...values] = args;
    const value = values.join(' ').trim();
    switch (setting!.toLowerCase()) {
      case 'tz':
      case 'timezone': {
        if (value.toLowerCase() === 'auto') {
          await this.store.members.followPlatformTimeZone(workspaceId, memberId);
          return {
            ...prefsMessage(await this.member(ctx.actor), ctx.now),
            text: 'Your time zone will follow your Slack or Teams profile again from your next message.',
          };
        }
        if (!value || !isValidTimeZone(value)) {
          return usageError(
            `“${truncate(value, 64)}” is not a time zone I know. Use an IANA name such as Europe/Paris or Asia/Tokyo.`,
            'prefs',
          );
        }
        const member = await this.store.members.updatePrefs(workspaceId, memberId, { timeZone: value });
        return prefsMessage(member, ctx.now);
      }
      case 'hours': {
        const [from, to] = value.split('-');
        const start = from ? parseClock(from) : null;
        const end = to ? parseClock(to) : null;
        if (start === null || end === null)
          return usageError(
            `“${truncate(value, 20)}” is not a range of hours. Use e.g. 09:00-17:00.`,
            'prefs',
          );
        if (start >= end) {
          return usageError(
            `Working hours must start before they end (${formatClock(start)} is not before ${formatClock(end)}).`,
            'prefs',
          );
        }
        const member = await this.store.members.updatePrefs(workspaceId, memberId, {
          workStart: start,
          workEnd: end,
        });
        return prefsMessage(member, ctx.now);
      }
      case 'days': {
        const days = parseWeekdays(value);
        if (!days || !hasWorkingTime({ ...ctx.member, workingDays: days })) {
          return usageError(
            `“${truncate(value, 30)}” are not days I can read. Use e.g. mon-fri, sun-thu or mon,wed,fri.`,
            'prefs',
          );
        }
        const member = await this.store.members.updatePrefs(workspaceId, memberId, { workingDays: days });
        return prefsMessage(member, ctx.now);
      }
      case 'digest': {
        const on = value.toLowerCase();
        if (on !== 'on' && on !== 'off')
          return usageError('Use `prefs digest on` or `prefs digest off`.', 'prefs');
        await this.store.members.setDigest(workspaceId, memberId, on === 'on');
        return prefsMessage({ ...ctx.member, digest: on === 'on' }, ctx.now);
      }
      default:
        return usageError(`I don't know the setting “${truncate(setting!, 20)}”.`, 'prefs');
    }
  }

  private async remove(ctx: Context, args: string[]): Promise<Message> {
    if (args.length === 0) return usageError('Which partner should I remove? Usage: `partner remove NAME`');
    const resolved = await this.resolvePartner(ctx, args, undefined);
    if (!resolved.ok) return resolved.reply;
    const { partner } = resolved;
    return {
      text: `Remove *${partner.name}* with all its interactions and nudges? This cannot be undone.`,
      choices: [
        {
          id: partnerChoiceId(partner.id, 'remove'),
          label: `Remove ${truncate(partner.name, 30)}`,
          style: 'danger',
        },
        { id: partnerChoiceId(partner.id, 'keep'), label: 'Keep it' },
      ],
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Choices (buttons) and forms

  /** Acts on a pressed button. Stale, foreign or unknown buttons get a clear answer and change nothing. */
  async handleChoice(actor: Actor, choiceId: string, now: Date): Promise<ChoiceResult> {
    const parsed = parseChoiceId(choiceId);
    const member = await this.member(actor);
    if (!parsed)
      return {
        reply: usageError(
          'That button is not one I recognise any more. Type `partner help` to see what I can do.',
        ),
      };
    if (parsed.type === 'open-log-form') {
      return { reply: { text: 'Opening the log form.' }, openForm: await this.openLogForm(actor, now) };
    }
    if (parsed.type === 'partner')
      return this.partnerChoice(actor, member, parsed.partnerId, parsed.action, now);
    const nudge = await this.store.nudges.get(actor.workspaceId, parsed.nudgeId);
    const partner = nudge ? await this.store.partners.get(actor.workspaceId, nudge.partnerId) : null;
    const rule = nudge ? findRule(this.playbook, nudge.ruleId) : undefined;
    if (!nudge || !partner || !rule)
      return { reply: usageError('This nudge no longer exists (its partner may have been removed).') };
    if (!this.mayAnswer(nudge, partner, actor.memberId)) {
      return { reply: usageError(`This nudge is for ${partner.name}'s owners; you are not one of them.`) };
    }
    const original = await this.renderNudge(nudge, now);
    if (!['pending', 'sent', 'snoozed'].includes(nudge.status)) {
      const outcome = await this.outcomeText(nudge, member);
      return {
        reply: { text: `Already handled: ${outcome}` },
        replaceOriginal: closedNudgeMessage(original, outcome),
      };
    }
    const today = localDate(now, member.timeZone);
    switch (parsed.action) {
      case NUDGE_ACTIONS.log:
        return {
          reply: {
            text: `Log it with \`partner log ${quoteName(partner.name)} ${rule.logKind ?? 'note'} today NOTE\`, or use the form.`,
          },
          openForm: await this.openLogForm(actor, now, {
            partnerId: partner.id,
            kind: rule.logKind,
            nudgeId: nudge.id,
          }),
        };
      case NUDGE_ACTIONS.brief:
        return { reply: await this.insights.brief(partner, today, now) };
      case NUDGE_ACTIONS.snoozeDay:
      case NUDGE_ACTIONS.snoozeWeek: {
        const days = parsed.action === NUDGE_ACTIONS.snoozeDay ? 1 : 7;
        const until = nextWorkingSlot(addDaysToInstant(now, days), member);
        const done = await this.store.nudges.snooze(actor.workspaceId, nudge.id, until, actor.memberId, now);
        if (!done) return this.handleChoice(actor, choiceId, now);
        const outcome = `Snoozed until ${formatLocal(until, member.timeZone)}`;
        return { reply: { text: `${outcome}.` }, replaceOriginal: closedNudgeMessage(original, outcome) };
      }
      case NUDGE_ACTIONS.dismiss: {
        const done = await this.store.nudges.dismiss(actor.workspaceId, nudge.id, actor.memberId, now);
        if (!done) return this.handleChoice(actor, choiceId, now);
        const outcome = `Dismissed by ${member.displayName ?? 'you'}`;
        return { reply: { text: 'Dismissed.' }, replaceOriginal: closedNudgeMessage(original, outcome) };
      }
    }
    const choice = rule.choices.find((c) => c.id === parsed.action);
    if (!choice) return { reply: usageError('That answer is not one this nudge offers any more.') };
    const { answered } = await this.store.nudges.answer(actor.workspaceId, nudge.id, {
      choiceId: choice.id,
      memberId: actor.memberId,
      at: now,
      interaction:
        rule.records === 'checkin'
          ? {
              workspaceId: actor.workspaceId,
              partnerId: partner.id,
              memberId: actor.memberId,
              kind: 'checkin',
              occurredOn: today,
              note: `${rule.title} (${nudge.occurrence}): ${choice.label}`,
              rating: choice.rating ?? null,
            }
          : undefined,
    });
    if (!answered) return this.handleChoice(actor, choiceId, now);
    await this.refreshSchedule(partner, now);
    const outcome = `Recorded “${choice.label}” — ${member.displayName ?? 'you'}, ${formatDay(today)}`;
    return {
      reply: { text: `Thanks — recorded *${choice.label}* for ${partner.name} (${rule.title}).` },
      replaceOriginal: closedNudgeMessage(original, outcome),
    };
  }

  private async partnerChoice(
    actor: Actor,
    member: Member,
    partnerId: number,
    action: string,
    now: Date,
  ): Promise<ChoiceResult> {
    const partner = await this.store.partners.get(actor.workspaceId, partnerId);
    if (!partner) return { reply: usageError('That partner no longer exists.') };
    switch (action) {
      case 'status':
        return {
          reply: await this.status({ actor, member, now, today: localDate(now, member.timeZone) }, [
            partner.name,
          ]),
        };
      case 'log':
        return {
          reply: { text: 'Opening the log form.' },
          openForm: await this.openLogForm(actor, now, { partnerId }),
        };
      case 'keep':
        return {
          reply: { text: `Kept *${partner.name}*.` },
          replaceOriginal: { text: `Kept *${partner.name}*.` },
        };
      case 'remove': {
        if (!partner.owners.includes(actor.memberId))
          return { reply: usageError(`Only ${partner.name}'s owners can remove it.`) };
        await this.store.partners.remove(actor.workspaceId, partner.id);
        this.logger.info({ workspaceId: actor.workspaceId, partnerId }, 'partner removed');
        const text = `Removed *${partner.name}* and everything logged about it.`;
        return { reply: { text }, replaceOriginal: { text } };
      }
      default:
        return { reply: usageError('That button is not one I recognise any more.') };
    }
  }

  private async outcomeText(nudge: Nudge, member: Member): Promise<string> {
    const when = nudge.answeredAt ? formatDay(localDate(nudge.answeredAt, member.timeZone)) : '';
    const by = nudge.answeredBy
      ? (await this.store.members.get(nudge.workspaceId, nudge.answeredBy))?.displayName
      : null;
    const who = by ?? (nudge.answeredBy === member.id ? 'you' : (nudge.answeredBy ?? 'someone'));
    switch (nudge.status) {
      case 'answered': {
        const rule = findRule(this.playbook, nudge.ruleId);
        const label =
          rule?.choices.find((c) => c.id === nudge.answer)?.label ??
          (nudge.answer === NUDGE_ACTIONS.log ? 'Logged' : nudge.answer);
        return `Recorded “${label}” — ${who}, ${when}`;
      }
      case 'dismissed':
        return `Dismissed by ${who}`;
      case 'expired':
        return 'No longer needed (something newer was logged)';
      default:
        return `This nudge is ${nudge.status}`;
    }
  }

  /** The log form, optionally prefilled (from a nudge's "Log it now"). */
  async openLogForm(
    actor: Actor,
    now: Date,
    initial: { partnerId?: number; kind?: string; nudgeId?: number } = {},
  ): Promise<Form> {
    const member = await this.member(actor);
    const partners = await this.store.partners.list(actor.workspaceId);
    const form = logForm(partners, {
      partnerId: initial.partnerId,
      kind: initial.kind,
      date: localDate(now, member.timeZone),
    });
    if (initial.nudgeId !== undefined) form.context = { nudgeId: String(initial.nudgeId) };
    return form;
  }

  /** Validates and stores a submitted form; every problem is reported against its field. */
  async submitForm(
    actor: Actor,
    formId: string,
    values: FormValues,
    context: Record<string, string> | undefined,
    now: Date,
  ): Promise<FormResult> {
    if (formId !== 'log-interaction')
      return { ok: false, errors: { form: 'This form is not one I know any more. Please start again.' } };
    const member = await this.member(actor);
    const today = localDate(now, member.timeZone);
    const errors: Record<string, string> = {};
    const partnerId = Number(values.partner);
    const partner =
      Number.isSafeInteger(partnerId) && values.partner
        ? await this.store.partners.get(actor.workspaceId, partnerId)
        : null;
    if (!values.partner) errors.partner = 'Choose a partner.';
    else if (!partner)
      errors.partner = 'This partner no longer exists. It may have been removed; choose another.';
    const kind = values.kind?.trim().toLowerCase();
    if (!kind) errors.kind = 'Choose what happened.';
    else if (!isKind(kind)) errors.kind = `Choose one of: ${kindList()}.`;
    let date = today;
    if (values.date) {
      const parsed = parseDay(values.date, today);
      if (!parsed.ok) errors.date = parsed.error;
      else date = parsed.date;
    }
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
    const ctx = { actor, member, now, today };
    const reply = await this.recordInteraction(ctx, partner, kind, date, note || null, rating, nudgeId);
    return { ok: true, reply };
  }

  // ---------------------------------------------------------------------------------------------
  // Shared steps

  private async recordInteraction(
    ctx: Context,
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
    let nudge =
      nudgeId !== null && Number.isSafeInteger(nudgeId)
        ? await this.store.nudges.get(workspaceId, nudgeId)
        : null;
    // The nudge id comes back from the client (form context): honour it only for this partner and for
    // someone the nudge is for, exactly as a button press would be.
    if (nudge && (nudge.partnerId !== partner.id || !this.mayAnswer(nudge, partner, memberId))) nudge = null;
    const interaction = {
      workspaceId,
      partnerId: partner.id,
      memberId,
      kind,
      occurredOn: date,
      note,
      rating,
    };
    if (nudge) {
      const { answered } = await this.store.nudges.answer(workspaceId, nudge.id, {
        choiceId: NUDGE_ACTIONS.log,
        memberId,
        at: ctx.now,
        interaction,
      });
      if (!answered) await this.store.interactions.add({ ...interaction, now: ctx.now });
    } else {
      await this.store.interactions.add({ ...interaction, now: ctx.now });
    }
    const meets: InteractionKind[] = ['meeting', 'visit', 'hosted', 'workshop'];
    let current = partner;
    if (meets.includes(kind) && (!partner.firstMetOn || date < partner.firstMetOn)) {
      current = await this.store.partners.update(workspaceId, partner.id, { firstMetOn: date });
    }
    await this.refreshSchedule(current, ctx.now);
    return {
      text: `Logged for *${partner.name}*: ${KIND_LABELS[kind]}, ${formatDay(date)}${rating ? `, ${rating}/5` : ''}.`,
      footer: note ? `“${truncate(note, 200)}”` : undefined,
    };
  }

  /**
   * Finds the partner a command names: a quoted name, or the longest run of leading words that is a
   * known name (so `log Renault Group visit` works without quotes).
   */
  private async resolvePartner(
    ctx: Context,
    args: string[],
    commandName: string | undefined,
  ): Promise<Resolved> {
    const { workspaceId } = ctx.actor;
    for (let words = ctx.firstArgQuoted ? 1 : Math.min(args.length, 6); words >= 1; words--) {
      const name = args.slice(0, words).join(' ');
      if (name.length > LIMITS.partnerName) continue;
      const partner = await this.store.partners.findByName(workspaceId, name);
      if (partner) return { ok: true, partner, rest: args.slice(words) };
    }
    const names = (await this.store.partners.list(workspaceId)).map((p) => p.name);
    return { ok: false, reply: unknownPartner(args[0]!, suggest(args[0]!, names), commandName) };
  }

  /**
   * Re-evaluates the playbook for one partner after a change: expires undelivered nudges that are no
   * longer due and keeps the scheduler's index (`next_due_at`) current.
   */
  async refreshSchedule(partner: Partner, now: Date): Promise<void> {
    const history = await this.store.partners.history(partner.workspaceId, partner.id);
    const evaluation = evaluatePlaybook({ partner, history }, now, this.playbook);
    await this.store.nudges.expirePending(
      partner.workspaceId,
      partner.id,
      evaluation.due,
      now,
      rulesEndedByLogging(this.playbook),
    );
    // Something already due is indexed at its own due instant, so a pass as of any later time finds it.
    const earliestDue = evaluation.due.reduce<Date | null>(
      (min, o) => (!min || o.dueAt < min ? o.dueAt : min),
      null,
    );
    await this.store.partners.setNextDueAt(
      partner.workspaceId,
      partner.id,
      earliestDue ?? evaluation.nextDueAt,
    );
  }

  /** The scheduler's view of a partner: state for the playbook. */
  async partnerState(partner: Partner): Promise<PartnerState> {
    return { partner, history: await this.store.partners.history(partner.workspaceId, partner.id) };
  }

  /** The message a nudge is delivered as, rendered from current data. */
  async renderNudge(nudge: Nudge, now: Date): Promise<Message> {
    const partner = await this.store.partners.get(nudge.workspaceId, nudge.partnerId);
    const rule = findRule(this.playbook, nudge.ruleId);
    if (!partner || !rule)
      throw new RapportError('NOT_FOUND', `Nudge ${nudge.id} refers to a missing partner or rule`);
    const history = await this.store.partners.history(nudge.workspaceId, partner.id);
    const kinds =
      rule.trigger.type === 'no-recent'
        ? rule.trigger.kinds
        : 'kinds' in rule.trigger
          ? rule.trigger.kinds
          : [];
    const last = lastDayOf(history, kinds);
    const member = await this.store.members.get(nudge.workspaceId, nudge.memberId);
    const today = localDate(now, member?.timeZone ?? 'UTC');
    const days = nudge.occurrence.startsWith('d') ? Number(nudge.occurrence.slice(1)) : undefined;
    return nudgeMessage(nudge, rule, partner, sinceText(last, today), days);
  }

  findRule(ruleId: string): Rule | undefined {
    return findRule(this.playbook, ruleId);
  }
}

interface Context {
  actor: Actor;
  member: Member;
  now: Date;
  today: IsoDate;
  /** A quoted name is exactly that name: it is never extended with the words after it. */
  firstArgQuoted?: boolean;
}

function isStage(word: string): word is Stage {
  return (STAGES as readonly string[]).includes(word);
}

function isExportFormat(word: string): word is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(word);
}

function isKind(word: string): word is InteractionKind {
  return (INTERACTION_KINDS as readonly string[]).includes(word);
}

function quoteName(name: string): string {
  return /\s/.test(name) ? `"${name}"` : name;
}

function checkPartnerName(name: string): string | null {
  if (!name) return 'The partner needs a name.';
  if (name.length > LIMITS.partnerName)
    return `That name is ${name.length} characters long; the limit is ${LIMITS.partnerName}.`;
  if (/\p{Cc}/u.test(name)) return 'A partner name cannot contain control characters.';
  return null;
}

function looksLikeDate(word: string): boolean {
  return /^\d{4}-\d{1,2}-\d{1,2}$/.test(word) || ['today', 'yesterday'].includes(word.toLowerCase());
}

type DayResult = { ok: true; date: IsoDate } | { ok: false; error: string };

/** `today`, `yesterday` or `YYYY-MM-DD`, not in the future (things are logged once they happened). */
function parseDay(word: string, today: IsoDate): DayResult {
  const lower = word.toLowerCase();
  if (lower === 'today') return { ok: true, date: today };
  if (lower === 'yesterday') return { ok: true, date: addDaysToDate(today, -1) };
  const date = parseIsoDate(word);
  if (!date)
    return {
      ok: false,
      error: `“${truncate(word, 20)}” is not a date. Use YYYY-MM-DD (e.g. 2026-11-20), today or yesterday.`,
    };
  if (date > today)
    return { ok: false, error: `${formatDay(date)} is in the future. Log things once they have happened.` };
  if (date < '1900-01-01') return { ok: false, error: `${formatDay(date)} is too long ago.` };
  return { ok: true, date };
}
