/**
 * Rapport's domain vocabulary. Plain data: no behaviour, no I/O.
 *
 * Instants are `Date`s (UTC). Calendar days that people type ("the visit was on the 20th") are
 * ISO dates, `YYYY-MM-DD`, without a time zone: they mean the day as the person lived it.
 */

export const PLATFORMS = ['shell', 'slack', 'teams'] as const;
/** Where a workspace lives. */
export type Platform = (typeof PLATFORMS)[number];

export const STAGES = ['exploring', 'negotiating', 'signed', 'ended'] as const;
/** How far a collaboration has come. */
export type Stage = (typeof STAGES)[number];

export const INTERACTION_KINDS = [
  'meeting',
  'call',
  'visit',
  'hosted',
  'workshop',
  'observation',
  'alignment',
  'checkin',
  'milestone',
  'note',
] as const;
/** What happened with a partner. `visit`: we went to their premises; `hosted`: they came to ours. */
export type InteractionKind = (typeof INTERACTION_KINDS)[number];

/**
 * Kinds that are contact with the partner: "last contact", health's recency and the keep-in-touch rule
 * count only these. A cultural observation, an internal alignment meeting, a check-in answer (an internal
 * debrief) and a note are about the partner, not with them.
 */
export const CONTACT_KINDS = [
  'meeting',
  'call',
  'visit',
  'hosted',
  'workshop',
  'milestone',
] as const satisfies readonly InteractionKind[];

/** Kinds that mean we met them: the first one sets the partner's "first met" day. */
export const MEETING_KINDS: readonly InteractionKind[] = ['meeting', 'visit', 'hosted', 'workshop'];

/** Kinds that can be planned ahead (`plan NAME KIND DATE`), then followed up. */
export const PLANNABLE_KINDS = [
  'meeting',
  'call',
  'visit',
  'hosted',
  'workshop',
  'alignment',
] as const satisfies readonly InteractionKind[];
export type PlannableKind = (typeof PLANNABLE_KINDS)[number];

export const PLANNED_EVENT_STATUSES = ['planned', 'happened', 'missed', 'replanned'] as const;
/** `planned` until the day has passed and someone says whether it happened; `replanned` when moved. */
export type PlannedEventStatus = (typeof PLANNED_EVENT_STATUSES)[number];

export const NUDGE_STATUSES = [
  'pending',
  'sent',
  'answered',
  'snoozed',
  'dismissed',
  'expired',
  'failed',
] as const;
/** Lifecycle: pending → sent → answered | snoozed | dismissed | expired; `failed` after bounded retries. */
export type NudgeStatus = (typeof NUDGE_STATUSES)[number];

/** ISO calendar date, `YYYY-MM-DD`. */
export type IsoDate = string;

/** A Slack team or a Teams tenant (or the local terminal). `id` is `platform:externalId`. */
export interface Workspace {
  id: string;
  platform: Platform;
  externalId: string;
  name: string | null;
  createdAt: Date;
  /** Proactive sending is held until then: the platform refused our credentials (see `sendingHeldReason`). */
  sendingHeldUntil: Date | null;
  sendingHeldReason: string | null;
}

/**
 * Where a channel can reach a member. The payload is opaque to the core: each channel encodes and
 * decodes its own (a Slack team + user + DM channel, a Teams conversation reference, a shell session).
 */
export interface Address {
  channel: Platform;
  payload: unknown;
}

/** When a member wants to be nudged. Minutes are minutes after local midnight. */
export interface WorkingPrefs {
  /** IANA time zone, e.g. `Asia/Tokyo`. */
  timeZone: string;
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  workingDays: number[];
  /** Start of the working day, minutes after midnight (540 = 09:00). */
  workStart: number;
  /** End of the working day, minutes after midnight, exclusive (1020 = 17:00). */
  workEnd: number;
  /**
   * Whose public holidays are days off: a holiday calendar (`JP`, `GB-SCT`, see `holidays.ts`). Null or
   * absent: the country of `timeZone`, when the zone belongs to one.
   */
  holidayCountry?: string | null;
}

export const DEFAULT_WORKING_PREFS: Omit<WorkingPrefs, 'timeZone'> = {
  workingDays: [1, 2, 3, 4, 5],
  workStart: 9 * 60,
  workEnd: 17 * 60,
};

/** A person in a workspace. `id` is the platform's user id (unique within the workspace). */
export interface Member extends WorkingPrefs {
  workspaceId: string;
  id: string;
  displayName: string | null;
  /** The e-mail address the platform reported (lower-cased), for matching owners in an import. */
  email: string | null;
  /** When the time zone was last read from the platform (Slack `users.info`, Teams `localTimezone`). */
  timeZoneCheckedAt: Date | null;
  /** The member chose the zone (`prefs tz`); what the platform reports does not replace it. */
  timeZoneChosen: boolean;
  address: Address | null;
  /** The platform said the address no longer works; nudges wait until the member is seen again. */
  addressStale: boolean;
  /** No nudges before this instant (holidays). */
  pausedUntil: Date | null;
  /** Whether the weekly digest is wanted. */
  digest: boolean;
  /** The holiday calendar the member chose (`prefs country GB`); null: the one of their time zone. */
  holidayCountry: string | null;
  createdAt: Date;
  /**
   * Admin by the platform's say: a Slack workspace admin or owner, a Teams member named in `TEAMS_ADMINS`, the
   * terminal's member. Kept as last reported.
   */
  platformAdmin?: boolean;
  /** Made an admin of the workspace's playbook by another admin (`admin add`). */
  grantedAdmin?: boolean;
}

