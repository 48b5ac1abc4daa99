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

export class SlackConnectNames {
  /** Channel id → the names of the organisations it is shared with (and its own name), or null: not shared. */
  private readonly cache = new BoundedCache<string, string[] | null>(CACHE_ENTRIES, CACHE_MS);

  constructor(private readonly logger: Logger) {}

  /**
   * The names a shared channel offers for matching a partner: the connected organisations' names, then the
   * channel's own name; null when the channel is not shared with another organisation (or Slack cannot say).
   */
  async of(
    client: WebClient,
    channelId: string,
    ownTeamId: string | undefined,
    now: Date,
  ): Promise<string[] | null> {
    const known = this.cache.get(channelId, now.getTime());
    if (known !== undefined) return known;
    let names: string[] | null = null;
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
        names = [...found.filter((name): name is string => !!name), ...(channel.name ? [channel.name] : [])];
      }
    } catch (error) {
      // Not a channel the app can see (a private one it is not in): nothing to suggest, and no retry soon.
      this.logger.debug({ channelId, err: describeError(error) }, 'conversations.info refused');
    }
    this.cache.set(channelId, names, now.getTime());
    return names;
  }
}
