/**
 * A member's own data: `export mine` hands it over as JSON, `forget me` (after a confirmation) deletes it.
 * Forgetting keeps the workspace's shared record of its partners whole: what the member logged goes to the
 * partner's next owner, or stays under an anonymous id (`forgotten-3`) where the partner has none.
 */
import { privacyChoiceId } from '../choice-ids';
import type { ChoiceResult, Message } from '../messages';
import { usageError } from '../views';
import type { CommandContext, CommandTable, FeatureDeps } from './context';

/** The audit action of a forgetting; counting them numbers the anonymous ids. */
const FORGOTTEN = 'member.forgotten';
export const DEFAULT_RETENTION_DAYS = 400;

export class PrivacyFeature {
  readonly commands: CommandTable = {
    forget: (ctx, args) => this.forget(ctx, args),
  };

  constructor(
    private readonly deps: FeatureDeps,
    private readonly retentionDays = DEFAULT_RETENTION_DAYS,
  ) {}

  private async forget(ctx: CommandContext, args: string[]): Promise<Message> {
    const words = args.map((a) => a.toLowerCase());
    if (words[0] !== 'me' || words.length > 2 || (words[1] !== undefined && words[1] !== 'confirm'))
      return usageError('Say `forget me` to have your own data deleted.', 'forget');
    if (words[1] === 'confirm') return this.forgetNow(ctx);
    return {
      title: 'Forget me?',
      text:
        'This deletes what Rapport keeps about you here: your name, address and preferences, your nudges and ' +
        'their answers, your digests and your undo history. What you logged about partners stays with the ' +
        'workspace, under the partner’s other owner or an anonymous name. This cannot be undone.',
      choices: [
        { id: privacyChoiceId('forget'), label: 'Forget me', style: 'danger', role: 'confirm' },
        { id: privacyChoiceId('keep'), label: 'Keep my data', role: 'cancel' },
      ],
      footer: 'Or type `partner forget me confirm`. `partner export mine` first gives you a copy.',
    };
  }

  async choose(ctx: CommandContext, action: string): Promise<ChoiceResult> {
    if (action !== 'forget') {
      const kept = { text: 'Nothing was deleted.' };
      return { reply: kept, replaceOriginal: kept };
    }
    const done = await this.forgetNow(ctx);
    return { reply: done, replaceOriginal: { text: 'Forgotten.' } };
  }

  /** Deletes and hands over in one transaction, with its audit line. */
  private async forgetNow(ctx: CommandContext): Promise<Message> {
    const { workspaceId, memberId } = ctx.actor;
    const outcome = await this.deps.store.transaction(async (tx) => {
      const anonymousId = `forgotten-${(await tx.audit.count(workspaceId, FORGOTTEN)) + 1}`;
      const changed = await tx.privacy.forgetMember(workspaceId, memberId, anonymousId);
      await tx.audit.add({
        workspaceId,
        actorId: anonymousId,
        action: FORGOTTEN,
        subject: null,
        before: null,
        after: null,
        now: ctx.now,
      });
      return { anonymousId, changed };
    });
    this.deps.logger.info({ workspaceId, anonymousId: outcome.anonymousId }, 'member forgotten');
    return {
      text:
        `Done: I deleted your data here (${outcome.changed.nudges ?? 0} nudges, ${outcome.changed.digests ?? 0} digests, ` +
        `${outcome.changed.journal ?? 0} undo entries, your name, address and preferences). ` +
        `${outcome.changed.interactions ?? 0} things you logged about partners stay with the workspace, under ` +
        `the partner's other owner or as *${outcome.anonymousId}*.`,
      footer: 'If you write to Rapport again, you start afresh.',
    };
  }

  /** The member's own data as one JSON file (a file where the channel allows, written to disk in the terminal). */
  async exportMine(ctx: CommandContext, args: string[]): Promise<Message> {
    if (args.length) return usageError('`export mine` takes nothing after it.', 'export mine');
    const { workspaceId, memberId } = ctx.actor;
    const data = await this.deps.store.privacy.exportMember(workspaceId, memberId);
    const content = JSON.stringify(
      {
        exportedAt: ctx.now.toISOString(),
        workspaceId,
        memberId,
        retentionDays: this.retentionDays,
        ...data,
      },
      null,
      2,
    );
    this.deps.logger.info({ workspaceId }, 'member data exported');
    return {
      title: 'Your data',
      text:
        'Everything Rapport keeps about you in this workspace, as JSON: your profile and preferences, the ' +
        'partners you own, what you logged and planned, your nudges, digests, undo history and audit lines.',
      files: [{ name: `rapport-mine-${ctx.today}.json`, mimeType: 'application/json', content }],
      footer: `Finished nudges and digests are deleted ${this.retentionDays} days after they end.`,
    };
  }
}
