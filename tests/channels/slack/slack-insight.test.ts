/**
 * The insight views on Slack, through Bolt's real entry points: status, brief, preview and list as
 * ephemeral Block Kit, the dashboard on App Home, the weekly digest DM, the "Brief me" button, and exports
 * uploaded to the member's DM with `files.uploadV2`.
 */
import { parse } from 'csv-parse/sync';
import { asCsvCells, csvInteractionCells, STORED_INTERACTIONS_SQL } from '../../support/export-rows';
import type { StoredInteraction } from '../../support/export-rows';
import type { SlackApiCall } from '../../support/fake-slack-api';
import { actionIds, logValues, startSlackHarness, TEAM, USER } from './slack-harness';
import type { SlackHarness } from './slack-harness';

const NOW = new Date('2026-11-27T10:00:00.000Z'); // a Friday
const NEXT_MONDAY = new Date('2026-11-30T09:30:00.000Z');
const DM = `D${USER}`;

type Block = {
  type: string;
  text?: { text: string };
  fields?: Array<{ text: string }>;
  elements?: Array<{ text?: string | { text: string }; action_id?: string }>;
};

/** The mrkdwn of every section block with text, in order. */
function sectionTexts(blocks: unknown): string[] {
  return (blocks as Block[]).filter((b) => b.type === 'section' && b.text).map((b) => b.text!.text);
}

/** The section whose text starts with the bold title given. */
function section(blocks: unknown, title: string): string {
  const found = sectionTexts(blocks).find((text) => text.startsWith(`*${title}*`));
  if (found === undefined)
    throw new Error(`no section "${title}" in ${JSON.stringify(sectionTexts(blocks))}`);
  return found;
}

function fields(blocks: unknown): string[] {
  return (blocks as Block[]).flatMap((b) =>
    b.type === 'section' && b.fields ? b.fields.map((f) => f.text) : [],
  );
}

function header(blocks: unknown): string | undefined {
  return (blocks as Block[]).find((b) => b.type === 'header')?.text?.text;
}

function context(blocks: unknown): string[] {
  return (blocks as Block[])
    .filter((b) => b.type === 'context')
    .flatMap((b) =>
      (b.elements ?? []).map((e) => (typeof e.text === 'string' ? e.text : (e.text?.text ?? ''))),
    );
}

function csvRows(content: Buffer): Record<string, string>[] {
  return parse(content.toString('utf8'), { bom: true, columns: true, record_delimiter: '\r\n' });
}

/**
 * Nissan (signed, a visit in April, a kick-off meeting, a cultural observation, two pulses) and Renault
 * Group (negotiating, nothing logged), as the member U0ASHA logged them in Slack.
 */
async function seed(h: SlackHarness): Promise<void> {
  for (const command of [
    'add Nissan',
    'add "Renault Group" negotiating',
    'log Nissan visit 2026-04-20 Toured the Yokohama plant',
    'log Nissan meeting 2026-11-20 Kick-off, agreed on pilot',
    'signed Nissan 2026-10-01',
    'observe Nissan Decisions are prepared by consensus before the meeting (nemawashi)',
  ]) {
    await h.command(command);
  }
  const nissan = h.sql<{ id: number }>("SELECT id FROM partners WHERE name = 'Nissan'")[0]!.id;
  for (const [date, rating, note] of [
    ['2026-09-01', '3', 'Cautious start'],
    ['2026-11-25', '4', 'Trust <growing>, slowly'],
  ] as const) {
    const result = await h.submit({
      values: logValues({ partner: String(nissan), kind: 'checkin', date, rating, note }),
    });
    expect(result.status).toBe(200);
  }
  expect(h.sql('SELECT COUNT(*) AS n FROM interactions')).toEqual([{ n: 6 }]);
}

