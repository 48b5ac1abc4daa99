/**
 * Builds a large, realistic Rapport database for load benchmarks:
 *   npm run seed:synthetic -- --partners 100000 --interactions 1000000 [--database PATH]
 *                             [--workspaces 10] [--members 200]
 *
 * Writes straight through better-sqlite3 on a database migrated by the store's own migrations, one
 * transaction per batch with prepared statements, so that a million partners and ten million interactions
 * take minutes rather than hours. Everything is drawn from a seeded generator: the same options build
 * the same data.
 *
 * What it builds: Slack workspaces, members spread over many time zones (each with a DM address, so that
 * deliveries need no `conversations.open`), partners in every stage (signing days for the signed and
 * ended ones) owned by one or two members, histories of mixed kinds spread over the two years before
 * `now`, and open nudges for about 2% of the partners.
 */
import type Database from 'better-sqlite3';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store';

export interface SeedOptions {
  partners: number;
  interactions: number;
  workspaces?: number;
  /** Members per workspace. */
  members?: number;
  now?: Date;
  /** Seed of the generator. */
  seed?: number;
  /** Slack team ids of the workspaces; default `TSYN0001`, `TSYN0002`… */
  teamIds?: string[];
}

export interface SeedReport {
  workspaces: number;
  members: number;
  partners: number;
  owners: number;
  interactions: number;
  openNudges: number;
  ms: number;
}

const TIME_ZONES = [
  'UTC',
  'Europe/London',
  'Europe/Paris',
  'Europe/Berlin',
  'Europe/Madrid',
  'Europe/Istanbul',
  'Africa/Lagos',
  'Africa/Johannesburg',
  'Asia/Dubai',
  'Asia/Kolkata',
  'Asia/Singapore',
  'Asia/Shanghai',
  'Asia/Tokyo',
  'Asia/Seoul',
  'Australia/Sydney',
  'Pacific/Auckland',
  'America/Sao_Paulo',
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Los_Angeles',
  'America/Mexico_City',
];
const COUNTRIES = ['JP', 'DE', 'FR', 'US', 'GB', 'IN', 'BR', 'KR', 'CN', 'SG', 'AU', 'MX', 'ZA', 'NG', 'AE'];
/** Kinds with weights: calls and meetings dominate real histories. */
const KINDS: [string, number][] = [
  ['call', 30],
  ['meeting', 25],
  ['note', 12],
  ['checkin', 8],
  ['visit', 5],
  ['observation', 5],
  ['alignment', 5],
  ['workshop', 4],
  ['hosted', 3],
  ['milestone', 3],
];
const NOTES = [
  'Quick sync on the pilot',
  'Quarterly review, good energy',
  'Pricing questions, follow up next week',
  'Intro to their new VP',
  null,
  null,
];
const OPEN_RULES = ['keep-in-touch', 'relationship-pulse', 'internal-alignment', 'site-visit'];
const DAY_MS = 86_400_000;
const BATCH = 50_000;

/** mulberry32: small, fast and good enough to spread synthetic data. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function day(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** Runs `insert(i)` for i in [0, count), one transaction per `BATCH` rows. */
function batched(db: Database.Database, count: number, insert: (i: number) => void): void {
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) insert(i);
  });
  for (let from = 0; from < count; from += BATCH) batch(from, Math.min(count, from + BATCH));
}

