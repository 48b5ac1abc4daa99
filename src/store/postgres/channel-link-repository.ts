/** Channels linked to partners (`channel_links`) and the ledger of weekly statuses posted to them. */
import { RapportError } from '../../core/errors';
import type { ChannelLink, ChannelLinkRepository } from '../../core/ports';
import { toChannelLink } from '../mapping/channel-link';
import type { PgSql } from './pg-sql';

export class PgChannelLinkRepository implements ChannelLinkRepository {
  constructor(private readonly sql: PgSql) {}

  async link(input: Omit<ChannelLink, 'postToChannel' | 'linkedAt'> & { now: Date }): Promise<ChannelLink> {
    // One statement: only a partner of the same workspace (the insert selects it), and a partner that posts
    // to its channel keeps doing so in the one it links next (never in an external one). A channel linked
    // already, perhaps by another instance a moment ago, inserts nothing instead of failing: a unique
    // violation would abort the caller's transaction, where SQLite's leaves it usable.
    const row = await this.sql.one(
      `INSERT INTO channel_links (workspace_id, channel_id, partner_id, address, external, linked_by, linked_at,
         post_to_channel)
       SELECT $1, $2, p.id, $3, $4, $5, $6, NOT $4 AND EXISTS (
         SELECT 1 FROM channel_links c WHERE c.workspace_id = $1 AND c.partner_id = p.id AND c.post_to_channel)
       FROM partners p WHERE p.workspace_id = $1 AND p.id = $7
       ON CONFLICT (workspace_id, channel_id) DO NOTHING
       RETURNING *`,
      [
        input.workspaceId,
        input.channelId,
        JSON.stringify(input.address),
        input.external,
        input.linkedBy,
        input.now,
        input.partnerId,
      ],
    );
    if (row) return toChannelLink(row);
    const partner = await this.sql.one('SELECT 1 FROM partners WHERE workspace_id = $1 AND id = $2', [
      input.workspaceId,
      input.partnerId,
    ]);
    if (!partner)
      throw new RapportError('NOT_FOUND', `No partner ${input.partnerId} in ${input.workspaceId}`);
    throw new RapportError('CONFLICT', `Channel ${input.channelId} is already linked`);
  }

  async get(workspaceId: string, channelId: string): Promise<ChannelLink | null> {
    const row = await this.sql.one(
      'SELECT * FROM channel_links WHERE workspace_id = $1 AND channel_id = $2',
      [workspaceId, channelId],
    );
    return row ? toChannelLink(row) : null;
  }

  async listForPartner(workspaceId: string, partnerId: number): Promise<ChannelLink[]> {
    const rows = await this.sql.all(
      `SELECT * FROM channel_links WHERE workspace_id = $1 AND partner_id = $2 ORDER BY linked_at, channel_id`,
      [workspaceId, partnerId],
    );
    return rows.map(toChannelLink);
  }

  async unlink(workspaceId: string, channelId: string): Promise<ChannelLink | null> {
    const row = await this.sql.one(
      'DELETE FROM channel_links WHERE workspace_id = $1 AND channel_id = $2 RETURNING *',
      [workspaceId, channelId],
    );
    return row ? toChannelLink(row) : null;
  }

  setPostToChannel(workspaceId: string, partnerId: number, post: boolean): Promise<number> {
    return this.sql.run(
      `UPDATE channel_links SET post_to_channel = $1
       WHERE workspace_id = $2 AND partner_id = $3 AND (NOT external OR NOT $1)`,
      [post, workspaceId, partnerId],
    );
  }

  async listPosting(): Promise<ChannelLink[]> {
    const rows = await this.sql.all(
      'SELECT * FROM channel_links WHERE post_to_channel ORDER BY workspace_id, channel_id',
    );
    return rows.map(toChannelLink);
  }

  async claimWeeklyStatus(
    workspaceId: string,
    channelId: string,
    week: string,
    now: Date,
    leaseUntil: Date,
  ): Promise<boolean> {
    // One statement: of two instances claiming the same week at once, the second waits for the first's row
    // and then finds it held (or posted), so exactly one wins. An expired lease is taken over.
    const claimed = await this.sql.run(
      `INSERT INTO channel_status_posts AS s (workspace_id, channel_id, week, status, lease_until)
       VALUES ($1, $2, $3, 'sending', $4)
       ON CONFLICT (workspace_id, channel_id, week) DO UPDATE SET lease_until = excluded.lease_until
       WHERE s.status = 'sending' AND s.lease_until <= $5`,
      [workspaceId, channelId, week, leaseUntil, now],
    );
    return claimed === 1;
  }

  async weeklyStatusPosted(
    workspaceId: string,
    channelId: string,
    week: string,
    messageRef: unknown,
    now: Date,
  ): Promise<void> {
    await this.sql.run(
      `UPDATE channel_status_posts SET status = 'sent', lease_until = NULL, message_ref = $1, sent_at = $2
       WHERE workspace_id = $3 AND channel_id = $4 AND week = $5`,
      [JSON.stringify(messageRef ?? null), now, workspaceId, channelId, week],
    );
  }

  async releaseWeeklyStatus(workspaceId: string, channelId: string, week: string): Promise<void> {
    await this.sql.run(
      `DELETE FROM channel_status_posts
       WHERE workspace_id = $1 AND channel_id = $2 AND week = $3 AND status = 'sending'`,
      [workspaceId, channelId, week],
    );
  }
}
