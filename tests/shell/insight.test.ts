import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { runShell, SHELL_ACTOR, tempDir, withService } from '../support/shell';
import type { ShellOptions } from '../support/shell';

const NOW = new Date('2026-11-27T10:00:00.000Z'); // a Friday

/** A terminal workspace with two partners, a signed one with history, two pulses and one answered nudge. */
async function seededWorkspace(): Promise<ShellOptions> {
  const dir = tempDir();
  const options: ShellOptions = {
    dbPath: join(dir, 'rapport.db'),
    now: NOW,
    exportDir: join(dir, 'exports'),
  };
  await runShell(options, [
    'add Nissan',
    'add "Renault Group" negotiating',
    'log Nissan visit 2026-04-20 Toured the Yokohama plant',
    'log Nissan meeting 2026-11-20 Kick-off, agreed on pilot',
    'signed Nissan 2026-10-01',
    'observe Nissan Decisions are prepared by consensus before the meeting (nemawashi)',
  ]);
  await withService(options, async (service) => {
    const nissan = await service.store.partners.findByName('shell:local', 'Nissan');
    for (const [date, rating, note] of [
      ['2026-09-01', '3', 'Cautious start'],
      ['2026-11-25', '4', 'Trust is growing, "slowly"\nNext: the plant tour'],
    ]) {
      const result = await service.rapport.submitForm(
        SHELL_ACTOR,
        'log-interaction',
        { partner: String(nissan!.id), kind: 'checkin', date, rating, note },
        undefined,
        NOW,
      );
      expect(result.ok).toBe(true);
    }
  });
  // The pass delivers three nudges about Nissan in one message, the post-signing milestone first; its
  // answers are numbered in order, so `5` is the internal alignment's "Meeting scheduled".
  const transcript = await runShell(options, ['tick', '5']);
  expect(transcript).toContain('  5) Meeting scheduled');
  expect(transcript).toContain('Thanks — recorded Meeting scheduled for Nissan (Internal alignment).');
  return options;
}

