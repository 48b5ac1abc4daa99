/**
 * Turns what was logged into insight: health per partner, the pre-meeting brief, the timeline preview,
 * the weekly digest and the export. Gathers data from the store and hands it to pure functions
 * (`health.ts`, `playbook/preview.ts`, `digest.ts`, `export.ts`) and views (`insight-views.ts`).
 */
import type { DigestWeek } from './digest';
import { digestMessage } from './digest';
import type { ExportFormat } from './export';
import { exportFiles } from './export';
import type { Health } from './health';
import { healthScore, healthWindowStart, postSigningRuleIds } from './health';
import type { BriefInput } from './insight-views';
import { briefMessage, exportMessage, previewMessage, quoteName } from './insight-views';
import { voiceRisk, voiceRiskText } from './single-voice';
import type { Message } from './messages';
import type {
  Interaction,
  IsoDate,
  KindHistory,
  Member,
  Nudge,
  Owner,
  Partner,
  PartnerPromise,
  PlannedEvent,
} from './model';
import type { Playbook } from './playbook/playbook';
import { previewPlaybook } from './playbook/preview';
import type { Store } from './ports';
import { addDaysToDate, localDate } from './time';

/** A partner's health with what it was computed from (views reuse the data). */
export interface Assessment {
  partner: Partner;
  history: KindHistory;
  /** The last 12 months, most recent first. */
  interactions: Interaction[];
  nudges: Nudge[];
  /** Events still planned, soonest first. */
  planned: PlannedEvent[];
  /** Every promise made with the partner, both ways, by due day. */
  promises: PartnerPromise[];
  health: Health;
}

const OPEN = new Set<Nudge['status']>(['pending', 'sent', 'snoozed']);

export class Insights {
  private readonly postSigningRules: string[];

  constructor(
    private readonly store: Store,
    private readonly playbook: Playbook,
  ) {
    this.postSigningRules = postSigningRuleIds(playbook);
  }

  /** Health of one partner as of `now`, seen from the calendar day `today`. */
  async assess(partner: Partner, today: IsoDate, now: Date): Promise<Assessment> {
    const { workspaceId } = partner;
    const [history, interactions, nudges, planned, promises] = await Promise.all([
      this.store.partners.history(workspaceId, partner.id),
      this.store.interactions.listForPartner(workspaceId, partner.id, { since: healthWindowStart(today) }),
      this.store.nudges.listForPartner(workspaceId, partner.id, { limit: 500 }),
      this.store.plannedEvents.listForPartner(workspaceId, partner.id, { statuses: ['planned'] }),
      this.store.promises.list(workspaceId, { partnerId: partner.id }),
    ]);
    const health = healthScore({
      promises,
      partner,
      history,
      interactions,
      nudges,
      postSigningRuleIds: this.postSigningRules,
      today,
      now,
    });
    return { partner, history, interactions, nudges, planned, promises, health };
  }

  /** Open nudges about a partner that wait for one member. */
  waitingFor(assessment: Assessment, memberId: string): Nudge[] {
    return assessment.nudges.filter((n) => OPEN.has(n.status) && n.memberId === memberId);
  }

  async brief(partner: Partner, today: IsoDate, now: Date): Promise<Message> {
    const { workspaceId } = partner;
    const [assessment, observations, recent] = await Promise.all([
      this.assess(partner, today, now),
      this.store.interactions.listForPartner(workspaceId, partner.id, { kinds: ['observation'], limit: 5 }),
      this.store.interactions.listForPartner(workspaceId, partner.id, { limit: 30 }),
    ]);
    const pulses = await this.store.interactions.listForPartner(workspaceId, partner.id, {
      kinds: ['checkin'],
      limit: 50,
    });
    const owners = await Promise.all(partner.owners.map((id) => this.store.members.get(workspaceId, id)));
    const input: BriefInput = {
      partner,
      health: assessment.health,
      ownerNames: owners.map((m, i) => m?.displayName ?? partner.owners[i]!),
      history: assessment.history,
      planned: assessment.planned,
      observations,
      interactions: recent.filter((i) => i.kind !== 'observation').slice(0, 5),
      pulses: pulses.filter((i) => i.rating !== null).slice(0, 2),
      today,
      now,
    };
    return briefMessage(input);
  }

