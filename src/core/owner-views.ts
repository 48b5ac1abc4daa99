/**
 * How owners read: role labels, "with Aiko (sales) and Ben (IT)", the owners list, and the notice a
 * member gets when they are made a co-owner or handed a relationship. Pure functions of data.
 */
import type { Message } from './messages';
import type { KindHistory, Member, Nudge, Owner, Partner } from './model';
import { OWNER_ROLES } from './model';
import { nudgeChoices } from './views';
import type { Playbook, Rule } from './playbook/playbook';
import { evaluatePlaybook, findRule, lastDayOf } from './playbook/playbook';
import { HANDOVER_RULE } from './playbook/notices';
import { formatDay, localDate, relativeDays } from './time';
import { truncate } from './views';

const ROLE_LABELS: Record<(typeof OWNER_ROLES)[number], string> = {
  'alliance-manager': 'alliance manager',
  'executive-sponsor': 'executive sponsor',
  sales: 'sales',
  purchasing: 'purchasing',
  it: 'IT',
  legal: 'legal',
};

/** `alliance manager`, `IT`, or the free word as it was given. */
export function roleLabel(role: string): string {
  return (ROLE_LABELS as Record<string, string>)[role] ?? role;
}

/** The name an owner goes by: their display name, else their member id. */
export function ownerName(owner: Pick<Owner, 'memberId' | 'displayName'>): string {
  return owner.displayName ?? owner.memberId;
}

/** `Aiko (sales)`, `Aiko (alliance manager, lead)`. */
export function ownerLabel(owner: Owner, options: { lead?: boolean } = {}): string {
  const lead = options.lead !== false && owner.lead ? ', lead' : '';
  return `${ownerName(owner)} (${roleLabel(owner.role)}${lead})`;
}

/** `a`, `a and b`, `a, b and c`. */
export function joinAnd(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * The other owners, as a rule's `{others}` says them to one owner: ` with Aiko (sales) and Ben (IT)`;
 * empty when the member owns the partner alone (or the owners are not known here).
 */
export function othersPhrase(team: readonly Owner[] | undefined, memberId: string): string {
  const others = (team ?? []).filter((owner) => owner.memberId !== memberId);
  if (others.length === 0) return '';
  return ` with ${joinAnd(others.map((owner) => ownerLabel(owner, { lead: false })))}`;
}

/** The owners list: one line each, name, role, lead. */
export function ownersMessage(partner: Pick<Partner, 'name'>, team: readonly Owner[]): Message {
  return {
    title: `${partner.name} — owners`,
    text: `Who owns the relationship with *${partner.name}*.`,
    sections: [
      {
        lines: team.map((owner, index) => {
          const gone = !owner.known
            ? ' — not seen in this workspace'
            : owner.addressStale
              ? ' — cannot be reached'
              : '';
          return `${index + 1}. ${ownerName(owner)} — ${roleLabel(owner.role)}${owner.lead ? ' · *lead*' : ''}${gone}`;
        }),
      },
    ],
    footer: `Add one: \`partner owners NAME add @member ROLE\` · remove: \`owners NAME remove @member\` · hand yours over: \`handover NAME @member NOTE\`.`,
  };
}

/** What a notice needs: its nudge, the partner with its history and owners, and the member it goes to. */
export interface NoticeView {
  nudge: Nudge;
  partner: Partner;
  history: KindHistory;
  member: Pick<Member, 'timeZone'>;
  team?: readonly Owner[];
}

/**
 * The notice a new owner gets: who made them an owner and as what, who else owns it, and where the
 * relationship stands (stage, last contact, what is due); a handover carries the note it was given.
 */
export function noticeMessage(view: NoticeView, rule: Rule, now: Date, playbook: Playbook): Message {
  const { nudge, partner, history } = view;
  const today = localDate(now, view.member.timeZone);
  const me = view.team?.find((owner) => owner.memberId === nudge.memberId);
  // Whoever gave it (they may own it no more after a handover), as the workspace knows them.
  const by = me?.addedByName ?? (me?.addedBy && me.addedBy !== nudge.memberId ? me.addedBy : 'A colleague');
  const text = rule.prompt
    .replaceAll('{by}', by)
    .replaceAll('{partner}', partner.name)
    .replaceAll('{role}', me ? roleLabel(me.role) : 'owner');
  const last = lastDayOf(history, 'contact');
  const evaluation = evaluatePlaybook({ partner, history }, now, playbook);
  const titleOf = (ruleId: string): string => findRule(playbook, ruleId)?.title ?? ruleId;
  const others = (view.team ?? []).filter((owner) => owner.memberId !== nudge.memberId);
  const facts = [
    { label: 'Stage', value: partner.stage },
    {
      label: 'Last contact',
      value: last ? `${formatDay(last)} (${relativeDays(last, today)})` : 'none logged',
    },
    {
      label: 'Due now',
      value: evaluation.due.length ? evaluation.due.map((o) => titleOf(o.ruleId)).join(', ') : 'nothing',
    },
  ];
  const next = evaluation.upcoming[0];
  if (next)
    facts.push({
      label: 'Next',
      value: `${titleOf(next.ruleId)} ${relativeDays(localDate(next.dueAt, 'UTC'), today)}`,
    });
  if (others.length) facts.push({ label: 'With', value: joinAnd(others.map((o) => ownerLabel(o))) });
  const note = rule.id === HANDOVER_RULE && me?.note ? `\nTheir note: “${truncate(me.note, 500)}”` : '';
  return {
    title: `${partner.name} — ${rule.title}`,
    text: `${text}${note}`,
    facts,
    choices: nudgeChoices(nudge, rule),
    footer: rule.habit,
  };
}
