/**
 * Where relationships stand: `list` (with its dashboard form for channels without a home tab), the
 * dashboard (Slack App Home, a Teams card) and `status` for one partner.
 */
import { OPEN_LOG_FORM, OPEN_NUDGES, partnerChoiceId } from '../choice-ids';
import { resolvePartner } from '../commands/arguments';
import { byAttention, touchesPerMonth } from '../health';
import {
  healthBadge,
  healthSection,
  healthText,
  nextStepText,
  quoteName,
  plannedLines,
  touchesSection,
} from '../insight-views';
import type { Assessment } from '../insights';
import type { Message, Section } from '../messages';
import { partnerPlaceLine } from '../calendar-views';
import type { Interaction, Nudge, Owner, Partner } from '../model';
import { MEETING_KINDS } from '../model';
import { ownerLabel, ownerName } from '../owner-views';
import type { VoiceRisk } from '../single-voice';
import { voiceRisk, voiceRiskShort, voiceRiskText } from '../single-voice';
import { isOpenNudge } from '../nudge-rules';
import { evaluatePlaybook, findRule, lastDayOf } from '../playbook/playbook';
import { formatDay, localDate, relativeDays } from '../time';
import { interactionLine, upcomingLine, usageError } from '../views';
import type { CommandContext, CommandResult, CommandTable, FeatureDeps } from './context';
import type { NudgeFeature } from './nudges';
import { statusPromiseSections } from './promises';

/** How a first meeting happened, as the status says it: "First met … (visit to them, logged by Aiko)". */
const FIRST_MEETING_WORDS: Partial<Record<Interaction['kind'], string>> = {
  meeting: 'meeting',
  visit: 'visit to them',
  hosted: 'they came to you',
  workshop: 'joint workshop',
};

export class OverviewFeature {
  readonly commands: CommandTable = {
    list: (ctx) => this.list(ctx),
    status: (ctx, args) => this.statusCommand(ctx, args),
  };

  constructor(
    private readonly deps: FeatureDeps,
    private readonly nudges: NudgeFeature,
  ) {}

  /** Every partner of the workspace, mine first by what needs attention; with the dashboard beside it. */
  private async list(ctx: CommandContext): Promise<CommandResult> {
    const partners = await this.deps.store.partners.list(ctx.actor.workspaceId);
    if (partners.length === 0) {
      const reply = { text: 'No partners yet. Add one with `partner add NAME`, e.g. `partner add Nissan`.' };
      return { reply, actionable: await this.dashboardOf(ctx, []) };
    }
    const mine = partners.filter((p) => p.owners.includes(ctx.actor.memberId));
    const others = partners.filter((p) => !p.owners.includes(ctx.actor.memberId));
    const assessed = await this.byAttention(ctx, mine);
    const risks = await this.voiceRisks(ctx, assessed);
    const lines = assessed.map(({ assessment }) => {
      const why = assessment.health.reasons[0];
      const summary = this.summaryLine(ctx, assessment);
      const risk = risks.get(assessment.partner.id);
      const flag = risk ? ` · ${voiceRiskShort(risk.risk)}` : '';
      return `${healthBadge(assessment.health)} ${summary}${why && assessment.partner.stage !== 'ended' ? ` · ${why}` : ''}${flag}`;
    });
    const sections: Section[] = [
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
    const reply = { title: 'Partners', text: 'Where each relationship stands.', sections };
    return {
      reply,
      actionable: await this.dashboardOf(
        ctx,
        assessed.map((a) => a.assessment),
        risks,
      ),
    };
  }

  /**
   * The member's dashboard: each partner they own with health, last contact and what comes next, what
   * waits for them and what could not be delivered, with buttons to log and to see its status.
   */
  async dashboard(ctx: CommandContext): Promise<Message> {
    const partners = await this.deps.store.partners.list(ctx.actor.workspaceId, {
      ownerId: ctx.actor.memberId,
    });
    const assessed = await this.byAttention(ctx, partners);
    return this.dashboardOf(
      ctx,
      assessed.map((a) => a.assessment),
      await this.voiceRisks(ctx, assessed),
    );
  }

  /**
   * The single-voice flag of each partner that has one (see `single-voice.ts`), with its owners, by
   * partner id: one owners read per partner.
   */
  private async voiceRisks(
    ctx: CommandContext,
    assessed: readonly { assessment: Assessment }[],
  ): Promise<Map<number, { risk: VoiceRisk; team: Owner[] }>> {
    const risks = new Map<number, { risk: VoiceRisk; team: Owner[] }>();
    for (const { assessment } of assessed) {
      const team = await this.deps.store.partners.listOwners(ctx.actor.workspaceId, assessment.partner.id);
      const risk = voiceRisk({ ...assessment, owners: team, today: ctx.today, now: ctx.now });
      if (risk) risks.set(assessment.partner.id, { risk, team });
    }
    return risks;
  }

  /** The flag in a sentence, naming members as the partner's owners (or the workspace) know them. */
  private async voiceText(
    ctx: CommandContext,
    partner: Partner,
    risk: VoiceRisk,
    team: Owner[],
  ): Promise<string> {
    const owner = team.find((o) => o.memberId === risk.memberId);
    const member = owner ? null : await this.deps.store.members.get(ctx.actor.workspaceId, risk.memberId);
    const name = owner ? ownerName(owner) : (member?.displayName ?? risk.memberId);
    return voiceRiskText(risk, () => name, `partner owners ${quoteName(partner.name)} add @member ROLE`);
  }

  /** The dashboard for partners already assessed, in the order given. */
  private async dashboardOf(
    ctx: CommandContext,
    assessments: Assessment[],
    risks: ReadonlyMap<number, { risk: VoiceRisk; team: Owner[] }> = new Map(),
  ): Promise<Message> {
    const { actor, member } = ctx;
    const flags = new Map<number, string>();
    for (const [partnerId, { risk, team }] of risks) {
      const partner = assessments.find((a) => a.partner.id === partnerId)?.partner;
      if (partner) flags.set(partnerId, await this.voiceText(ctx, partner, risk, team));
    }
    const sections = assessments.map((assessment) => {
      const { partner, health } = assessment;
      const waiting = assessment.nudges
        .filter((n) => isOpenNudge(n) && n.memberId === actor.memberId)
        .sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime() || a.id - b.id)
        .map((n) => this.nudges.statusLine(n, member));
      const failed = assessment.nudges
        .filter((n) => n.status === 'failed' && n.memberId === actor.memberId)
        .slice(0, 50)
        .map(
          (n) =>
            `⚠️ ${this.nudges.ruleTitle(n.ruleId)} could not be delivered (${n.lastError ?? 'unknown error'})`,
        );
      const healthLine =
        partner.stage === 'ended'
          ? `Health ${healthBadge(health)} — ended`
          : `Health ${healthText(health)} — ${health.reasons[0] ?? ''}. Next: ${nextStepText(health, partner)}`;
      return {
        title: partner.name,
        lines: [
          healthLine,
          this.summaryLine(ctx, assessment),
          ...(flags.has(partner.id) ? [flags.get(partner.id)!] : []),
          ...waiting,
          ...failed,
        ],
        choices: [
          { id: partnerChoiceId(partner.id, 'log'), label: 'Log' },
          { id: partnerChoiceId(partner.id, 'status'), label: 'Status' },
        ],
      };
    });
    const count = assessments.length;
    const waiting = assessments.reduce(
      (sum, a) => sum + a.nudges.filter((n) => isOpenNudge(n) && n.memberId === actor.memberId).length,
      0,
    );
    return {
      title: 'Your partnerships',
      text: count
        ? `You own ${count} partner relationship${count === 1 ? '' : 's'}.`
        : 'You do not own any partners yet. Add one with `partner add NAME`.',
      sections,
      choices: [
        { id: OPEN_LOG_FORM, label: 'Log an interaction', style: 'primary' },
        ...(waiting ? [{ id: OPEN_NUDGES, label: `Answer what is waiting (${waiting})` }] : []),
      ],
    };
  }

