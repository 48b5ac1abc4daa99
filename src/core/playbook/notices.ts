/**
 * Built-in notices: things a member must hear about a partner that no playbook rule decides — they were
 * made a co-owner, or a relationship was handed over to them. A notice is a nudge row like any other (so
 * it waits for working hours, is retried and is never lost), with a rule id of its own that no playbook may
 * use. Its message is rendered from the partner, its history and its owners (`renderNotice`).
 */
import { HANDOVER_RULE, OWNER_ADDED_RULE } from './notice-ids';
import type { Rule } from './playbook';

export { HANDOVER_RULE, isNoticeRule, OWNER_ADDED_RULE } from './notice-ids';
/** The one answer a notice offers: it opens the partner's status (and marks the notice read). */
export const NOTICE_STATUS_ACTION = '_status';

const openStatus = { id: NOTICE_STATUS_ACTION, label: 'Open status', style: 'primary' } as const;

export const NOTICE_RULES: readonly Rule[] = [
  {
    id: OWNER_ADDED_RULE,
    title: 'You are now a co-owner',
    habit: 'Align internally: everyone who speaks to the partner knows where the relationship stands.',
    trigger: { type: 'notice' },
    prompt: '{by} made you a co-owner of *{partner}* ({role}).',
    choices: [openStatus],
    priority: 'high',
    // A notice goes on its day, whatever else the member heard about the partner this week.
    milestone: true,
    expiresAfterDays: 30,
  },
  {
    id: HANDOVER_RULE,
    title: 'Handed over to you',
    habit: 'Keep investing in the relationship: a handover is where trust is most easily lost.',
    trigger: { type: 'notice' },
    prompt: '{by} handed *{partner}* over to you ({role}).',
    choices: [openStatus],
    priority: 'high',
    milestone: true,
    expiresAfterDays: 30,
  },
];

/** The occurrence of a notice: the instant it was given, so that being added again is a new notice. */
export function noticeOccurrence(now: Date): string {
  return now.toISOString();
}
