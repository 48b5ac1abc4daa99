/**
 * The insight views on Teams, through `/api/messages` and the fake Bot Connector: status, brief, preview,
 * the dashboard and the weekly digest as Adaptive Cards (content asserted, every card valid 1.5), the
 * "Brief me" button, and exports handed over with FileConsentCards into a loopback upload session.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { parse } from 'csv-parse/sync';
import { actionsOf, cardsOf, textsOf } from '../../support/adaptive-cards';
import type { ConnectorActivityRequest } from '../../support/fake-bot-connector';
import { LoopbackServer } from '../../support/loopback-server';
import {
  adaptiveCardInvoke,
  fileConsentInvoke,
  teamsMention,
  teamsMessage,
} from '../../support/teams-activities';
import { asCsvCells, csvInteractionCells, STORED_INTERACTIONS_SQL } from '../../support/export-rows';
import type { StoredInteraction } from '../../support/export-rows';
import { TeamsHarness } from './teams-harness';

const NOW = new Date('2026-11-27T10:00:00.000Z'); // a Friday, 11:00 in Berlin
const NEXT_MONDAY = new Date('2026-11-30T09:30:00.000Z'); // 10:30 in Berlin

const FILE_CONSENT = 'application/vnd.microsoft.teams.card.file.consent';
const FILE_INFO = 'application/vnd.microsoft.teams.card.file.info';

interface Attachment {
  contentType: string;
  name?: string;
  contentUrl?: string;
  content?: Record<string, unknown>;
}

let harness: TeamsHarness;

afterEach(async () => {
  // Every card the bot sent in these tests is a valid Adaptive Card 1.5.
  const problems = harness.cardProblems();
  await harness.stop();
  expect(problems).toEqual([]);
});

async function say(text: string): Promise<ConnectorActivityRequest[]> {
  const mark = harness.mark();
  await harness.send(teamsMessage({ ...harness.asha(), text }));
  return harness.activitiesSince(mark);
}

/** The texts of the one card a command answered with. */
async function cardTexts(text: string): Promise<string[]> {
  const sent = await say(text);
  const cards = sent.flatMap((r) => cardsOf(r.activity));
  expect(cards).toHaveLength(1);
  expect(Buffer.byteLength(JSON.stringify(cards[0]))).toBeLessThan(28_000);
  return textsOf(cards[0]);
}

function attachments(requests: ConnectorActivityRequest[]): Attachment[] {
  return requests.flatMap((r) => (r.activity.attachments ?? []) as Attachment[]);
}

/** The texts that follow a section heading, up to the next heading in `headings`. */
function sectionOf(texts: string[], heading: string, count: number): string[] {
  const at = texts.indexOf(heading);
  if (at < 0) throw new Error(`no "${heading}" in ${JSON.stringify(texts)}`);
  return texts.slice(at + 1, at + 1 + count);
}

/** Nissan (signed, a visit in April, a kick-off, an observation, two pulses) and Renault Group (nothing logged). */
async function seed(): Promise<void> {
  for (const command of [
    'add Nissan',
    'add "Renault Group" negotiating',
    'log Nissan visit 2026-04-20 Toured the Yokohama plant',
    'log Nissan meeting 2026-11-20 Kick-off, agreed on pilot',
    'signed Nissan 2026-10-01',
    'observe Nissan Decisions are prepared by consensus before the meeting (nemawashi)',
  ]) {
    await say(command);
  }
  const nissan = harness.rows<{ id: number }>("SELECT id FROM partners WHERE name = 'Nissan'")[0]!.id;
  for (const [date, rating, note] of [
    ['2026-09-01', '3', 'Cautious start'],
    ['2026-11-25', '4', 'Trust is growing\nNext: the plant tour'],
  ]) {
    const response = await harness.post(
      adaptiveCardInvoke({
        ...harness.asha(),
        verb: 'rapport.form',
        data: { formId: 'log-interaction', partner: String(nissan), kind: 'checkin', date, rating, note },
      }),
    );
    expect(response.status).toBe(200);
  }
  expect(harness.rows('SELECT COUNT(*) AS n FROM interactions')).toEqual([{ n: 6 }]);
}

