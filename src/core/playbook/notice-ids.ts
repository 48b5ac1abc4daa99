/**
 * The rule ids of built-in notices (see `notices.ts`), in a module of their own with no imports, so that
 * the store can tell a notice from a playbook occurrence without loading the playbook.
 */
export const OWNER_ADDED_RULE = 'owner-added';
export const HANDOVER_RULE = 'owner-handover';

export const NOTICE_RULE_IDS: readonly string[] = [OWNER_ADDED_RULE, HANDOVER_RULE];

export function isNoticeRule(ruleId: string): boolean {
  return NOTICE_RULE_IDS.includes(ruleId);
}
