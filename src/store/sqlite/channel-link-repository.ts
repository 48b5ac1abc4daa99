/** Channels linked to partners (`channel_links`) and the ledger of weekly statuses posted to them. */
import { RapportError } from '../../core/errors';
import type { ChannelLink, ChannelLinkRepository } from '../../core/ports';
import type { Connection, SqliteDb } from './connection';
import type { Row } from './rows';
import { iso } from './rows';
import { toChannelLink } from '../mapping/channel-link';

export class SqliteChannelLinkRepository implements ChannelLinkRepository {
  constructor(private readonly connection: Connection) {}

  link(input: Omit<ChannelLink, 'postToChannel' | 'linkedAt'> & { now: Date }): Promise<ChannelLink> {
    return this.connection.run((db) => {
      try {
        // Only a partner of the same workspace: the insert selects it.
        const result = db
          .prepare(
            `INSERT INTO channel_links (workspace_id, channel_id, partner_id, address, external, linked_by, linked_at)
             SELECT ?, ?, id, ?, ?, ?, ? FROM partners WHERE workspace_id = ? AND id = ?`,
          )
          .run(
            input.workspaceId,
            input.channelId,
            JSON.stringify(input.address),
            input.external ? 1 : 0,
            input.linkedBy,
            iso(input.now),
            input.workspaceId,
            input.partnerId,
          );
        if (result.changes !== 1)
          throw new RapportError('NOT_FOUND', `No partner ${input.partnerId} in ${input.workspaceId}`);
      } catch (error) {
        if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
          throw new RapportError('CONFLICT', `Channel ${input.channelId} is already linked`, {
            cause: error,
          });
        }
        throw error;
      }
      // A partner that posts to its channel keeps doing so in the one it links next.
      db.prepare(
        `UPDATE channel_links SET post_to_channel = (
           SELECT MAX(post_to_channel) FROM channel_links WHERE workspace_id = ? AND partner_id = ?)
         WHERE workspace_id = ? AND channel_id = ? AND external = 0`,
      ).run(input.workspaceId, input.partnerId, input.workspaceId, input.channelId);
      return this.read(db, input.workspaceId, input.channelId)!;
    });
  }

  get(workspaceId: string, channelId: string): Promise<ChannelLink | null> {
    return this.connection.run((db) => this.read(db, workspaceId, channelId));
  }

  listForPartner(workspaceId: string, partnerId: number): Promise<ChannelLink[]> {
    return this.connection.run((db) =>
      (
        db
          .prepare(
            `SELECT * FROM channel_links WHERE workspace_id = ? AND partner_id = ? ORDER BY linked_at, channel_id`,
          )
          .all(workspaceId, partnerId) as Row[]
      ).map(toChannelLink),
    );
  }

  unlink(workspaceId: string, channelId: string): Promise<ChannelLink | null> {
    return this.connection.run((db) => {
      const found = this.read(db, workspaceId, channelId);
      if (found)
        db.prepare('DELETE FROM channel_links WHERE workspace_id = ? AND channel_id = ?').run(
          workspaceId,
          channelId,
        );
      return found;
    });
  }

  setPostToChannel(workspaceId: string, partnerId: number, post: boolean): Promise<number> {
    return this.connection.run(
      (db) =>
        db
          .prepare(
            `UPDATE channel_links SET post_to_channel = ?
             WHERE workspace_id = ? AND partner_id = ? AND (external = 0 OR ? = 0)`,
          )
          .run(post ? 1 : 0, workspaceId, partnerId, post ? 1 : 0).changes,
    );
  }

  listPosting(): Promise<ChannelLink[]> {
    return this.connection.run((db) =>
      (
        db
          .prepare('SELECT * FROM channel_links WHERE post_to_channel = 1 ORDER BY workspace_id, channel_id')
          .all() as Row[]
      ).map(toChannelLink),
    );
  }

  claimWeeklyStatus(
    workspaceId: string,
    channelId: string,
    week: string,
    now: Date,
    leaseUntil: Date,
  ): Promise<boolean> {
    return this.connection.run((db) => {
      const result = db
        .prepare(
          `INSERT INTO channel_status_posts (workspace_id, channel_id, week, status, lease_until)
           VALUES (?, ?, ?, 'sending', ?)
           ON CONFLICT (workspace_id, channel_id, week) DO UPDATE SET lease_until = excluded.lease_until
           WHERE status = 'sending' AND lease_until <= ?`,
        )
        .run(workspaceId, channelId, week, iso(leaseUntil), iso(now));
      return result.changes === 1;
    });
  }

  weeklyStatusPosted(
    workspaceId: string,
    channelId: string,
    week: string,
    messageRef: unknown,
    now: Date,
  ): Promise<void> {
    return this.connection.run((db) => {
      db.prepare(
        `UPDATE channel_status_posts SET status = 'sent', lease_until = NULL, message_ref = ?, sent_at = ?
         WHERE workspace_id = ? AND channel_id = ? AND week = ?`,
      ).run(JSON.stringify(messageRef ?? null), iso(now), workspaceId, channelId, week);
    });
  }

  releaseWeeklyStatus(workspaceId: string, channelId: string, week: string): Promise<void> {
    return this.connection.run((db) => {
      db.prepare(
        `DELETE FROM channel_status_posts WHERE workspace_id = ? AND channel_id = ? AND week = ? AND status = 'sending'`,
      ).run(workspaceId, channelId, week);
    });
  }

  private read(db: SqliteDb, workspaceId: string, channelId: string): ChannelLink | null {
    const row = db
      .prepare('SELECT * FROM channel_links WHERE workspace_id = ? AND channel_id = ?')
      .get(workspaceId, channelId) as Row | undefined;
    return row ? toChannelLink(row) : null;
  }
}
