import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import JSZip from 'jszip';
import { PNG } from 'pngjs';
import { DEFAULT_BOT_DOMAIN, buildTeamsPackage, main } from '../../scripts/package-teams';
import { teamsManifestValidator, validationErrors } from './schemas';

const TEAMS_DIR = path.resolve(__dirname, '../../manifests/teams');
const APP_ID = 'C0FFEE00-1234-4abc-8def-0123456789ab';

describe('buildTeamsPackage', () => {
  it('zips manifest.json, color.png and outline.png at the root, with the filled id', async () => {
    const zip = await JSZip.loadAsync(
      await buildTeamsPackage({ appId: APP_ID, botDomain: 'bot.example.org', manifestDir: TEAMS_DIR }),
    );
    const entries = Object.values(zip.files);
    expect(entries.map((entry) => entry.name).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    expect(entries.every((entry) => !entry.dir)).toBe(true);

    const manifest = JSON.parse(await zip.file('manifest.json')!.async('string')) as {
      id: string;
      bots: { botId: string }[];
      validDomains: string[];
    };
    expect(manifest.id).toBe(APP_ID);
    expect(manifest.bots[0]?.botId).toBe(APP_ID);
    expect(manifest.validDomains).toEqual(['bot.example.org']);
    expect(validationErrors(teamsManifestValidator(), manifest)).toEqual([]);

    for (const [file, size] of [
      ['color.png', 192],
      ['outline.png', 32],
    ] as const) {
      const data = await zip.file(file)!.async('nodebuffer');
      expect(data.equals(readFileSync(path.join(TEAMS_DIR, file)))).toBe(true);
      const png = PNG.sync.read(data);
      expect([png.width, png.height]).toEqual([size, size]);
    }
  });

  it('defaults the bot domain and the manifest directory, and is reproducible', async () => {
    const first = await buildTeamsPackage({ appId: APP_ID });
    const zip = await JSZip.loadAsync(first);
    const manifest = JSON.parse(await zip.file('manifest.json')!.async('string')) as {
      validDomains: string[];
    };
    expect(manifest.validDomains).toEqual([DEFAULT_BOT_DOMAIN]);
    expect((await buildTeamsPackage({ appId: APP_ID })).equals(first)).toBe(true);
  });

  it('rejects a non-GUID app id', async () => {
    await expect(buildTeamsPackage({ appId: 'my-bot', manifestDir: TEAMS_DIR })).rejects.toThrow(
      /must be a GUID/,
    );
  });

  it('rejects an icon of the wrong size', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rapport-teams-'));
    try {
      copyFileSync(path.join(TEAMS_DIR, 'manifest.template.json'), path.join(dir, 'manifest.template.json'));
      copyFileSync(path.join(TEAMS_DIR, 'color.png'), path.join(dir, 'color.png'));
      writeFileSync(path.join(dir, 'outline.png'), PNG.sync.write(new PNG({ width: 64, height: 64 })));
      await expect(buildTeamsPackage({ appId: APP_ID, manifestDir: dir })).rejects.toThrow(
        /outline\.png must be 32×32 pixels, but is 64×64/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('package-teams main', () => {
  it.each([[{}], [{ MICROSOFT_APP_ID: '' }], [{ MICROSOFT_APP_ID: '   ' }]])(
    'names MICROSOFT_APP_ID when it is missing (%j)',
    async (env) => {
      await expect(main(env)).rejects.toThrow(/MICROSOFT_APP_ID is not set/);
    },
  );

  it('names MICROSOFT_APP_ID when it is not a GUID', async () => {
    await expect(main({ MICROSOFT_APP_ID: 'my-bot' })).rejects.toThrow(/MICROSOFT_APP_ID must be a GUID/);
  });

  it('names BOT_DOMAIN when it is not a host name', async () => {
    await expect(main({ MICROSOFT_APP_ID: APP_ID, BOT_DOMAIN: 'https://x.example.com/' })).rejects.toThrow(
      /BOT_DOMAIN must be a host name/,
    );
  });
});
