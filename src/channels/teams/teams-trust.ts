/**
 * What an inbound activity must be before the SDK sees it, and where Rapport will send what Teams hands it:
 * - from Microsoft Teams (`channelId` `msteams`); the Bot Framework Emulator only with authentication off;
 * - with a service URL Rapport will call back: `https` with authentication on, this machine's loopback with
 *   it off (so a local, unauthenticated instance never calls anywhere else);
 * - naming one tenant: `channelData.tenant.id` and `conversation.tenantId` agree.
 * Anything else is answered 403 before a turn starts: no reply, no outbound call, nothing stored.
 */
import type { Activity } from 'botbuilder';
import { isLoopbackHost } from '../../http/server';
import { tenantOf } from './teams-address';

/** How much an activity is trusted to say about where it comes from. */
export interface TrustPolicy {
  /** Authentication is off (`TEAMS_ALLOW_UNAUTHENTICATED`): local testing only, loopback only. */
  local: boolean;
}

/** The channel Rapport serves, and the one it also accepts locally. */
export const TEAMS_CHANNEL = 'msteams';
export const EMULATOR_CHANNEL = 'emulator';

/** Whether Rapport may call the Bot Connector at `url` (an activity's or a stored reference's `serviceUrl`). */
export function serviceUrlAllowed(url: string, policy: TrustPolicy): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (policy.local) {
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && isLoopbackHost(parsed.hostname);
  }
  return parsed.protocol === 'https:';
}

/** Why an activity cannot be trusted for its channel, service URL or tenant; null when it can. */
export function untrustedActivity(activity: Partial<Activity>, policy: TrustPolicy): string | null {
  const channel = activity.channelId;
  if (channel !== TEAMS_CHANNEL && !(policy.local && channel === EMULATOR_CHANNEL)) {
    return `Rapport serves Microsoft Teams only; a "${String(channel).slice(0, 40)}" activity is refused.`;
  }
  if (!serviceUrlAllowed(activity.serviceUrl ?? '', policy)) {
    return policy.local
      ? 'With authentication off, Rapport only calls back a service URL on this machine.'
      : 'Rapport only calls back a Bot Connector over https.';
  }
  const tenant = tenantOf(activity);
  if (!tenant.ok && tenant.reason === 'conflict') return tenant.problem;
  return null;
}

/**
 * With an allow-list (`TEAMS_ALLOWED_TENANTS`, lower-case), whether the activity's tenant is on it (tenant
 * ids compared without regard to case). Without one, every tenant is served.
 */
export function tenantAllowed(allowed: readonly string[] | null, activity: Partial<Activity>): boolean {
  if (!allowed) return true;
  const tenant = tenantOf(activity);
  return tenant.ok && allowed.includes(tenant.tenantId.toLowerCase());
}
