import Database from 'better-sqlite3';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store';
import { runCli } from '../support/cli';
import { tempDir } from '../support/temp-dir';

const WORKSPACE = 'shell:local';
const SEEN = new Date('2025-01-01T09:00:00Z');
const COUNTRIES = ['JP', 'DE', 'FR', 'US', 'BR'];

/** Row `i` (1-based) of a good 500-partner portfolio; its file line is i + 1. */
function goodRow(i: number): string[] {
  const name = `Partner ${String(i).padStart(3, '0')}`;
  const signed = i % 3 === 0;
  const month = String((i % 9) + 1).padStart(2, '0');
  return [
    name,
    signed ? 'signed' : i % 3 === 1 ? 'exploring' : 'negotiating',
    signed ? `2025-${month}-15` : '',
    COUNTRIES[i % COUNTRIES.length]!,
    i % 2 ? 'ada@example.com' : 'Ada@Example.com; bo@example.com',
    `2025-${month}-01`,
    i % 4 ? `2026-0${(i % 8) + 1}-10` : '',
  ];
}

const HEADER = 'Name,Stage,Signed date,Country,Owners,First meeting,Last contact';

function csvOf(rows: string[][]): string {
  return `${HEADER}\n${rows.map((row) => row.map((cell) => (/[,"]/.test(cell) ? `"${cell}"` : cell)).join(',')).join('\n')}\n`;
}

/** Twelve broken rows, by row number (1-based), and the words each refusal must contain. */
const BROKEN: Array<[number, (row: string[]) => void, string]> = [
  [5, (r) => (r[1] = 'courting'), 'unknown stage "courting"'],
  [40, (r) => (r[1] = 'won'), 'unknown stage "won"'],
  [77, (r) => (r[5] = '2025-13-01'), 'first meeting'],
  [120, (r) => (r[2] = '31 Nov 2025'), 'signed date'],
  [150, (r) => (r[3] = 'XX'), 'unknown country code "XX"'],
  [201, (r) => (r[3] = 'Japan'), 'unknown country code "Japan"'],
  [260, (r) => (r[4] = 'carol@example.com'), 'no member has the e-mail carol@example.com'],
  [301, (r) => (r[4] = 'ada@example.com;nobody@else.org'), 'no member has the e-mail nobody@else.org'],
  [350, (r) => (r[0] = 'Partner 010'), 'the name "Partner 010" is also on line 11'],
  [402, (r) => (r[0] = 'partner 400'), 'the name "partner 400" is also on line 401'],
  [450, (r) => (r[6] = '2099-01-01'), 'last contact'],
  [
    499,
    (r) => {
      r[1] = 'signed';
      r[2] = '';
    },
    'a signed partner needs its signed date',
  ],
];

