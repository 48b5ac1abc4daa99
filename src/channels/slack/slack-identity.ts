/**
 * Who is talking to us, in core terms: the workspace a Slack request belongs to, the member's stored
 * address, and their time zone from `users.info`.
 *
 * Workspace scoping: a workspace is a Slack team (`team_id`). For an org-wide install on Enterprise
 * Grid (`is_enterprise_install`), the whole organisation is one workspace keyed by its
 * `enterprise_id`: the install and its token cover every team, Grid user ids are the same in each of
 * them, and partners belong to the company rather than to one of its Slack workspaces.
 */
import type { webApi } from '@slack/bolt';
import { ChannelError, describeError } from '../../core/errors';
import type { Address, Member } from '../../core/model';
import type { Logger } from '../../core/ports';
import type { Actor, Rapport } from '../../core/rapport';

type WebClient = webApi.WebClient;

/** How long a time zone read from `users.info` is trusted before it is read again. */
export const TIME_ZONE_MAX_AGE_MS = 86_400_000;
/** After a failed `users.info`, how long before trying again for the same member. */
const PROFILE_RETRY_MS = 3_600_000;
/** `users.info` must not hold up a reply that has a trigger id to use within 3 s. */
const PROFILE_TIMEOUT_MS = 1_000;

/** Where a Slack member is reached: stored in the member's address, opaque to the core. */
export interface SlackAddress {
  /** The member's team (absent only for org-level requests of an org-wide install). */
  teamId?: string;
  userId: string;
  enterpriseId?: string;
  /** The app is installed org-wide: the workspace is the organisation. */
  isEnterpriseInstall?: boolean;
  /** The app's DM with the member, once known (`conversations.open` or `app_home_opened`). */
  dmChannelId?: string;
}

/** The ids a Slack request carries about its sender. */
export interface SlackSender {
  userId: string | undefined;
  teamId?: string | null;
  enterpriseId?: string | null;
  isEnterpriseInstall?: boolean;
  teamName?: string | null;
  userName?: string | null;
  /** The app's DM with this member, when the request proves it (App Home events). */
  dmChannelId?: string | null;
}

/** The core's external id for a Slack workspace (see the module comment), or null without ids. */
export function workspaceExternalId(ids: {
  teamId?: string | null;
  enterpriseId?: string | null;
  isEnterpriseInstall?: boolean;
}): string | null {
  if (ids.isEnterpriseInstall && ids.enterpriseId) return ids.enterpriseId;
  return ids.teamId || ids.enterpriseId || null;
}

/** Reads a stored address back; throws `ChannelError('ADDRESS_GONE')` when it is not a usable Slack one. */
export function decodeAddress(address: Address | null | undefined): SlackAddress {
  const payload = address?.payload as Record<string, unknown> | undefined;
  const userId = payload?.userId;
  if (address?.channel !== 'slack' || !payload || typeof userId !== 'string' || !userId) {
    throw new ChannelError('ADDRESS_GONE', 'not a Slack address');
  }
  const out: SlackAddress = { userId };
  if (typeof payload.teamId === 'string') out.teamId = payload.teamId;
  if (typeof payload.enterpriseId === 'string') out.enterpriseId = payload.enterpriseId;
  if (payload.isEnterpriseInstall === true) out.isEnterpriseInstall = true;
  if (typeof payload.dmChannelId === 'string') out.dmChannelId = payload.dmChannelId;
  if (!out.teamId && !out.enterpriseId) throw new ChannelError('ADDRESS_GONE', 'Slack address has no team');
  return out;
}

/** The stored form of a Slack address (fields in a fixed order, absent ones left out). */
export function encodeAddress(address: SlackAddress): Address {
  const payload: SlackAddress = { userId: address.userId };
  if (address.teamId) payload.teamId = address.teamId;
  if (address.enterpriseId) payload.enterpriseId = address.enterpriseId;
  if (address.isEnterpriseInstall) payload.isEnterpriseInstall = true;
  if (address.dmChannelId) payload.dmChannelId = address.dmChannelId;
  return { channel: 'slack', payload };
}

function tryDecode(address: Address | null): SlackAddress | null {
  try {
    return decodeAddress(address);
  } catch {
    return null;
  }
}

/** What `users.info` told us. */
interface Profile {
  timeZone: string | null;
  displayName: string | null;
}

/** Identifies Slack senders as core actors, keeping their address and time zone current. */
export class SlackIdentities {
  private readonly profileFailures = new Map<string, number>();

  constructor(
    private readonly rapport: Rapport,
    private readonly logger: Logger,
  ) {}

  /**
   * Records the sender with the core and returns the actor every core call must go through, or null
   * when the request names no user or workspace. Reads `users.info` on first sight and when the
   * stored time zone is a day old.
   */
  async identify(
    client: WebClient,
    sender: SlackSender,
    now: Date,
  ): Promise<{ actor: Actor; member: Member; address: SlackAddress } | null> {
    const external = workspaceExternalId(sender);
    if (!sender.userId || !external) return null;
    const userId = sender.userId;
    const teamName = sender.teamName ?? null;
    const seen = await this.rapport.identify('slack', external, { memberId: userId }, now, teamName);
    const previous = tryDecode(seen.member.address);
    const address: SlackAddress = {
      userId,
      teamId: sender.teamId ?? previous?.teamId,
      enterpriseId: sender.enterpriseId ?? undefined,
      isEnterpriseInstall: sender.isEnterpriseInstall || undefined,
      // A DM id is kept from before unless Slack told us the old address stopped working.
      dmChannelId:
        sender.dmChannelId ??
        (!seen.member.addressStale && previous?.userId === userId ? previous.dmChannelId : undefined),
    };
    const encoded = encodeAddress(address);
    const addressChanged =
      seen.member.addressStale || JSON.stringify(seen.member.address) !== JSON.stringify(encoded);

    const profile = this.profileDue(seen.member, external, now)
      ? await this.readProfile(client, external, userId, now)
      : null;
    if (!addressChanged && !profile) return { ...seen, address };

    const displayName =
      profile?.displayName ?? (seen.member.displayName ? undefined : (sender.userName ?? undefined));
    const updated = await this.rapport.identify(
      'slack',
      external,
      { memberId: userId, address: encoded, timeZone: profile?.timeZone, displayName },
      now,
      teamName,
    );
    return { ...updated, address };
  }

  private profileDue(member: Member, external: string, now: Date): boolean {
    const checked = member.timeZoneCheckedAt;
    if (checked && now.getTime() - checked.getTime() < TIME_ZONE_MAX_AGE_MS) return false;
    const failedAt = this.profileFailures.get(`${external}/${member.id}`);
    return failedAt === undefined || now.getTime() - failedAt >= PROFILE_RETRY_MS;
  }

  private async readProfile(
    client: WebClient,
    external: string,
    userId: string,
    now: Date,
  ): Promise<Profile | null> {
    const key = `${external}/${userId}`;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('users.info took too long')), PROFILE_TIMEOUT_MS);
      });
      const info = await Promise.race([client.users.info({ user: userId }), timeout]);
      const user = info.user;
      const timeZone = typeof user?.tz === 'string' && user.tz ? user.tz : null;
      if (!timeZone) this.profileFailures.set(key, now.getTime());
      else this.profileFailures.delete(key);
      const name = user?.profile?.display_name || user?.real_name || user?.name || null;
      return { timeZone, displayName: name };
    } catch (error) {
      this.profileFailures.set(key, now.getTime());
      this.logger.warn({ userId, err: describeError(error) }, 'could not read the Slack profile');
      return null;
    } finally {
      if (timer) clearTimeout(timer);
    }
  }
}