describe('Teams insight cards', () => {
  beforeEach(async () => {
    harness = await TeamsHarness.start({ now: NOW });
    await seed();
  });

  it('`status` shows the health score with its reasons, the next step and the touches sparkline', async () => {
    const texts = await cardTexts('status Nissan');

    expect(texts[0]).toBe('Nissan');
    expect(texts).toEqual(
      expect.arrayContaining([
        'Stage: signed',
        'Health: 🟢 73/100 (good)',
        'Signed: Thu 1 Oct 2026 (57 days ago)',
      ]),
    );
    expect(sectionOf(texts, 'Health 🟢 73/100 (good)', 3)).toEqual([
      '✗ no in-person visit in 7 months (0/10)',
      '✗ no joint workshop yet (0/6)',
      '✗ no internal alignment meeting yet (0/6)',
    ]);
    expect(texts).toContain('• latest pulse 4/5, up from 3/5 (20/25)');
    expect(texts).toContain(
      '**Next step:** Visit them at their premises (or host them at yours) (+10) — `partner log Nissan visit`',
    );
    expect(sectionOf(texts, 'Touches per month', 2)).toEqual([
      'Dec 2025 ▁▁▁▁▄▁▁▁▁▄▄█ Nov 2026',
      '6 logged in 12 months; busiest Nov 2026 (3), this month 3.',
    ]);
    expect(sectionOf(texts, 'Coming up', 1)).toEqual(['Mon 30 Nov 2026: Post-signing check-in']);
  });

  it('`brief` shows the observations, the last interactions and the last pulse, a note’s lines one by one', async () => {
    const texts = await cardTexts('brief Nissan');

    expect(texts[0]).toBe('Brief: Nissan');
    expect(sectionOf(texts, 'Cultural observations', 1)).toEqual([
      'Fri 27 Nov 2026: Decisions are prepared by consensus before the meeting (nemawashi)',
    ]);
    expect(sectionOf(texts, 'Last interactions', 2)).toEqual([
      'Wed 25 Nov 2026 (2 days ago): Check-in (4/5) — Trust is growing',
      'Next: the plant tour',
    ]);
    expect(sectionOf(texts, 'Last pulse', 3)).toEqual([
      '4/5 on Wed 25 Nov 2026 (2 days ago), up from 3/5',
      '“Trust is growing',
      'Next: the plant tour”',
    ]);
  });

  it('`preview NAME 60` lists the planned nudges in the member’s zone and working hours', async () => {
    const texts = await cardTexts('preview Nissan 60');

    expect(texts[0]).toBe('Nissan — planned nudges, next 60 days');
    // Keep in touch counts from the last contact (the meeting of 20 Nov), not from today's observation.
    expect(sectionOf(texts, 'Timeline (your time, Europe/Berlin)', 4)).toEqual([
      'Mon 30 Nov, 09:00 — Post-signing check-in (day 60)',
      'Wed 16 Dec, 09:00 — Plan a site visit',
      'Mon 21 Dec, 09:00 — Keep in touch',
      'Wed 30 Dec, 09:00 — Internal alignment',
    ]);
    expect(texts).toContain('Mon 11 Jan, 09:00 — Post-signing check-in (day 100)');
    expect(texts).toContain(
      '**Post-signing check-in**: You signed with **Nissan** 60 days ago — how is the collaboration going?',
    );
  });

  it('`list` is the dashboard, what needs attention first, each partner with health, reason and next step', async () => {
    const sent = await say('list');
    const [card] = sent.flatMap((r) => cardsOf(r.activity));
    const texts = textsOf(card);

    expect(texts[0]).toBe('Your partnerships');
    expect(sectionOf(texts, 'Renault Group', 1)).toEqual([
      'Health 🔴 23/100 (needs attention) — no contact logged yet. Next: Visit them at their premises (or host them at yours) (+40) — `partner log "Renault Group" visit`',
    ]);
    expect(sectionOf(texts, 'Nissan', 1)[0]).toMatch(
      /^Health 🟢 73\/100 \(good\) — no in-person visit in 7 months\. Next: /,
    );
    expect(texts.indexOf('Renault Group')).toBeLessThan(texts.indexOf('Nissan'));
    expect(actionsOf(card).map((a) => a.title)).toEqual([
      'Log',
      'Status',
      'Log',
      'Status',
      'Log an interaction',
    ]);
  });

  it('sends the weekly digest card on Monday morning, once, and not after `prefs digest off`', async () => {
    const digests = (from: number): Record<string, unknown>[] =>
      harness
        .activitiesSince(from)
        .flatMap((r) => cardsOf(r.activity))
        .filter((card) => (textsOf(card)[0] ?? '').startsWith('Your partnerships — week of'));
    const mark = harness.mark();
    await harness.tick(NEXT_MONDAY);
    await harness.tick(new Date(NEXT_MONDAY.getTime() + 3_600_000));

    const [digest, ...more] = digests(mark);
    expect(more).toEqual([]);
    const texts = textsOf(digest);
    expect(texts[0]).toBe('Your partnerships — week of Mon 30 Nov 2026');
    expect(sectionOf(texts, 'Needs attention', 2)).toEqual([
      '🔴 23/100 **Renault Group** — no contact logged yet · 1 nudge waiting for you. Next: Visit them at their premises (or host them at yours) (+40)',
      '🟢 73/100 **Nissan** — no in-person visit in 7 months · 3 nudges waiting for you. Next: Visit them at their premises (or host them at yours) (+10)',
    ]);
    expect(sectionOf(texts, 'Logged last week (Mon 23 Nov 2026 – Sun 29 Nov 2026)', 1)).toEqual([
      '**Nissan**: Cultural observation, Check-in',
    ]);
    expect(texts[texts.length - 1]).toBe('Your weekly digest. Turn it off with `partner prefs digest off`.');

    await say('prefs digest off');
    const after = harness.mark();
    await harness.tick(new Date(NEXT_MONDAY.getTime() + 7 * 86_400_000));
    expect(digests(after)).toEqual([]);
    expect(harness.rows('SELECT week, status FROM digests')).toEqual([{ week: '2026-W49', status: 'sent' }]);
  });
});

