import { blockText, DAY_MS, MONDAY, startSlackHarness, TEAM, USER } from './slack-harness';
import type { SlackHarness } from './slack-harness';

describe('Slack /partner command', () => {
  let h: SlackHarness;

  beforeEach(async () => {
    h = await startSlackHarness();
  });
  afterEach(() => h.stop());

  it('answers a signed /partner add with 200 and an ephemeral confirmation, and stores the partner', async () => {
    const { result } = await h.commandRaw('add Nissan signed');
    expect(result.status).toBe(200);

    // The reply is the acknowledgement itself.
    const reply = result.json as Record<string, unknown>;
    expect(reply).toMatchObject({ response_type: 'ephemeral' });
    expect(reply.text).toContain('Added *Nissan* (signed)');
    expect(Array.isArray(reply.blocks)).toBe(true);
    expect(h.sql('SELECT name, stage, workspace_id, created_by FROM partners')).toEqual([
      { name: 'Nissan', stage: 'signed', workspace_id: `slack:${TEAM}`, created_by: USER },
    ]);
  });

  it('reads the HTML entities Slack puts in command text as the characters typed', async () => {
    const reply = await h.command('add AT&amp;T &lt;Telecom&gt;');

    expect(h.sql('SELECT name FROM partners')).toEqual([{ name: 'AT&T <Telecom>' }]);
    expect(JSON.stringify(reply.body.blocks)).toContain('AT&amp;T &lt;Telecom&gt;');
  });

  it('logs an interaction with /partner log and stores it', async () => {
    await h.command('add Nissan');
    const reply = await h.command('log Nissan visit yesterday Toured the Yokohama plant');

    expect(reply.body.text).toContain('Logged for *Nissan*: Visit to their premises');
    expect(h.sql('SELECT kind, occurred_on, note, member_id FROM interactions')).toEqual([
      { kind: 'visit', occurred_on: '2026-03-01', note: 'Toured the Yokohama plant', member_id: USER },
    ]);
  });

  it('shows where a relationship stands with /partner status', async () => {
    await h.command('add "Renault Group" negotiating');
    await h.command('log "Renault Group" workshop today Joint design session');
    const reply = await h.command('status "Renault Group"');

    expect(reply.body.response_type).toBe('ephemeral');
    const text = blockText(reply.body.blocks);
    expect(text).toContain('Renault Group');
    expect(text).toContain('Recent interactions');
    expect(text).toContain('Joint design session');
  });

  it('lists the member’s partners with /partner list', async () => {
    await h.command('add Nissan');
    await h.command('add Toyota negotiating');
    const reply = await h.command('list');

    const text = blockText(reply.body.blocks);
    expect(text).toContain('Your partners (2)');
    expect(text).toContain('*Nissan* — exploring');
    expect(text).toContain('*Toyota* — negotiating');
  });

  it('shows the commands with /partner help', async () => {
    const reply = await h.command('help');

    const text = blockText(reply.body.blocks);
    expect(reply.body.response_type).toBe('ephemeral');
    for (const usage of ['add NAME', 'log NAME KIND', 'status NAME', 'list']) expect(text).toContain(usage);
  });

  it('answers an unknown subcommand with a suggestion and the usage, and changes nothing', async () => {
    const reply = await h.command('lsit');

    expect(reply.body.text).toContain('I don');
    expect(reply.body.text).toContain('`list`');
    expect(h.sql('SELECT * FROM partners')).toEqual([]);
  });

  it('answers text over Slack’s limits with a friendly ephemeral message', async () => {
    const reply = await h.command(`add ${'N'.repeat(5000)}`);

    expect(reply.body.response_type).toBe('ephemeral');
    expect(reply.body.text).toContain('too long');
    expect(h.sql('SELECT * FROM partners')).toEqual([]);
  });

  it('reads the member’s time zone from users.info on first sight and refreshes it at most daily', async () => {
    h.fake.setUser(USER, { tz: 'Asia/Tokyo', name: 'Asha Rao' });
    await h.command('help');
    expect(h.fake.calls('users.info')).toHaveLength(1);
    expect(h.sql('SELECT time_zone, display_name FROM members')).toEqual([
      { time_zone: 'Asia/Tokyo', display_name: 'Asha Rao' },
    ]);

    await h.command('help');
    h.setNow(new Date(MONDAY.getTime() + DAY_MS - 60_000));
    await h.command('help');
    expect(h.fake.calls('users.info')).toHaveLength(1);

    h.fake.setUser(USER, { tz: 'Europe/Paris' });
    h.setNow(new Date(MONDAY.getTime() + DAY_MS + 60_000));
    await h.command('help');
    expect(h.fake.calls('users.info')).toHaveLength(2);
    expect(h.sql('SELECT time_zone FROM members')).toEqual([{ time_zone: 'Europe/Paris' }]);
  });

  it('refuses, storing nothing, when membership cannot be confirmed because users.info fails', async () => {
    h.fake.failNext('users.info', { error: 'missing_scope' });
    const reply = await h.command('help');
    await h.command('help');

    expect(reply.body.response_type).toBe('ephemeral');
    expect(String(reply.body.text)).toContain('could not confirm that you are one');
    // Not asked again on every request while Slack keeps failing.
    expect(h.fake.calls('users.info')).toHaveLength(1);
    expect(h.sql('SELECT id FROM members')).toEqual([]);
  });

  it('stores the member’s Slack address for nudges', async () => {
    await h.command('help');

    const [row] = h.sql<{ address: string }>('SELECT address FROM members');
    expect(JSON.parse(row!.address)).toEqual({ channel: 'slack', payload: { userId: USER, teamId: TEAM } });
  });

  it('scopes a workspace-level install inside an Enterprise Grid org to its team', async () => {
    await h.command('add Nissan', { enterpriseId: 'E0GRID', isEnterpriseInstall: false });

    expect(h.sql('SELECT external_id FROM workspaces')).toEqual([{ external_id: TEAM }]);
  });

  it('runs the grammar under another command name, e.g. a development copy of the app', async () => {
    const reply = await h.command('add Nissan', { command: '/partner-dev' });

    expect(reply.body.text).toContain('Added *Nissan*');
  });
});
