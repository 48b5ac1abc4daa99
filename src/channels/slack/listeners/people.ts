/**
 * People a member names to Rapport — mentioned in a slash command (`<@U…>`) or picked in a users select —
 * become known members when Slack places them in the installation, with an address that opens a DM on the
 * first message. So `owners NAME add @them ROLE` works before they ever wrote to Rapport; guests and
 * outsiders (as `users.info` says) stay unknown, and the core refuses them.
 */
import type { WebClient } from '@slack/web-api';
import type { SlackSender } from '../slack-identity';
import type { SlackDeps } from './shared';

/** Most people looked up for one request (each may cost a `users.info` call). */
const MOST_PEOPLE = 5;

/** The users a command's text mentions (`<@U123>`, `<@U123|name>`), in order, once each. */
export function mentionedUsers(text: string): string[] {
  return [...new Set([...text.matchAll(/<@([UW][A-Z0-9]{1,40})(?:\|[^>]*)?>/g)].map((m) => m[1]!))];
}

/** The users picked in a submitted view's users selects. */
export function pickedUsers(values: unknown): string[] {
  const out: string[] = [];
  if (!values || typeof values !== 'object') return out;
  for (const actions of Object.values(values as Record<string, unknown>)) {
    if (!actions || typeof actions !== 'object') continue;
    for (const state of Object.values(
      actions as Record<string, { selected_user?: unknown; selected_users?: unknown }>,
    )) {
      if (typeof state?.selected_user === 'string') out.push(state.selected_user);
      if (Array.isArray(state?.selected_users))
        out.push(...state.selected_users.filter((u): u is string => typeof u === 'string'));
    }
  }
  return [...new Set(out)];
}

/** Makes `userIds` (other than the sender) known members, when Slack says they belong here. */
export async function seePeople(
  deps: SlackDeps,
  client: WebClient,
  userIds: readonly string[],
  sender: SlackSender & { userId: string },
  now: Date,
): Promise<void> {
  for (const userId of userIds.filter((id) => id !== sender.userId).slice(0, MOST_PEOPLE)) {
    if ((await deps.identities.admits(client, userId, now, false)) !== 'member') continue;
    await deps.identities.identify(client, { ...sender, userId, userName: null, dmChannelId: null }, now);
  }
}