describe('insight views in the terminal', () => {
  let options: ShellOptions;

  beforeAll(async () => {
    options = await seededWorkspace();
  });

  it('status explains the health score, draws touches per month and lists open check-ins', async () => {
    const out = await runShell(options, ['status Nissan']);
    expect(out).toContain('  Health        🟢 73/100 (good)');
    expect(out).toContain('Health 🟢 73/100 (good)\n  ✗ no in-person visit in 7 months (0/10)');
    for (const line of [
      '✓ last contact 7 days ago (30/30)',
      '✓ 1 cultural observation in the last 90 days (7/7)',
      '✓ 2 check-ins in the last 90 days (6/6)',
      '• latest pulse 4/5, up from 3/5 (20/25)',
      '✗ no joint workshop yet (0/6)',
      '✓ no post-signing check-in asked yet (10/10)',
      'Next step: Visit them at their premises (or host them at yours) (+10) — log Nissan visit',
    ])
      expect(out).toContain(`  ${line}\n`);
    expect(out).toContain(
      'Touches per month\n  Dec 2025 ▁▁▁▁▄▁▁▁▁▄▄█ Nov 2026\n  6 logged in 12 months; busiest Nov 2026 (3), this month 3.',
    );
    expect(out).toMatch(
      /Open check-ins\n {2}Post-signing check-in — sent Fri 27 Nov, 10:00, waiting for your answer\n/,
    );
    expect(out).toMatch(
      /Open nudges\n {2}Plan a site visit — sent Fri 27 Nov, 10:00, waiting for your answer\n/,
    );
    // What status showed before stays: recent interactions, answers, what comes next.
    expect(out).toContain('Fri 20 Nov 2026 (7 days ago): Meeting — Kick-off, agreed on pilot');
    expect(out).toContain('Internal alignment (2026-10-31): Meeting scheduled — Fri 27 Nov 2026');
    expect(out).toContain('Coming up\n  Mon 30 Nov 2026: Post-signing check-in');
  });

  it('list puts what needs attention first and shows health', async () => {
    const out = await runShell(options, ['list']);
    const renault = out.indexOf('🔴 23/100 Renault Group — negotiating, no contact logged');
    const nissan = out.indexOf('🟢 73/100 Nissan — signed, last contact 7 days ago');
    expect(renault).toBeGreaterThan(0);
    expect(nissan).toBeGreaterThan(renault);
    expect(out).toContain('· no contact logged yet');
  });

  it('the dashboard is sorted by attention and shows health with its reason and next step', async () => {
    const dashboard = await withService(options, (service) => service.rapport.dashboard(SHELL_ACTOR, NOW));
    expect(dashboard.sections!.map((s) => s.title)).toEqual(['Renault Group', 'Nissan']);
    expect(dashboard.sections![0]!.lines[0]).toBe(
      'Health 🔴 23/100 (needs attention) — no contact logged yet. Next: Visit them at their premises (or host them at yours) (+40) — `partner log "Renault Group" visit`',
    );
    expect(dashboard.sections![1]!.lines[0]).toMatch(
      /^Health 🟢 73\/100 \(good\) — no in-person visit in 7 months/,
    );
  });

  it('brief gathers cultural observations, the last interactions and notes, and the last pulse', async () => {
    const out = await runShell(options, ['brief Nissan']);
    expect(out).toContain('Brief: Nissan');
    expect(out).toContain(
      'Cultural observations\n  Fri 27 Nov 2026: Decisions are prepared by consensus before the meeting (nemawashi)',
    );
    expect(out).toContain(
      'Last interactions\n  Wed 25 Nov 2026 (2 days ago): Check-in (4/5) — Trust is growing',
    );
    expect(out).toContain('Fri 20 Nov 2026 (7 days ago): Meeting — Kick-off, agreed on pilot');
    expect(out).toContain(
      'Mon 20 Apr 2026 (221 days ago): Visit to their premises — Toured the Yokohama plant',
    );
    expect(out).toContain(
      'Last pulse\n  4/5 on Wed 25 Nov 2026 (2 days ago), up from 3/5\n  “Trust is growing, "slowly"\nNext: the plant tour”',
    );
    expect(out).toContain('Stage      signed, signed Thu 1 Oct 2026 (57 days ago)');
  });

  it('preview lists the nudges the playbook will send, in the member’s time', async () => {
    const out = await runShell(options, ['preview Nissan 60']);
    expect(out).toContain('Nissan — planned nudges, next 60 days');
    expect(out).toContain(
      'If nothing new is logged, I will send 7 nudges about Nissan until Tue 26 Jan 2027.',
    );
    // Keep in touch counts from the last contact (the meeting of 20 Nov), not from today's observation.
    expect(out).toContain(
      'Timeline (your time, UTC)\n  Mon 30 Nov, 09:00 — Post-signing check-in (day 60)\n  Wed 16 Dec, 09:00 — Plan a site visit\n  Mon 21 Dec, 09:00 — Keep in touch\n  Wed 30 Dec, 09:00 — Internal alignment\n',
    );
    // Day 100 falls on a Saturday: it goes out on Monday morning.
    expect(out).toContain('Mon 11 Jan, 09:00 — Post-signing check-in (day 100)');
    expect(out).toContain(
      'Post-signing check-in: You signed with Nissan 60 days ago — how is the collaboration going?',
    );
    expect(out).toContain('Waiting now\n  Plan a site visit — sent Fri 27 Nov, 10:00');
  });

  it('preview defaults to 30 days and refuses more than 365', async () => {
    const out = await runShell(options, ['preview "Renault Group"', 'preview Nissan 366']);
    expect(out).toContain('Renault Group — planned nudges, next 30 days');
    expect(out).toContain('Mon 30 Nov, 09:00 — Joint workshop');
    expect(out).toContain('Preview between 1 and 365 days ahead, not 366.');
  });

  it.each([
    ['status Nisan', 'Did you mean Nissan?', 'status NAME'],
    ['brief Nisan', 'Did you mean Nissan?', 'brief NAME'],
    ['preview Renault 10', 'Did you mean Renault Group?', 'preview NAME [DAYS]'],
    ['brief Toyota', 'Add it first with add NAME', 'brief NAME'],
  ])('%s answers with suggestions and usage', async (line, hint, usage) => {
    const out = await runShell(options, [line]);
    expect(out).toContain(hint);
    expect(out).toContain(`Usage: ${usage}`);
  });

  it('help lists the new commands', async () => {
    const out = await runShell(options, ['help', 'help preview']);
    expect(out).toContain('brief NAME — Read before you meet them');
    expect(out).toContain('preview NAME [DAYS] — The nudges the playbook will send');
    expect(out).toContain('export [csv|json] — ');
    expect(out).toContain(
      'prefs [tz ZONE | hours HH:MM-HH:MM | days mon-fri | country CODE | digest on|off]',
    );
    expect(out).toContain('\n  preview Nissan 90\n');
  });
});

