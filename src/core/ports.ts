/**
 * The interfaces the core owns and the adapters implement: the store, the channels, the logger.
 * Repository methods are asynchronous so that a networked database can sit behind the same
 * interfaces; each method that changes more than one row is atomic on its own.
 */
import type {
  Address,
  Interaction,
  InteractionKind,
  IsoDate,
  KindHistory,
  Member,
  Owner,
  Nudge,
  NudgeStatus,
  Partner,
  PartnerPromise,
  PlannableKind,
  PlannedEvent,
  PlannedEventStatus,
  Platform,
  PromiseDirection,
  PromiseStatus,
  Stage,
  WorkingPrefs,
  Workspace,
} from './model';
import type { Message } from './messages';
import type { Playbook } from './playbook/playbook';

/** Structured logger (pino's call shape: an optional object first, then the message). */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface WorkspaceRepository {
  /** Creates the workspace if it does not exist; returns it either way. */
  ensure(platform: Platform, externalId: string, name?: string | null, now?: Date): Promise<Workspace>;
  get(id: string): Promise<Workspace | null>;
  /**
   * Holds all proactive sending to a workspace until `until` because the platform refused our own
   * credentials (`reason` is shown to operators); null lifts the hold. While held, `claimDeliverable`
   * skips the workspace's nudges; once `until` passes one nudge goes out as a probe.
   */
  holdSending(id: string, until: Date | null, reason: string | null): Promise<void>;
  /** Workspaces whose sending is held at `now`, for operators (`/healthz`). */
  listHeld(now: Date): Promise<Workspace[]>;
  /**
   * Marks the workspace uninstalled from `at` (null: installed again). While marked, `claimDeliverable` and
   * the digest skip it; its data is kept until the grace period after `at` ends (`purge`).
   */
  markUninstalled(id: string, at: Date | null): Promise<void>;
  /** When the workspace was uninstalled, or null while installed (or when there is no such workspace). */
  uninstalledAt(id: string): Promise<Date | null>;
  /** Ids of workspaces uninstalled before `before`: their grace period is over. */
  listUninstalledBefore(before: Date): Promise<string[]>;
  /** Deletes a workspace and every row that belongs to it (every table with a `workspace_id`). */
  purge(id: string): Promise<void>;
}

/**
 * One platform installation (an OAuth install of the Slack app in a team or an organisation). The store
 * keeps the secrets sealed, as the channel hands them over: it never sees a token in clear.
 */
export interface StoredInstallation {
  /** `slack:E…` for an org-wide install, `slack:T…` for a team. */
  id: string;
  platform: Platform;
  /** The core workspace's external id: the organisation for an org-wide install, else the team. */
  workspaceExternalId: string;
  enterpriseId: string | null;
  teamId: string | null;
  isEnterpriseInstall: boolean;
  /** What the platform said about the install, without secrets (opaque to the core). */
  record: unknown;
  /** The secrets (tokens), encrypted by the channel. */
  sealedSecrets: string;
  installedAt: Date;
  updatedAt: Date;
}

export interface InstallationRepository {
  /** Inserts or replaces (same id) an installation; `installedAt` of a replaced one is kept. */
  save(installation: StoredInstallation): Promise<void>;
  get(id: string): Promise<StoredInstallation | null>;
  /** Deletes one installation; false when there was none. */
  remove(id: string): Promise<boolean>;
  /** Deletes every installation of a workspace (uninstalled); how many went. */
  removeForWorkspace(platform: Platform, workspaceExternalId: string): Promise<number>;
  /** Every installation of a platform (or all), by id: for operators (`rapport doctor`) and `rapport rekey`. */
  list(platform?: Platform): Promise<StoredInstallation[]>;
  /** Replaces the sealed secrets of one installation (re-keying). */
  reseal(id: string, sealedSecrets: string): Promise<void>;
  /**
   * Spends a Slack OAuth state for every instance on this database: true when this call spent it (its
   * first use), false when it was spent already, by any instance. `stateHash` is a SHA-256 digest of the
   * state (the state itself is never stored); the entry is kept until `validUntil`, when the state stops
   * verifying anyway. Each call also forgets a bounded number of entries whose `validUntil` is before `now`
   * (never the one being spent), so the table stays as small as the installs started recently.
   */
  spendOAuthState(stateHash: string, validUntil: Date, now: Date): Promise<boolean>;
}

/** What a channel knows about a member when it sees them. */
export interface MemberSighting {
  workspaceId: string;
  memberId: string;
  displayName?: string | null;
  /** The member's e-mail address, when the platform reported it. */
  email?: string | null;
  /** A time zone reported by the platform; ignored when invalid. */
  timeZone?: string | null;
  address?: Address | null;
  /** Whether the platform says the member administers the workspace; absent: unknown, keep what is stored. */
  isAdmin?: boolean | null;
}

