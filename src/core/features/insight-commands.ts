/** Commands that read insight: `brief`, `preview`, `export`, and their command-line forms. */
import { isExportFormat, resolvePartner } from '../commands/arguments';
import { suggest } from '../commands/grammar';
import type { DigestWeek } from '../digest';
import type { ExportFormat } from '../export';
import type { Message } from '../messages';
import type { Member } from '../model';
import { isOpenNudge } from '../nudge-rules';
import { PREVIEW_DEFAULT_DAYS, PREVIEW_MAX_DAYS } from '../playbook/preview';
import { truncate, unknownPartner, usageError } from '../views';
import type { CommandContext, CommandTable, FeatureDeps } from './context';
import type { NudgeFeature } from './nudges';

export class InsightCommands {
  readonly commands: CommandTable = {
    brief: (ctx, args) => this.brief(ctx, args),
    preview: (ctx, args) => this.preview(ctx, args),
    export: (ctx, args) => this.export(ctx, args),
  };

  constructor(
    private readonly deps: FeatureDeps,
    private readonly nudges: NudgeFeature,
  ) {}

  private async brief(ctx: CommandContext, args: string[]): Promise<Message> {
    if (args.length === 0) return usageError('Which partner are you about to meet?', 'brief');
    const resolved = await resolvePartner(this.deps.store.partners, ctx, args, 'brief');
    if (!resolved.ok) return resolved.reply;
    if (resolved.rest.length)
      return usageError(`I could not read “${truncate(resolved.rest.join(' '), 60)}”.`, 'brief');
    return this.deps.insights.brief(resolved.partner, ctx.today, ctx.now);
  }

  private async preview(ctx: CommandContext, args: string[]): Promise<Message> {
    if (args.length === 0) return usageError('Which partner?', 'preview');
    const { store, insights } = this.deps;
    // The name is resolved first, so that a name ending in a number ("Studio 54") still works.
    const resolved = await resolvePartner(store.partners, ctx, args, 'preview');
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
    const waiting = (await store.nudges.listOpenForMember(ctx.actor.workspaceId, ctx.actor.memberId))
      .filter((n) => n.partnerId === partner.id && isOpenNudge(n))
      .map((n) => this.nudges.statusLine(n, ctx.member));
    return insights.preview(partner, days, ctx.now, ctx.member, waiting, ctx.playbook);
  }

  private async export(ctx: CommandContext, args: string[]): Promise<Message> {
    const format = (args[0] ?? 'csv').toLowerCase();
    if (args.length > 1 || !isExportFormat(format))
      return usageError(`Export as \`csv\` or \`json\`, not “${truncate(args.join(' '), 30)}”.`, 'export');
    const message = await this.deps.insights.export(
      ctx.actor.workspaceId,
      format,
      ctx.now,
      ctx.member.timeZone,
    );
    this.deps.logger.info(
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
    const { store, insights } = this.deps;
    const partner = await store.partners.findByName(workspaceId, partnerName);
    if (!partner) {
      const names = (await store.partners.list(workspaceId)).map((p) => p.name);
      return unknownPartner(partnerName, suggest(partnerName, names), 'preview');
    }
    return insights.preview(
      partner,
      days,
      now,
      null,
      [],
      await this.deps.playbooks.forWorkspace(workspaceId),
    );
  }

  /** The export for the command line: everything in a workspace, as files. */
  exportWorkspace(workspaceId: string, format: ExportFormat, now: Date): Promise<Message> {
    return this.deps.insights.export(workspaceId, format, now, 'UTC');
  }

  /** The weekly digest a member should get for `week`, or null when there is nothing to say. */
  weeklyDigest(member: Member, week: DigestWeek, now: Date): Promise<Message | null> {
    return this.deps.playbooks
      .forWorkspace(member.workspaceId)
      .then((playbook) => this.deps.insights.digest(member, week, now, playbook));
  }
}
