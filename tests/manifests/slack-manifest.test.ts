import { readFileSync } from 'node:fs';
import { SLACK_BOT_SCOPES } from '../../src/config';
import path from 'node:path';
import type { ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { LOG_PARTNER_INTERACTION, LOG_TO_PARTNER } from '../../src/channels/slack/listeners/shortcuts';
import { slackManifestValidator, validationErrors } from './schemas';

const SLACK_DIR = path.resolve(__dirname, '../../manifests/slack');
const EVENTS_PATH = '/slack/events';

interface SlackManifest {
  _metadata: { major_version: number };
  display_information: { name: string };
  features: {
    app_home: Record<string, boolean>;
    bot_user: { display_name: string; always_online: boolean };
    slash_commands: { command: string; url?: string; usage_hint?: string; should_escape?: boolean }[];
    shortcuts: { name: string; type: string; callback_id: string; description: string }[];
  };
  oauth_config: { redirect_urls?: string[]; scopes: { bot: string[]; user?: string[] } };
  settings: {
    event_subscriptions: { request_url?: string; bot_events: string[]; user_events?: string[] };
    interactivity: { is_enabled: boolean; request_url?: string; message_menu_options_url?: string };
    socket_mode_enabled: boolean;
    token_rotation_enabled: boolean;
    org_deploy_enabled: boolean;
  };
}

function load(file: string): SlackManifest {
  return parse(readFileSync(path.join(SLACK_DIR, file), 'utf8')) as SlackManifest;
}

let validate: ValidateFunction;
beforeAll(() => {
  validate = slackManifestValidator();
});

describe.each(['manifest.yaml', 'manifest.socket-mode.yaml'])('Slack %s', (file) => {
  const manifest = load(file);

  it('validates against the Slack app manifest schema', () => {
    expect(validationErrors(validate, manifest)).toEqual([]);
  });

  it('declares the /partner command, the bot user and the App Home', () => {
    expect(manifest._metadata.major_version).toBe(1);
    expect(manifest.display_information.name).toBe('Rapport');
    expect(manifest.features.bot_user).toEqual({ display_name: 'Rapport', always_online: false });
    expect(manifest.features.app_home).toEqual({
      home_tab_enabled: true,
      messages_tab_enabled: true,
      messages_tab_read_only_enabled: false,
    });
    expect(manifest.features.slash_commands).toHaveLength(1);
    const [command] = manifest.features.slash_commands;
    expect(command).toMatchObject({
      command: '/partner',
      usage_hint: 'help | add NAME | log NAME KIND [DATE] [NOTE] | status NAME | list',
      // Mentions arrive as <@U…|name>, which `owners NAME add @member ROLE` reads as a member.
      should_escape: true,
    });
  });

  it('offers the message shortcut and the global shortcut the service listens for', () => {
    expect(manifest.features.shortcuts.map(({ type, callback_id }) => ({ type, callback_id }))).toEqual([
      { type: 'message', callback_id: LOG_TO_PARTNER },
      { type: 'global', callback_id: LOG_PARTNER_INTERACTION },
    ]);
  });

  it('asks only for the scopes and events the service uses', () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(
      [
        'channels:read',
        'chat:write',
        'commands',
        'files:read',
        'files:write',
        'groups:read',
        'im:history',
        'im:write',
        'team:read',
        'users:read',
        'users:read.email',
      ].sort(),
    );
    // An OAuth install asks for exactly what the manifest asks for.
    expect([...SLACK_BOT_SCOPES].sort()).toEqual([...manifest.oauth_config.scopes.bot].sort());
    expect(manifest.oauth_config.scopes.user).toBeUndefined();
    expect(manifest.settings.event_subscriptions.bot_events).toEqual([
      'app_home_opened',
      'message.im',
      'app_uninstalled',
      'tokens_revoked',
    ]);
    expect(manifest.settings.event_subscriptions.user_events).toBeUndefined();
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.token_rotation_enabled).toBe(false);
    expect(manifest.settings.org_deploy_enabled).toBe(false);
  });
});

describe('Slack HTTP manifest', () => {
  const manifest = load('manifest.yaml');

  it('sends commands, interactions, type-ahead options and events to the path the service serves', () => {
    expect(manifest.settings.socket_mode_enabled).toBe(false);
    const urls = [
      manifest.features.slash_commands[0]?.url,
      manifest.settings.interactivity.request_url,
      manifest.settings.interactivity.message_menu_options_url,
      manifest.settings.event_subscriptions.request_url,
    ];
    for (const url of urls) {
      expect(url).toBeDefined();
      const parsed = new URL(url ?? '');
      expect(parsed.protocol).toBe('https:');
      expect(parsed.pathname).toBe(EVENTS_PATH);
    }
    expect(urls).toEqual(Array(4).fill(`https://rapport.example.com${EVENTS_PATH}`));
  });
});

describe('Slack Socket Mode manifest', () => {
  it('is the HTTP manifest with Socket Mode on and no request URLs', () => {
    const http = load('manifest.yaml');
    const socket = load('manifest.socket-mode.yaml');
    expect(socket.settings.socket_mode_enabled).toBe(true);

    const expected = structuredClone(http);
    for (const command of expected.features.slash_commands) delete command.url;
    delete expected.settings.interactivity.request_url;
    delete expected.settings.interactivity.message_menu_options_url;
    delete expected.settings.event_subscriptions.request_url;
    // Installing through OAuth needs the HTTP endpoints: Socket Mode serves one workspace.
    delete expected.oauth_config.redirect_urls;
    expected.settings.socket_mode_enabled = true;
    expect(socket).toEqual(expected);
  });
});

describe('Slack manifest validation', () => {
  it('rejects a manifest the schema forbids, so the checks above can fail', () => {
    const broken = structuredClone(load('manifest.yaml')) as unknown as Record<string, unknown>;
    broken.features = { slash_commands: [{ command: 'partner', description: 'no leading slash' }] };
    delete broken.display_information;
    const errors = validationErrors(validate, broken);
    expect(errors.join('\n')).toMatch(/display_information/);
    expect(errors.join('\n')).toMatch(/\/features\/slash_commands\/0\/command/);
  });
});