describe('the Brief me button on a Teams visit nudge', () => {
  it('sends the partner’s brief as a card and leaves the nudge open', async () => {
    harness = await TeamsHarness.start({ now: new Date('2026-11-02T10:00:00Z') });
    await say('add Toyota');
    await say('observe Toyota Punctuality is respect');
    const mark = harness.mark();
    await harness.tick(new Date('2026-11-16T10:00:00Z'));
    const nudgeCard = harness
      .activitiesSince(mark)
      .flatMap((r) => cardsOf(r.activity))
      .find((card) => textsOf(card)[0] === 'Toyota — Plan a site visit')!;
    const brief = actionsOf(nudgeCard).find((a) => a.title === 'Brief me')!;
    expect(brief).toMatchObject({
      verb: 'rapport.choice',
      data: { choiceId: expect.stringMatching(/^n:\d+:_brief$/) },
    });

    const before = harness.mark();
    const response = await harness.post(
      adaptiveCardInvoke({
        ...harness.asha(),
        verb: 'rapport.choice',
        data: brief.data as Record<string, unknown>,
      }),
    );

    expect(response.status).toBe(200);
    const [card] = harness.activitiesSince(before).flatMap((r) => cardsOf(r.activity));
    const texts = textsOf(card);
    expect(texts[0]).toBe('Brief: Toyota');
    expect(sectionOf(texts, 'Cultural observations', 1)).toEqual(['Mon 2 Nov 2026: Punctuality is respect']);
    expect(harness.rows('SELECT status FROM nudges')).toEqual([{ status: 'sent' }]);
  });
});

/** A stand-in for the OneDrive upload session Teams opens when a member accepts a file. */
class UploadSessions {
  readonly puts: { path: string; headers: IncomingHttpHeaders; body: Buffer }[] = [];
  status = 201;
  private readonly server = new LoopbackServer('UploadSessions', async (req, body, res) => {
    this.puts.push({ path: req.url ?? '', headers: req.headers, body });
    res.writeHead(req.method === 'PUT' ? this.status : 405, { 'content-type': 'application/json' });
    res.end('{}');
  });