  /** Partners with their health, what needs attention first (lowest health, most waiting, ended last). */
  private async byAttention(ctx: CommandContext, partners: Partner[]): Promise<{ assessment: Assessment }[]> {
    const { insights } = this.deps;
    const assessed = await Promise.all(
      partners.map(async (partner) => {
        const assessment = await insights.assess(partner, ctx.today, ctx.now);
        const waiting = insights.waitingFor(assessment, ctx.actor.memberId).length;
        return { assessment, partner, health: assessment.health, waiting };
      }),
    );
    return assessed.sort(byAttention);
  }

  private summaryLine(ctx: CommandContext, assessment: Assessment): string {
    const { partner, history, planned } = assessment;
    const playbook = ctx.playbook ?? this.deps.playbook;
    const last = lastDayOf(history, 'contact');
    const next = evaluatePlaybook({ partner, history, planned }, ctx.now, playbook).upcoming[0];
    const nextText = next
      ? `; next: ${findRule(playbook, next.ruleId)?.title ?? next.ruleId} ${relativeDays(localDate(next.dueAt, 'UTC'), ctx.today)}`
      : '';
    const lastText = last ? `last contact ${relativeDays(last, ctx.today)}` : 'no contact logged';
    return `*${partner.name}* — ${partner.stage}, ${lastText}${nextText}`;
  }

  /** The interaction that set the partner's "first met" day (the earliest logged of that day), if any. */
  private async firstMeeting(partner: Partner): Promise<Interaction | null> {
    if (!partner.firstMetOn) return null;
    const sameDay = await this.deps.store.interactions.listForPartner(partner.workspaceId, partner.id, {
      kinds: [...MEETING_KINDS],
      since: partner.firstMetOn,
    });
    const first = sameDay.filter((i) => i.occurredOn === partner.firstMetOn).sort((a, b) => a.id - b.id);
    return first[0] ?? null;
  }

  private async statusCommand(ctx: CommandContext, args: string[]): Promise<Message> {
    if (args.length === 0) return usageError('Which partner?', 'status');
    const resolved = await resolvePartner(this.deps.store.partners, ctx, args, 'status');
    if (!resolved.ok) return resolved.reply;
    return this.status(ctx, resolved.partner);
  }

