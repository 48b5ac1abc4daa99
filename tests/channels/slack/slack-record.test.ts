/**
 * Fixing the record in Slack, through signed `/partner` requests into Bolt and the loopback fake Web
 * API: status numbers what was logged, a deletion is confirmed with the ephemeral reply's button, and
 * undo takes changes back one by one.
 */
import { actionIds, blockText, startSlackHarness } from './slack-harness';
import type { SlackHarness } from './slack-harness';

describe('fixing the record with /partner', () => {
  let h: SlackHarness;

  beforeEach(async () => {
    h = await startSlackHarness();
  });
  afterEach(() => h.stop());

  const interactions = () => h.sql('SELECT kind, occurred_on, note FROM interactions ORDER BY id');

  it('logs, numbers, deletes with the confirmation button, corrects, and undoes', async () => {
    await h.command('add Nissan');
    await h.command('log Nissan call yesterday Pricing questions');
    await h.command('log Nissan visit today Toured the plant');

    const status = blockText((await h.command('status Nissan')).body.blocks);
    expect(status).toContain('1. Mon 2 Mar 2026 (today): Visit to their premises — Toured the plant');
    expect(status).toContain('2. Sun 1 Mar 2026 (yesterday): Call — Pricing questions');

    const ask = await h.command('delete Nissan 2');
    expect(ask.body.response_type).toBe('ephemeral');
    expect(blockText(ask.body.blocks)).toContain('Delete number 2 with *Nissan*?');
    const [deleteId, keepId] = actionIds(ask.body.blocks);
    expect([deleteId, keepId]).toEqual([
      expect.stringMatching(/^i:\d+:delete$/),
      expect.stringMatching(/^i:\d+:keep$/),
    ]);
    const buttons = (ask.body.blocks as { type: string; elements?: Record<string, unknown>[] }[])
      .filter((block) => block.type === 'actions')
      .flatMap((block) => block.elements ?? []);
    expect(buttons.map((b) => [b.action_id, b.style ?? null])).toEqual([
      [deleteId, 'danger'],
      [keepId, null],
    ]);
    expect(interactions()).toHaveLength(2);

    const click = await h.click({ actionId: deleteId!, isEphemeral: true });
    const replaced = await h.fake.waitForResponse(click.responseId, (p) => p.body.replace_original === true);
    expect(String(replaced.body.text)).toContain("Deleted from *Nissan*'s record");
    expect(actionIds(replaced.body.blocks)).toEqual([]);
    expect(interactions()).toEqual([{ kind: 'visit', occurred_on: '2026-03-02', note: 'Toured the plant' }]);
    expect(blockText((await h.command('status Nissan')).body.blocks)).not.toContain('Pricing questions');

    expect(String((await h.command('edit Nissan 1 date yesterday')).body.text)).toContain(
      'Corrected for *Nissan*',
    );
    expect(blockText((await h.command('status Nissan')).body.blocks)).toContain(
      '1. Sun 1 Mar 2026 (yesterday): Visit to their premises — Toured the plant',
    );

    expect(String((await h.command('undo')).body.text)).toContain('Undone: your correction for *Nissan*');
    expect(String((await h.command('undo')).body.text)).toContain(
      'Undone: your deletion: Call on Sun 1 Mar 2026',
    );
    expect(interactions()).toEqual([
      { kind: 'call', occurred_on: '2026-03-01', note: 'Pricing questions' },
      { kind: 'visit', occurred_on: '2026-03-02', note: 'Toured the plant' },
    ]);
  });

  it('renames a partner with /partner rename and takes the rename back with /partner undo', async () => {
    await h.command('add Nissan');
    const renamed = await h.command('rename Nissan "Nissan Motor"');
    expect(String(renamed.body.text)).toContain('Renamed *Nissan* to *Nissan Motor*');
    expect(h.sql('SELECT name FROM partners')).toEqual([{ name: 'Nissan Motor' }]);

    expect(String((await h.command('undo')).body.text)).toContain(
      'Undone: your rename: *Nissan Motor* is called *Nissan* again.',
    );
    expect(h.sql('SELECT name FROM partners')).toEqual([{ name: 'Nissan' }]);
  });
});
