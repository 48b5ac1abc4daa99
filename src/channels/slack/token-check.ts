/**
 * Asks Slack whether the configured bot token works (`auth.test`), for `rapport doctor`. A plain Web API
 * call through the configured base URL (`SLACK_API_URL`, GovSlack, a test double), with the same deadline
 * as every other call to Slack. The token is sent to Slack only, never printed.
 */
import type { SlackConfig } from '../../config';
import { withDeadline } from '../deadline';

export interface TokenCheck {
  ok: boolean;
  detail: string;
}

const SLACK_API = 'https://slack.com/api/';

/**
 * Socket Mode: asks Slack for a connection URL with `SLACK_APP_TOKEN` (`apps.connections.open`), which
 * is what the service does at start. The URL is not opened.
 */
export async function checkSlackAppToken(
  config: SlackConfig & { appToken: string },
  fetchFn: typeof fetch = fetch,
): Promise<TokenCheck> {
  const base = config.apiUrl ?? SLACK_API;
  const answer = await callSlack(base, 'apps.connections.open', config.appToken, config.timeoutMs, fetchFn);
  if ('unreachable' in answer) return { ok: false, detail: answer.unreachable };
  if (!answer.body.ok)
    return {
      ok: false,
      detail: `Slack refused SLACK_APP_TOKEN (${answer.body.error ?? 'no reason given'}): generate an app-level token with the connections:write scope`,
    };
  return { ok: true, detail: 'SLACK_APP_TOKEN accepted by Slack: Socket Mode can connect' };
}

interface SlackAnswer {
  ok?: boolean;
  error?: string;
  team?: string;
  team_id?: string;
  user?: string;
  bot_id?: string;
}

async function callSlack(
  base: string,
  method: string,
  token: string,
  timeoutMs: number,
  fetchFn: typeof fetch,
): Promise<{ body: SlackAnswer } | { unreachable: string }> {
  try {
    const response = await fetchFn(`${base}${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
      signal: withDeadline(null, timeoutMs),
    });
    if (!response.ok) return { unreachable: `${method} at ${base} answered HTTP ${response.status}` };
    return { body: (await response.json()) as SlackAnswer };
  } catch (error) {
    return {
      unreachable: `Slack could not be reached at ${base}: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/**
 * Asks Slack whether a bot token works (`auth.test`). `label` names the token in what is printed: the
 * configured `SLACK_BOT_TOKEN`, or one installed workspace's token.
 */
export async function checkSlackBotToken(
  config: Pick<SlackConfig, 'apiUrl' | 'timeoutMs'>,
  token: string,
  fetchFn: typeof fetch = fetch,
  label = 'SLACK_BOT_TOKEN',
): Promise<TokenCheck> {
  const base = config.apiUrl ?? SLACK_API;
  if (!token.startsWith('xoxb-'))
    return { ok: false, detail: `${label} is not a bot token: it starts with xoxb-` };
  const answer = await callSlack(base, 'auth.test', token, config.timeoutMs, fetchFn);
  if ('unreachable' in answer) return { ok: false, detail: answer.unreachable };
  const body = answer.body;
  if (!body.ok)
    return {
      ok: false,
      detail: `Slack refused ${label} (${body.error ?? 'no reason given'}): copy the Bot User OAuth Token again, or reinstall the app`,
    };
  if (!body.bot_id) return { ok: false, detail: `${label} is not a bot token: auth.test named no bot` };
  return {
    ok: true,
    detail: `${label} accepted by Slack: bot ${body.user ?? body.bot_id} in ${body.team ?? body.team_id ?? 'its workspace'}`,
  };
}
