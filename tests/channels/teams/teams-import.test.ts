import { cardsOf, textsOf } from '../../support/adaptive-cards';
import { LoopbackServer } from '../../support/loopback-server';
import { teamsConversationId, teamsMessage } from '../../support/teams-activities';
import { TeamsHarness } from './teams-harness';

let harness: TeamsHarness;
let files: LoopbackServer;
/** What the file host serves, by path. */
const served = new Map<string, string>();

beforeEach(async () => {
  served.clear();
  files = new LoopbackServer('file host', async (req, _body, res) => {
    const content = served.get(req.url ?? '');
    res.writeHead(content === undefined ? 404 : 200, { 'content-type': 'text/csv' });
    res.end(content ?? '');
  });
  await files.start();
  harness = await TeamsHarness.start();
  // Asha's personal chat: its roster gives e-mail addresses (Bo is a colleague Rapport has not seen yet).
  harness.connector.setMembers(teamsConversationId('29:asha'), [
    { id: '29:asha', aadObjectId: 'aad-asha', name: 'Asha Rao', email: 'Asha@contoso.com' },
    { id: '29:bo', aadObjectId: 'aad-bo', name: 'Bo Berg', email: 'bo@contoso.com' },
  ]);
});

afterEach(async () => {
  const problems = harness.cardProblems();
  await harness.stop();
  await files.stop();
  expect(problems).toEqual([]);
});

/** Sends `text` with `csv` attached as Teams attaches a file in personal chat; the bot's answer, as text. */
async function sendWithFile(text: string, csv: string | null, name = 'portfolio.csv'): Promise<string> {
  const path = `/files/${served.size}/${name}`;
  if (csv !== null) served.set(path, csv);
  const mark = harness.mark();
  await harness.send(
    teamsMessage({
      ...harness.asha(),
      text,
      attachments:
        csv === null
          ? undefined
          : [
              {
                contentType: 'application/vnd.microsoft.teams.file.download.info',
                name,
                contentUrl: `https://contoso-my.sharepoint.com/personal/asha/Documents/${name}`,
                content: {
                  downloadUrl: `${files.origin}${path}`,
                  uniqueId: 'ABC-123',
                  fileType: name.split('.').pop(),
                },
              },
            ],
    }),
  );
  return harness
    .activitiesSince(mark)
    .map((request) => {
      const cards = cardsOf(request.activity);
      return cards.length ? cards.flatMap(textsOf).join('\n') : String(request.activity?.text ?? '');
    })
    .join('\n');
}

const BROKEN = [
  'Name,Stage,Signed date,Country,Owners,First meeting,Last contact',
  'Nissan,signed,2025-10-01,JP,bo@contoso.com,2025-06-12,2026-02-20',
  'Renault,exploring,,FR,,,',
  'Volvo,courting,,SE,zed@contoso.com,,',
].join('\r\n');

describe('import in the Teams personal chat', () => {
  it('reports the rows with mistakes by line and writes nothing, then imports the fixed file on "import apply"', async () => {
    const refused = await sendWithFile('import', BROKEN);

    expect(refused).toContain('Import of portfolio.csv');
    expect(refused).toContain('1 row with mistakes: nothing was imported.');
    expect(refused).toContain(
      'line 4 (Volvo): unknown stage "courting" (one of: exploring, negotiating, signed, ended); no member has the e-mail zed@contoso.com',
    );
    expect(harness.rows('SELECT * FROM partners')).toEqual([]);
    // Asha's own address, read from the roster with her role, is kept too (the command line matches by it).
    expect(harness.rows("SELECT email FROM members WHERE id = 'aad-asha'")).toEqual([
      { email: 'asha@contoso.com' },
    ]);

    const fixed = BROKEN.replace(
      'Volvo,courting,,SE,zed@contoso.com',
      'Volvo,negotiating,,SE,asha@contoso.com',
    );
    const dryRun = await sendWithFile('import', fixed);
    expect(dryRun).toContain(
      'Dry run, nothing written. It would be: 3 new, 0 updated, 0 unchanged. Send the file again with `import apply` to import it.',
    );
    expect(dryRun).toContain('line 2 Nissan: new, signed, signed 2025-10-01, country JP');
    expect(harness.rows('SELECT * FROM partners')).toEqual([]);

    const applied = await sendWithFile('import apply', fixed);

    expect(applied).toContain('Imported: 3 new, 0 updated, 0 unchanged.');
    expect(
      harness.rows(
        `SELECT p.name, p.stage, p.country, p.signed_on, p.first_met_on, group_concat(o.member_id, ';') AS owners
         FROM partners p JOIN partner_owners o ON o.partner_id = p.id GROUP BY p.id ORDER BY p.name`,
      ),
    ).toEqual([
      {
        name: 'Nissan',
        stage: 'signed',
        country: 'JP',
        signed_on: '2025-10-01',
        first_met_on: '2025-06-12',
        owners: 'aad-bo',
      },
      {
        name: 'Renault',
        stage: 'exploring',
        country: 'FR',
        signed_on: null,
        first_met_on: null,
        owners: 'aad-asha',
      },
      {
        name: 'Volvo',
        stage: 'negotiating',
        country: 'SE',
        signed_on: null,
        first_met_on: null,
        owners: 'aad-asha',
      },
    ]);
    // Logged by the member who imported them, marked as imported.
    expect(
      harness.rows('SELECT kind, occurred_on, member_id, note FROM interactions ORDER BY occurred_on'),
    ).toEqual([
      { kind: 'meeting', occurred_on: '2025-06-12', member_id: 'aad-asha', note: 'Imported: first meeting' },
      { kind: 'call', occurred_on: '2026-02-20', member_id: 'aad-asha', note: 'Imported: last contact' },
    ]);
    // Bo, found in the roster, is now a member Rapport can nudge about Nissan.
    expect(harness.rows("SELECT id, display_name, email FROM members WHERE id = 'aad-bo'")).toEqual([
      { id: 'aad-bo', display_name: 'Bo Berg', email: 'bo@contoso.com' },
    ]);

    const again = await sendWithFile('import apply', fixed);
    expect(again).toContain('Nothing to change: 0 new, 0 updated, 3 unchanged.');
  });

  it('says how to import when no file is attached, and refuses a file that is not CSV', async () => {
    const help = await sendWithFile('import', null);
    const notCsv = await sendWithFile('import', 'PK\u0003\u0004', 'portfolio.xlsx');

    expect(help).toContain('attach a CSV file to a message saying `import`');
    expect(notCsv).toContain('portfolio.xlsx is not a CSV file.');
    expect(harness.rows('SELECT * FROM partners')).toEqual([]);
  });
});
