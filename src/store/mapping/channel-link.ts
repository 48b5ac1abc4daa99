import type { Address } from '../../core/model';
import type { ChannelLink } from '../../core/ports';
import type { Row } from '../row-values';
import { flag, parseJsonOrNull, toDate } from '../row-values';

/** A channel linked to a partner from its row, in either store (an unreadable address reads as the shell's). */
export function toChannelLink(row: Row): ChannelLink {
  return {
    workspaceId: String(row.workspace_id),
    channelId: String(row.channel_id),
    partnerId: Number(row.partner_id),
    address: (parseJsonOrNull(row.address) ?? { channel: 'shell', payload: null }) as Address,
    postToChannel: flag(row.post_to_channel),
    external: flag(row.external),
    linkedBy: String(row.linked_by),
    linkedAt: toDate(row.linked_at),
  };
}
