/**
 * Rapport's entry point for every channel, the scheduler and the command line: a thin router. It
 * identifies the actor, reads the command's name and hands the rest to the feature that owns it
 * (`features/`), and dispatches buttons and forms the same way. Every method takes `now`; nothing here
 * reads the wall clock.
 */
import { parseChoiceId } from './choice-ids';
import { COMMANDS, LIMITS, stripCommandPrefix, suggest, tokenize } from './commands/grammar';
import type { DigestWeek } from './digest';
import { RapportError } from './errors';
import type { ExportFormat } from './export';
import type { CapturedMessage } from './features/capture';
import { CaptureFeature } from './features/capture';
import { ChannelLinkFeature } from './features/channel-links';
import type {
  Actor,
  CommandContext,
  CommandResult,
  CommandTable,
  Conversation,
  FeatureDeps,
} from './features/context';
import { asResult } from './features/context';
import { InsightCommands } from './features/insight-commands';
import { InstallationFeature } from './features/installations';
import type { LogFormInitial } from './features/interactions';
import { InteractionFeature } from './features/interactions';
import type { NudgeView } from './features/nudges';
import { NudgeFeature } from './features/nudges';
import { OpenNudgesFeature } from './features/open-nudges';
import { partnerNamedIn } from './features/partner-guess';
import { pickerPartners } from './features/partner-picker';
import { OverviewFeature } from './features/overview';
import { ADD_OWNER_FORM_ID, OwnersFeature } from './features/owners';
import { NOTICE_STATUS_ACTION } from './playbook/notices';
import { PartnerFeature } from './features/partners';
import { PartnerSettingsFeature } from './features/partner-settings';
import { PLAN_FORM_ID, PlannedEventFeature } from './features/planned-events';
import { PrefsFeature } from './features/prefs';
import { PROMISE_MOVE_FORM_ID, PromiseFeature, promiseMoveForm } from './features/promises';
import { RecordFeature } from './features/record';
import type { ImportOptions, ImportOutcome } from './import/import-portfolio';
import { importPortfolio } from './import/import-portfolio';
import { Insights } from './insights';
import type { ChoiceResult, Form, FormOption, FormResult, FormValues, Message } from './messages';
import { FORM_SELECT_OPTIONS } from './messages';
import type { Metrics } from './metrics-port';
import { NO_METRICS } from './metrics-port';
import type { Member, Nudge, Partner, Platform } from './model';
import type { Playbook } from './playbook/playbook';
import { DEFAULT_PLAYBOOK } from './playbook/playbook';
import { CachedPlaybookSource, PLAYBOOK_CACHE_MS } from './playbook/playbook-source';
import { PlaybookAdminFeature } from './features/playbook-admin';
import { PrivacyFeature } from './features/privacy';
import type { ChannelLink, Logger, MemberSighting, PlaybookSource, Store } from './ports';
import { isValidTimeZone, localDate } from './time';
import { helpMessage, logForm, truncate, usageError } from './views';

export type { Actor, CommandResult, Conversation } from './features/context';
export type { CapturedMessage } from './features/capture';

export interface RapportOptions {
  store: Store;
  logger: Logger;
  playbook?: Playbook;
  /** Each workspace's playbook; by default the store's overrides on `playbook`, cached. */
  playbooks?: PlaybookSource;
  /**
   * A monotonic clock (ms), when other instances of the service may share the store: a workspace's cached
   * playbook is then read again after a minute, so a change made elsewhere is followed.
   */
  monotonic?: () => number;
  /** Days finished nudges and digests are kept (`RETENTION_DAYS`), as `export mine` and the README say. */
  retentionDays?: number;
  /** Time zone for members whose platform does not report one. */
  defaultTimeZone: string;
  /** Times each command, by command name (none by default). */
  metrics?: Metrics;
}

export class Rapport {
  readonly playbook: Playbook;
  readonly playbooks: PlaybookSource;
  readonly insights: Insights;
  /** Installs and uninstalls of workspaces and members (not commands: the platforms report them). */
  readonly installations: InstallationFeature;
  private readonly store: Store;
  private readonly defaultTimeZone: string;
  private readonly metrics: Metrics;
  private readonly partners: PartnerFeature;
  private readonly interactions: InteractionFeature;
  private readonly nudges: NudgeFeature;
  private readonly planned: PlannedEventFeature;
  private readonly overview: OverviewFeature;
  private readonly insightCommands: InsightCommands;
  private readonly openNudges: OpenNudgesFeature;
  private readonly record: RecordFeature;
  private readonly partnerSettings: PartnerSettingsFeature;
  private readonly playbookAdmin: PlaybookAdminFeature;
  private readonly privacy: PrivacyFeature;
  private readonly channelLinks: ChannelLinkFeature;
  private readonly capture: CaptureFeature;
  private readonly promises: PromiseFeature;
  private readonly owners: OwnersFeature;
  /** Command name → handler, from every feature. */
  private readonly commands: CommandTable;