  /**
   * What the playbook will send for a partner over the next `days` days. `member` (the viewer) sets the
   * zone and working hours for delivery times; without one (the command line) due days are shown.
   */
  async preview(
    partner: Partner,
    days: number,
    now: Date,
    member: Member | null,
    waiting: string[] = [],
    playbook: Playbook = this.playbook,
  ): Promise<Message> {
    const [history, planned] = await Promise.all([
      this.store.partners.history(partner.workspaceId, partner.id),
      this.store.plannedEvents.listForPartner(partner.workspaceId, partner.id, { statuses: ['planned'] }),
    ]);
    const occurrences = previewPlaybook({ partner, history, planned }, now, days, playbook);
    return previewMessage({
      partner,
      history,
      occurrences,
      days,
      now,
      playbook,
      member,
      waiting,
    });
  }

  /** The week's digest for a member, or null when they own no active partner. */
  async digest(
    member: Member,
    week: DigestWeek,
    now: Date,
    playbook: Playbook = this.playbook,
  ): Promise<Message | null> {
    const today = localDate(now, member.timeZone);
    const owned = (await this.store.partners.list(member.workspaceId, { ownerId: member.id })).filter(
      (p) => p.stage !== 'ended',
    );
    if (owned.length === 0) return null;
    const lastWeekFrom = addDaysToDate(week.weekStart, -7);
    const partners = await Promise.all(
      owned.map(async (partner) => {
        const assessment = await this.assess(partner, today, now);
        return {
          partner,
          voice: await this.voiceLine(assessment, today, now),
          health: assessment.health,
          waiting: this.waitingFor(assessment, member.id).length,
          lastWeek: assessment.interactions.filter((i) => i.occurredOn >= lastWeekFrom),
          upcoming: previewPlaybook(
            { partner, history: assessment.history, planned: assessment.planned },
            now,
            7,
            playbook,
          ),
        };
      }),
    );
    return digestMessage({ week, partners, playbook });
  }

  /** The single-voice flag of a partner in a sentence with its way out, or undefined (see `single-voice.ts`). */
  private async voiceLine(assessment: Assessment, today: IsoDate, now: Date): Promise<string | undefined> {
    const { partner } = assessment;
    const owners = await this.store.partners.listOwners(partner.workspaceId, partner.id);
    const risk = voiceRisk({ ...assessment, owners, today, now });
    if (!risk) return undefined;
    const owner = owners.find((o) => o.memberId === risk.memberId);
    const name =
      owner?.displayName ?? (await this.store.members.get(partner.workspaceId, risk.memberId))?.displayName;
    return voiceRiskText(
      risk,
      () => name ?? risk.memberId,
      `partner owners ${quoteName(partner.name)} add @member ROLE`,
    );
  }

  /** Everything a member of the workspace may see, as files. */
  async export(workspaceId: string, format: ExportFormat, now: Date, timeZone: string): Promise<Message> {
    const workspace = await this.store.workspaces.get(workspaceId);
    if (!workspace) return { text: 'This workspace has nothing to export yet.', isError: true };
    const [partners, interactions, answers, members, promises] = await Promise.all([
      this.store.partners.list(workspaceId),
      this.store.interactions.listForWorkspace(workspaceId),
      this.store.nudges.listAnswered(workspaceId),
      this.store.members.listByWorkspace(workspaceId),
      this.store.promises.list(workspaceId),
    ]);
    const owners = new Map<number, Owner[]>();
    for (const partner of partners)
      owners.set(partner.id, await this.store.partners.listOwners(workspaceId, partner.id));
    const files = exportFiles(
      { workspace, partners, interactions, answers, members, playbook: this.playbook, promises, owners },
      format,
      now,
      localDate(now, timeZone),
    );
    return exportMessage(
      workspace.name ?? workspace.id,
      format,
      { partners: partners.length, interactions: interactions.length, answers: answers.length },
      files,
    );
  }
}