function count(dbPath: string, sql: string): number {
  const db = new Database(dbPath, { readonly: true });
  try {
    return (db.prepare(sql).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('rapport import, through the built command line', () => {
  let dir: ReturnType<typeof tempDir>;
  let env: Record<string, string>;

  beforeEach(async () => {
    dir = tempDir();
    env = { DATABASE_PATH: dir.file('rapport.db'), DEFAULT_TIME_ZONE: 'UTC' };
    // The members the platforms reported, with their e-mail addresses.
    const store = openSqliteStore({ path: env.DATABASE_PATH! });
    await store.workspaces.ensure('shell', 'local', null, SEEN);
    for (const [id, email] of [
      ['local', null],
      ['ada', 'ada@example.com'],
      ['bo', 'BO@example.com'],
    ] as const)
      await store.members.see({ workspaceId: WORKSPACE, memberId: id, email }, 'UTC', SEEN);
    await store.close();
  });
  afterEach(() => dir.cleanup());

  it('reports each bad row of a 500-row file by line and writes nothing; once fixed, --apply writes all of it at once', async () => {
    const good = Array.from({ length: 500 }, (_, i) => goodRow(i + 1));
    const broken = good.map((row) => [...row]);
    for (const [index, breakRow] of BROKEN) breakRow(broken[index - 1]!);
    writeFileSync(dir.file('broken.csv'), csvOf(broken));
    writeFileSync(dir.file('portfolio.csv'), csvOf(good));
    const db = env.DATABASE_PATH!;

    const dry = await runCli(['import', dir.file('broken.csv'), '--workspace', WORKSPACE], '', env);
    expect(dry.code).toBe(1);
    expect(dry.stdout).toContain('12 rows with mistakes: nothing was imported.');
    const reported = [...dry.stdout.matchAll(/^ {2}line (\d+)\b(.*)$/gm)];
    expect(reported.map((m) => Number(m[1]))).toEqual(BROKEN.map(([index]) => index + 1));
    for (const [index, , words] of BROKEN) {
      expect(reported.find((m) => Number(m[1]) === index + 1)?.[2]).toContain(words);
    }
    const applied = await runCli(
      ['import', dir.file('broken.csv'), '--workspace', WORKSPACE, '--apply'],
      '',
      env,
    );
    expect(applied.code).toBe(1);
    expect(count(db, 'SELECT COUNT(*) AS n FROM partners')).toBe(0);

    const fixedDry = await runCli(['import', dir.file('portfolio.csv'), '--workspace', WORKSPACE], '', env);
    expect(fixedDry.code).toBe(0);
    expect(fixedDry.stdout).toContain(
      'Dry run, nothing written. It would be: 500 new, 0 updated, 0 unchanged.',
    );
    expect(fixedDry.stdout).toContain(
      'line 4 Partner 003: new, signed, signed 2025-04-15, country US, first meeting 2025-04-01, last contact 2026-04-10',
    );
    expect(count(db, 'SELECT COUNT(*) AS n FROM partners')).toBe(0);

    // A failure while writing the 499th partner: nothing of the 498 before it may stay.
    const sqlite = new Database(db);
    sqlite.exec(`CREATE TRIGGER injected BEFORE INSERT ON partners WHEN NEW.name = 'Partner 499'
                 BEGIN SELECT RAISE(ABORT, 'injected failure'); END`);
    sqlite.close();
    const failed = await runCli(
      ['import', dir.file('portfolio.csv'), '--workspace', WORKSPACE, '--apply'],
      '',
      env,
    );
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('injected failure');
    expect(count(db, 'SELECT COUNT(*) AS n FROM partners')).toBe(0);
    expect(count(db, 'SELECT COUNT(*) AS n FROM interactions')).toBe(0);
    expect(count(db, 'SELECT COUNT(*) AS n FROM partner_owners')).toBe(0);

    const repaired = new Database(db);
    repaired.exec('DROP TRIGGER injected');
    repaired.close();
    const done = await runCli(
      ['import', dir.file('portfolio.csv'), '--workspace', WORKSPACE, '--apply'],
      '',
      env,
    );
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    expect(done.stdout).toContain('Imported: 500 new, 0 updated, 0 unchanged.');
    expect(count(db, 'SELECT COUNT(*) AS n FROM partners')).toBe(500);
    // Every partner's first meeting, and a last contact for three rows in four.
    expect(count(db, "SELECT COUNT(*) AS n FROM interactions WHERE kind = 'meeting'")).toBe(500);
    expect(count(db, "SELECT COUNT(*) AS n FROM interactions WHERE kind = 'call'")).toBe(375);
    expect(count(db, "SELECT COUNT(*) AS n FROM interactions WHERE note NOT LIKE 'Imported: %'")).toBe(0);
    expect(count(db, "SELECT COUNT(*) AS n FROM partner_owners WHERE member_id = 'bo'")).toBe(250);
    expect(count(db, "SELECT COUNT(*) AS n FROM partners WHERE stage = 'signed' AND signed_on IS NULL")).toBe(
      0,
    );
    expect(count(db, 'SELECT COUNT(*) AS n FROM partners WHERE next_due_at IS NOT NULL')).toBe(500);

    const again = await runCli(['import', dir.file('portfolio.csv'), '--workspace', WORKSPACE], '', env);
    expect(again.stdout).toContain('Nothing to change: 0 new, 0 updated, 500 unchanged.');
    // Six runs of the command line, each a process of its own: on a busy machine each may take seconds.
  }, 120_000);

  it('round trip: importing the partners file of an export changes nothing', async () => {
    writeFileSync(dir.file('portfolio.csv'), csvOf(Array.from({ length: 40 }, (_, i) => goodRow(i + 1))));
    const imported = await runCli(
      ['import', dir.file('portfolio.csv'), '--workspace', WORKSPACE, '--apply'],
      '',
      env,
    );
    expect(imported.code).toBe(0);
    const out = dir.file('exports');
    const exported = await runCli(
      ['export', '--workspace', WORKSPACE, '--format', 'csv', '--out', out],
      '',
      env,
    );
    expect(exported.code).toBe(0);
    const partnersFile = readdirSync(out).find((name) => name.includes('-partners-'))!;
    expect(readFileSync(join(out, partnersFile), 'utf8')).toContain('owner_ids');

    const again = await runCli(['import', join(out, partnersFile), '--workspace', WORKSPACE], '', env);

    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Nothing to change: 0 new, 0 updated, 40 unchanged.');
    expect(again.stdout).toContain(
      'Columns ignored: id, owners, owner_roles, lead_owner_id, created_at, created_by.',
    );
  });

  it('shows an update it would make, and owns new partners with --owner', async () => {
    writeFileSync(dir.file('one.csv'), `name,stage\nNissan,exploring\n`);
    const refused = await runCli(['import', dir.file('one.csv'), '--workspace', WORKSPACE], '', env);
    expect(refused.stdout).toContain('line 2 (Nissan): a new partner needs an owner');
    const owned = await runCli(
      ['import', dir.file('one.csv'), '--workspace', WORKSPACE, '--owner', 'bo@example.com', '--apply'],
      '',
      env,
    );
    expect(owned.code).toBe(0);
    writeFileSync(dir.file('two.csv'), `name,stage,country\nnissan,negotiating,jp\n`);

    const update = await runCli(['import', dir.file('two.csv'), '--workspace', WORKSPACE], '', env);

    expect(update.stdout).toContain('line 2 Nissan: stage: exploring → negotiating, country: none → JP');
    expect(count(env.DATABASE_PATH!, "SELECT COUNT(*) AS n FROM partners WHERE stage = 'exploring'")).toBe(1);

    // Applied, the country brings its only time zone, as `partner set NAME country JP` does.
    expect(
      (await runCli(['import', dir.file('two.csv'), '--workspace', WORKSPACE, '--apply'], '', env)).code,
    ).toBe(0);
    expect(
      count(
        env.DATABASE_PATH!,
        "SELECT COUNT(*) AS n FROM partners WHERE country = 'JP' AND time_zone = 'Asia/Tokyo'",
      ),
    ).toBe(1);
  });
});
