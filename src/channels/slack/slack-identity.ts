/**
 * Who is talking to us, in core terms: the workspace a Slack request belongs to, the member's stored
 * address, and their time zone from `users.info`.
 *
 * Workspace scoping: with one bot token the service serves one installation, the one `auth.test` names
 * at start, and every request is bound to it (`listeners/installation.ts`); with OAuth, each request is
 * bound to the installation Bolt authorized it for, one `SlackIdentities` per installation
 * (`workspace-identities.ts`). The
 * workspace is that installation's team (`team_id`). For an org-wide install on Enterprise Grid
 * (`is_enterprise_install`), the whole organisation is one workspace keyed by its `enterprise_id`: the
 * install and its token cover every team, Grid user ids are the same in each of them, and partners
 * belong to the company rather than to one of its Slack workspaces. What a request says about the
 * workspace never picks it.
 */
import type { webApi } from '@slack/bolt';
import { ChannelError, describeError } from '../../core/errors';
import type { Address, Member } from '../../core/model';
import type { Logger } from '../../core/ports';
import type { Actor, Rapport } from '../../core/rapport';
import { BoundedCache } from '../bounded-cache';

type WebClient = webApi.WebClient;

/** How long a time zone read from `users.info` is trusted before it is read again. */
export const TIME_ZONE_MAX_AGE_MS = 86_400_000;
/** After a failed `users.info`, how long before trying again for the same member. */
const PROFILE_RETRY_MS = 3_600_000;
/** `users.info` must not hold up a reply that has a trigger id to use within 3 s. */
const PROFILE_TIMEOUT_MS = 1_000;
/** Most users whose `users.info` answer (or failure) is kept in memory; the least recently seen go first. */
export const PROFILE_CACHE_ENTRIES = 5_000;

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

/** The installation the bot token belongs to, as `auth.test` described it at start. */
export interface SlackInstallation {
  /** The installed team; for an org-wide install, whatever `auth.test` named (not used to scope). */
  teamId: string | null;
  /** The Enterprise Grid organisation, when the install is in one. */
  enterpriseId: string | null;
  /** Installed org-wide: every team of `enterpriseId` is served, as one workspace. */
  isEnterpriseInstall: boolean;
}

/** The core's external id for the installation's workspace (see the module comment). */
export function installationExternalId(installation: SlackInstallation): string {
  const external = installation.isEnterpriseInstall ? installation.enterpriseId : installation.teamId;
  if (!external) throw new ChannelError('AUTH', 'the Slack installation names no team or organisation');
  return external;
}

/** The part of a `users.info` user that tells whether they belong to the installation, and how. */
export interface SlackUserMembership {
  team_id?: string;
  is_stranger?: boolean;
  enterprise_user?: { enterprise_id?: string; teams?: string[] };
  /** A multi-channel guest. */
  is_restricted?: boolean;
  /** A single-channel guest. */
  is_ultra_restricted?: boolean;
}

/** Whether `users.info` describes a single- or multi-channel guest. */
export function isGuest(user: SlackUserMembership): boolean {
  return user.is_restricted === true || user.is_ultra_restricted === true;
}

/**
 * Whether a request's user may use Rapport: a member of the installation; a guest in it (refused unless
 * guests are allowed); or an outsider, which includes anyone whose membership could not be confirmed.
 */
export type Admission = 'member' | 'guest' | 'outsider';

/**
 * Whether `users.info` describes a member of the installation: not a stranger (someone from another
 * organisation), and at home in the installed team (for a Grid user, one of their teams), or in the
 * organisation for an org-wide install.
 */
export function isInstallationMember(installation: SlackInstallation, user: SlackUserMembership): boolean {
  if (user.is_stranger) return false;
  if (installation.isEnterpriseInstall) {
    return !!installation.enterpriseId && user.enterprise_user?.enterprise_id === installation.enterpriseId;
  }
  if (!installation.teamId) return false;
  return user.team_id === installation.teamId || !!user.enterprise_user?.teams?.includes(installation.teamId);
}