export interface MemberRepository {
  /**
   * Creates the member on first sight, otherwise refreshes what the platform told us. Seeing a member
   * with an address clears `addressStale`. A reported time zone updates `timeZoneCheckedAt`, and `timeZone`
   * unless the member chose one.
   */
  see(sighting: MemberSighting, defaultTimeZone: string, now: Date): Promise<Member>;
  get(workspaceId: string, memberId: string): Promise<Member | null>;
  /** Sets working preferences; a time zone set here is the member's choice (see `timeZoneChosen`). */
  updatePrefs(workspaceId: string, memberId: string, prefs: Partial<WorkingPrefs>): Promise<Member>;
  /** Goes back to the time zone the platform reports (undoes a chosen one). */
  followPlatformTimeZone(workspaceId: string, memberId: string): Promise<void>;
  setPausedUntil(workspaceId: string, memberId: string, until: Date | null): Promise<void>;
  setDigest(workspaceId: string, memberId: string, enabled: boolean): Promise<void>;
  /**
   * The platform said the member cannot be reached at their address. Their nudges wait, and one is tried
   * again as a probe a day after `now` (or sooner, when they are seen again).
   */
  markAddressStale(workspaceId: string, memberId: string, now: Date): Promise<void>;
  /** Keeps an address a delivery refreshed (clears `addressStale`). */
  setAddress(workspaceId: string, memberId: string, address: Address): Promise<void>;
  /**
   * The member removed the app (`at`), or added it back (null). While removed, `claimDeliverable` and the
   * digest skip them; no daily probe. Returns whether a member was changed.
   */
  setAppRemoved(workspaceId: string, memberId: string, at: Date | null): Promise<boolean>;
  listByWorkspace(workspaceId: string): Promise<Member[]>;
  /** Makes a member an admin of the workspace's playbook, or takes it back (`admin add` / `admin remove`). */
  setGrantedAdmin(workspaceId: string, memberId: string, granted: boolean): Promise<void>;
  /**
   * Members of every workspace who want the weekly digest and can be reached at `now`: digest on, an
   * address that is not stale, not paused.
   */
  listDigestRecipients(now: Date): Promise<Member[]>;
}

export interface NewPartner {
  workspaceId: string;
  name: string;
  stage: Stage;
  createdBy: string;
  country?: string | null;
  signedOn?: IsoDate | null;
  now: Date;
}

export interface PartnerPatch {
  stage?: Stage;
  signedOn?: IsoDate | null;
  firstMetOn?: IsoDate | null;
  country?: string | null;
  /** IANA zone; null clears it. */
  timeZone?: string | null;
  stageChangedAt?: Date;
}

/** How an owner came to own a partner (see `PartnerRepository.addOwner`). */
export interface NewOwnerDetails {
  role?: string;
  lead?: boolean;
  addedBy?: string | null;
  note?: string | null;
  now?: Date;
}

/** A partner as a picker shows it. */
export type PartnerName = Pick<Partner, 'id' | 'name'>;

export interface PartnerRepository {
  /** Inserts the partner with its creator as first owner. Throws `RapportError('CONFLICT')` on a duplicate name. */
  create(input: NewPartner): Promise<Partner>;
  get(workspaceId: string, id: number): Promise<Partner | null>;
  /** Case-insensitive exact name match. */
  findByName(workspaceId: string, name: string): Promise<Partner | null>;
  /**
   * The first of `names`, in the order given, that names a partner (case-insensitive), with its index in
   * `names`; one query however many names are tried (a command tries its longest run of words first).
   */
  findFirstNamed(
    workspaceId: string,
    names: readonly string[],
  ): Promise<{ partner: Partner; index: number } | null>;
  /** All partners of a workspace, optionally only those a member owns, by name. */
  list(workspaceId: string, options?: { ownerId?: string }): Promise<Partner[]>;
  /**
   * Partners of a workspace whose name contains `query`, compared as names are (case-insensitive), for a
   * type-ahead: names that start with it first, then the others, each group by name; at most `limit`. An
   * empty query matches every partner. One indexed query, however many partners the workspace has.
   */
  search(workspaceId: string, query: string, limit: number): Promise<PartnerName[]>;
  update(workspaceId: string, id: number, patch: PartnerPatch): Promise<Partner>;
  /** Gives the partner a new name. Throws `RapportError('CONFLICT')` when another partner has it (any case). */
  rename(workspaceId: string, id: number, name: string): Promise<Partner>;
  /**
   * Makes a member an owner (last in order), with a role (default `alliance-manager`) and, for a handover,
   * the note they are given. False when they already own it (nothing changes).
   */
  addOwner(workspaceId: string, id: number, memberId: string, details?: NewOwnerDetails): Promise<boolean>;
  /** The partner's owners in order, with role, lead and what the workspace knows of each member. */
  listOwners(workspaceId: string, id: number): Promise<Owner[]>;
  /**
   * Removes an owner. When they led the relationship, the next owner in order leads it. False when they
   * were not an owner. The caller keeps at least one owner (see `owners NAME remove`).
   */
  removeOwner(workspaceId: string, id: number, memberId: string): Promise<boolean>;
  /** Makes one owner the lead (and no other). False when the member is not an owner. */
  setLead(workspaceId: string, id: number, memberId: string): Promise<boolean>;
  /** Deletes the partner with its interactions and nudges. */
  remove(workspaceId: string, id: number): Promise<void>;
  /** Per-kind first/last day and count of the partner's interactions. */
  history(workspaceId: string, id: number): Promise<KindHistory>;
  /**
   * Keeps the scheduler's index current: the earliest instant at which the playbook may make
   * something new due for this partner (null: nothing ever).
   */
  setNextDueAt(workspaceId: string, id: number, at: Date | null): Promise<void>;
  /** Partners whose next due instant has come, across workspaces, earliest first. */
  listDue(now: Date, limit: number): Promise<Partner[]>;
  /**
   * Makes every partner of a workspace that is not ended due at `at` (one statement), so that the next pass
   * plans each again with the workspace's playbook as it now is. Returns how many.
   */
  replanAll(workspaceId: string, at: Date): Promise<number>;
}

