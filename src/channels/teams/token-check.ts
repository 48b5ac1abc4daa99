/**
 * Checks the Teams bot's credentials for `rapport doctor`. Offline, their shape: an app id that is a GUID,
 * a password, a tenant id for a single-tenant bot. Online (`--online`), a token for the Bot Connector from
 * Microsoft Entra (the client-credentials request botbuilder makes before its first outbound call): that
 * is a call to Microsoft, so only when asked for. The password is sent to Microsoft only, never printed.
 */
import type { TeamsConfig } from '../../config';
import { withDeadline } from '../deadline';
import type { TokenCheck } from '../slack/token-check';

const GUID = /^[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$/i;
const LOGIN = 'https://login.microsoftonline.com/';
/** Multi-tenant bots get their Bot Connector tokens from the Bot Framework's own tenant. */
const BOT_FRAMEWORK_TENANT = 'botframework.com';
const BOT_CONNECTOR_SCOPE = 'https://api.botframework.com/.default';

export function checkTeamsCredentialShape(config: TeamsConfig): TokenCheck[] {
  if (config.unauthenticated)
    return [
      {
        ok: true,
        detail:
          'TEAMS_ALLOW_UNAUTHENTICATED=true: Bot Framework authentication is off (local testing only, loopback only)',
      },
    ];
  const findings: TokenCheck[] = [
    GUID.test(config.appId)
      ? { ok: true, detail: 'MICROSOFT_APP_ID is a GUID' }
      : {
          ok: false,
          detail: 'MICROSOFT_APP_ID is not a GUID: copy the Application (client) ID of the app registration',
        },
  ];
  if (config.appType === 'UserAssignedMSI')
    findings.push({
      ok: true,
      detail: 'UserAssignedMSI: no password is used; the managed identity gets tokens',
    });
  else if (config.appPassword.length < 16)
    findings.push({
      ok: false,
      detail:
        'MICROSOFT_APP_PASSWORD looks too short for a client secret: copy the secret’s value, not its id',
    });
  else findings.push({ ok: true, detail: 'MICROSOFT_APP_PASSWORD is set' });
  if (config.tenantId && !GUID.test(config.tenantId))
    findings.push({
      ok: false,
      detail: 'MICROSOFT_APP_TENANT_ID is not a GUID: copy the Directory (tenant) ID',
    });
  return findings;
}

/** Asks Microsoft Entra for a Bot Connector token with the configured app id and password. */
export async function checkTeamsToken(
  config: TeamsConfig,
  options: { fetchFn?: typeof fetch; loginUrl?: string } = {},
): Promise<TokenCheck> {
  const tenant =
    config.appType === 'SingleTenant' && config.tenantId ? config.tenantId : BOT_FRAMEWORK_TENANT;
  const url = `${options.loginUrl ?? LOGIN}${tenant}/oauth2/v2.0/token`;
  try {
    const response = await (options.fetchFn ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: config.appId,
        client_secret: config.appPassword,
        scope: BOT_CONNECTOR_SCOPE,
      }).toString(),
      signal: withDeadline(null, config.timeoutMs),
    });
    const body = (await response.json().catch(() => ({}))) as { access_token?: string; error?: string };
    if (response.ok && body.access_token)
      return { ok: true, detail: `Microsoft issued a Bot Connector token for MICROSOFT_APP_ID (${tenant})` };
    return {
      ok: false,
      detail: `Microsoft refused MICROSOFT_APP_ID/MICROSOFT_APP_PASSWORD (${body.error ?? `HTTP ${response.status}`}): check the app id, create a new client secret, check MICROSOFT_APP_TYPE and MICROSOFT_APP_TENANT_ID`,
    };
  } catch (error) {
    return {
      ok: false,
      detail: `Microsoft Entra could not be reached at ${url}: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}