/** A company we collaborate with. */
export interface Partner {
  id: number;
  workspaceId: string;
  name: string;
  stage: Stage;
  /** ISO 3166-1 alpha-2 code of the country they work from, e.g. `JP`. */
  country: string | null;
  /** IANA zone they work in (`Asia/Tokyo`); set from the country when it has one zone. */
  timeZone: string | null;
  firstMetOn: IsoDate | null;
  signedOn: IsoDate | null;
  /** When the stage last changed (creation counts as a change). */
  stageChangedAt: Date;
  createdAt: Date;
  createdBy: string;
  /** Member ids of the owners; the creator is the first owner. */
  owners: string[];
}

/**
 * The roles an owner can have. Any other role is a free word the member chose deliberately (`other:finance`
 * is stored as `finance`), so that a typo (`slaes`) is refused rather than kept.
 */
export const OWNER_ROLES = [
  'alliance-manager',
  'executive-sponsor',
  'sales',
  'purchasing',
  'it',
  'legal',
] as const;
export type OwnerRole = (typeof OWNER_ROLES)[number];

/** One owner of a partner, as the owners list shows it. */
export interface Owner {
  memberId: string;
  /** One of `OWNER_ROLES`, or a free word. */
  role: string;
  /** The owner who leads the relationship: one per partner (the creator, until changed). */
  lead: boolean;
  /** The member's name as the platform gave it; null when the member is unknown (never seen, or gone). */
  displayName: string | null;
  /** The member's address stopped working (they left, blocked the bot). */
  addressStale: boolean;
  /** Whether the member is known in the workspace at all. */
  known: boolean;
  /** Who made them an owner, when, and the note they were given (a handover); null for older rows. */
  addedBy: string | null;
  /** The display name of `addedBy`, when the workspace knows it (they may own the partner no more). */
  addedByName: string | null;
  addedAt: Date | null;
  note: string | null;
}

/** Something that happened with a partner, logged by a member. */
export interface Interaction {
  id: number;
  workspaceId: string;
  partnerId: number;
  memberId: string;
  kind: InteractionKind;
  occurredOn: IsoDate;
  note: string | null;
  /** Optional 1–5 rating (pulse answers, how a meeting went). */
  rating: number | null;
  /** The nudge this interaction answered, if any. */
  nudgeId: number | null;
  createdAt: Date;
}

/**
 * First and last day on which each kind of interaction happened with a partner, with counts, and the
 * rating of the latest one (by day, then by creation) when it had one.
 */
export type KindHistory = Partial<
  Record<InteractionKind, { first: IsoDate; last: IsoDate; count: number; lastRating?: number }>
>;

/**
 * A visit, workshop or meeting with a date still to come (or just passed): followed by a brief the
 * working day before and "did it happen?" the working day after.
 */
export interface PlannedEvent {
  id: number;
  workspaceId: string;
  partnerId: number;
  kind: PlannableKind;
  plannedOn: IsoDate;
  note: string | null;
  plannedBy: string;
  status: PlannedEventStatus;
  /** The event this one re-plans (moved, or missed and planned again). */
  replacesId: number | null;
  createdAt: Date;
  closedAt: Date | null;
  closedBy: string | null;
}

/** What the playbook needs to know about a partner to decide what is due. */
export interface PartnerState {
  partner: Partner;
  history: KindHistory;
  /** Events still planned (status `planned`); a planned visit quiets the rule that asks for one. */
  planned?: readonly Pick<PlannedEvent, 'id' | 'kind' | 'plannedOn'>[];
}

/** A due prompt for one owner about one partner. Unique by (partner, rule, occurrence, member). */
export interface Nudge {
  id: number;
  workspaceId: string;
  partnerId: number;
  memberId: string;
  ruleId: string;
  /** Which occurrence of the rule this is, e.g. `d30` or `2026-11-20`. */
  occurrence: string;
  /** When the playbook made it due. */
  dueAt: Date;
  /** When it may be delivered (working hours, snooze, retry backoff). */
  deliverAfter: Date;
  status: NudgeStatus;
  attempts: number;
  leaseUntil: Date | null;
  /** Written by each claim; only the holder of the current token may record the outcome of a send. */
  leaseToken: string | null;
  lastError: string | null;
  /** The platform's id for the delivered message (opaque to the core), so it can be updated later. */
  messageRef: unknown;
  sentAt: Date | null;
  answeredAt: Date | null;
  /** The choice id that answered it. */
  answer: string | null;
  answeredBy: string | null;
  createdAt: Date;
}

export const PROMISE_DIRECTIONS = ['ours', 'theirs'] as const;
/** `ours`: we promised the partner; `theirs`: the partner promised us. */
export type PromiseDirection = (typeof PROMISE_DIRECTIONS)[number];

export const PROMISE_STATUSES = ['open', 'kept', 'late', 'broken'] as const;
/**
 * `open` until someone says how it ended: `kept` (on time), `late` (kept, not on time) or `broken`. A moved
 * promise stays open with its new day (`movedCount` remembers how often).
 */
export type PromiseStatus = (typeof PROMISE_STATUSES)[number];

/** A commitment with a due day, made by us to the partner or by the partner to us. */
export interface PartnerPromise {
  id: number;
  workspaceId: string;
  partnerId: number;
  direction: PromiseDirection;
  text: string;
  dueOn: IsoDate;
  /** Who recorded it: the member nudged before and on the day. */
  ownerId: string;
  status: PromiseStatus;
  movedCount: number;
  createdAt: Date;
  /** When the current due day was set (recording, or the last move): no reminder falls before it. */
  datedAt: Date;
  resolvedAt: Date | null;
  resolvedBy: string | null;
}
