/**
 * The terminal's member is the admin of the terminal's workspace: `playbook set`, `audit`, `export mine`
 * (a JSON file written like the workspace export) and `forget me` typed in the terminal.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runShell, tempDir } from '../support/shell';

const NOW = new Date('2026-11-27T10:00:00Z');

describe('the playbook and your data in the terminal', () => {
  it('lets the terminal member change the playbook, export their data to a file and be forgotten', async () => {
    const dir = tempDir();
    const options = { dbPath: join(dir, 'rapport.db'), now: NOW, exportDir: join(dir, 'exports') };
    const out = await runShell(options, [
      'add Nissan',
      'prefs hours 08:00-16:00',
      'playbook set keep-in-touch every 45d',
      'audit',
      'export mine',
      'forget me',
      'yes',
      'list',
    ]);
    expect(out).toContain('now comes every 45 days (was 30)');
    expect(out).toMatch(/playbook\.set keep-in-touch: every 30d → every 45d/);
    const [file] = readdirSync(join(dir, 'exports'));
    expect(file).toBe('rapport-mine-2026-11-27.json');
    const data = JSON.parse(readFileSync(join(dir, 'exports', file!), 'utf8')) as {
      member: { id: string };
      partnersOwned: Array<{ name: string }>;
    };
    expect(data.member.id).toBe('local');
    expect(data.partnersOwned.map((p) => p.name)).toEqual(['Nissan']);
    expect(out).toContain('Forget me?');
    expect(out).toContain('forgotten-1');
    // Typing on after being forgotten starts afresh.
    expect(out.slice(out.indexOf('forgotten-1'))).toContain('Your partners');

    const db = new Database(options.dbPath, { readonly: true });
    try {
      // Back as a new member: the preferences set before were forgotten.
      expect(db.prepare(`SELECT work_start FROM members WHERE id = 'local'`).all()).toEqual([
        { work_start: 540 },
      ]);
      expect(db.prepare('SELECT name, created_by FROM partners').all()).toEqual([
        { name: 'Nissan', created_by: 'forgotten-1' },
      ]);
    } finally {
      db.close();
    }
  });
});
