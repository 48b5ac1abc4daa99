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

export async function checkSlackBotToken(
  config: SlackConfig,
  fetchFn: typeof fetch = fetch,
): Promise<TokenCheck> {
  const base = config.apiUrl ?? SLACK_API;
  if (!config.botToken.startsWith('xoxb-'))
    return { ok: false, detail: 'SLACK_BOT_TOKEN is not a bot token: it starts with xoxb-' };
  let body: { ok?: boolean; error?: string; team?: string; team_id?: string; user?: string; bot_id?: string };
  try {
    const response = await fetchFn(`${base}auth.test`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${config.botToken}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: '',
      signal: withDeadline(null, config.timeoutMs),
    });
    if (!response.ok) return { ok: false, detail: `auth.test at ${base} answered HTTP ${response.status}` };
    body = (await response.json()) as typeof body;
  } catch (error) {
    return {
      ok: false,
      detail: `Slack could not be reached at ${base}: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  if (!body.ok)
    return {
      ok: false,
      detail: `Slack refused SLACK_BOT_TOKEN (${body.error ?? 'no reason given'}): copy the Bot User OAuth Token again, or reinstall the app`,
    };
  if (!body.bot_id)
    return { ok: false, detail: 'SLACK_BOT_TOKEN is not a bot token: auth.test named no bot' };
  return {
    ok: true,
    detail: `SLACK_BOT_TOKEN accepted by Slack: bot ${body.user ?? body.bot_id} in ${body.team ?? body.team_id ?? 'its workspace'}`,
  };
}
