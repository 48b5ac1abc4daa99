/**
 * Stable ids for buttons. They travel through the platforms (Slack `action_id`/`value`, Teams
 * `Action.Execute` data) and come back unchanged, so they carry everything needed to act: no
 * server-side session. Every id is validated again on the way back in.
 */

/** Built-in answers every nudge offers besides its rule's own choices. */
export const NUDGE_ACTIONS = {
  log: '_log',
  snoozeDay: '_snooze1d',
  snoozeWeek: '_snooze1w',
  dismiss: '_dismiss',
  brief: '_brief',
} as const;

/** A blocker picked after a "Stuck" or "Some friction" answer: `_b-trust` on the nudge it follows up. */
export const BLOCKER_ACTION_PREFIX = '_b-';

export type ParsedChoice =
  | { type: 'nudge'; nudgeId: number; action: string }
  | { type: 'partner'; partnerId: number; action: string }
  | { type: 'interaction'; interactionId: number; action: string }
  | { type: 'promise'; promiseId: number; action: string }
  | { type: 'open-log-form' }
  | { type: 'open-nudges' }
  | { type: 'playbook'; ruleId: string; action: string }
  | { type: 'privacy'; action: string };

/** A button about one rule of the workspace's playbook (turn it on or off, reset it), for admins. */
export function playbookChoiceId(ruleId: string, action: string): string {
  return `pb:${ruleId}:${action}`;
}

/** A button of `forget me`'s confirmation: `forget` goes ahead, `keep` backs out. */
export function privacyChoiceId(action: 'forget' | 'keep'): string {
  return `privacy:${action}`;
}

export function nudgeChoiceId(nudgeId: number, action: string): string {
  return `n:${nudgeId}:${action}`;
}

export function partnerChoiceId(partnerId: number, action: string): string {
  return `p:${partnerId}:${action}`;
}

/** A button about one logged interaction (confirming its deletion). */
export function interactionChoiceId(interactionId: number, action: string): string {
  return `i:${interactionId}:${action}`;
}

/** A button on an open promise (Kept, Late, Broken, Moved) in a list or a status. */
export function promiseChoiceId(promiseId: number, action: string): string {
  return `r:${promiseId}:${action}`;
}

export const OPEN_LOG_FORM = 'log:open';
/** Shows the member's open nudges (the `nudges` command) from a dashboard. */
export const OPEN_NUDGES = 'nudges:open';

export function parseChoiceId(id: string): ParsedChoice | null {
  if (id === OPEN_LOG_FORM) return { type: 'open-log-form' };
  if (id === OPEN_NUDGES) return { type: 'open-nudges' };
  const playbook = /^pb:([a-z0-9-]{1,40}):([a-z-]{1,20})$/.exec(id);
  if (playbook) return { type: 'playbook', ruleId: playbook[1]!, action: playbook[2]! };
  const privacy = /^privacy:(forget|keep)$/.exec(id);
  if (privacy) return { type: 'privacy', action: privacy[1]! };
  const match = /^([npir]):(\d{1,15}):([a-z0-9_-]{1,30})$/.exec(id);
  if (!match) return null;
  const numeric = Number(match[2]);
  if (!Number.isSafeInteger(numeric)) return null;
  switch (match[1]) {
    case 'n':
      return { type: 'nudge', nudgeId: numeric, action: match[3]! };
    case 'i':
      return { type: 'interaction', interactionId: numeric, action: match[3]! };
    case 'r':
      return { type: 'promise', promiseId: numeric, action: match[3]! };
    default:
      return { type: 'partner', partnerId: numeric, action: match[3]! };
  }
}