export interface NewInteraction {
  workspaceId: string;
  partnerId: number;
  memberId: string;
  kind: InteractionKind;
  occurredOn: IsoDate;
  note?: string | null;
  rating?: number | null;
  nudgeId?: number | null;
  now: Date;
}

/** What can be corrected in a logged interaction. */
export type InteractionFields = Pick<Interaction, 'kind' | 'occurredOn' | 'note' | 'rating'>;

export interface InteractionRepository {
  /**
   * Inserts an interaction. Its id is new: never one an interaction the journal remembers had (a deleted
   * interaction comes back with its own id when its deletion is undone).
   */
  add(input: NewInteraction): Promise<Interaction>;
  /**
   * {@link add}, returning the partner's per-kind history as it stands after the insert as well: one round
   * trip where a use case that re-plans the partner right after would otherwise read the history again.
   */
  addReadingHistory(input: NewInteraction): Promise<{ interaction: Interaction; history: KindHistory }>;
  get(workspaceId: string, id: number): Promise<Interaction | null>;
  /** Corrects an interaction; null when there is none with that id in the workspace. */
  update(workspaceId: string, id: number, fields: Partial<InteractionFields>): Promise<Interaction | null>;
  /** Deletes one interaction; false when there was none. */
  remove(workspaceId: string, id: number): Promise<boolean>;
  /** Puts a deleted interaction back exactly as it was, with its id. Throws `CONFLICT` if the id is in use. */
  restore(interaction: Interaction): Promise<Interaction>;
  /** Most recent first (by day, then by creation). */
  listForPartner(
    workspaceId: string,
    partnerId: number,
    options?: { limit?: number; kinds?: InteractionKind[]; since?: IsoDate },
  ): Promise<Interaction[]>;
  /** Every interaction of a workspace, oldest first (by id), for export. */
  listForWorkspace(workspaceId: string): Promise<Interaction[]>;
  /**
   * Records what blocks the collaboration (a playbook blocker id) on the check-in that answered `nudgeId`,
   * once: sets its blocker and appends `noteSuffix` to its note. Returns the blocker on record (the earlier
   * one, with `recorded: false`, when one was already set), or null when that nudge recorded no check-in.
   */
  recordBlocker(
    workspaceId: string,
    nudgeId: number,
    blocker: string,
    noteSuffix: string,
  ): Promise<{ blocker: string; recorded: boolean } | null>;
}

export interface NewPlannedEvent {
  workspaceId: string;
  partnerId: number;
  kind: PlannableKind;
  plannedOn: IsoDate;
  note?: string | null;
  plannedBy: string;
  /** The event this one re-plans. */
  replacesId?: number | null;
  now: Date;
}

/**
 * Planned events (a visit, workshop or meeting with a date), and the index the scheduler's planned-event
 * step reads: an event's next step instant, when its brief or "did it happen?" next falls due.
 */
export interface PlannedEventRepository {
  /** Inserts a `planned` event whose next step is due at once (the step decides what it calls for). */
  add(input: NewPlannedEvent): Promise<PlannedEvent>;
  get(workspaceId: string, id: number): Promise<PlannedEvent | null>;
  /** A partner's events, by planned day (then id), optionally only some statuses or one kind. */
  listForPartner(
    workspaceId: string,
    partnerId: number,
    options?: { statuses?: readonly PlannedEventStatus[]; kind?: PlannableKind; limit?: number },
  ): Promise<PlannedEvent[]>;
  /**
   * Moves an event to `status` if it is in one of `from` (default: only while `planned`), clearing its next
   * step. True when this call changed it: a second answer, or a race lost, changes nothing.
   */
  settle(
    workspaceId: string,
    id: number,
    status: Exclude<PlannedEventStatus, 'planned'>,
    /** Who settled it; null when the scheduler found it logged. */
    memberId: string | null,
    now: Date,
    from?: readonly PlannedEventStatus[],
  ): Promise<boolean>;
  /** Events still `planned` whose next step has come, across workspaces, earliest first. */
  listDueSteps(now: Date, limit: number): Promise<PlannedEvent[]>;
  /** When the step should look at an event again; null when it calls for nothing more. */
  setNextStepAt(workspaceId: string, id: number, at: Date | null): Promise<void>;
}

