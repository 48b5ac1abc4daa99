/**
 * `nudges`: what is open for me, across restarts and channels — each nudge with its own answers and a
 * snooze / dismiss, so that anything that reached me (or is about to) can be answered from one place.
 */
import type { Message, Section } from '../messages';
import type { KindHistory, Member, Nudge, Partner, PartnerPromise } from '../model';
import type { Playbook } from '../playbook/playbook';
import { byRulePriority, findRule } from '../playbook/playbook';
import { answerChoices, laterChoices } from '../views';
import type { CommandContext, CommandTable, FeatureDeps } from './context';
import { renderNudge } from './nudge-messages';
import { promiseOfNudge } from './promises';
import type { NudgeFeature } from './nudges';

/** How many open nudges one answer shows; the rest are counted. */
const SHOWN = 8;

export class OpenNudgesFeature {
  readonly commands: CommandTable = {
    nudges: (ctx) => this.list(ctx),
  };

  constructor(
    private readonly deps: FeatureDeps,
    private readonly nudges: NudgeFeature,
  ) {}

  /** The member's open nudges, what matters most first. */
  async list(ctx: CommandContext): Promise<Message> {
    const { store } = this.deps;
    const playbook = ctx.playbook ?? this.deps.playbook;
    const { workspaceId, memberId } = ctx.actor;
    const open = (await store.nudges.listOpenForMember(workspaceId, memberId)).filter((nudge) =>
      findRule(playbook, nudge.ruleId),
    );
    if (open.length === 0)
      return {
        title: 'Nothing open',
        text: 'No nudge is waiting for you. I will tell you when something is due.',
      };
    open.sort(
      (a, b) => byRulePriority(playbook, a.ruleId, b.ruleId) || a.dueAt.getTime() - b.dueAt.getTime(),
    );
    const shown = open.slice(0, SHOWN);
    const partners = new Map<number, { partner: Partner; history: KindHistory } | null>();
    for (const nudge of shown) {
      if (partners.has(nudge.partnerId)) continue;
      const partner = await store.partners.get(workspaceId, nudge.partnerId);
      partners.set(
        nudge.partnerId,
        partner ? { partner, history: await store.partners.history(workspaceId, partner.id) } : null,
      );
    }
    const sections: Section[] = [];
    for (const nudge of shown) {
      const about = partners.get(nudge.partnerId);
      // A promise reminder names its promise.
      const promise = await promiseOfNudge(this.deps, nudge);
      if (about)
        sections.push(
          this.section(nudge, about.partner, about.history, ctx.member, ctx.now, playbook, promise),
        );
    }
    const more = open.length - shown.length;
    return {
      title: `Waiting for you (${open.length})`,
      text:
        `Open nudges, what matters most first. Answer any of them here.` +
        (more > 0 ? ` ${more} more after these: answer some, then type \`partner nudges\` again.` : ''),
      sections,
    };
  }

  private section(
    nudge: Nudge,
    partner: Partner,
    history: KindHistory,
    member: Member,
    now: Date,
    playbook: Playbook,
    promise?: PartnerPromise | null,
  ): Section {
    const rule = findRule(playbook, nudge.ruleId)!;
    const prompt = renderNudge({ nudge, partner, history, member, promise }, now, playbook).text;
    return {
      title: `${partner.name} — ${rule.title}`,
      lines: [prompt, this.nudges.statusLine(nudge, member)],
      choices: [...answerChoices(nudge, rule), ...laterChoices(nudge)],
    };
  }
}