describe('preview arguments', () => {
  it('reads a name that ends in a number before a number of days', async () => {
    const options: ShellOptions = { dbPath: join(tempDir(), 'rapport.db'), now: NOW };
    const out = await runShell(options, [
      'add "Studio 54"',
      'preview Studio 54',
      'preview Studio 54 7',
      'preview "Studio 54" 14d',
      'preview Studio 54 soon',
    ]);
    expect(out).toContain('Studio 54 — planned nudges, next 30 days');
    expect(out).toContain('Studio 54 — planned nudges, next 7 days');
    expect(out).toContain('Studio 54 — planned nudges, next 14 days');
    expect(out).toContain('I expected a number of days after the name, not “soon”.');
  });
});

describe('the Brief me button on a visit nudge', () => {
  it('shows the brief', async () => {
    const dir = tempDir();
    const options: ShellOptions = { dbPath: join(dir, 'rapport.db'), now: new Date('2026-11-01T10:00:00Z') };
    await runShell(options, ['add Toyota', 'observe Toyota Punctuality is respect']);
    // Two weeks later only the site-visit rule is due: its nudge is the one menu open.
    const out = await runShell({ ...options, now: new Date('2026-11-16T10:00:00Z') }, ['tick', 'b']);
    expect(out).toContain('🔔 Toyota — Plan a site visit');
    expect(out).toContain('  1) Visit planned\n  L) Log it now\n  B) Brief me\n');
    expect(out).toContain('Brief: Toyota');
    expect(out).toContain('Cultural observations\n  Sun 1 Nov 2026: Punctuality is respect');
  });
});