export interface NewNudge {
  workspaceId: string;
  partnerId: number;
  memberId: string;
  ruleId: string;
  occurrence: string;
  dueAt: Date;
  deliverAfter: Date;
  now: Date;
}

/** How an answer to a nudge is recorded. What the answer also records (an interaction) is the caller's. */
export interface NudgeAnswer {
  choiceId: string;
  memberId: string;
  at: Date;
}

/** One delivered nudge, as the daily cap and the per-partner interval count it. */
export interface SentNudge {
  partnerId: number;
  ruleId: string;
  sentAt: Date;
}

/** A nudge as its sender holds it: its id and the token of the claim. */
export type ClaimedNudge = Pick<Nudge, 'id' | 'leaseToken'>;

/**
 * A claimed nudge with everything its delivery needs, read with the claim so that rendering and sending
 * it costs no further reads: its member (with a working address), its partner and the partner's history.
 */
export interface Delivery {
  nudge: Nudge;
  member: Member & { address: Address };
  partner: Partner;
  history: KindHistory;
  /** The promise a promise reminder is about (read with the claim), when it is one. */
  promise?: PartnerPromise | null;
  /** The partner's owners with their roles (a rule's `{others}`, the notice to a new owner). */
  team?: Owner[];
}

export interface NudgeRepository {
  /** Inserts unless the same (partner, rule, occurrence, member) exists. Never creates a second one. */
  createIfAbsent(input: NewNudge): Promise<{ nudge: Nudge; created: boolean }>;
  get(workspaceId: string, id: number): Promise<Nudge | null>;
  /**
   * Atomically leases up to `limit` nudges that may be delivered now (pending or snoozed, whose
   * `deliverAfter` has come, whose lease is free or expired, whose member has a working address on one of
   * `platforms` and is not paused), oldest first. Each claimed nudge carries a fresh `leaseToken`.
   * A row that cannot be read (a corrupt address, a missing partner) is skipped and reported through the
   * store's bad-row callback; it never stops the others.
   */
  claimDeliverable(now: Date, leaseUntil: Date, limit: number, platforms: Platform[]): Promise<Delivery[]>;
  /**
   * Records a delivery. This and the other outcome methods below apply only while the caller still holds
   * the lease it was given (its token is still on the row); they return whether they applied.
   */
  markSent(claimed: ClaimedNudge, messageRef: unknown, now: Date): Promise<boolean>;
  /**
   * Releases the lease and sets a new earliest delivery time, keeping the nudge due. `error` is kept for
   * `status`; `countAttempt` (default: when there is an error) counts it towards giving up.
   */
  reschedule(
    claimed: ClaimedNudge,
    deliverAfter: Date,
    error: string | null,
    countAttempt?: boolean,
  ): Promise<boolean>;
  /** Gives up on the nudge after bounded retries. */
  markFailed(claimed: ClaimedNudge, error: string, now: Date): Promise<boolean>;
  /**
   * Records an answer if the nudge is still open (see `OPEN_NUDGE_STATUSES`). Returns the nudge and
   * whether this call answered it; a second answer changes nothing.
   */
  answer(workspaceId: string, id: number, answer: NudgeAnswer): Promise<{ nudge: Nudge; answered: boolean }>;
  /** Snoozes an open nudge: it comes back at `until`. */
  snooze(workspaceId: string, id: number, until: Date, memberId: string, now: Date): Promise<boolean>;
  dismiss(workspaceId: string, id: number, memberId: string, now: Date): Promise<boolean>;
  /**
   * Expires a partner's open nudges (not held by a live lease at `now`) whose occurrence is no longer due:
   * pending and sent ones, and snoozed ones of `snoozedMayExpire`'s rules. A delivered one is marked for a
   * message update (see `listMessageUpdates`).
   */
  expirePending(
    workspaceId: string,
    partnerId: number,
    keep: { ruleId: string; occurrence: string }[],
    now: Date,
    snoozedMayExpire?: readonly string[],
    /** Rules whose nudges other steps manage (promise reminders, drop-off alerts): never expired here. */
    leaveAlone?: readonly string[],
  ): Promise<number>;
  /**
   * Closes a partner's open nudges of `ruleIds`, for every owner, because `memberId` logged what they ask
   * for (answer `_logged`). A delivered one is marked for a message update. Returns how many closed.
   */
  closeLogged(
    workspaceId: string,
    partnerId: number,
    ruleIds: readonly string[],
    memberId: string,
    now: Date,
  ): Promise<number>;
  /**
   * Closes open nudges of a workspace by id, answered with `answer` by `memberId` (a promise settled from a
   * list closes its reminders). A delivered one is marked for a message update. Returns the ids it closed.
   */
  closeAnswered(
    workspaceId: string,
    ids: readonly number[],
    answer: string,
    memberId: string,
    now: Date,
  ): Promise<number[]>;
  /**
   * Expires, across workspaces, open nudges that waited longer than their rule's `days` to be useful:
   * pending ones since they fell due (or were made, when later), sent ones since they were sent, snoozed
   * ones since their snooze ended. Not those held by a live lease. Delivered ones are marked for a message update.
   */
  expireOverdue(now: Date, limits: readonly { ruleId: string; days: number }[]): Promise<number>;
  /** Expires a claimed nudge that would wait past its usefulness (while its claim is held, like `markSent`). */
  expireClaimed(claimed: ClaimedNudge, now: Date): Promise<boolean>;
  /**
   * Delivered nudges whose message no longer tells the truth (closed since it was sent), oldest first;
   * `messageUpdated` takes one off the list.
   */
  listMessageUpdates(limit: number): Promise<Nudge[]>;
  messageUpdated(workspaceId: string, id: number): Promise<void>;
  /** A partner's nudges, newest due first. */
  listForPartner(workspaceId: string, partnerId: number, options?: { limit?: number }): Promise<Nudge[]>;
  /**
   * What was delivered to a member from `since` up to `now`, both included: the partner and rule of each
   * nudge and when it went (the daily cap, the per-partner interval). Nudges folded into one message share
   * `sentAt`. Sends stamped after `now` (a simulated future pass, a clock stepped back) do not count.
   */
  listSentSince(workspaceId: string, memberId: string, since: Date, now: Date): Promise<SentNudge[]>;
  /** Gives a claimed nudge back without counting an attempt (shutdown, pacing budget spent). */
  release(claimed: ClaimedNudge): Promise<boolean>;
  /** A partner's open nudges (pending, sent, snoozed), for every owner, oldest first. */
  listOpenForPartner(workspaceId: string, partnerId: number): Promise<Nudge[]>;
  /** Open nudges (pending, sent, snoozed) addressed to a member. */
  listOpenForMember(workspaceId: string, memberId: string): Promise<Nudge[]>;
  /** Every answered nudge of a workspace, by answer time, for export. */
  listAnswered(workspaceId: string): Promise<Nudge[]>;
  /** Nudges a member answered at or after `since` that are still answered, latest answer first. */
  listAnsweredBy(workspaceId: string, memberId: string, since: Date, limit: number): Promise<Nudge[]>;
  /**
   * Takes a nudge back to `to` if it is still `from` (a write that closed it was undone): leaving
   * `answered` also forgets the answer. Returns whether it applied.
   */
  reopen(workspaceId: string, id: number, from: NudgeStatus, to: NudgeStatus, now: Date): Promise<boolean>;
}

