/**
 * The embedded store: SQLite through better-sqlite3 (synchronous, in-process), behind the core's
 * asynchronous repository interfaces. WAL mode lets readers run beside the single writer; every
 * multi-row change is one transaction.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { RapportError } from '../core/errors';
import type {
  Address,
  Interaction,
  InteractionKind,
  KindHistory,
  Member,
  Nudge,
  NudgeStatus,
  Partner,
  Platform,
  Stage,
  Workspace,
  WorkingPrefs,
} from '../core/model';
import { DEFAULT_WORKING_PREFS } from '../core/model';
import type {
  ClaimedNudge,
  DigestClaim,
  DigestRecord,
  DigestRepository,
  InteractionRepository,
  MemberRepository,
  MemberSighting,
  NewInteraction,
  NewNudge,
  NewPartner,
  NudgeAnswer,
  NudgeRepository,
  PartnerPatch,
  PartnerRepository,
  Store,
  WorkspaceRepository,
} from '../core/ports';
import { hasWorkingTime, isValidTimeZone } from '../core/time';
import { MIGRATIONS } from './migrations';

type Row = Record<string, unknown>;

const iso = (date: Date): string => date.toISOString();
const toDate = (value: unknown): Date => new Date(String(value));
const toDateOrNull = (value: unknown): Date | null => (value == null ? null : new Date(String(value)));
const OPEN_STATUSES = `('pending', 'sent', 'snoozed')`;

export interface SqliteStoreOptions {
  /** Path of the database file, or `:memory:`. Parent directories are created. */
  path: string;
  /** Called when a stored value is unusable and a safe default is used instead (never fatal). */
  onBadRow?: (what: string, detail: object) => void;
}

/** Opens (and migrates) a database file. */
export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // WAL with synchronous=NORMAL is durable across process crashes (not power loss) and much faster.
  db.pragma('synchronous = NORMAL');
  migrate(db);
  return new SqliteStore(db, options.onBadRow ?? (() => undefined));
}

/** Copies a database file, consistently even while another process writes to it (SQLite's backup API). */
export async function copyDatabase(from: string, to: string): Promise<void> {
  if (!existsSync(from)) throw new RapportError('NOT_FOUND', `There is no database at ${from}`);
  const source = new Database(from, { readonly: true, fileMustExist: true });
  try {
    await source.backup(to);
  } finally {
    source.close();
  }
}

/** Applies the migrations the database has not seen yet, each in its own transaction. */
export function migrate(db: Database.Database): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new RapportError(
      'STORE',
      `Database schema version ${current} is newer than this program knows (${MIGRATIONS.length}).`,
    );
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
  return MIGRATIONS.length;
}

export class SqliteStore implements Store {
  readonly workspaces: WorkspaceRepository;
  readonly members: MemberRepository;
  readonly partners: PartnerRepository;
  readonly interactions: InteractionRepository;
  readonly nudges: NudgeRepository;
  readonly digests: DigestRepository;

