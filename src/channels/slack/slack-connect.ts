/**
 * Slack Connect: whether a channel is shared with other organisations, and their names (`conversations.info`
 * `is_ext_shared` and `connected_team_ids`, then `team.info` for each), so that a channel shared with a
 * partner's own workspace can be suggested for linking to that partner. What Slack says is kept for an hour
 * per channel: a command in an unlinked channel costs no Web API call most of the time.
 */
import type { webApi } from '@slack/bolt';
import { describeError } from '../../core/errors';
import type { Logger } from '../../core/ports';
import { BoundedCache } from '../bounded-cache';

type WebClient = webApi.WebClient;

const CACHE_MS = 3_600_000;
const CACHE_ENTRIES = 2_000;
/** Most connected organisations whose name is looked up for one channel. */
const MAX_TEAMS = 5;

/** How long a command or shortcut waits for Slack to say, in ms: a modal's trigger id lives three seconds. */
const LOOKUP_MS = 1_500;
/** A link is suggested to a member in a channel at most once in this long, so that it never nags. */
const OFFER_MS = 24 * 3_600_000;
/** How long "Slack could not say" is remembered, in ms. */
const UNKNOWN_MS = 300_000;

/** What Slack said of a channel: its sharing names, not shared (null), or nothing (undefined). */
type Sharing = string[] | null | undefined;

export class SlackConnectNames {
  /** Channel id → what Slack said (wrapped: a cached "could not say" is not a cache miss). */
  private readonly cache = new BoundedCache<string, { sharing: Sharing }>(CACHE_ENTRIES, CACHE_MS);

  /** `channel\u0000member` → when a link was last suggested there to them. */
  private readonly offered = new BoundedCache<string, true>(CACHE_ENTRIES, OFFER_MS);

  constructor(private readonly logger: Logger) {}

  /**
   * Whether a link may be suggested to `memberId` in `channelId` at `now`, and if so, remembers that it was:
   * once a day at most, however many commands they type there.
   */
  mayOffer(channelId: string, memberId: string, now: Date): boolean {
    const key = `${channelId}\u0000${memberId}`;
    if (this.offered.get(key, now.getTime())) return false;
    this.offered.set(key, true, now.getTime());
    return true;
  }

  /**
   * The names a shared channel offers for matching a partner: the connected organisations' names, then the
   * channel's own name; null when the channel is not shared with another organisation; undefined when Slack
   * could not say (refused, or slower than a modal can wait: its answer is kept for the next time).
   */
  async of(client: WebClient, channelId: string, ownTeamId: string | undefined, now: Date): Promise<Sharing> {
    const known = this.cache.get(channelId, now.getTime());
    if (known) return known.sharing;
    const lookup = this.lookup(client, channelId, ownTeamId, now);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), LOOKUP_MS);
    });
    try {
      return await Promise.race([lookup, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async lookup(
    client: WebClient,
    channelId: string,
    ownTeamId: string | undefined,
    now: Date,
  ): Promise<Sharing> {
    let sharing: Sharing = null;
    try {
      const info = await client.conversations.info({ channel: channelId });
      const channel = info.channel;
      if (channel?.is_ext_shared) {
        const teams = (channel.connected_team_ids ?? []).filter((id) => id !== ownTeamId).slice(0, MAX_TEAMS);
        const found = await Promise.all(
          teams.map((team) =>
            client.team
              .info({ team })
              .then((reply) => reply.team?.name ?? null)
              .catch(() => null),
          ),
        );
        sharing = [
          ...found.filter((name): name is string => !!name),
          ...(channel.name ? [channel.name] : []),
        ];
      }
    } catch (error) {
      // A channel the app cannot see (a private one it is not in), or Slack unavailable: ask again later.
      this.logger.debug({ channelId, err: describeError(error) }, 'conversations.info refused');
      sharing = undefined;
    }
    this.cache.set(channelId, { sharing }, now.getTime(), sharing === undefined ? UNKNOWN_MS : CACHE_MS);
    return sharing;
  }
}
