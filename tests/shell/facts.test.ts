/**
 * Answers are facts in the terminal: lines typed on stdin to the real service, one session per day of the
 * journey on the same database file. Choices are numbered; forms are replaced by the command they suggest.
 */
import { join } from 'node:path';
import { runShell, tempDir } from '../support/shell';
import type { ShellOptions } from '../support/shell';

function on(dbPath: string, iso: string): ShellOptions {
  return { dbPath, now: new Date(iso) };
}

describe('answers are facts in the terminal', () => {
  let dbPath: string;
  beforeEach(() => {
    dbPath = join(tempDir(), 'rapport.db');
  });

  it('plans a visit from its nudge with the suggested command, briefs the day before, and logs it on Yes', async () => {
    await runShell(on(dbPath, '2026-11-16T10:00:00Z'), ['add Nissan']);

    const planning = await runShell(on(dbPath, '2026-11-30T10:00:00Z'), [
      'log Nissan call today Intro call',
      'tick',
      '1',
      'plan Nissan visit 14 Dec Plant tour',
      'status Nissan',
    ]);
    expect(planning).toContain('🔔 Nissan — Plan a site visit');
    expect(planning).toContain(
      'Thanks — recorded Visit planned for Nissan (Plan a site visit). When is the visit to Nissan?',
    );
    expect(planning).toContain(
      'Type plan Nissan visit 14 Dec (any day: 2026-12-14, next friday…), or use the form.',
    );
    expect(planning).toContain(
      '(Forms open in Slack and Teams; here, type the command instead: plan NAME KIND DATE [NOTE…].)',
    );
    expect(planning).toContain('Planned: visit to Nissan on Mon 14 Dec 2026 (in 14 days).');
    expect(planning).toContain(
      'Planned\n  Mon 14 Dec 2026 (in 14 days): Visit to their premises — Plant tour',
    );

    // “Brief me” is an answer every nudge may offer: it has its letter, B, whatever the nudge.
    const briefing = await runShell(on(dbPath, '2026-12-11T10:00:00Z'), ['tick', 'B']);
    expect(briefing).toContain(
      '🔔 Nissan — Brief before a planned event\nYour visit to Nissan is on Mon 14 Dec 2026 (in 3 days).',
    );
    expect(briefing).toMatch(/\n {2}B\) Brief me\n/);
    expect(briefing).toContain('Brief: Nissan');
    expect(briefing).toContain('Mon 14 Dec 2026 (in 3 days): Visit to their premises — Plant tour');

    const after = await runShell(on(dbPath, '2026-12-15T10:00:00Z'), ['tick', '1', 'status Nissan']);
    expect(after).toContain(
      '🔔 Nissan — Did it happen?\nDid the visit to Nissan happen on Mon 14 Dec 2026 (yesterday)?',
    );
    expect(after).toMatch(/1\) Yes\n {2}2\) No — pick a new date\n {2}3\) No — drop it\n/);
    expect(after).toContain('Logged: visit to Nissan on Mon 14 Dec 2026.');
    const status = after.slice(after.lastIndexOf('Where the relationship with Nissan stands.'));
    expect(status).toMatch(/Last contact\s+Mon 14 Dec 2026 \(yesterday\)/);
    expect(status).toContain('Visit to their premises — Plant tour');
    expect(status).not.toContain('Planned\n');
  });

  it('records a call for “Reached out”, numbered after the other nudge it came with: last contact becomes today', async () => {
    await runShell(on(dbPath, '2026-11-16T10:00:00Z'), ['add Nissan']);
    // Wednesday 16 Dec: 30 days without contact, and the site visit (due since 30 Nov) comes in the same message.
    const out = await runShell(on(dbPath, '2026-12-16T10:00:00Z'), ['tick', '2', 'status Nissan']);
    expect(out).toContain('🔔 Nissan — two things to look at');
    expect(out).toMatch(/\nPlan a site visit\n.*\n {2}1\) Visit planned\n/);
    expect(out).toMatch(/\nKeep in touch\n.*\n {2}2\) Reached out\n/);
    expect(out).toContain('Thanks — recorded Reached out for Nissan (Keep in touch). Logged a call today.');
    const status = out.slice(out.lastIndexOf('Where the relationship with Nissan stands.'));
    expect(status).toMatch(/Last contact\s+Wed 16 Dec 2026 \(today\)/);
    expect(status).toContain('Call — Keep in touch: Reached out');
  });
});