  /** Where the relationship with one partner stands. */
  async status(ctx: CommandContext, partner: Partner): Promise<Message> {
    const { workspaceId } = ctx.actor;
    const { store, insights } = this.deps;
    const playbook = ctx.playbook ?? this.deps.playbook;
    const [assessment, recent] = await Promise.all([
      insights.assess(partner, ctx.today, ctx.now),
      store.interactions.listForPartner(workspaceId, partner.id, { limit: 5 }),
    ]);
    const { history, planned } = assessment;
    const nudges = assessment.nudges.slice(0, 50);
    const evaluation = evaluatePlaybook({ partner, history, planned }, ctx.now, playbook);
    const team = await store.partners.listOwners(workspaceId, partner.id);
    const risk = voiceRisk({ ...assessment, owners: team, today: ctx.today, now: ctx.now });
    const facts = [
      { label: 'Stage', value: partner.stage },
      { label: 'Health', value: healthText(assessment.health) },
      { label: 'Owners', value: team.map((owner) => ownerLabel(owner)).join(', ') },
      { label: 'Added', value: formatDay(localDate(partner.createdAt, ctx.member.timeZone)) },
    ];
    const place = partnerPlaceLine(partner, ctx.now);
    if (place) facts.splice(1, 0, { label: 'Where', value: place });
    const firstMeeting = await this.firstMeeting(partner);
    if (partner.firstMetOn) {
      const by = firstMeeting
        ? (team.find((owner) => owner.memberId === firstMeeting.memberId)?.displayName ??
          (await store.members.get(workspaceId, firstMeeting.memberId))?.displayName ??
          firstMeeting.memberId)
        : null;
      const how = firstMeeting
        ? ` (${FIRST_MEETING_WORDS[firstMeeting.kind] ?? firstMeeting.kind}, logged by ${by})`
        : '';
      facts.push({ label: 'First met', value: `${formatDay(partner.firstMetOn)}${how}` });
    }
    if (partner.signedOn) {
      facts.push({
        label: 'Signed',
        value: `${formatDay(partner.signedOn)} (${relativeDays(partner.signedOn, ctx.today)})`,
      });
    }
    const last = lastDayOf(history, 'contact');
    facts.push({
      label: 'Last contact',
      value: last ? `${formatDay(last)} (${relativeDays(last, ctx.today)})` : 'none logged',
    });

    const isCheckin = (n: Nudge): boolean => findRule(playbook, n.ruleId)?.records === 'checkin';
    const openCheckins = nudges.filter((n) => isOpenNudge(n) && isCheckin(n));
    const open = nudges.filter((n) => isOpenNudge(n) && !isCheckin(n));
    const answered = nudges.filter((n) => n.status === 'answered' && n.answer && !n.answer.startsWith('_'));
    const failed = nudges.filter((n) => n.status === 'failed');
    const line = (n: Nudge): string => this.nudges.statusLine(n, ctx.member);
    const sections: Section[] = [
      ...(risk ? [{ title: 'One voice', lines: [await this.voiceText(ctx, partner, risk, team)] }] : []),
      healthSection(assessment.health, partner),
      touchesSection(touchesPerMonth(assessment.interactions, ctx.today, 12), ctx.today),
      {
        title: 'Recent interactions',
        lines: recent.length
          ? recent.map(
              (i, index) => `${index + 1}. ${interactionLine(i, ctx.today, i.id === firstMeeting?.id)}`,
            )
          : ['None logged yet.'],
      },
      ...(planned.length ? [{ title: 'Planned', lines: plannedLines(planned, ctx.today) }] : []),
      ...statusPromiseSections(assessment.promises, partner.name, ctx.today),
      {
        title: 'Open check-ins',
        lines: openCheckins.length ? openCheckins.map(line) : ['No check-in waiting for an answer.'],
      },
      { title: 'Open nudges', lines: open.length ? open.map(line) : ['Nothing waiting for you.'] },
    ];
    if (answered.length) {
      sections.push({
        title: 'Answers',
        lines: answered.slice(0, 5).map((n) => this.nudges.answerLine(n, ctx.member)),
      });
    }
    if (failed.length) {
      sections.push({ title: 'Could not be delivered', lines: failed.map((n) => this.nudges.failedLine(n)) });
    }
    sections.push({
      title: 'Coming up',
      lines: evaluation.upcoming.length
        ? evaluation.upcoming.slice(0, 4).map((o) => upcomingLine(o, findRule(playbook, o.ruleId)))
        : ['Nothing scheduled.'],
    });
    return {
      title: partner.name,
      text: `Where the relationship with *${partner.name}* stands.`,
      facts,
      sections,
      choices: [{ id: partnerChoiceId(partner.id, 'add-owner'), label: 'Add co-owner' }],
      footer: recent.length
        ? `Fix a line by its number: \`partner edit ${quoteName(partner.name)} 1 …\`, \`partner delete ${quoteName(partner.name)} 1\`.`
        : undefined,
    };
  }
}