/** The ids a Slack request carries about its sender (after `listeners/installation.ts` admitted it). */
export interface SlackSender {
  userId: string | undefined;
  /** The team the request came from (for an org-wide install, one of the organisation's). */
  teamId?: string | null;
  enterpriseId?: string | null;
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
  /** The profile's e-mail address (with `users:read.email`), kept to match owners in an import. */
  email?: string | null;
  /** Whether the user may use Rapport here, guests refused unless allowed. */
  admission: Admission;
  /** A workspace admin or owner (`is_admin`, `is_owner`): an admin of the workspace's playbook. */
  isAdmin: boolean;
}

/** The last `users.info` answer about a user, and when it came (epoch ms of the service clock). */
interface Reading {
  at: number;
  admission: Admission;
  /** Read while admitting a request and not yet stored by `identify`. */
  unstored?: Profile;
}

/** Tuning of {@link SlackIdentities}' memory. */
export interface SlackIdentitiesOptions {
  /** Most users remembered (default {@link PROFILE_CACHE_ENTRIES}). */
  maxCachedUsers?: number;
  /** Admit single- and multi-channel guests (`ALLOW_GUESTS`); refused by default. */
  allowGuests?: boolean;
}

/**
 * Identifies Slack senders as core actors, keeping their address and time zone current. What `users.info`
 * said is remembered for a day at most, for at most `maxCachedUsers` users (the least recently seen are
 * forgotten first), so a large or busy workspace cannot grow the process without bound.
 */
export class SlackIdentities {
  /** When `users.info` last failed for a user (epoch ms), kept while it counts: `PROFILE_RETRY_MS`. */
  private readonly profileFailures: BoundedCache<string, number>;
  /** The last `users.info` answer about a user, kept as long as a time zone is trusted. */
  private readonly readings: BoundedCache<string, Reading>;
  private readonly external: string;
  private readonly allowGuests: boolean;

  constructor(
    private readonly rapport: Rapport,
    private readonly logger: Logger,
    private readonly installation: SlackInstallation,
    options: SlackIdentitiesOptions = {},
  ) {
    this.external = installationExternalId(installation);
    this.allowGuests = options.allowGuests ?? false;
    const entries = options.maxCachedUsers ?? PROFILE_CACHE_ENTRIES;
    this.profileFailures = new BoundedCache(entries, PROFILE_RETRY_MS);
    this.readings = new BoundedCache(entries, TIME_ZONE_MAX_AGE_MS);
  }

  /** How many users' `users.info` answers and failures are held in memory (each bounded). */
  cachedUsers(): { readings: number; failures: number } {
    return { readings: this.readings.size, failures: this.profileFailures.size };
  }