describe('export from the terminal', () => {
  it('writes CSV and JSON files that parse back to the same rows', async () => {
    const options = await seededWorkspace();
    const out = await runShell(options, [
      'set Nissan country jp',
      'set "Renault Group" country US',
      'export',
      'export json',
    ]);
    expect(out).toContain('Exported 2 partners, 6 interactions and 1 answer from Terminal as CSV (3 files).');
    expect(out).toContain('Saved 3 file(s):');
    const files = readdirSync(options.exportDir!).sort();
    expect(files).toEqual([
      'rapport-shell-local-2026-11-27.json',
      'rapport-shell-local-answers-2026-11-27.csv',
      'rapport-shell-local-interactions-2026-11-27.csv',
      'rapport-shell-local-partners-2026-11-27.csv',
    ]);
    for (const file of files) expect(out).toContain(join(options.exportDir!, file));
    const csv = (table: string): Record<string, string>[] =>
      parse(readFileSync(join(options.exportDir!, `rapport-shell-local-${table}-2026-11-27.csv`), 'utf8'), {
        bom: true,
        columns: true,
        record_delimiter: '\r\n',
      });
    const json = JSON.parse(
      readFileSync(join(options.exportDir!, 'rapport-shell-local-2026-11-27.json'), 'utf8'),
    );
    const asText = (rows: Record<string, unknown>[]): Record<string, string>[] =>
      rows.map((row) =>
        Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null ? '' : String(v)])),
      );

    // Where each partner is: a country with one zone gives it; one with several leaves it to be set.
    expect(csv('partners').map((p) => [p.name, p.country, p.time_zone])).toEqual([
      ['Nissan', 'JP', 'Asia/Tokyo'],
      ['Renault Group', 'US', ''],
    ]);
    expect(json.partners.map((p: { time_zone: string | null }) => p.time_zone)).toEqual(['Asia/Tokyo', null]);

    // The same rows, whichever format.
    for (const table of ['partners', 'interactions', 'answers'])
      expect(csv(table)).toEqual(asText(json[table]));

    // And the rows are what the store holds.
    await withService(options, async (service) => {
      const partners = await service.store.partners.list('shell:local');
      expect(
        json.partners.map((p: { id: number; name: string; stage: string }) => [p.id, p.name, p.stage]),
      ).toEqual(partners.sort((a, b) => a.id - b.id).map((p) => [p.id, p.name, p.stage]));
      const interactions = await service.store.interactions.listForWorkspace('shell:local');
      expect(
        json.interactions.map(
          (i: { id: number; kind: string; note: string | null; rating: number | null }) => [
            i.id,
            i.kind,
            i.note,
            i.rating,
          ],
        ),
      ).toEqual(interactions.map((i) => [i.id, i.kind, i.note, i.rating]));
    });
    const pulse = csv('interactions').find((row) => row.rating === '4')!;
    expect(pulse.note).toBe('Trust is growing, "slowly"\nNext: the plant tour');
    expect(csv('answers')).toEqual([
      expect.objectContaining({
        partner: 'Nissan',
        rule_id: 'internal-alignment',
        answer: 'scheduled',
        answer_label: 'Meeting scheduled',
      }),
    ]);
  });

  it('exports an empty workspace as files with headers only', async () => {
    const dir = tempDir();
    const options: ShellOptions = { dbPath: join(dir, 'rapport.db'), now: NOW, exportDir: join(dir, 'out') };
    const out = await runShell(options, ['export csv', 'export json']);
    expect(out).toContain(
      'Exported 0 partners, 0 interactions and 0 answers from Terminal as CSV (3 files).',
    );
    expect(readFileSync(join(dir, 'out', 'rapport-shell-local-partners-2026-11-27.csv'), 'utf8')).toBe(
      '\uFEFFid,name,stage,country,time_zone,first_met_on,signed_on,owner_ids,owners,owner_roles,lead_owner_id,created_at,created_by\r\n',
    );
    expect(readFileSync(join(dir, 'out', 'rapport-shell-local-answers-2026-11-27.csv'), 'utf8')).toMatch(
      /^\uFEFFnudge_id,.*answered_at\r\n$/,
    );
    const json = JSON.parse(readFileSync(join(dir, 'out', 'rapport-shell-local-2026-11-27.json'), 'utf8'));
    expect(json).toMatchObject({ partners: [], interactions: [], answers: [] });
  });

  it('never overwrites an earlier export and refuses unknown formats', async () => {
    const dir = tempDir();
    const options: ShellOptions = { dbPath: join(dir, 'rapport.db'), now: NOW, exportDir: join(dir, 'out') };
    const out = await runShell(options, ['export json', 'export json', 'export xlsx']);
    expect(readdirSync(join(dir, 'out')).sort()).toEqual([
      'rapport-shell-local-2026-11-27-2.json',
      'rapport-shell-local-2026-11-27.json',
    ]);
    expect(out).toContain('Export as csv or json, not “xlsx”.');
  });
});

describe('the weekly digest in the terminal', () => {
  it('arrives on Monday morning, once', async () => {
    const options = await seededWorkspace();
    const monday = new Date('2026-11-30T09:30:00Z');
    const out = await runShell({ ...options, now: monday }, ['tick', 'tick', 'tick 2026-12-01']);
    expect(out.split('🔔 Your partnerships — week of Mon 30 Nov 2026').length - 1).toBe(1);
    expect(out).toContain('1 weekly digest(s) sent.');
    expect(out).toContain('Needs attention\n  🔴 23/100 Renault Group — no contact logged yet');
    expect(out).toContain('Turn it off with prefs digest off.');
  });
});