  constructor(
    readonly db: Database.Database,
    onBadRow: (what: string, detail: object) => void,
  ) {
    this.workspaces = new SqliteWorkspaces(db);
    this.members = new SqliteMembers(db, onBadRow);
    this.partners = new SqlitePartners(db);
    this.interactions = new SqliteInteractions(db);
    this.nudges = new SqliteNudges(db);
    this.digests = new SqliteDigests(db);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

class SqliteWorkspaces implements WorkspaceRepository {
  constructor(private readonly db: Database.Database) {}

  async ensure(
    platform: Platform,
    externalId: string,
    name: string | null = null,
    now = new Date(0),
  ): Promise<Workspace> {
    const id = `${platform}:${externalId}`;
    this.db
      .prepare(
        `INSERT INTO workspaces (id, platform, external_id, name, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET name = COALESCE(excluded.name, workspaces.name)`,
      )
      .run(id, platform, externalId, name, iso(now));
    return (await this.get(id))!;
  }

  async get(id: string): Promise<Workspace | null> {
    const row = this.db.prepare('SELECT * FROM workspaces WHERE id = ?').get(id) as Row | undefined;
    if (!row) return null;
    return {
      id: String(row.id),
      platform: row.platform as Platform,
      externalId: String(row.external_id),
      name: (row.name as string | null) ?? null,
      createdAt: toDate(row.created_at),
    };
  }
}

class SqliteMembers implements MemberRepository {
  constructor(
    private readonly db: Database.Database,
    private readonly onBadRow: (what: string, detail: object) => void,
  ) {}

  async see(sighting: MemberSighting, defaultTimeZone: string, now: Date): Promise<Member> {
    const { workspaceId, memberId } = sighting;
    const reportedZone = sighting.timeZone && isValidTimeZone(sighting.timeZone) ? sighting.timeZone : null;
    const address = sighting.address ? JSON.stringify(sighting.address) : null;
    this.db.transaction(() => {
      const exists = this.db
        .prepare('SELECT 1 FROM members WHERE workspace_id = ? AND id = ?')
        .get(workspaceId, memberId);
      if (!exists) {
        this.db
          .prepare(
            `INSERT INTO members (workspace_id, id, display_name, time_zone, time_zone_checked_at, address, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            workspaceId,
            memberId,
            sighting.displayName ?? null,
            reportedZone ?? defaultTimeZone,
            reportedZone ? iso(now) : null,
            address,
            iso(now),
            iso(now),
          );
        return;
      }
      this.db
        .prepare(
          `UPDATE members SET
             display_name = COALESCE(?, display_name),
             time_zone = CASE WHEN time_zone_chosen = 1 THEN time_zone ELSE COALESCE(?, time_zone) END,
             time_zone_checked_at = CASE WHEN ? IS NULL THEN time_zone_checked_at ELSE ? END,
             address = COALESCE(?, address),
             address_stale = CASE WHEN ? IS NULL THEN address_stale ELSE 0 END,
             updated_at = ?
           WHERE workspace_id = ? AND id = ?`,
        )
        .run(
          sighting.displayName ?? null,
          reportedZone,
          reportedZone,
          iso(now),
          address,
          address,
          iso(now),
          workspaceId,
          memberId,
        );
    })();
    return (await this.get(workspaceId, memberId))!;
  }

  async get(workspaceId: string, memberId: string): Promise<Member | null> {
    const row = this.db
      .prepare('SELECT * FROM members WHERE workspace_id = ? AND id = ?')
      .get(workspaceId, memberId) as Row | undefined;
    return row ? this.toMember(row) : null;
  }

  async updatePrefs(workspaceId: string, memberId: string, prefs: Partial<WorkingPrefs>): Promise<Member> {
    const current = await this.get(workspaceId, memberId);
    if (!current) throw new RapportError('NOT_FOUND', `No member ${memberId} in ${workspaceId}`);
    const next = { ...current, ...prefs };
    if (!isValidTimeZone(next.timeZone) || !hasWorkingTime(next)) {
      throw new RapportError(
        'INVALID',
        'Working preferences must name a valid time zone and some working time',
      );
    }
    this.db
      .prepare(
        `UPDATE members SET time_zone = ?, working_days = ?, work_start = ?, work_end = ?,
           time_zone_chosen = CASE WHEN ? THEN 1 ELSE time_zone_chosen END
         WHERE workspace_id = ? AND id = ?`,
      )
      .run(
        next.timeZone,
        next.workingDays.join(','),
        next.workStart,
        next.workEnd,
        prefs.timeZone !== undefined ? 1 : 0,
        workspaceId,
        memberId,
      );
    return (await this.get(workspaceId, memberId))!;
  }

  async followPlatformTimeZone(workspaceId: string, memberId: string): Promise<void> {
    // Forgetting when the zone was last read makes the channel read it again at the next sighting.
    this.db
      .prepare(
        'UPDATE members SET time_zone_chosen = 0, time_zone_checked_at = NULL WHERE workspace_id = ? AND id = ?',
      )
      .run(workspaceId, memberId);
  }

  async setPausedUntil(workspaceId: string, memberId: string, until: Date | null): Promise<void> {
    this.db
      .prepare('UPDATE members SET paused_until = ? WHERE workspace_id = ? AND id = ?')
      .run(until ? iso(until) : null, workspaceId, memberId);
  }

  async setDigest(workspaceId: string, memberId: string, enabled: boolean): Promise<void> {
    this.db
      .prepare('UPDATE members SET digest = ? WHERE workspace_id = ? AND id = ?')
      .run(enabled ? 1 : 0, workspaceId, memberId);
  }

  async markAddressStale(workspaceId: string, memberId: string): Promise<void> {
    this.db
      .prepare('UPDATE members SET address_stale = 1 WHERE workspace_id = ? AND id = ?')
      .run(workspaceId, memberId);
  }

  async listByWorkspace(workspaceId: string): Promise<Member[]> {
    const rows = this.db
      .prepare('SELECT * FROM members WHERE workspace_id = ? ORDER BY id')
      .all(workspaceId) as Row[];
    return rows.map((row) => this.toMember(row));
  }

  async listDigestRecipients(now: Date): Promise<Member[]> {
    const rows = this.db
      .prepare(
        `SELECT * FROM members
         WHERE digest = 1 AND address IS NOT NULL AND address_stale = 0
           AND (paused_until IS NULL OR paused_until <= ?)
         ORDER BY workspace_id, id`,
      )
      .all(iso(now)) as Row[];
    return rows.map((row) => this.toMember(row));
  }

  /** Stored values that no longer make sense fall back to safe defaults, with a warning. */
  private toMember(row: Row): Member {
    let timeZone = String(row.time_zone);
    if (!isValidTimeZone(timeZone)) {
      this.onBadRow('member time zone', { workspaceId: row.workspace_id, memberId: row.id, timeZone });
      timeZone = 'UTC';
    }
    let hours = {
      workingDays: String(row.working_days).split(',').filter(Boolean).map(Number),
      workStart: Number(row.work_start),
      workEnd: Number(row.work_end),
    };
    if (!hasWorkingTime(hours)) {
      this.onBadRow('member working hours', { workspaceId: row.workspace_id, memberId: row.id, ...hours });
      hours = { ...DEFAULT_WORKING_PREFS };
    }
    let address: Address | null = null;
    if (row.address) {
      try {
        address = JSON.parse(String(row.address)) as Address;
      } catch {
        this.onBadRow('member address', { workspaceId: row.workspace_id, memberId: row.id });
      }
    }
    return {
      workspaceId: String(row.workspace_id),
      id: String(row.id),
      displayName: (row.display_name as string | null) ?? null,
      timeZone,
      timeZoneCheckedAt: toDateOrNull(row.time_zone_checked_at),
      timeZoneChosen: row.time_zone_chosen === 1,
      ...hours,
      address,
      addressStale: row.address_stale === 1,
      pausedUntil: toDateOrNull(row.paused_until),
      digest: row.digest === 1,
      createdAt: toDate(row.created_at),
    };
  }
}

const nameKey = (name: string): string => name.trim().toLocaleLowerCase('en');

class SqlitePartners implements PartnerRepository {
  constructor(private readonly db: Database.Database) {}

  async create(input: NewPartner): Promise<Partner> {
    const insert = this.db.transaction(() => {
      const result = this.db
        .prepare(
          `INSERT INTO partners (workspace_id, name, name_key, stage, country, signed_on, stage_changed_at, created_at, created_by)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          input.workspaceId,
          input.name,
          nameKey(input.name),
          input.stage,
          input.country ?? null,
          input.signedOn ?? null,
          iso(input.now),
          iso(input.now),
          input.createdBy,
        );
      const id = Number(result.lastInsertRowid);
      this.db
        .prepare(
          'INSERT INTO partner_owners (partner_id, workspace_id, member_id, position) VALUES (?, ?, ?, 0)',
        )
        .run(id, input.workspaceId, input.createdBy);
      return id;
    });
    try {
      const id = insert();
      return (await this.get(input.workspaceId, id))!;
    } catch (error) {
      // Checked by code, not instanceof: the native module's errors may come from another realm.
      if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new RapportError('CONFLICT', `A partner called ${input.name} already exists`, { cause: error });
      }
      throw error;
    }
  }

  async get(workspaceId: string, id: number): Promise<Partner | null> {
    const row = this.db
      .prepare('SELECT * FROM partners WHERE workspace_id = ? AND id = ?')
      .get(workspaceId, id) as Row | undefined;
    return row ? this.withOwners([row])[0]! : null;
  }

  async findByName(workspaceId: string, name: string): Promise<Partner | null> {
    const row = this.db
      .prepare('SELECT * FROM partners WHERE workspace_id = ? AND name_key = ?')
      .get(workspaceId, nameKey(name)) as Row | undefined;
    return row ? this.withOwners([row])[0]! : null;
  }

  async list(workspaceId: string, options: { ownerId?: string } = {}): Promise<Partner[]> {
    const rows = options.ownerId
      ? (this.db
          .prepare(
            `SELECT p.* FROM partners p JOIN partner_owners o ON o.partner_id = p.id
             WHERE p.workspace_id = ? AND o.member_id = ? ORDER BY p.name_key`,
          )
          .all(workspaceId, options.ownerId) as Row[])
      : (this.db
          .prepare('SELECT * FROM partners WHERE workspace_id = ? ORDER BY name_key')
          .all(workspaceId) as Row[]);
    return this.withOwners(rows);
  }

  async update(workspaceId: string, id: number, patch: PartnerPatch): Promise<Partner> {
    const columns: Record<keyof PartnerPatch, string> = {
      stage: 'stage',
      signedOn: 'signed_on',
      firstMetOn: 'first_met_on',
      country: 'country',
      stageChangedAt: 'stage_changed_at',
    };
    const sets: string[] = [];
    const values: unknown[] = [];
    for (const [key, column] of Object.entries(columns) as [keyof PartnerPatch, string][]) {
      if (!(key in patch)) continue;
      const value = patch[key];
      sets.push(`${column} = ?`);
      values.push(value instanceof Date ? iso(value) : (value ?? null));
    }
    if (sets.length) {
      this.db
        .prepare(`UPDATE partners SET ${sets.join(', ')} WHERE workspace_id = ? AND id = ?`)
        .run(...values, workspaceId, id);
    }
    const partner = await this.get(workspaceId, id);
    if (!partner) throw new RapportError('NOT_FOUND', `No partner ${id} in ${workspaceId}`);
    return partner;
  }

  async addOwner(workspaceId: string, id: number, memberId: string): Promise<void> {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO partner_owners (partner_id, workspace_id, member_id, position)
         SELECT id, workspace_id, ?, (SELECT COUNT(*) FROM partner_owners WHERE partner_id = ?) FROM partners
         WHERE workspace_id = ? AND id = ?`,
      )
      .run(memberId, id, workspaceId, id);
  }

  async remove(workspaceId: string, id: number): Promise<void> {
    this.db.prepare('DELETE FROM partners WHERE workspace_id = ? AND id = ?').run(workspaceId, id);
  }

  async history(workspaceId: string, id: number): Promise<KindHistory> {
    const rows = this.db
      .prepare(
        `SELECT kind, MIN(occurred_on) AS first, MAX(occurred_on) AS last, COUNT(*) AS count
         FROM interactions WHERE workspace_id = ? AND partner_id = ? GROUP BY kind`,
      )
      .all(workspaceId, id) as { kind: InteractionKind; first: string; last: string; count: number }[];
    const history: KindHistory = {};
    for (const row of rows) history[row.kind] = { first: row.first, last: row.last, count: row.count };
    return history;
  }

  async setNextDueAt(workspaceId: string, id: number, at: Date | null): Promise<void> {
    this.db
      .prepare('UPDATE partners SET next_due_at = ? WHERE workspace_id = ? AND id = ?')
      .run(at ? iso(at) : null, workspaceId, id);
  }

  async listDue(now: Date, limit: number): Promise<Partner[]> {
    const rows = this.db
      .prepare(
        'SELECT * FROM partners WHERE next_due_at IS NOT NULL AND next_due_at <= ? ORDER BY next_due_at LIMIT ?',
      )
      .all(iso(now), limit) as Row[];
    return this.withOwners(rows);
  }

  private withOwners(rows: Row[]): Partner[] {
    if (rows.length === 0) return [];
    const ids = rows.map((row) => Number(row.id));
    const owners = new Map<number, string[]>();
    // Chunked so that the number of bound parameters stays far below SQLite's limit.
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const ownerRows = this.db
        .prepare(
          `SELECT partner_id, member_id FROM partner_owners WHERE partner_id IN (${chunk.map(() => '?').join(',')})
           ORDER BY partner_id, position`,
        )
        .all(...chunk) as { partner_id: number; member_id: string }[];
      for (const row of ownerRows) {
        const list = owners.get(row.partner_id) ?? [];
        list.push(row.member_id);
        owners.set(row.partner_id, list);
      }
    }
    return rows.map((row) => ({
      id: Number(row.id),
      workspaceId: String(row.workspace_id),
      name: String(row.name),
      stage: row.stage as Stage,
      country: (row.country as string | null) ?? null,
      firstMetOn: (row.first_met_on as string | null) ?? null,
      signedOn: (row.signed_on as string | null) ?? null,
      stageChangedAt: toDate(row.stage_changed_at),
      createdAt: toDate(row.created_at),
      createdBy: String(row.created_by),
      owners: owners.get(Number(row.id)) ?? [],
    }));
  }
}

function toInteraction(row: Row): Interaction {
  return {
    id: Number(row.id),
    workspaceId: String(row.workspace_id),
    partnerId: Number(row.partner_id),
    memberId: String(row.member_id),
    kind: row.kind as InteractionKind,
    occurredOn: String(row.occurred_on),
    note: (row.note as string | null) ?? null,
    rating: (row.rating as number | null) ?? null,
    nudgeId: (row.nudge_id as number | null) ?? null,
    createdAt: toDate(row.created_at),
  };
}

function insertInteraction(db: Database.Database, input: NewInteraction): number {
  const partner = db
    .prepare('SELECT 1 FROM partners WHERE workspace_id = ? AND id = ?')
    .get(input.workspaceId, input.partnerId);
  if (!partner) throw new RapportError('NOT_FOUND', `No partner ${input.partnerId} in ${input.workspaceId}`);
  const result = db
    .prepare(
      `INSERT INTO interactions (workspace_id, partner_id, member_id, kind, occurred_on, note, rating, nudge_id, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      input.workspaceId,
      input.partnerId,
      input.memberId,
      input.kind,
      input.occurredOn,
      input.note ?? null,
      input.rating ?? null,
      input.nudgeId ?? null,
      iso(input.now),
    );
  return Number(result.lastInsertRowid);
}

class SqliteInteractions implements InteractionRepository {
  constructor(private readonly db: Database.Database) {}

  async add(input: NewInteraction): Promise<Interaction> {
    const id = insertInteraction(this.db, input);
    return toInteraction(this.db.prepare('SELECT * FROM interactions WHERE id = ?').get(id) as Row);
  }

  async listForPartner(
    workspaceId: string,
    partnerId: number,
    options: { limit?: number; kinds?: InteractionKind[]; since?: string } = {},
  ): Promise<Interaction[]> {
    const where = ['workspace_id = ?', 'partner_id = ?'];
    const values: unknown[] = [workspaceId, partnerId];
    if (options.kinds?.length) {
      where.push(`kind IN (${options.kinds.map(() => '?').join(',')})`);
      values.push(...options.kinds);
    }
    if (options.since) {
      where.push('occurred_on >= ?');
      values.push(options.since);
    }
    const rows = this.db
      .prepare(
        `SELECT * FROM interactions WHERE ${where.join(' AND ')} ORDER BY occurred_on DESC, id DESC LIMIT ?`,
      )
      .all(...values, options.limit ?? -1) as Row[];
    return rows.map(toInteraction);
  }

  async listForWorkspace(workspaceId: string): Promise<Interaction[]> {
    const rows = this.db
      .prepare('SELECT * FROM interactions WHERE workspace_id = ? ORDER BY id')
      .all(workspaceId) as Row[];
    return rows.map(toInteraction);
  }
}

/** A stored JSON column, or null when it is empty or unreadable (a bad row must not stop a read). */
function parseJsonOrNull(value: unknown): unknown {
  if (!value) return null;
  try {
    return JSON.parse(String(value));
  } catch {
    return null;
  }
}

function toNudge(row: Row): Nudge {
  const messageRef = parseJsonOrNull(row.message_ref);
  return {
    id: Number(row.id),
    workspaceId: String(row.workspace_id),
    partnerId: Number(row.partner_id),
    memberId: String(row.member_id),
    ruleId: String(row.rule_id),
    occurrence: String(row.occurrence),
    dueAt: toDate(row.due_at),
    deliverAfter: toDate(row.deliver_after),
    status: row.status as NudgeStatus,
    attempts: Number(row.attempts),
    leaseUntil: toDateOrNull(row.lease_until),
    leaseToken: (row.lease_token as string | null) ?? null,
    lastError: (row.last_error as string | null) ?? null,
    messageRef,
    sentAt: toDateOrNull(row.sent_at),
    answeredAt: toDateOrNull(row.answered_at),
    answer: (row.answer as string | null) ?? null,
    answeredBy: (row.answered_by as string | null) ?? null,
    createdAt: toDate(row.created_at),
  };
}

class SqliteNudges implements NudgeRepository {
  constructor(private readonly db: Database.Database) {}

  async createIfAbsent(input: NewNudge): Promise<{ nudge: Nudge; created: boolean }> {
    const result = this.db
      .prepare(
        `INSERT INTO nudges (workspace_id, partner_id, member_id, rule_id, occurrence, due_at, deliver_after, status, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)
         ON CONFLICT (partner_id, rule_id, occurrence, member_id) DO NOTHING`,
      )
      .run(
        input.workspaceId,
        input.partnerId,
        input.memberId,
        input.ruleId,
        input.occurrence,
        iso(input.dueAt),
        iso(input.deliverAfter),
        iso(input.now),
        iso(input.now),
      );
    const row = this.db
      .prepare(
        'SELECT * FROM nudges WHERE partner_id = ? AND rule_id = ? AND occurrence = ? AND member_id = ?',
      )
      .get(input.partnerId, input.ruleId, input.occurrence, input.memberId) as Row;
    return { nudge: toNudge(row), created: result.changes === 1 };
  }

  async get(workspaceId: string, id: number): Promise<Nudge | null> {
    const row = this.db
      .prepare('SELECT * FROM nudges WHERE workspace_id = ? AND id = ?')
      .get(workspaceId, id) as Row | undefined;
    return row ? toNudge(row) : null;
  }

  async claimDeliverable(
    now: Date,
    leaseUntil: Date,
    limit: number,
    platforms: Platform[],
  ): Promise<Nudge[]> {
    if (platforms.length === 0) return [];
    const token = randomUUID();
    // IMMEDIATE takes the write lock before reading, so two claimers never pick the same rows.
    const claim = this.db.transaction(() => {
      const rows = this.db
        .prepare(
          `SELECT n.id FROM nudges n
           JOIN members m ON m.workspace_id = n.workspace_id AND m.id = n.member_id
           WHERE n.status IN ('pending', 'snoozed') AND n.deliver_after <= ?
             AND (n.lease_until IS NULL OR n.lease_until <= ?)
             AND m.address IS NOT NULL AND m.address_stale = 0
             AND json_extract(m.address, '$.channel') IN (${platforms.map(() => '?').join(',')})
             AND (m.paused_until IS NULL OR m.paused_until <= ?)
           ORDER BY n.deliver_after, n.id LIMIT ?`,
        )
        .all(iso(now), iso(now), ...platforms, iso(now), limit) as { id: number }[];
      const lease = this.db.prepare(
        'UPDATE nudges SET lease_until = ?, lease_token = ?, updated_at = ? WHERE id = ?',
      );
      for (const row of rows) lease.run(iso(leaseUntil), token, iso(now), row.id);
      if (rows.length === 0) return [];
      return this.db
        .prepare(
          `SELECT * FROM nudges WHERE id IN (${rows.map(() => '?').join(',')}) ORDER BY deliver_after, id`,
        )
        .all(...rows.map((row) => row.id)) as Row[];
    });
    return claim.immediate().map(toNudge);
  }

  /** Runs an outcome update only while the claim's token is on the row; true when it applied. */
  private whileHeld(claimed: ClaimedNudge, assignments: string, values: unknown[]): boolean {
    if (!claimed.leaseToken) return false;
    const result = this.db
      .prepare(
        `UPDATE nudges SET ${assignments}, lease_until = NULL, lease_token = NULL
         WHERE id = ? AND lease_token = ? AND status IN ('pending', 'snoozed')`,
      )
      .run(...values, claimed.id, claimed.leaseToken);
    return result.changes === 1;
  }

  async markSent(claimed: ClaimedNudge, messageRef: unknown, now: Date): Promise<boolean> {
    return this.whileHeld(
      claimed,
      `status = 'sent', message_ref = ?, sent_at = ?, last_error = NULL, attempts = attempts + 1, updated_at = ?`,
      [JSON.stringify(messageRef ?? null), iso(now), iso(now)],
    );
  }

  async reschedule(
    claimed: ClaimedNudge,
    deliverAfter: Date,
    error: string | null,
    countAttempt = error !== null,
  ): Promise<boolean> {
    return this.whileHeld(
      claimed,
      'deliver_after = ?, last_error = COALESCE(?, last_error), attempts = attempts + ?',
      [iso(deliverAfter), error, countAttempt ? 1 : 0],
    );
  }

  async markFailed(claimed: ClaimedNudge, error: string, now: Date): Promise<boolean> {
    return this.whileHeld(
      claimed,
      `status = 'failed', last_error = ?, attempts = attempts + 1, updated_at = ?`,
      [error, iso(now)],
    );
  }

  async answer(
    workspaceId: string,
    id: number,
    answer: NudgeAnswer,
  ): Promise<{ nudge: Nudge; answered: boolean }> {
    const run = this.db.transaction(() => {
      const result = this.db
        .prepare(
          `UPDATE nudges SET status = 'answered', answer = ?, answered_by = ?, answered_at = ?, lease_until = NULL, lease_token = NULL, updated_at = ?
           WHERE workspace_id = ? AND id = ? AND status IN ${OPEN_STATUSES}`,
        )
        .run(answer.choiceId, answer.memberId, iso(answer.at), iso(answer.at), workspaceId, id);
      if (result.changes === 1 && answer.interaction) {
        insertInteraction(this.db, { ...answer.interaction, nudgeId: id, now: answer.at });
      }
      return result.changes === 1;
    });
    const answered = run();
    const nudge = await this.get(workspaceId, id);
    if (!nudge) throw new RapportError('NOT_FOUND', `No nudge ${id} in ${workspaceId}`);
    return { nudge, answered };
  }

  async snooze(workspaceId: string, id: number, until: Date, memberId: string, now: Date): Promise<boolean> {
    const result = this.db
      .prepare(
        `UPDATE nudges SET status = 'snoozed', deliver_after = ?, lease_until = NULL, lease_token = NULL, answered_by = ?, updated_at = ?
         WHERE workspace_id = ? AND id = ? AND status IN ${OPEN_STATUSES}`,
      )
      .run(iso(until), memberId, iso(now), workspaceId, id);
    return result.changes === 1;
  }

  async dismiss(workspaceId: string, id: number, memberId: string, now: Date): Promise<boolean> {
    const result = this.db
      .prepare(
        `UPDATE nudges SET status = 'dismissed', answer = '_dismiss', answered_by = ?, answered_at = ?, lease_until = NULL, lease_token = NULL, updated_at = ?
         WHERE workspace_id = ? AND id = ? AND status IN ${OPEN_STATUSES}`,
      )
      .run(memberId, iso(now), iso(now), workspaceId, id);
    return result.changes === 1;
  }

  async expirePending(
    workspaceId: string,
    partnerId: number,
    keep: { ruleId: string; occurrence: string }[],
    now: Date,
    snoozedMayExpire: readonly string[] = [],
  ): Promise<number> {
    const rows = (
      this.db
        .prepare(
          `SELECT id, rule_id, occurrence, status FROM nudges
           WHERE workspace_id = ? AND partner_id = ? AND status IN ('pending', 'snoozed')`,
        )
        .all(workspaceId, partnerId) as { id: number; rule_id: string; occurrence: string; status: string }[]
    ).filter((row) => row.status === 'pending' || snoozedMayExpire.includes(row.rule_id));
    const kept = new Set(keep.map((k) => `${k.ruleId}\u0000${k.occurrence}`));
    const expire = this.db.prepare(
      `UPDATE nudges SET status = 'expired', lease_until = NULL, lease_token = NULL
       WHERE id = ? AND status IN ('pending', 'snoozed') AND (lease_until IS NULL OR lease_until <= ?)`,
    );
    let count = 0;
    this.db.transaction(() => {
      for (const row of rows) {
        if (!kept.has(`${row.rule_id}\u0000${row.occurrence}`)) count += expire.run(row.id, iso(now)).changes;
      }
    })();
    return count;
  }

  async listForPartner(
    workspaceId: string,
    partnerId: number,
    options: { limit?: number } = {},
  ): Promise<Nudge[]> {
    const rows = this.db
      .prepare(
        'SELECT * FROM nudges WHERE workspace_id = ? AND partner_id = ? ORDER BY due_at DESC, id DESC LIMIT ?',
      )
      .all(workspaceId, partnerId, options.limit ?? -1) as Row[];
    return rows.map(toNudge);
  }

  async countSentSince(workspaceId: string, memberId: string, since: Date): Promise<number> {
    return this.db
      .prepare('SELECT COUNT(*) FROM nudges WHERE workspace_id = ? AND member_id = ? AND sent_at >= ?')
      .pluck()
      .get(workspaceId, memberId, iso(since)) as number;
  }

  async release(claimed: ClaimedNudge): Promise<boolean> {
    if (!claimed.leaseToken) return false;
    return (
      this.db
        .prepare('UPDATE nudges SET lease_until = NULL, lease_token = NULL WHERE id = ? AND lease_token = ?')
        .run(claimed.id, claimed.leaseToken).changes === 1
    );
  }

  async listOpenForMember(workspaceId: string, memberId: string): Promise<Nudge[]> {
    const rows = this.db
      .prepare(
        `SELECT * FROM nudges WHERE workspace_id = ? AND member_id = ? AND status IN ${OPEN_STATUSES} ORDER BY due_at, id`,
      )
      .all(workspaceId, memberId) as Row[];
    return rows.map(toNudge);
  }

  async listAnswered(workspaceId: string): Promise<Nudge[]> {
    const rows = this.db
      .prepare(`SELECT * FROM nudges WHERE workspace_id = ? AND status = 'answered' ORDER BY answered_at, id`)
      .all(workspaceId) as Row[];
    return rows.map(toNudge);
  }
}

function toDigest(row: Row): DigestRecord {
  const messageRef = parseJsonOrNull(row.message_ref);
  return {
    workspaceId: String(row.workspace_id),
    memberId: String(row.member_id),
    week: String(row.week),
    status: row.status as DigestRecord['status'],
    leaseUntil: toDateOrNull(row.lease_until),
    attempts: Number(row.attempts),
    messageRef,
    lastError: (row.last_error as string | null) ?? null,
    sentAt: toDateOrNull(row.sent_at),
  };
}

class SqliteDigests implements DigestRepository {
  constructor(private readonly db: Database.Database) {}

  async claim(
    workspaceId: string,
    memberId: string,
    week: string,
    now: Date,
    leaseUntil: Date,
  ): Promise<DigestClaim | null> {
    const token = randomUUID();
    const claim = this.db.transaction((): DigestClaim | null => {
      const row = this.db
        .prepare(
          'SELECT status, lease_until FROM digests WHERE workspace_id = ? AND member_id = ? AND week = ?',
        )
        .get(workspaceId, memberId, week) as { status: string; lease_until: string | null } | undefined;
      if (!row) {
        this.db
          .prepare(
            `INSERT INTO digests (workspace_id, member_id, week, status, lease_until, lease_token, attempts, created_at, updated_at)
             VALUES (?, ?, ?, 'sending', ?, ?, 1, ?, ?)`,
          )
          .run(workspaceId, memberId, week, iso(leaseUntil), token, iso(now), iso(now));
        return { workspaceId, memberId, week, token };
      }
      if (row.status !== 'sending' || (row.lease_until !== null && row.lease_until > iso(now))) return null;
      this.db
        .prepare(
          `UPDATE digests SET lease_until = ?, lease_token = ?, attempts = attempts + 1, updated_at = ?
           WHERE workspace_id = ? AND member_id = ? AND week = ?`,
        )
        .run(iso(leaseUntil), token, iso(now), workspaceId, memberId, week);
      return { workspaceId, memberId, week, token };
    });
    return claim.immediate();
  }

  /** Runs an outcome update only while the claim's token is on the row; true when it applied. */
  private whileHeld(claim: DigestClaim, assignments: string, values: unknown[]): boolean {
    const result = this.db
      .prepare(
        `UPDATE digests SET ${assignments}, lease_token = NULL
         WHERE workspace_id = ? AND member_id = ? AND week = ? AND status = 'sending' AND lease_token = ?`,
      )
      .run(...values, claim.workspaceId, claim.memberId, claim.week, claim.token);
    return result.changes === 1;
  }

  async markSent(claim: DigestClaim, messageRef: unknown, now: Date): Promise<boolean> {
    return this.whileHeld(
      claim,
      `status = 'sent', message_ref = ?, sent_at = ?, lease_until = NULL, last_error = NULL, updated_at = ?`,
      [JSON.stringify(messageRef ?? null), iso(now), iso(now)],
    );
  }

  async release(
    claim: DigestClaim,
    retryAt: Date,
    error: string | null,
    countAttempt = true,
  ): Promise<boolean> {
    return this.whileHeld(
      claim,
      'lease_until = ?, last_error = COALESCE(?, last_error), attempts = attempts - ?',
      [iso(retryAt), error, countAttempt ? 0 : 1],
    );
  }

  async skip(claim: DigestClaim, reason: string, now: Date): Promise<boolean> {
    return this.whileHeld(claim, `status = 'skipped', lease_until = NULL, last_error = ?, updated_at = ?`, [
      reason,
      iso(now),
    ]);
  }

  async get(workspaceId: string, memberId: string, week: string): Promise<DigestRecord | null> {
    const row = this.db
      .prepare('SELECT * FROM digests WHERE workspace_id = ? AND member_id = ? AND week = ?')
      .get(workspaceId, memberId, week) as Row | undefined;
    return row ? toDigest(row) : null;
  }
}