describe('Slack insight views', () => {
  let h: SlackHarness;

  beforeEach(async () => {
    h = await startSlackHarness({ now: NOW });
    await seed(h);
  });
  afterEach(() => h.stop());

  it('/partner status shows the health score with every reason, the next step and the touches sparkline', async () => {
    const reply = await h.command('status Nissan');

    expect(reply.body.response_type).toBe('ephemeral');
    const blocks = reply.body.blocks;
    expect(header(blocks)).toBe('Nissan');
    expect(fields(blocks)).toEqual(
      expect.arrayContaining([
        '*Stage*\nsigned',
        '*Health*\n🟢 73/100 (good)',
        '*Signed*\nThu 1 Oct 2026 (57 days ago)',
      ]),
    );
    const health = section(blocks, 'Health 🟢 73/100 (good)').split('\n');
    expect(health.slice(1, 4)).toEqual([
      '✗ no in-person visit in 7 months (0/10)',
      '✗ no joint workshop yet (0/6)',
      '✗ no internal alignment meeting yet (0/6)',
    ]);
    expect(health).toEqual(
      expect.arrayContaining([
        '• latest pulse 4/5, up from 3/5 (20/25)',
        '✓ last contact 7 days ago (30/30)',
        '✓ 1 cultural observation in the last 90 days (7/7)',
      ]),
    );
    expect(health[health.length - 1]).toBe(
      '*Next step:* Visit them at their premises (or host them at yours) (+10) — `/partner log Nissan visit`',
    );
    expect(section(blocks, 'Touches per month')).toBe(
      '*Touches per month*\nDec 2025 ▁▁▁▁▄▁▁▁▁▄▄█ Nov 2026\n6 logged in 12 months; busiest Nov 2026 (3), this month 3.',
    );
    expect(section(blocks, 'Recent interactions')).toContain(
      'Wed 25 Nov 2026 (2 days ago): Check-in (4/5) — Trust &lt;growing&gt;, slowly',
    );
    expect(section(blocks, 'Coming up')).toContain('Mon 30 Nov 2026: Post-signing check-in');
  });

  it('/partner brief gathers the cultural observations, the last interactions and the last pulse', async () => {
    const reply = await h.command('brief Nissan');

    const blocks = reply.body.blocks;
    expect(header(blocks)).toBe('Brief: Nissan');
    expect(section(blocks, 'Cultural observations')).toBe(
      '*Cultural observations*\nFri 27 Nov 2026: Decisions are prepared by consensus before the meeting (nemawashi)',
    );
    expect(section(blocks, 'Last interactions').split('\n').slice(1)).toEqual([
      'Wed 25 Nov 2026 (2 days ago): Check-in (4/5) — Trust &lt;growing&gt;, slowly',
      'Fri 20 Nov 2026 (7 days ago): Meeting — Kick-off, agreed on pilot',
      'Thu 1 Oct 2026 (57 days ago): Milestone — Contract signed',
      'Tue 1 Sep 2026 (87 days ago): Check-in (3/5) — Cautious start',
      'Mon 20 Apr 2026 (221 days ago): Visit to their premises — Toured the Yokohama plant · first meeting',
    ]);
    expect(section(blocks, 'Last pulse')).toBe(
      '*Last pulse*\n4/5 on Wed 25 Nov 2026 (2 days ago), up from 3/5\n“Trust &lt;growing&gt;, slowly”',
    );
    expect(section(blocks, 'Worth raising')).toContain('no in-person visit in 7 months');
    expect(context(blocks)[0]).toContain('Afterwards: `/partner log Nissan meeting today NOTE`');
  });

  it('/partner preview NAME 60 shows the timeline of planned nudges in the member’s time', async () => {
    const reply = await h.command('preview Nissan 60');

    const blocks = reply.body.blocks;
    expect(header(blocks)).toBe('Nissan — planned nudges, next 60 days');
    expect(sectionTexts(blocks)).toContain(
      'If nothing new is logged, I will send 7 nudges about *Nissan* until Tue 26 Jan 2027.',
    );
    const timeline = section(blocks, 'Timeline (your time, UTC)').split('\n');
    // Keep in touch counts from the last contact (the meeting of 20 Nov), not from today's observation.
    expect(timeline.slice(1, 5)).toEqual([
      'Mon 30 Nov, 09:00 — Post-signing check-in (day 60)',
      'Wed 16 Dec, 09:00 — Plan a site visit',
      'Mon 21 Dec, 09:00 — Keep in touch',
      'Wed 30 Dec, 09:00 — Internal alignment',
    ]);
    expect(timeline).toContain('Mon 11 Jan, 09:00 — Post-signing check-in (day 100)');
    expect(timeline).toHaveLength(8);
    expect(section(blocks, 'What they will ask')).toContain(
      '*Post-signing check-in*: You signed with *Nissan* 60 days ago — how is the collaboration going?',
    );
  });

  it('/partner list puts what needs attention first, with health', async () => {
    const reply = await h.command('list');

    const lines = section(reply.body.blocks, 'Your partners (2), what needs attention first').split('\n');
    expect(lines[1]).toMatch(
      /^🔴 23\/100 \*Renault Group\* — negotiating, no contact logged.* · no contact logged yet$/,
    );
    expect(lines[2]).toMatch(
      // Every contact with Nissan came from one member: the single-voice flag says so.
      /^🟢 73\/100 \*Nissan\* — signed, last contact 7 days ago.* · no in-person visit in 7 months · ⚠️ single voice$/,
    );
  });

  it('App Home shows the dashboard sorted by attention, each partner with health, reason and next step', async () => {
    await h.openHome();
    const publish = await h.fake.waitFor('views.publish');

    const view = publish.params.view as { type: string; blocks: Block[] };
    expect(view.type).toBe('home');
    expect(header(view.blocks)).toBe('Your partnerships');
    const partners = sectionTexts(view.blocks).filter(
      (text) => text.startsWith('*') && text.includes('\nHealth'),
    );
    expect(partners.map((text) => text.split('\n')[0])).toEqual(['*Renault Group*', '*Nissan*']);
    expect(partners[0]!.split('\n')[1]).toBe(
      'Health 🔴 23/100 (needs attention) — no contact logged yet. Next: Visit them at their premises (or host them at yours) (+40) — `/partner log "Renault Group" visit`',
    );
    expect(partners[1]!.split('\n')[1]).toMatch(
      /^Health 🟢 73\/100 \(good\) — no in-person visit in 7 months\. Next: /,
    );
    const [renault, nissan] = h.sql<{ id: number }>(
      "SELECT id FROM partners ORDER BY CASE name WHEN 'Renault Group' THEN 0 ELSE 1 END",
    );
    expect(actionIds(view.blocks)).toEqual([
      `p:${renault!.id}:log`,
      `p:${renault!.id}:status`,
      `p:${nissan!.id}:log`,
      `p:${nissan!.id}:status`,
      'log:open',
    ]);
  });

  describe('the weekly digest', () => {
    function digestPosts(): SlackApiCall[] {
      return h.fake
        .calls('chat.postMessage')
        .filter((c) => header(c.params.blocks)?.startsWith('Your partnerships — week of'));
    }

    it('arrives in the member’s DM as Block Kit on Monday morning, once', async () => {
      h.setNow(NEXT_MONDAY);
      await h.service.tick(NEXT_MONDAY);
      await h.service.tick(new Date(NEXT_MONDAY.getTime() + 60 * 60_000));

      const [digest, ...more] = digestPosts();
      expect(more).toEqual([]);
      expect(digest!.params.channel).toBe(DM);
      const blocks = digest!.params.blocks;
      expect(header(blocks)).toBe('Your partnerships — week of Mon 30 Nov 2026');
      // The same pass delivered the nudges that fell due first, so the digest counts them as waiting.
      expect(sectionTexts(blocks)).toContain(
        '2 of your 2 relationships need attention; 2 things were logged last week; 0 nudges are coming this week. 4 nudges are waiting for you.',
      );
      expect(section(blocks, 'Needs attention').split('\n').slice(1)).toEqual([
        '🔴 23/100 *Renault Group* — no contact logged yet · 1 nudge waiting for you. Next: Visit them at their premises (or host them at yours) (+40)',
        '🟢 73/100 *Nissan* — no in-person visit in 7 months · 3 nudges waiting for you. Next: Visit them at their premises (or host them at yours) (+10)',
        '⚠️ Single voice: all 2 contacts in the last 90 days came from User U0ASHA. Add a co-owner: `/partner owners Nissan add @member ROLE`.',
      ]);
      expect(section(blocks, 'Logged last week (Mon 23 Nov 2026 – Sun 29 Nov 2026)')).toBe(
        '*Logged last week (Mon 23 Nov 2026 – Sun 29 Nov 2026)*\n*Nissan*: Cultural observation, Check-in',
      );
      expect(section(blocks, 'Coming up this week')).toBe(
        '*Coming up this week*\nNo nudges planned this week.',
      );
      expect(context(blocks)).toEqual(['Your weekly digest. Turn it off with `/partner prefs digest off`.']);
      expect(h.sql('SELECT week, status FROM digests WHERE member_id = ?', USER)).toEqual([
        { week: '2026-W49', status: 'sent' },
      ]);
    });

    it('is not sent after /partner prefs digest off', async () => {
      const reply = await h.command('prefs digest off');
      expect(fields(reply.body.blocks)).toContain('*Weekly digest*\noff');

      h.setNow(NEXT_MONDAY);
      await h.service.tick(NEXT_MONDAY);

      expect(digestPosts()).toEqual([]);
      // The same pass still delivers nudges: only the digest is off.
      expect(h.fake.calls('chat.postMessage').length).toBeGreaterThan(0);
      expect(h.sql('SELECT * FROM digests')).toEqual([]);
    });
  });

  describe('export', () => {
    it('/partner export csv uploads three CSV files to the member’s DM that parse back to the stored rows', async () => {
      const reply = await h.command('export csv');

      expect(reply.body.response_type).toBe('ephemeral');
      expect(String(reply.body.text)).toContain(
        'Exported 2 partners, 6 interactions and 0 answers from rapport-test as CSV (3 files).\nThe 3 files are in your direct messages with Rapport.',
      );
      const complete = h.fake.calls('files.completeUploadExternal');
      expect(complete).toHaveLength(1);
      expect(complete[0]!.params.channel_id).toBe(DM);
      expect(String(complete[0]!.params.initial_comment)).toContain('Exported 2 partners');
      const uploads = h.fake.uploads();
      const names = uploads.map((u) => u.filename).sort();
      expect(names).toEqual([
        `rapport-slack-${TEAM}-answers-2026-11-27.csv`,
        `rapport-slack-${TEAM}-interactions-2026-11-27.csv`,
        `rapport-slack-${TEAM}-partners-2026-11-27.csv`,
      ]);
      expect((complete[0]!.params.files as Array<{ id: string }>).map((f) => f.id).sort()).toEqual(
        uploads.map((u) => u.fileId).sort(),
      );
      const file = (table: string): Record<string, string>[] =>
        csvRows(uploads.find((u) => u.filename.includes(`-${table}-`))!.content);

      expect(file('partners').map((p) => [p.id, p.name, p.stage, p.owner_ids])).toEqual(
        h
          .sql<{ id: number; name: string; stage: string }>(
            'SELECT id, name, stage FROM partners ORDER BY id',
          )
          .map((p) => [String(p.id), p.name, p.stage, USER]),
      );
      expect(csvInteractionCells(file('interactions'))).toEqual(
        asCsvCells(h.sql<StoredInteraction>(STORED_INTERACTIONS_SQL)),
      );
      expect(file('answers')).toEqual([]);
      // The raw bytes are UTF-8 with a byte-order mark and CRLF line ends, as spreadsheets want them.
      const raw = uploads.find((u) => u.filename.includes('-interactions-'))!.content;
      expect(raw.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
      expect(raw.toString('utf8')).toContain('"Kick-off, agreed on pilot"');
    });

    it('/partner export json uploads one JSON document with every table', async () => {
      const reply = await h.command('export json');

      expect(String(reply.body.text)).toContain('The file is in your direct messages with Rapport.');
      const [upload, ...others] = h.fake.uploads();
      expect(others).toEqual([]);
      expect(upload!.filename).toBe(`rapport-slack-${TEAM}-2026-11-27.json`);
      const json = JSON.parse(upload!.content.toString('utf8'));
      expect(json.workspace).toEqual({ id: `slack:${TEAM}`, name: 'rapport-test' });
      expect(json.partners.map((p: { name: string }) => p.name)).toEqual(['Nissan', 'Renault Group']);
      expect(json.interactions).toHaveLength(6);
      expect(json.interactions.find((i: { rating: number | null }) => i.rating === 4).note).toBe(
        'Trust <growing>, slowly',
      );
    });

    it('explains, in an ephemeral message, an upload Slack refuses for a missing scope', async () => {
      h.fake.failNext('files.getUploadURLExternal', { error: 'missing_scope', needed: 'files:write' }, 3);

      const reply = await h.command('export');

      expect(reply.body.response_type).toBe('ephemeral');
      expect(String(reply.body.text)).toContain('Rapport needs the `files:write` permission');
      expect(h.fake.calls('files.completeUploadExternal')).toEqual([]);
    });

    it('says to try again when Slack fails to complete the upload', async () => {
      h.fake.failNext('files.completeUploadExternal', { error: 'internal_error' });

      const reply = await h.command('export');

      expect(String(reply.body.text)).toContain('I could not upload the export to Slack just now');
      expect(h.logs.some((l) => l.msg === 'could not upload an export to Slack')).toBe(true);
    });
  });
});

describe('Slack export of an empty workspace', () => {
  it('uploads files with a header row and nothing else', async () => {
    const h = await startSlackHarness({ now: NOW });
    try {
      const reply = await h.command('export');

      expect(String(reply.body.text)).toContain('Exported 0 partners, 0 interactions and 0 answers');
      const uploads = h.fake.uploads();
      expect(uploads).toHaveLength(3);
      const partners = uploads.find((u) => u.filename.includes('-partners-'))!;
      expect(partners.content.toString('utf8')).toBe(
        '\uFEFFid,name,stage,country,time_zone,first_met_on,signed_on,owner_ids,owners,owner_roles,lead_owner_id,created_at,created_by\r\n',
      );
      for (const upload of uploads) {
        expect(csvRows(upload.content)).toEqual([]);
        expect(upload.content.toString('utf8')).toMatch(/^\uFEFF[a-z_,]+\r\n$/);
      }
    } finally {
      await h.stop();
    }
  });
});

describe('the Brief me button on a Slack visit nudge', () => {
  it('answers with the partner’s brief and leaves the nudge open', async () => {
    const h = await startSlackHarness({ now: new Date('2026-11-02T10:00:00Z') });
    try {
      await h.command('add Toyota');
      await h.command('observe Toyota Punctuality is respect');
      // Two weeks later only the site-visit rule is due.
      const later = new Date('2026-11-16T10:00:00Z');
      h.setNow(later);
      await h.service.tick(later);
      const [nudge] = h.sql<{ id: number; rule_id: string }>('SELECT id, rule_id FROM nudges');
      expect(nudge!.rule_id).toBe('site-visit');
      const post = h.fake
        .calls('chat.postMessage')
        .find((c) => actionIds(c.params.blocks).includes(`n:${nudge!.id}:_brief`));
      expect(post).toBeDefined();

      const { result, responseId } = await h.click({
        actionId: `n:${nudge!.id}:_brief`,
        messageTs: String(post!.params.ts ?? '1'),
      });
      expect(result.status).toBe(200);
      const reply = await h.fake.waitForResponse(responseId);

      expect(reply.body.response_type).toBe('ephemeral');
      expect(header(reply.body.blocks)).toBe('Brief: Toyota');
      expect(section(reply.body.blocks, 'Cultural observations')).toBe(
        '*Cultural observations*\nMon 2 Nov 2026: Punctuality is respect',
      );
      expect(h.sql<{ status: string }>('SELECT status FROM nudges')).toEqual([{ status: 'sent' }]);
    } finally {
      await h.stop();
    }
  });
});