/** Seeds `db` (already migrated, ideally empty). Partner and member ids follow the rows already there. */
export function seedSynthetic(db: Database.Database, options: SeedOptions): SeedReport {
  const started = performance.now();
  const now = (options.now ?? new Date()).getTime();
  const random = generator(options.seed ?? 20261130);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const kindTotal = KINDS.reduce((sum, [, weight]) => sum + weight, 0);
  const kind = (): string => {
    let roll = random() * kindTotal;
    for (const [name, weight] of KINDS) if ((roll -= weight) < 0) return name;
    return 'note';
  };
  const workspaceCount = Math.max(1, options.workspaces ?? 10);
  const membersPer = Math.max(1, options.members ?? 200);
  const teamIds =
    options.teamIds ??
    Array.from({ length: workspaceCount }, (_, w) => `TSYN${String(w + 1).padStart(4, '0')}`);
  const workspaceIds = teamIds.map((team) => `slack:${team}`);
  const twoYearsAgo = now - 730 * DAY_MS;
  const iso = (at: number): string => new Date(at).toISOString();

  // Bulk load: the data is rebuilt if the machine fails mid-way, so durability can wait for the end.
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  const insertWorkspace = db.prepare(
    `INSERT INTO workspaces (id, platform, external_id, name, created_at) VALUES (?, 'slack', ?, ?, ?)
     ON CONFLICT DO NOTHING`,
  );
  const insertMember = db.prepare(
    `INSERT INTO members (workspace_id, id, display_name, time_zone, time_zone_chosen, address, address_channel,
       holiday_country, created_at, updated_at)
     VALUES (?, ?, ?, ?, 1, ?, 'slack', ?, ?, ?)`,
  );
  const firstPartner =
    ((db.prepare('SELECT max(id) AS id FROM partners').get() as { id: number | null }).id ?? 0) + 1;
  const insertPartner = db.prepare(
    `INSERT INTO partners (id, workspace_id, name, name_key, stage, country, first_met_on, signed_on,
       stage_changed_at, created_at, created_by, next_due_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertOwner = db.prepare(
    `INSERT INTO partner_owners (partner_id, workspace_id, member_id, position, lead, added_by, added_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertInteraction = db.prepare(
    `INSERT INTO interactions (workspace_id, partner_id, member_id, kind, occurred_on, note, rating, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertNudge = db.prepare(
    `INSERT INTO nudges (workspace_id, partner_id, member_id, rule_id, occurrence, due_at, deliver_after, status,
       created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
  );

  const memberId = (workspace: number, member: number): string =>
    `U${String(workspace + 1).padStart(3, '0')}${String(member + 1).padStart(6, '0')}`;
  batched(db, workspaceIds.length, (w) => {
    insertWorkspace.run(workspaceIds[w], teamIds[w], `Synthetic ${w + 1}`, iso(twoYearsAgo));
  });
  batched(db, workspaceIds.length * membersPer, (i) => {
    const w = Math.floor(i / membersPer);
    const id = memberId(w, i % membersPer);
    const address = JSON.stringify({
      channel: 'slack',
      payload: { teamId: teamIds[w], userId: id, dmChannelId: `D${id.slice(1)}` },
    });
    const at = iso(twoYearsAgo + random() * 30 * DAY_MS);
    insertMember.run(workspaceIds[w], id, `Member ${id}`, pick(TIME_ZONES), address, pick(COUNTRIES), at, at);
  });

  // Partner p (0-based) lives in workspace p % W; its owners are members of that workspace.
  // Owners by partner, as member indexes (typed arrays: a million partners must stay small in memory).
  const leads = new Int32Array(options.partners);
  const coOwned = new Uint8Array(options.partners);
  const ownerOf = (p: number, second: boolean): string =>
    memberId(p % workspaceIds.length, second ? (leads[p]! + 1) % membersPer : leads[p]!);
  let ownerRows = 0;
  batched(db, options.partners, (p) => {
    const id = firstPartner + p;
    const w = p % workspaceIds.length;
    const workspace = workspaceIds[w]!;
    leads[p] = Math.floor(random() * membersPer);
    const lead = ownerOf(p, false);
    const roll = random();
    const stage = roll < 0.35 ? 'exploring' : roll < 0.6 ? 'negotiating' : roll < 0.9 ? 'signed' : 'ended';
    const created = twoYearsAgo + random() * 300 * DAY_MS;
    const signed = stage === 'signed' || stage === 'ended' ? created + (60 + random() * 300) * DAY_MS : null;
    const changed = signed ?? created + random() * 200 * DAY_MS;
    // Ended partners are not scheduled; the others are due somewhere from a week ago to two months ahead.
    const nextDue = stage === 'ended' ? null : iso(now + (-7 + random() * 67) * DAY_MS);
    const name = `Synthetic Partner ${id}`;
    insertPartner.run(
      id,
      workspace,
      name,
      name.toLowerCase(),
      stage,
      pick(COUNTRIES),
      day(created),
      signed === null ? null : day(signed),
      iso(changed),
      iso(created),
      lead,
      nextDue,
    );
    insertOwner.run(id, workspace, lead, 0, 1, lead, iso(created));
    ownerRows++;
    if (random() < 0.2 && membersPer > 1) {
      coOwned[p] = 1;
      insertOwner.run(id, workspace, ownerOf(p, true), 1, 0, lead, iso(created));
      ownerRows++;
    }
  });

  // Interactions: an even share per partner (the remainder to the first ones), days spread over two years.
  const share = options.partners > 0 ? Math.floor(options.interactions / options.partners) : 0;
  const extra = options.partners > 0 ? options.interactions % options.partners : 0;
  let partner = 0;
  let leftForPartner = options.partners > 0 ? share + (extra > 0 ? 1 : 0) : 0;
  batched(db, options.partners > 0 ? options.interactions : 0, () => {
    while (leftForPartner === 0) {
      partner++;
      leftForPartner = share + (partner < extra ? 1 : 0);
    }
    leftForPartner--;
    const w = partner % workspaceIds.length;
    const at = twoYearsAgo + random() * 730 * DAY_MS;
    const rating = random() < 0.3 ? 1 + Math.floor(random() * 5) : null;
    insertInteraction.run(
      workspaceIds[w],
      firstPartner + partner,
      ownerOf(partner, coOwned[partner] === 1 && random() < 0.5),
      kind(),
      day(at),
      pick(NOTES),
      rating,
      iso(at),
    );
  });

  // Open nudges for about one partner in fifty, to their lead owner.
  let openNudges = 0;
  batched(db, options.partners, (p) => {
    if (random() >= 0.02) return;
    const due = now - random() * 5 * DAY_MS;
    insertNudge.run(
      workspaceIds[p % workspaceIds.length],
      firstPartner + p,
      ownerOf(p, false),
      pick(OPEN_RULES),
      day(due),
      iso(due),
      iso(due),
      iso(due),
      iso(due),
    );
    openNudges++;
  });
  db.pragma('synchronous = NORMAL');
  db.exec('ANALYZE');

  return {
    workspaces: workspaceIds.length,
    members: workspaceIds.length * membersPer,
    partners: options.partners,
    owners: ownerRows,
    interactions: options.partners > 0 ? options.interactions : 0,
    openNudges,
    ms: performance.now() - started,
  };
}

function argument(args: string[], name: string): string | undefined {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : undefined;
}

function count(args: string[], name: string, fallback?: number): number {
  const text = argument(args, name);
  if (text === undefined) {
    if (fallback === undefined) throw new Error(`--${name} N is required`);
    return fallback;
  }
  const value = Number(text.replace(/_/g, ''));
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name}: not a whole number: "${text}"`);
  return value;
}

function main(): void {
  const args = process.argv.slice(2);
  const path = argument(args, 'database') ?? './data/synthetic.db';
  const options: SeedOptions = {
    partners: count(args, 'partners'),
    interactions: count(args, 'interactions'),
    workspaces: count(args, 'workspaces', 10),
    members: count(args, 'members', 200),
  };
  const store = openSqliteStore({ path });
  try {
    const report = seedSynthetic(store.db, options);
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    const fmt = (n: number): string => n.toLocaleString('en');
    process.stdout.write(
      `Seeded ${path}: ${fmt(report.workspaces)} workspaces, ${fmt(report.members)} members, ` +
        `${fmt(report.partners)} partners (${fmt(report.owners)} owners), ${fmt(report.interactions)} interactions, ` +
        `${fmt(report.openNudges)} open nudges in ${(report.ms / 1000).toFixed(1)} s\n`,
    );
  } finally {
    store.db.close();
  }
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
