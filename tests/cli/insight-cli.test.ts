import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { runShell, tempDir } from '../support/shell';
import type { ShellOptions } from '../support/shell';

// `npm test` builds first; the command line is run as the installed binary would be.
const CLI = resolve(__dirname, '../../dist/src/cli.js');
const NOW = new Date('2026-11-27T10:00:00.000Z');

function rapport(dbPath: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH, DATABASE_PATH: dbPath, DEFAULT_TIME_ZONE: 'UTC', TICK_SCHEDULE: 'off' },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('rapport preview and export on the command line', () => {
  let options: ShellOptions;

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build (npm test does) first`);
    options = { dbPath: join(tempDir(), 'rapport.db'), now: NOW };
    await runShell(options, [
      'add Nissan',
      'log Nissan visit 2026-11-02 Plant tour, then dinner',
      'signed Nissan 2026-10-01',
      'observe Nissan They prepare decisions before the meeting',
    ]);
  });

  it('previews the nudges the playbook will send, by due day', () => {
    const result = rapport(options.dbPath, [
      'preview',
      '--workspace',
      'shell:local',
      '--partner',
      'nissan',
      '--days',
      '60',
      '--at',
      NOW.toISOString(),
    ]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Nissan — planned nudges, next 60 days');
    // Keep in touch counts from the last contact (the visit of 2 Nov), not from today's observation.
    expect(result.stdout).toContain(
      'Timeline (due days)\n  Mon 30 Nov 2026 — Post-signing check-in (day 60)\n  Wed 2 Dec 2026 — Keep in touch\n  Wed 30 Dec 2026 — Internal alignment\n',
    );
    expect(result.stdout).toContain('Sat 9 Jan 2027 — Post-signing check-in (day 100)');
  });

  it('suggests a name for an unknown partner', () => {
    const result = rapport(options.dbPath, ['preview', '--workspace', 'shell:local', '--partner', 'Nisan']);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      "rapport preview: I don't know a partner called “Nisan”. Did you mean Nissan?\n",
    );
  });

  it.each([
    [['preview', '--workspace', 'shell:local'], 64, '--workspace and --partner are required'],
    [
      ['preview', '--workspace', 'shell:local', '--partner', 'Nissan', '--days', '400'],
      64,
      '--days must be a whole number from 1 to 365',
    ],
    [['preview', '--workspace', 'slack:T0', '--partner', 'Nissan'], 66, 'there is no workspace "slack:T0"'],
    [['export', '--workspace', 'shell:local', '--format', 'xlsx'], 64, '--format must be csv or json'],
    [['export', '--workspace', 'shell:local', '--bogus'], 64, "Unknown option '--bogus'"],
  ])('refuses %j with exit code %i', (args, code, message) => {
    const result = rapport(options.dbPath, args);
    expect(result.status).toBe(code);
    expect(result.stderr).toContain(message);
  });

  it('exports CSV and JSON files that parse back to the same rows', () => {
    const out = join(tempDir(), 'exports');
    const csvRun = rapport(options.dbPath, [
      'export',
      '--workspace',
      'shell:local',
      '--format',
      'csv',
      '--out',
      out,
    ]);
    const jsonRun = rapport(options.dbPath, [
      'export',
      '--workspace',
      'shell:local',
      '--format',
      'json',
      '--out',
      out,
    ]);
    expect(csvRun.status).toBe(0);
    expect(jsonRun.status).toBe(0);
    expect(csvRun.stdout).toContain(
      'Exported 1 partner, 3 interactions and 0 answers from Terminal as CSV (3 files).',
    );
    const files = readdirSync(out);
    expect(files).toHaveLength(4);
    for (const file of files) expect(`${csvRun.stdout}${jsonRun.stdout}`).toContain(join(out, file));
    const json = JSON.parse(
      readFileSync(
        join(
          out,
          files.find((f) => f.endsWith('.json'))!,
        ),
        'utf8',
      ),
    );
    for (const table of ['partners', 'interactions', 'answers']) {
      const file = files.find((f) => f.includes(`-${table}-`))!;
      const rows = parse(readFileSync(join(out, file), 'utf8'), { bom: true, columns: true });
      const expected = json[table].map((row: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null ? '' : String(v)])),
      );
      expect(rows).toEqual(expected);
    }
    expect(json.interactions.map((i: { note: string }) => i.note)).toEqual([
      'Plant tour, then dinner',
      'Contract signed',
      'They prepare decisions before the meeting',
    ]);
  });

  it('exports an empty workspace as CSV files with a header row only', async () => {
    const empty: ShellOptions = { dbPath: join(tempDir(), 'rapport.db'), now: NOW };
    await runShell(empty, []);
    const out = join(tempDir(), 'exports');
    const result = rapport(empty.dbPath, ['export', '--workspace', 'shell:local', '--out', out]);
    expect(result.status).toBe(0);
    const contents = readdirSync(out).map((file) => readFileSync(join(out, file), 'utf8'));
    expect(contents).toHaveLength(3);
    for (const content of contents) expect(content).toMatch(/^\uFEFF[a-z_,]+\r\n$/);
  });
});
