import { directMessageEvent, eventBody } from '../../support/slack-requests';
import { BOT_TOKEN, startSlackHarness, TEAM, USER } from './slack-harness';
import type { SlackHarness } from './slack-harness';

const CSV = [
  'name,stage,signed date,country,owners,first meeting,last contact',
  'Nissan,signed,2025-10-01,JP,bo@example.com,2025-06-12,2026-02-20',
  'Renault,exploring,,FR,,,',
].join('\n');

describe('import in the Slack DM', () => {
  let h: SlackHarness;

  beforeEach(async () => {
    h = await startSlackHarness();
    h.fake.setUser('U0BO', { tz: 'Europe/Oslo', name: 'Bo Berg', email: 'bo@example.com' });
  });
  afterEach(() => h.stop());

  /** Shares `csv` in the DM with `text`; the bot's answer in the DM (its text and blocks). */
  async function share(text: string, csv: string | null, name = 'portfolio.csv'): Promise<string> {
    const before = h.fake.calls('chat.postMessage').length;
    const event = directMessageEvent({ userId: USER, text, teamId: TEAM });
    const files =
      csv === null
        ? undefined
        : [
            {
              id: 'F0PORTFOLIO',
              name,
              filetype: name.split('.').pop(),
              size: csv.length,
              url_private_download: h.fake.shareFile(name, csv),
            },
          ];
    const result = await h.post(
      eventBody({ teamId: TEAM, event: { ...event, ...(files ? { subtype: 'file_share', files } : {}) } }),
    );
    expect(result.status).toBe(200);
    const reply = await h.fake.waitFor(
      'chat.postMessage',
      () => h.fake.calls('chat.postMessage').length > before,
    );
    expect(reply.params.channel).toBe(`D${USER}`);
    return `${String(reply.params.text)}\n${JSON.stringify(reply.params.blocks)}`;
  }

  it('reads the shared CSV with the bot token, dry-runs it, then imports it on "import apply"', async () => {
    const dryRun = await share('import', CSV);

    expect(dryRun).toContain('Dry run, nothing written. It would be: 2 new, 0 updated, 0 unchanged.');
    expect(h.sql('SELECT * FROM partners')).toEqual([]);
    expect(h.fake.fileDownloads.map((d) => d.token)).toEqual([BOT_TOKEN]);
    expect(h.fake.calls('users.lookupByEmail').map((c) => c.params.email)).toEqual(['bo@example.com']);

    const applied = await share('import apply', CSV);

    expect(applied).toContain('Imported: 2 new, 0 updated, 0 unchanged.');
    expect(
      h.sql(
        `SELECT p.name, p.stage, p.country, group_concat(o.member_id, ';') AS owners
         FROM partners p JOIN partner_owners o ON o.partner_id = p.id GROUP BY p.id ORDER BY p.name`,
      ),
    ).toEqual([
      { name: 'Nissan', stage: 'signed', country: 'JP', owners: 'U0BO' },
      { name: 'Renault', stage: 'exploring', country: 'FR', owners: USER },
    ]);
    expect(h.sql("SELECT email FROM members WHERE id = 'U0BO'")).toEqual([{ email: 'bo@example.com' }]);
  });

  it('keeps the e-mail address a member’s profile reports, so the command line can match owners by it', async () => {
    h.fake.setUser(USER, { tz: 'Europe/Paris', name: 'Asha Rao', email: 'Asha@Example.com' });

    await h.command('list');

    expect(h.sql('SELECT email FROM members WHERE id = ?', USER)).toEqual([{ email: 'asha@example.com' }]);
  });

  it('reports an owner Slack does not know by line, and says how to import without a file', async () => {
    const refused = await share('import apply', CSV.replace('bo@example.com', 'zed@example.com'));
    const help = await share('import', null);

    expect(refused).toContain('1 row with mistakes: nothing was imported.');
    expect(refused).toContain('line 2 (Nissan): no member has the e-mail zed@example.com');
    expect(help).toContain('share a CSV file here in our DM with the message `import`');
    expect(h.sql('SELECT * FROM partners')).toEqual([]);
  });
});