/** Where one member's digest for one week stands. */
export interface DigestRecord {
  workspaceId: string;
  memberId: string;
  /** ISO week label, e.g. `2026-W49`. */
  week: string;
  /** `sending`: claimed or waiting for a retry; `sent`; `skipped`: given up for the week. */
  status: 'sending' | 'sent' | 'skipped';
  /** While `sending`: no other pass may send before this instant (the sender's lease, or a retry time). */
  leaseUntil: Date | null;
  attempts: number;
  messageRef: unknown;
  lastError: string | null;
  sentAt: Date | null;
}

/**
 * The ledger of weekly digests, one row per (workspace, member, week), so that a restart, a second pass
 * or a second instance never sends a week's digest twice.
 */
/** A member's digest for one week as its sender holds it. */
export interface DigestClaim {
  workspaceId: string;
  memberId: string;
  week: string;
  /** Written by the claim; only its holder may record the outcome. */
  token: string;
}

export interface DigestRepository {
  /**
   * Reserves the week's digest for the caller until `leaseUntil`. Null when it was already sent or
   * skipped, or another sender holds it, or it waits for a retry time that has not come.
   */
  claim(
    workspaceId: string,
    memberId: string,
    week: string,
    now: Date,
    leaseUntil: Date,
  ): Promise<DigestClaim | null>;
  /** Records the delivery; this and the outcomes below apply only while the claim is still held. */
  markSent(claim: DigestClaim, messageRef: unknown, now: Date): Promise<boolean>;
  /**
   * Lets a later pass try again, not before `retryAt`. `countAttempt: false` (a deferral: no pacing slot,
   * stopping) takes back the attempt the claim counted.
   */
  release(claim: DigestClaim, retryAt: Date, error: string | null, countAttempt?: boolean): Promise<boolean>;
  /** Gives up on this week's digest (nothing to say, address gone, repeated failures). */
  skip(claim: DigestClaim, reason: string, now: Date): Promise<boolean>;
  get(workspaceId: string, memberId: string, week: string): Promise<DigestRecord | null>;
}

