import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ValidateFunction } from 'ajv';
import { DEFAULT_BOT_DOMAIN, fillTeamsManifest } from '../../scripts/package-teams';
import { teamsManifestValidator, validationErrors } from './schemas';

const TEMPLATE = readFileSync(
  path.resolve(__dirname, '../../manifests/teams/manifest.template.json'),
  'utf8',
);
const APP_ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const COMMANDS = ['help', 'add', 'log', 'status', 'list', 'signed', 'observe', 'snooze', 'prefs'];

interface Bot {
  botId: string;
  scopes: string[];
  supportsFiles: boolean;
  isNotificationOnly: boolean;
  commandLists: { scopes: string[]; commands: { title: string; description: string }[] }[];
}

let validate: ValidateFunction;
beforeAll(() => {
  validate = teamsManifestValidator();
});

describe('Teams manifest template', () => {
  const filled = fillTeamsManifest(TEMPLATE, { appId: APP_ID, botDomain: DEFAULT_BOT_DOMAIN });

  it('validates against the Teams v1.22 schema once filled', () => {
    expect(validationErrors(validate, filled)).toEqual([]);
  });

  it('fills the app id and the bot domain everywhere and leaves no placeholder', () => {
    const bots = filled.bots as Bot[];
    expect(filled.id).toBe(APP_ID);
    expect(bots[0]?.botId).toBe(APP_ID);
    expect(filled.validDomains).toEqual([DEFAULT_BOT_DOMAIN]);
    expect(JSON.stringify(filled)).not.toMatch(/\{\{|\}\}/);

    const other = fillTeamsManifest(TEMPLATE, { appId: APP_ID, botDomain: 'abc123.ngrok.app' });
    expect(other.validDomains).toEqual(['abc123.ngrok.app']);
  });

  it('uses manifest version 1.22 and names the app Rapport', () => {
    expect(filled.$schema).toBe(
      'https://developer.microsoft.com/en-us/json-schemas/teams/v1.22/MicrosoftTeams.schema.json',
    );
    expect(filled.manifestVersion).toBe('1.22');
    expect(filled.version).toBe('0.1.0');
    const name = { short: 'Rapport', full: 'Rapport — relationship nudges for partnerships' };
    expect(filled.name).toEqual(name);
    expect(filled.icons).toEqual({ color: 'color.png', outline: 'outline.png' });
    expect(filled.permissions).toEqual(['identity', 'messageTeamMembers']);
  });

  it('declares one conversational bot with the main commands in personal and team scope', () => {
    const bots = filled.bots as Bot[];
    expect(bots).toHaveLength(1);
    const [bot] = bots;
    expect(bot).toMatchObject({
      scopes: ['personal', 'team'],
      // Exports are handed over as files in personal chat (FileConsentCard).
      supportsFiles: true,
      isNotificationOnly: false,
    });
    expect(bot?.commandLists.map((list) => list.scopes)).toEqual([['personal'], ['team']]);
    for (const list of bot?.commandLists ?? []) {
      expect(list.commands.map((command) => command.title)).toEqual(COMMANDS);
      for (const command of list.commands) expect(command.description.length).toBeGreaterThan(0);
    }
  });

  it('declares the "Log to partner" message action, answered by the bot with a task module', () => {
    expect(filled.composeExtensions).toEqual([
      {
        botId: APP_ID,
        commands: [
          {
            id: 'logToPartner',
            type: 'action',
            title: 'Log to partner',
            description: expect.stringContaining('Log this message') as unknown,
            context: ['message'],
            fetchTask: true,
          },
        ],
      },
    ]);
    const broken = structuredClone(filled) as { composeExtensions: { commands: object[] }[] };
    broken.composeExtensions[0]!.commands[0] = { id: 'logToPartner', type: 'action', context: ['somewhere'] };
    expect(validationErrors(validate, broken).join('\n')).toMatch(/composeExtensions/);
  });

  it.each([
    ['not-a-guid'],
    [''],
    ['3f2504e0-4f89-41d3-9a0c-0305e82c330'],
    ['{3f2504e0-4f89-41d3-9a0c-0305e82c3301}'],
    ['{{MICROSOFT_APP_ID}}'],
  ])('rejects the app id %j', (appId) => {
    expect(() => fillTeamsManifest(TEMPLATE, { appId, botDomain: DEFAULT_BOT_DOMAIN })).toThrow(
      /must be a GUID/,
    );
  });

  it.each([['https://rapport.example.com'], ['rapport.example.com/api'], [''], ['a"b']])(
    'rejects the bot domain %j',
    (botDomain) => {
      expect(() => fillTeamsManifest(TEMPLATE, { appId: APP_ID, botDomain })).toThrow(/host name/);
    },
  );

  it('rejects a template with an unknown placeholder', () => {
    expect(() =>
      fillTeamsManifest('{"id": "{{MICROSOFT_APP_ID}}", "x": "{{TYPO}}"}', {
        appId: APP_ID,
        botDomain: DEFAULT_BOT_DOMAIN,
      }),
    ).toThrow(/\{\{TYPO\}\}/);
  });

  it('is rejected by the schema when a required field is wrong, so the check above can fail', () => {
    const broken = structuredClone(filled);
    broken.manifestVersion = '1.17';
    broken.accentColor = 'teal';
    delete broken.developer;
    const errors = validationErrors(validate, broken).join('\n');
    expect(errors).toMatch(/\/manifestVersion/);
    expect(errors).toMatch(/\/accentColor/);
    expect(errors).toMatch(/developer/);
  });

  it('is rejected by the schema while its placeholders are unfilled', () => {
    const raw = JSON.parse(TEMPLATE) as unknown;
    expect(validationErrors(validate, raw).join('\n')).toMatch(/\/id/);
  });
});