  start(): Promise<void> {
    return this.server.start();
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  url(name: string): string {
    return `${this.server.origin}/upload/${encodeURIComponent(name)}`;
  }
}

describe('Teams export', () => {
  let sessions: UploadSessions;

  beforeEach(async () => {
    sessions = new UploadSessions();
    await sessions.start();
  });
  afterEach(() => sessions.stop());

  async function accept(consent: Attachment): Promise<ConnectorActivityRequest[]> {
    const mark = harness.mark();
    const response = await harness.post(
      fileConsentInvoke({
        ...harness.asha(),
        action: 'accept',
        context: consent.content!.acceptContext,
        uploadInfo: {
          name: consent.name!,
          uploadUrl: sessions.url(consent.name!),
          contentUrl: `https://contoso-my.sharepoint.com/personal/asha/Documents/Applications/${consent.name}`,
          uniqueId: `unique-${consent.name}`,
          fileType: consent.name!.split('.').pop(),
        },
      }),
    );
    expect(response.status).toBe(200);
    return harness.activitiesSince(mark);
  }

  it('offers each CSV file with a consent card, and an accepted one is uploaded and shown as a file card', async () => {
    harness = await TeamsHarness.start({ now: NOW });
    await seed();

    const sent = await say('export');

    const [summary] = sent.flatMap((r) => cardsOf(r.activity));
    expect(textsOf(summary)).toEqual(
      expect.arrayContaining([
        'Exported 2 partners, 6 interactions and 0 answers from teams:tenant-a as CSV (3 files).',
        'Each file follows as its own card: accept it to save the file to your OneDrive and open it here.',
      ]),
    );
    const consents = attachments(sent).filter((a) => a.contentType === FILE_CONSENT);
    expect(consents.map((c) => c.name)).toEqual([
      'rapport-teams-tenant-a-partners-2026-11-27.csv',
      'rapport-teams-tenant-a-interactions-2026-11-27.csv',
      'rapport-teams-tenant-a-answers-2026-11-27.csv',
    ]);
    const interactions = consents[1]!;
    expect(interactions.content).toMatchObject({
      sizeInBytes: expect.any(Number),
      acceptContext: { export: 'csv', index: 1, name: interactions.name },
      declineContext: { export: 'csv', index: 1, name: interactions.name },
    });

    const after = await accept(interactions);

    const [put] = sessions.puts;
    expect(put!.headers['content-range']).toBe(`bytes 0-${put!.body.length - 1}/${put!.body.length}`);
    expect(put!.headers.authorization).toBeUndefined();
    expect(put!.body.length).toBe(interactions.content!.sizeInBytes);
    const rows: Record<string, string>[] = parse(put!.body.toString('utf8'), {
      bom: true,
      columns: true,
      record_delimiter: '\r\n',
    });
    expect(csvInteractionCells(rows)).toEqual(
      asCsvCells(harness.rows<StoredInteraction>(STORED_INTERACTIONS_SQL)),
    );
    const [fileCard] = attachments(after).filter((a) => a.contentType === FILE_INFO);
    expect(fileCard).toEqual({
      contentType: FILE_INFO,
      name: interactions.name,
      contentUrl: `https://contoso-my.sharepoint.com/personal/asha/Documents/Applications/${interactions.name}`,
      content: { uniqueId: `unique-${interactions.name}`, fileType: 'csv' },
    });
    expect(String(after[0]!.activity.text)).toBe(`Saved **${interactions.name}** to your OneDrive.`);
  });

  it('hands over a JSON export, and an empty workspace as files with headers only', async () => {
    harness = await TeamsHarness.start({ now: NOW });
    await say('help');

    const csv = attachments(await say('export csv')).filter((a) => a.contentType === FILE_CONSENT);
    await accept(csv[0]!);
    const json = attachments(await say('export json')).filter((a) => a.contentType === FILE_CONSENT);
    expect(json.map((c) => c.name)).toEqual(['rapport-teams-tenant-a-2026-11-27.json']);
    await accept(json[0]!);

    const [partners, document] = sessions.puts;
    expect(partners!.body.toString('utf8')).toBe(
      '\uFEFFid,name,stage,country,time_zone,first_met_on,signed_on,owner_ids,owners,owner_roles,lead_owner_id,created_at,created_by\r\n',
    );
    expect(JSON.parse(document!.body.toString('utf8'))).toMatchObject({
      workspace: { id: 'teams:tenant-a' },
      partners: [],
      interactions: [],
      answers: [],
    });
  });

  it('answers a declined file in words and uploads nothing', async () => {
    harness = await TeamsHarness.start({ now: NOW });
    const [consent] = attachments(await say('export json')).filter((a) => a.contentType === FILE_CONSENT);
    const mark = harness.mark();

    const response = await harness.post(
      fileConsentInvoke({ ...harness.asha(), action: 'decline', context: consent!.content!.declineContext }),
    );

    expect(response.status).toBe(200);
    expect(harness.activitiesSince(mark).map((r) => r.activity.text)).toEqual([
      'All right, I did not send rapport-teams-tenant-a-2026-11-27.json.',
    ]);
    expect(sessions.puts).toEqual([]);
  });

  it('says so when the upload session refuses the file', async () => {
    harness = await TeamsHarness.start({ now: NOW });
    const [consent] = attachments(await say('export json')).filter((a) => a.contentType === FILE_CONSENT);
    sessions.status = 500;

    const after = await accept(consent!);

    expect(after.map((r) => r.activity.text)).toEqual([
      'I could not save rapport-teams-tenant-a-2026-11-27.json to your OneDrive just now. Type `export` to try again.',
    ]);
    expect(attachments(after)).toEqual([]);
    expect(harness.logs).toContain('could not upload an export file to Teams');
  });

  it('in a team channel, says files come only in the personal chat and sends no consent card', async () => {
    harness = await TeamsHarness.start({ now: NOW });
    await say('help');
    const mark = harness.mark();

    await harness.send(teamsMention({ ...harness.asha(), text: 'export' }));

    const sent = harness.activitiesSince(mark);
    expect(sent.flatMap((r) => cardsOf(r.activity)).flatMap(textsOf)).toContain(
      'Teams lets me send files only in our personal chat: type `export` there to get them.',
    );
    expect(attachments(sent).filter((a) => a.contentType === FILE_CONSENT)).toEqual([]);
  });
});
