/**
 * What Rapport stores to reach a Teams member again, and how it reads who and where an activity
 * comes from. The address payload is opaque to the core; only this module writes and reads it.
 */
import type { Activity, ChannelAccount, ConversationReference } from 'botbuilder';
import { TurnContext } from 'botbuilder';
import type { Address } from '../../core/model';

/**
 * A Teams address payload.
 * - `conversation`: a 1:1 conversation reference (with tenant), used with `continueConversationAsync`.
 * - `create-personal`: the member has only been seen in a team channel; the first delivery creates the
 *   1:1 conversation with them, and the resulting reference replaces this payload.
 */
export type TeamsAddressPayload =
  | { kind: 'conversation'; reference: Partial<ConversationReference> }
  | {
      kind: 'create-personal';
      serviceUrl: string;
      channelId: string;
      tenantId: string;
      user: ChannelAccount;
      bot: ChannelAccount;
      /** The team the member was seen in, when the bot reaches them through a team (its removal ends it). */
      teamId?: string;
    };

/** The tenant an activity belongs to, or why it cannot be trusted to belong to one. */
export type TenantResult =
  { ok: true; tenantId: string } | { ok: false; reason: 'none' | 'conflict'; problem: string };

/** Bot Framework Emulator conversations carry no tenant; they get one local workspace. */
export const EMULATOR_TENANT = 'emulator';

export function teamsAddress(payload: TeamsAddressPayload): Address {
  return { channel: 'teams', payload };
}

/** Reads a stored payload back; `null` when it is not one this channel wrote. */
export function readTeamsAddress(address: Address): TeamsAddressPayload | null {
  if (address.channel !== 'teams' || !isRecord(address.payload)) return null;
  const payload = address.payload;
  if (payload.kind === 'conversation') {
    const reference = payload.reference;
    if (
      isRecord(reference) &&
      typeof reference.serviceUrl === 'string' &&
      isRecord(reference.conversation) &&
      typeof reference.conversation.id === 'string'
    ) {
      return { kind: 'conversation', reference: reference as Partial<ConversationReference> };
    }
    return null;
  }
  if (
    payload.kind === 'create-personal' &&
    typeof payload.serviceUrl === 'string' &&
    typeof payload.channelId === 'string' &&
    typeof payload.tenantId === 'string' &&
    isRecord(payload.user) &&
    typeof payload.user.id === 'string' &&
    isRecord(payload.bot) &&
    typeof payload.bot.id === 'string'
  ) {
    return payload as TeamsAddressPayload;
  }
  return null;
}

/**
 * The tenant (Teams organisation) of an activity: `channelData.tenant.id`, where Teams puts it. When
 * `conversation.tenantId` is there too, the two must agree (ids compared without case), so an activity
 * cannot claim one tenant while acting in another. Only the Emulator, which names none, gets a tenant
 * otherwise: one local workspace.
 */
export function tenantOf(activity: Partial<Activity>): TenantResult {
  const channelData: unknown = activity.channelData;
  const fromChannelData =
    isRecord(channelData) && isRecord(channelData.tenant) ? nonEmpty(channelData.tenant.id) : null;
  const fromConversation = nonEmpty(activity.conversation?.tenantId);
  if (
    fromChannelData &&
    fromConversation &&
    fromChannelData.toLowerCase() !== fromConversation.toLowerCase()
  ) {
    return {
      ok: false,
      reason: 'conflict',
      problem: 'This activity names two different organisations (tenants).',
    };
  }
  if (fromChannelData) return { ok: true, tenantId: fromChannelData };
  if (activity.channelId === 'emulator') return { ok: true, tenantId: fromConversation ?? EMULATOR_TENANT };
  return {
    ok: false,
    reason: 'none',
    problem: 'Rapport works inside a Microsoft Teams organisation, and this conversation names none.',
  };
}

/** The member id Rapport files a person under: the Entra object id when Teams gives it, else the Teams id. */
export function memberIdOf(account: Partial<ChannelAccount> | undefined): string | null {
  return nonEmpty(account?.aadObjectId) ?? nonEmpty(account?.id);
}

/** The IANA time zone the Teams client reported (`localTimezone`, else the `clientInfo` entity). */
export function timeZoneOf(activity: Partial<Activity>): string | null {
  const direct = nonEmpty(activity.localTimezone);
  if (direct) return direct;
  const clientInfo = activity.entities?.find((entity) => entity.type === 'clientInfo');
  return clientInfo ? nonEmpty((clientInfo as Record<string, unknown>).timezone) : null;
}

/** True for a 1:1 chat with the bot (the only place nudges go). */
export function isPersonal(activity: Partial<Activity>): boolean {
  const type = activity.conversation?.conversationType;
  return type === 'personal' || (type === undefined && activity.conversation?.isGroup !== true);
}

/**
 * The conversation reference to store for a personal chat. The activity id is dropped: a proactive
 * message starts a new post rather than replying to whatever the member said last.
 */
export function referenceOf(activity: Partial<Activity>): Partial<ConversationReference> {
  const reference = TurnContext.getConversationReference(activity);
  delete reference.activityId;
  return reference;
}

/** The address that lets a first delivery open a 1:1 chat with someone seen only in a team. */
export function createPersonalPayload(
  activity: Partial<Activity>,
  tenantId: string,
): TeamsAddressPayload | null {
  const { serviceUrl, channelId, from, recipient } = activity;
  if (!serviceUrl || !channelId || !from?.id || !recipient?.id) return null;
  return {
    kind: 'create-personal',
    serviceUrl,
    channelId,
    tenantId,
    user: { id: from.id, name: from.name ?? '', aadObjectId: from.aadObjectId },
    bot: { id: recipient.id, name: recipient.name ?? '' },
    ...(teamIdOf(activity) ? { teamId: teamIdOf(activity)! } : {}),
  };
}

/** The team a channel conversation belongs to (`channelData.team.id`), or null. */
export function teamIdOf(activity: Partial<Activity>): string | null {
  const channelData: unknown = activity.channelData;
  return isRecord(channelData) && isRecord(channelData.team) ? nonEmpty(channelData.team.id) : null;
}

function nonEmpty(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