/** A partner's country and time zone, as `partner set` leaves them. */
export interface PartnerPlace {
  country: string | null;
  timeZone: string | null;
}

/** A partner's stage with the days that go with it, as a stage change leaves them. */
export interface StageFields {
  stage: Stage;
  signedOn: IsoDate | null;
  stageChangedAt: Date;
}

/**
 * One undoable write, with what is needed to take it back exactly.
 * - `log`: an interaction was logged (`log`, `observe`, the log form), perhaps answering a nudge.
 * - `edit` / `delete`: a logged interaction was corrected or deleted.
 * - `signed`: the stage and signing day changed and a "Contract signed" milestone was logged.
 * - `stage`: the stage changed. `rename`: the partner's name changed.
 * - `promise`: a promise was recorded. `promise-changed`: a promise was settled or moved (`before` it, what
 *   it became, and the reminders that closed with their earlier status).
 */
export type JournalChange =
  | { action: 'log'; interaction: Interaction; answeredNudge: { id: number; status: NudgeStatus } | null }
  | { action: 'edit'; interactionId: number; before: InteractionFields; after: InteractionFields }
  | { action: 'delete'; interaction: Interaction }
  | { action: 'signed'; before: StageFields; after: StageFields; milestone: Interaction }
  | { action: 'stage'; before: StageFields; after: StageFields }
  | { action: 'rename'; before: string; after: string }
  /** Where the partner is (`partner set NAME country|tz`). */
  | { action: 'place'; before: PartnerPlace; after: PartnerPlace }
  | { action: 'promise'; promise: PartnerPromise }
  | {
      action: 'promise-changed';
      before: PartnerPromise;
      after: Pick<PartnerPromise, 'status' | 'dueOn' | 'movedCount'>;
      closedNudges: { id: number; status: NudgeStatus }[];
    };

/** A nudge a write's re-planning expired, with the status it had, so that undoing the write reopens it. */
/** A nudge a write closed, and the status it had before: what taking the write back reopens. */
export interface ExpiredNudge {
  id: number;
  status: NudgeStatus;
  /** How the write closed it: expired (no longer due), or answered because what it asked was logged. */
  closedAs?: 'expired' | 'answered';
}

export interface JournalEntry {
  id: number;
  workspaceId: string;
  /** Who wrote it: only they may undo it. */
  memberId: string;
  partnerId: number;
  /** The interaction the write logged, corrected, deleted or (for `signed`) its milestone. */
  interactionId: number | null;
  /** Null once the entry is older than the undo window: what a write changed is not kept longer. */
  change: JournalChange | null;
  expiredNudges: ExpiredNudge[];
  createdAt: Date;
  undoneAt: Date | null;
}

export interface NewJournalEntry {
  workspaceId: string;
  memberId: string;
  partnerId: number;
  change: JournalChange;
  expiredNudges: ExpiredNudge[];
  now: Date;
}

/**
 * The write journal: one entry per undoable write, written in the write's own transaction. Entries go
 * with their partner.
 */
export interface JournalRepository {
  /**
   * Keeps one write. Entries of the workspace written before `forgetBefore` lose their `change` (which
   * may hold a deleted note): only the interaction id and the expired nudges outlive the undo window.
   */
  add(entry: NewJournalEntry, forgetBefore: Date): Promise<JournalEntry>;
  /** The member's most recent entry written at or after `since` and not undone yet. */
  latest(workspaceId: string, memberId: string, since: Date): Promise<JournalEntry | null>;
  /** Marks an entry undone; false when it already was. */
  markUndone(workspaceId: string, id: number, at: Date): Promise<boolean>;
  /** Nudges that writes about one interaction expired, whatever their age (a correction may reopen them). */
  expiredByInteraction(workspaceId: string, interactionId: number): Promise<ExpiredNudge[]>;
}

/** One change a workspace made to the default playbook: `field` is a path in a rule (`trigger.days`, `off`). */
export interface PlaybookOverride {
  /** The rule it changes; {@link PLAYBOOK_WIDE} for a setting of the whole playbook (`budget.dailyCap`). */
  ruleId: string;
  field: string;
  /** A JSON value. */
  value: unknown;
  updatedBy: string;
  updatedAt: Date;
}

/** The `ruleId` of a playbook override that is not about one rule. */
export const PLAYBOOK_WIDE = '';

/** Each workspace's changes to the default playbook, kept as overrides (never a copy of the playbook). */
export interface PlaybookOverrideRepository {
  list(workspaceId: string): Promise<PlaybookOverride[]>;
  /** Sets one field (replacing an earlier override of the same rule and field). */
  set(
    workspaceId: string,
    ruleId: string,
    field: string,
    value: unknown,
    memberId: string,
    now: Date,
  ): Promise<void>;
  /** Removes one field's override, all of one rule's, or (no rule) all of the workspace's; returns how many. */
  clear(workspaceId: string, ruleId?: string, field?: string): Promise<number>;
}