  /**
   * Whether `users.info` shows the user as a member of the installation, and not a guest unless guests are
   * allowed. Read on first sight in this process (the profile is kept for `identify`, so it costs no second
   * call), again after a refusal once `PROFILE_RETRY_MS` has passed, and a day after any answer. When
   * `users.info` cannot answer, the user is an outsider: membership that cannot be confirmed is refused.
   * Only with guests allowed does proof in the request itself (`provenByPayload`: the payload names the
   * user's own team, and it is ours) admit instead, and never someone already read as an outsider.
   */
  async admits(client: WebClient, userId: string, now: Date, provenByPayload: boolean): Promise<Admission> {
    const reading = this.readings.get(userId, now.getTime());
    if (reading && (reading.admission === 'member' || now.getTime() - reading.at < PROFILE_RETRY_MS)) {
      return reading.admission;
    }
    const unverifiable: Admission = !reading && provenByPayload && this.allowGuests ? 'member' : 'outsider';
    if (this.profileFailures.get(userId, now.getTime()) !== undefined) return unverifiable;
    const profile = await this.readProfile(client, userId, now);
    if (!profile) return unverifiable;
    this.readings.set(
      userId,
      { at: now.getTime(), admission: profile.admission, unstored: profile },
      now.getTime(),
    );
    return profile.admission;
  }

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
    const external = this.external;
    if (!sender.userId) return null;
    const userId = sender.userId;
    const teamName = sender.teamName ?? null;
    const seen = await this.rapport.identify('slack', external, { memberId: userId }, now, teamName);
    const previous = tryDecode(seen.member.address);
    const { installation } = this;
    const address: SlackAddress = {
      userId,
      teamId: (installation.isEnterpriseInstall ? sender.teamId : installation.teamId) ?? previous?.teamId,
      enterpriseId: installation.enterpriseId ?? sender.enterpriseId ?? undefined,
      isEnterpriseInstall: installation.isEnterpriseInstall || undefined,
      // A DM id is kept from before unless Slack told us the old address stopped working.
      dmChannelId:
        sender.dmChannelId ??
        (!seen.member.addressStale && previous?.userId === userId ? previous.dmChannelId : undefined),
    };
    const encoded = encodeAddress(address);
    const addressChanged =
      seen.member.addressStale || JSON.stringify(seen.member.address) !== JSON.stringify(encoded);

    const profile =
      this.unstoredProfile(userId, now) ??
      (this.profileDue(seen.member, now) ? await this.readProfile(client, userId, now) : null);
    if (!addressChanged && !profile) return { ...seen, address };

    const displayName =
      profile?.displayName ?? (seen.member.displayName ? undefined : (sender.userName ?? undefined));
    const updated = await this.rapport.identify(
      'slack',
      external,
      {
        memberId: userId,
        address: encoded,
        timeZone: profile?.timeZone,
        displayName,
        email: profile?.email,
        isAdmin: profile?.isAdmin,
      },
      now,
      teamName,
    );
    return { ...updated, address };
  }

  /** A profile `admits` read and `identify` has not stored yet, handed over once. */
  private unstoredProfile(userId: string, now: Date): Profile | null {
    const reading = this.readings.get(userId, now.getTime());
    const profile = reading?.unstored ?? null;
    if (reading) delete reading.unstored;
    return profile;
  }

  private profileDue(member: Member, now: Date): boolean {
    const checked = member.timeZoneCheckedAt;
    if (checked && now.getTime() - checked.getTime() < TIME_ZONE_MAX_AGE_MS) return false;
    return this.profileFailures.get(member.id, now.getTime()) === undefined;
  }

  private async readProfile(client: WebClient, userId: string, now: Date): Promise<Profile | null> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('users.info took too long')), PROFILE_TIMEOUT_MS);
      });
      const info = await Promise.race([client.users.info({ user: userId }), timeout]);
      const user = info.user;
      const timeZone = typeof user?.tz === 'string' && user.tz ? user.tz : null;
      if (!timeZone) this.profileFailures.set(userId, now.getTime(), now.getTime());
      else this.profileFailures.delete(userId);
      const name = user?.profile?.display_name || user?.real_name || user?.name || null;
      const admission: Admission =
        !user || !isInstallationMember(this.installation, user)
          ? 'outsider'
          : isGuest(user) && !this.allowGuests
            ? 'guest'
            : 'member';
      this.readings.set(userId, { at: now.getTime(), admission }, now.getTime());
      const email = typeof user?.profile?.email === 'string' ? user.profile.email : null;
      const isAdmin = user?.is_admin === true || user?.is_owner === true;
      return { timeZone, displayName: name, email, admission, isAdmin };
    } catch (error) {
      this.profileFailures.set(userId, now.getTime(), now.getTime());
      this.logger.warn({ userId, err: describeError(error) }, 'could not read the Slack profile');
      return null;
    } finally {
      if (timer) clearTimeout(timer);
    }
  }
}