  constructor(options: RapportOptions) {
    this.store = options.store;
    this.playbook = options.playbook ?? DEFAULT_PLAYBOOK;
    this.defaultTimeZone = isValidTimeZone(options.defaultTimeZone) ? options.defaultTimeZone : 'UTC';
    this.metrics = options.metrics ?? NO_METRICS;
    this.playbooks =
      options.playbooks ??
      new CachedPlaybookSource(
        this.store.playbookOverrides,
        this.playbook,
        options.logger,
        options.monotonic ? { monotonic: options.monotonic, ms: PLAYBOOK_CACHE_MS } : undefined,
      );
    this.insights = new Insights(this.store, this.playbook);
    this.installations = new InstallationFeature(this.store);
    const deps: FeatureDeps = {
      store: this.store,
      logger: options.logger,
      playbook: this.playbook,
      playbooks: this.playbooks,
      insights: this.insights,
    };
    this.partners = new PartnerFeature(deps);
    this.interactions = new InteractionFeature(deps);
    this.planned = new PlannedEventFeature(deps);
    this.promises = new PromiseFeature(deps);
    this.nudges = new NudgeFeature(deps, this.interactions, this.planned, this.promises);
    this.overview = new OverviewFeature(deps, this.nudges);
    this.insightCommands = new InsightCommands(deps, this.nudges);
    this.openNudges = new OpenNudgesFeature(deps, this.nudges);
    this.record = new RecordFeature(deps);
    this.partnerSettings = new PartnerSettingsFeature(deps);
    this.playbookAdmin = new PlaybookAdminFeature(deps);
    this.privacy = new PrivacyFeature(deps, options.retentionDays);
    const exportCommand = this.insightCommands.commands.export!;
    this.channelLinks = new ChannelLinkFeature(deps);
    this.capture = new CaptureFeature(deps, this.interactions);
    this.owners = new OwnersFeature(deps, this.overview);
    this.commands = {
      help: async (_ctx, args) => helpMessage(args[0]),
      ...this.partners.commands,
      ...this.interactions.commands,
      ...this.planned.commands,
      ...this.overview.commands,
      ...this.insightCommands.commands,
      ...this.nudges.commands,
      ...this.openNudges.commands,
      ...new PrefsFeature(deps).commands,
      ...this.record.commands,
      ...this.partnerSettings.commands,
      ...this.playbookAdmin.commands,
      ...this.privacy.commands,
      // `export mine` is the member's own data; any other `export` is the workspace's.
      export: (ctx, args) =>
        args[0]?.toLowerCase() === 'mine'
          ? this.privacy.exportMine(ctx, args.slice(1))
          : exportCommand(ctx, args),
      ...this.promises.commands,
      ...this.owners.commands,
    };
    // `link`, `unlink`, and `prefs NAME post-to-channel` (any other `prefs` goes to the prefs feature).
    this.commands = { ...this.commands, ...this.channelLinks.commands(this.commands.prefs) };
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

  /**
   * Runs one line of the command grammar. Mistakes are answered with usage, never thrown. A channel that
   * has just read the member (`identify`) passes it as `member`, which saves reading it again.
   */
  async handleCommand(
    actor: Actor,
    text: string,
    now: Date,
    conversation?: Conversation,
    member?: Member,
  ): Promise<CommandResult> {
    const done = this.metrics.commandStarted();
    // Timed by the command's name only (a key of the command table), never by what was typed.
    const timed = { command: 'invalid' };
    try {
      return await this.runCommand(actor, text, now, timed, conversation, member);
    } finally {
      done(timed.command);
    }
  }

  private async runCommand(
    actor: Actor,
    text: string,
    now: Date,
    timed: { command: string },
    conversation?: Conversation,
    known?: Member,
  ): Promise<CommandResult> {
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
    const ctx = await this.context(actor, now, conversation, known);
    if (tokens.length === 0) {
      timed.command = 'help';
      // In a partner's channel, the form picks that partner.
      const partnerId = ctx.channelPartnerId;
      const partners = await pickerPartners(this.store.partners, actor.workspaceId, partnerId);
      return {
        reply: helpMessage(),
        openForm: partners.length ? logForm(partners, { partnerId, date: ctx.today }) : undefined,
      };
    }
    const [name, ...args] = tokens;
    const command = name!.toLowerCase();
    // Whether the first argument (the partner's name, for most commands) was typed in quotes.
    ctx.firstArgQuoted = tokenized.quoted[tokenized.tokens.length - tokens.length + 1] ?? false;
    const handler = Object.hasOwn(this.commands, command) ? this.commands[command] : undefined;
    timed.command = handler ? command : 'unknown';
    if (handler) return asResult(await handler(ctx, args));
    // `partner Nissan country JP`: a setting typed without `set`.
    if (this.partnerSettings.isSetting(tokens)) {
      ctx.firstArgQuoted = tokenized.quoted[tokenized.tokens.length - tokens.length] ?? false;
      return asResult(await this.partnerSettings.set(ctx, tokens));
    }
    const names = COMMANDS.map((c) => c.name).filter((name) => !name.includes(' '));
    const close = suggest(command, [...names, 'remove'], 2);
    const hint = close.length ? ` Did you mean ${close.map((c) => `\`${c}\``).join(' or ')}?` : '';
    return {
      reply: usageError(
        `I don't know the command “${truncate(command, 40)}”.${hint} Type \`partner help\` for the list.`,
      ),
    };
  }

  /** Acts on a pressed button. Stale, foreign or unknown buttons get a clear answer and change nothing. */
  async handleChoice(
    actor: Actor,
    choiceId: string,
    now: Date,
    conversation?: Conversation,
  ): Promise<ChoiceResult> {
    const parsed = parseChoiceId(choiceId);
    const ctx = await this.context(actor, now, conversation);
    if (!parsed)
      return {
        reply: usageError(
          'That button is not one I recognise any more. Type `partner help` to see what I can do.',
        ),
      };
    switch (parsed.type) {
      case 'open-log-form':
        return { reply: { text: 'Opening the log form.' }, openForm: await this.openLogForm(actor, now) };
      case 'open-nudges':
        return { reply: await this.openNudges.list(ctx) };
      case 'nudge':
        if (parsed.action === NOTICE_STATUS_ACTION) return this.owners.openFromNotice(ctx, parsed.nudgeId);
        return this.nudges.choose(actor, ctx.member, parsed.nudgeId, parsed.action, now);
      case 'partner':
        return this.partnerChoice(ctx, parsed.partnerId, parsed.action);
      case 'interaction':
        return this.record.choose(ctx, parsed.interactionId, parsed.action);
      case 'playbook':
        return this.playbookAdmin.choose(ctx, parsed.ruleId, parsed.action);
      case 'privacy':
        return this.privacy.choose(ctx, parsed.action);
      case 'promise':
        return this.promises.choose(ctx, parsed.promiseId, parsed.action);
    }
  }

  private async partnerChoice(ctx: CommandContext, partnerId: number, action: string): Promise<ChoiceResult> {
    const partner = await this.store.partners.get(ctx.actor.workspaceId, partnerId);
    if (!partner) return { reply: usageError('That partner no longer exists.') };
    switch (action) {
      case 'status':
        return { reply: await this.overview.status(ctx, partner) };
      case 'log':
        return {
          reply: { text: 'Opening the log form.' },
          openForm: await this.interactions.form(ctx.actor.workspaceId, ctx.today, { partnerId }),
        };
      case 'link':
        return { reply: await this.channelLinks.link(ctx, partner) };
      case 'add-owner':
        return { reply: { text: 'Opening the form.' }, openForm: await this.owners.formFor(partner) };
      case 'keep':
      case 'remove':
        return this.partners.confirmRemoval(ctx.actor, partner, action === 'remove');
      default:
        return { reply: usageError('That button is not one I recognise any more.') };
    }
  }

  /** The log form, optionally prefilled (from a nudge's "Log it now"). */
  async openLogForm(actor: Actor, now: Date, initial: LogFormInitial = {}): Promise<Form> {
    const member = await this.member(actor);
    return this.interactions.form(actor.workspaceId, localDate(now, member.timeZone), initial);
  }

  /**
   * A form's partner type-ahead: the actor's workspace's partners whose name contains `query`
   * (case-insensitive) as options, names that start with it first, then by name; at most `limit` (1 to
   * {@link FORM_SELECT_OPTIONS}, the default). An empty query lists the first partners by name.
   */
  searchPartners(
    actor: Actor,
    query: string,
    _now: Date,
    limit = FORM_SELECT_OPTIONS,
  ): Promise<FormOption[]> {
    return this.interactions.partnerOptions(actor.workspaceId, query, limit);
  }

  /** The partner a text names (a chat message being logged), or null: see `features/partner-guess`. */
  partnerNamedIn(actor: Actor, text: string): Promise<Partner | null> {
    return partnerNamedIn(this.store.partners, actor.workspaceId, text);
  }

  /** Validates and stores a submitted form; every problem is reported against its field. */
  async submitForm(
    actor: Actor,
    formId: string,
    values: FormValues,
    context: Record<string, string> | undefined,
    now: Date,
  ): Promise<FormResult> {
    if (formId === PLAN_FORM_ID) return this.planned.submit(await this.context(actor, now), values, context);
    if (formId === PROMISE_MOVE_FORM_ID)
      return this.promises.submitMove(await this.context(actor, now), values, context);
    if (formId === ADD_OWNER_FORM_ID)
      return this.owners.submit(await this.context(actor, now), values, context);
    if (formId !== 'log-interaction')
      return { ok: false, errors: { form: 'This form is not one I know any more. Please start again.' } };
    return this.interactions.submit(await this.context(actor, now), values, context);
  }

  /**
   * A form to show again after a refused submission (a channel that redraws it with the errors): the same
   * form, from current data, with its context; the log form for an id it does not know.
   */
  async reopenForm(
    actor: Actor,
    formId: string,
    context: Record<string, string> | undefined,
    now: Date,
    partnerId?: number,
  ): Promise<Form> {
    if (formId === PROMISE_MOVE_FORM_ID) return promiseMoveForm(Number(context?.promise));
    const ownerForm =
      formId === ADD_OWNER_FORM_ID ? await this.owners.form(actor.workspaceId, context) : null;
    if (ownerForm) return ownerForm;
    if (formId !== PLAN_FORM_ID)
      return this.openLogForm(actor, now, partnerId !== undefined ? { partnerId } : {});
    const form = await this.planned.form(actor.workspaceId);
    if (context) form.context = context;
    return form;
  }

  /**
   * The member's dashboard (Slack App Home, a Teams card): each partner they own with stage, last
   * contact and what comes next, with buttons to log and to see its status.
   */
  async dashboard(actor: Actor, now: Date): Promise<Message> {
    return this.overview.dashboard(await this.context(actor, now));
  }

  /** The timeline preview for the command line (no member: due days are shown in UTC). */
  previewForWorkspace(workspaceId: string, partnerName: string, days: number, now: Date): Promise<Message> {
    return this.insightCommands.previewForWorkspace(workspaceId, partnerName, days, now);
  }

  /** The export for the command line: everything in a workspace, as files. */
  exportWorkspace(workspaceId: string, format: ExportFormat, now: Date): Promise<Message> {
    return this.insightCommands.exportWorkspace(workspaceId, format, now);
  }

  /**
   * Imports a portfolio spreadsheet (CSV text) into a workspace: a dry run unless `options.apply`, and then
   * all of it in one transaction or, when any row has a mistake, none of it (see `core/import`).
   */
  async importPortfolio(
    workspaceId: string,
    csv: string,
    options: ImportOptions,
    now: Date,
  ): Promise<ImportOutcome> {
    // Imported partners are planned with the workspace's own playbook, like every other write.
    const playbook = await this.playbooks.forWorkspace(workspaceId);
    return importPortfolio(this.store, playbook, workspaceId, csv, options, now);
  }

  /** The weekly digest a member should get for `week`, or null when there is nothing to say. */
  weeklyDigest(member: Member, week: DigestWeek, now: Date): Promise<Message | null> {
    return this.insightCommands.weeklyDigest(member, week, now);
  }

  /**
   * The message nudges about one partner for one member are delivered as (several are folded into one),
   * from what the scheduler already loaded (no store reads).
   */
  renderNudges(views: readonly NudgeView[], now: Date, playbook?: Playbook): Message {
    return this.nudges.render(views, now, playbook);
  }

  /**
   * The workspace's playbook with a button per rule, for an admin (Slack App Home, a Teams card); null for
   * a member who is not an admin.
   */
  async playbookPanel(actor: Actor, now: Date): Promise<Message | null> {
    return this.playbookAdmin.panel(await this.context(actor, now));
  }

  /**
   * The message a delivered nudge now stands as (closed since: logged, superseded, expired), for the
   * channel to replace the one it sent; null when its partner or member is gone.
   */
  async restateNudge(nudge: Nudge, now: Date): Promise<Message | null> {
    const [partner, member] = await Promise.all([
      this.store.partners.get(nudge.workspaceId, nudge.partnerId),
      this.store.members.get(nudge.workspaceId, nudge.memberId),
    ]);
    if (!partner || !member) return null;
    const [history, team] = await Promise.all([
      this.store.partners.history(nudge.workspaceId, partner.id),
      this.store.partners.listOwners(nudge.workspaceId, partner.id),
    ]);
    return this.nudges.restated(nudge, { partner, history, member, team }, member, now);
  }

  /**
   * The log form for a chat message (a message shortcut), pre-filled with what the message says: its text
   * with `permalink` as the note, its day, a guess of the kind and of the partner. With no message (a global
   * shortcut), the empty form; in a linked channel, its partner is chosen.
   */
  async captureForm(
    actor: Actor,
    message: CapturedMessage | null,
    now: Date,
    conversation?: Conversation,
  ): Promise<Form> {
    return this.capture.form(await this.context(actor, now, conversation), message);
  }

  /** The partner a channel belongs to (`link`), or null: not a channel, or not linked. */
  channelPartner(actor: Actor, conversation: Conversation | undefined): Promise<number | null> {
    return this.channelLinks.partnerOf(actor.workspaceId, conversation);
  }

  /**
   * A suggestion to link a channel shared with another organisation to the partner whose name matches it
   * (`connectedNames`: the organisations' names, the channel's), with a one-tap button; null when the
   * channel is linked already or no partner matches.
   */
  async linkSuggestion(
    actor: Actor,
    conversation: Conversation,
    connectedNames: readonly string[],
    now: Date,
  ): Promise<Message | null> {
    return this.channelLinks.suggestion(await this.context(actor, now, conversation), connectedNames);
  }

  /**
   * A linked channel's weekly status of its partner (as `status NAME` shows it, in the zone of the member who
   * linked it), with its owners to mention; null when the partner or that member is gone.
   */
  async channelStatus(link: ChannelLink, now: Date): Promise<Message | null> {
    const [partner, member] = await Promise.all([
      this.store.partners.get(link.workspaceId, link.partnerId),
      this.channelStatusMember(link),
    ]);
    if (!partner || !member) return null;
    const ctx = await this.context({ workspaceId: link.workspaceId, memberId: member.id }, now);
    const status = await this.overview.status(ctx, partner);
    return { ...status, title: `Weekly status — ${partner.name}` };
  }

  /**
   * Whose calendar and view a channel's weekly status follows: who linked the channel, or, when they are
   * gone (forgotten, removed), the partner's lead owner, else any owner of it; null when there is none.
   */
  async channelStatusMember(link: ChannelLink): Promise<Member | null> {
    const linker = await this.store.members.get(link.workspaceId, link.linkedBy);
    if (linker) return linker;
    const owners = await this.store.partners.listOwners(link.workspaceId, link.partnerId);
    for (const owner of [...owners].sort((a, b) => Number(b.lead) - Number(a.lead))) {
      const member = await this.store.members.get(link.workspaceId, owner.memberId);
      if (member) return member;
    }
    return null;
  }

  private async context(
    actor: Actor,
    now: Date,
    conversation?: Conversation,
    known?: Member,
  ): Promise<CommandContext> {
    const member =
      known && known.id === actor.memberId && known.workspaceId === actor.workspaceId
        ? known
        : await this.member(actor);
    const playbook = await this.playbooks.forWorkspace(actor.workspaceId);
    const ctx: CommandContext = { actor, member, now, today: localDate(now, member.timeZone), playbook };
    if (conversation) {
      ctx.conversation = conversation;
      const partnerId = await this.channelLinks.partnerOf(actor.workspaceId, conversation);
      if (partnerId !== null) ctx.channelPartnerId = partnerId;
    }
    return ctx;
  }
}