/** One line of a workspace's audit log: who changed what, when. */
export interface AuditEntry {
  id: number;
  workspaceId: string;
  actorId: string;
  /** e.g. `playbook.set`, `playbook.off`, `admin.add`, `member.forgotten`. */
  action: string;
  /** What it is about: a rule id, a member id; null for the whole playbook. */
  subject: string | null;
  before: string | null;
  after: string | null;
  createdAt: Date;
}

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'createdAt'> & { now: Date };

export interface AuditRepository {
  add(entry: NewAuditEntry): Promise<AuditEntry>;
  /** Newest first. */
  list(workspaceId: string, limit: number): Promise<AuditEntry[]>;
  /** How many entries of `action` a workspace has (numbers the anonymous ids of forgotten members). */
  count(workspaceId: string, action: string): Promise<number>;
}

/** Everything stored about one member of one workspace, as plain data (`export mine`). */
export type MemberData = Record<string, unknown>;

/** A member's own data, and the store-wide retention of finished records. */
export interface PrivacyRepository {
  exportMember(workspaceId: string, memberId: string): Promise<MemberData>;
  /**
   * Deletes the member's personal rows (the member with address, preferences and display name; their nudges,
   * digests, journal entries and partner ownerships), and gives what they logged on shared partners
   * (interactions, planned events, partners they added, nudges their logging closed, audit lines) to the
   * partner's next owner, or to `anonymousId` where there is none. Atomic. Returns the rows changed per table.
   */
  forgetMember(workspaceId: string, memberId: string, anonymousId: string): Promise<Record<string, number>>;
  /**
   * Deletes up to `limit` finished nudges (answered, dismissed, expired, failed) and up to `limit` finished
   * digests (sent, skipped) last changed before `before`, across workspaces, oldest first.
   */
  pruneFinished(before: Date, limit: number): Promise<{ nudges: number; digests: number }>;
}

/**
 * The playbook a workspace runs: the default with the workspace's overrides, cached, read again after
 * `invalidate`. Read it before `store.transaction` (it reads the store itself).
 */
export interface PlaybookSource {
  /** The playbook for code that has no workspace. */
  readonly default: Playbook;
  forWorkspace(workspaceId: string): Promise<Playbook>;
  invalidate(workspaceId: string): void;
}

/**
 * A chat channel that belongs to a partner (one partner per channel): where `link NAME` was typed. Its
 * `address` lets the channel post there later (the partner's nudges, its weekly status) when the owners
 * chose `prefs NAME post-to-channel`.
 */
export interface ChannelLink {
  workspaceId: string;
  /** The platform's id for the channel (a Slack channel id, a Teams channel's conversation id). */
  channelId: string;
  partnerId: number;
  address: Address;
  /** The partner's nudges and weekly status go to this channel instead of each owner's DM. */
  postToChannel: boolean;
  /** Shared with other organisations (Slack Connect): nothing is ever posted there. */
  external: boolean;
  linkedBy: string;
  linkedAt: Date;
}

export interface ChannelLinkRepository {
  /**
   * Links a channel to a partner. Throws `RapportError('CONFLICT')` when the channel is already linked
   * (to this partner or another).
   */
  link(input: Omit<ChannelLink, 'postToChannel' | 'linkedAt'> & { now: Date }): Promise<ChannelLink>;
  get(workspaceId: string, channelId: string): Promise<ChannelLink | null>;
  /** A partner's linked channels, oldest link first. */
  listForPartner(workspaceId: string, partnerId: number): Promise<ChannelLink[]>;
  /** Removes a channel's link; the link it removed, or null when there was none. */
  unlink(workspaceId: string, channelId: string): Promise<ChannelLink | null>;
  /**
   * Sets where a partner's nudges and weekly status go, on each of its linked channels that is not external
   * (posting is never turned on in one); how many changed.
   */
  setPostToChannel(workspaceId: string, partnerId: number, post: boolean): Promise<number>;
  /** Links whose partner posts to the channel, across workspaces (the weekly status). */
  listPosting(): Promise<ChannelLink[]>;
  /**
   * Reserves the posting of a channel's weekly status for `week` (ISO week label) until `leaseUntil`; false
   * when it was posted already or another sender holds it. The ledger the digest keeps for members.
   */
  claimWeeklyStatus(
    workspaceId: string,
    channelId: string,
    week: string,
    now: Date,
    leaseUntil: Date,
  ): Promise<boolean>;
  /** Records the week's status as posted: no later claim for that week succeeds. */
  weeklyStatusPosted(
    workspaceId: string,
    channelId: string,
    week: string,
    messageRef: unknown,
    now: Date,
  ): Promise<void>;
  /** Gives a claim back (the post failed): a later pass may try again. */
  releaseWeeklyStatus(workspaceId: string, channelId: string, week: string): Promise<void>;
}

export interface NewPromise {
  workspaceId: string;
  partnerId: number;
  direction: PromiseDirection;
  text: string;
  dueOn: IsoDate;
  ownerId: string;
  now: Date;
}

/**
 * Promises made both ways, and the index the scheduler's promise step reads (`next_step_at`: when its
 * reminders next fall due). Promises go with their partner.
 */
export interface PromiseRepository {
  /** Inserts an `open` promise whose next step is due at once. */
  add(input: NewPromise): Promise<PartnerPromise>;
  get(workspaceId: string, id: number): Promise<PartnerPromise | null>;
  /** A partner's promises (or the workspace's, without `partnerId`), by due day then id. */
  list(
    workspaceId: string,
    options?: { partnerId?: number; statuses?: readonly PromiseStatus[]; resolvedSince?: Date },
  ): Promise<PartnerPromise[]>;
  /** Ends an open promise; true when this call ended it (a second answer changes nothing). */
  resolve(
    workspaceId: string,
    id: number,
    status: Exclude<PromiseStatus, 'open'>,
    memberId: string,
    now: Date,
  ): Promise<boolean>;
  /** Gives an open promise a new due day (counted in `movedCount`); false when it is not open. */
  move(workspaceId: string, id: number, dueOn: IsoDate, now: Date): Promise<boolean>;
  /** Puts a promise back as it was (undo): status, day, moves. */
  restore(promise: PartnerPromise): Promise<void>;
  /** Deletes a promise (undo of recording it). */
  remove(workspaceId: string, id: number): Promise<boolean>;
  /** Open promises whose next step has come, across workspaces, earliest first. */
  listDueSteps(now: Date, limit: number): Promise<PartnerPromise[]>;
  setNextStepAt(workspaceId: string, id: number, at: Date | null): Promise<void>;
}

/** Where one signed partner's drop-off alert stands (see `playbook/drop-off.ts`). */
export interface DropOffState {
  workspaceId: string;
  partnerId: number;
  /** False once an alert fired, until the touch rate recovers. */
  armed: boolean;
  /** The period (1: the 90 days after signing; k: the k-th quarter since) of the last alert, if any. */
  firedPeriod: number | null;
  firedAt: Date | null;
  /** When the scheduler's step looks at the partner again. */
  nextCheckAt: Date | null;
}

/** The drop-off alert's armed/fired state per signed partner, and the step's index. */
export interface DropOffRepository {
  get(workspaceId: string, partnerId: number): Promise<DropOffState | null>;
  save(state: DropOffState): Promise<void>;
  /** Signed partners, across workspaces, never checked or whose next check has come; oldest first. */
  listDue(now: Date, limit: number): Promise<Partner[]>;
}

/** Every repository, as one unit of work sees them. */
export interface Repositories {
  readonly workspaces: WorkspaceRepository;
  readonly members: MemberRepository;
  readonly partners: PartnerRepository;
  readonly interactions: InteractionRepository;
  readonly nudges: NudgeRepository;
  readonly digests: DigestRepository;
  readonly journal: JournalRepository;
  readonly plannedEvents: PlannedEventRepository;
  readonly installations: InstallationRepository;
  readonly playbookOverrides: PlaybookOverrideRepository;
  readonly audit: AuditRepository;
  readonly privacy: PrivacyRepository;
  readonly channelLinks: ChannelLinkRepository;
  readonly promises: PromiseRepository;
  readonly dropOffs: DropOffRepository;
}

/**
 * Every repository, plus the means to group writes: what a use case works with, inside a transaction
 * or not.
 */
export interface UnitOfWork extends Repositories {
  /**
   * Runs `work` as one transaction: what it writes through `tx` is committed together when it resolves,
   * and none of it when it throws (the error is rethrown). `work` must reach the store only through `tx`
   * and wait on nothing else: SQLite holds its write lock meanwhile (other callers wait their turn), and a
   * networked engine holds one connection. Calling `tx.transaction` inside joins the same transaction.
   */
  transaction<T>(work: (tx: UnitOfWork) => Promise<T>): Promise<T>;
}

/** The whole store. `close()` flushes and releases the database. */
export interface Store extends UnitOfWork {
  close(): Promise<void>;
}

/**
 * What a channel returns for a delivered message: the platform's id for it (opaque to the core), and the
 * member's address when sending refreshed it (a DM or 1:1 chat opened on the way), for the caller to keep.
 */
export interface DeliveryReceipt {
  messageRef: unknown;
  address?: Address;
}

/**
 * A way to reach members proactively. Implementations translate the message and throw
 * `ChannelError` for platform failures.
 */
export interface Channel {
  readonly platform: Platform;
  deliver(address: Address, message: Message): Promise<DeliveryReceipt>;
  /**
   * Replaces a message delivered earlier (`messageRef` from its receipt), e.g. to say that a nudge was
   * closed meanwhile. Channels that cannot change what they sent (a terminal) leave it out.
   */
  update?(address: Address, messageRef: unknown, message: Message): Promise<void>;
}
