/**
 * `rapport doctor` through the built CLI: a checklist of what is fine and what to fix, exit 0 when all is
 * good and 1 otherwise. Slack's `auth.test` is answered by a loopback fake (`SLACK_API_URL`); the Teams
 * token request, a call to Microsoft, is exercised against a stand-in `fetch`.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { checkTeamsToken } from '../../src/channels/teams/token-check';
import { loadConfig } from '../../src/config';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store';
import { TokenKey } from '../../src/token-crypto';
import { runCli } from '../support/cli';
import {
  dropSchema,
  freshSchemaName,
  openTestPostgresStore,
  STORE_KINDS,
  TEST_DATABASE_URL,
} from '../support/postgres';
import { FakeSlackApi } from '../support/fake-slack-api';
import { tempDir } from '../support/temp-dir';

const APP_ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const APP_PASSWORD = 'a-client-secret-value-123456';

describe('rapport doctor', () => {
  let dir: ReturnType<typeof tempDir>;
  let fake: FakeSlackApi;
  beforeAll(async () => {
    fake = new FakeSlackApi();
    await fake.start();
  });
  afterAll(() => fake.stop());
  beforeEach(() => {
    dir = tempDir();
    fake.reset();
  });
  afterEach(() => dir.cleanup());

  const slackEnv = (): Record<string, string> => ({
    DATABASE_PATH: dir.file('rapport.db'),
    SLACK_BOT_TOKEN: 'xoxb-doctor-token',
    SLACK_SIGNING_SECRET: 'doctor-signing-secret',
    SLACK_API_URL: fake.url,
  });

  it('says all is good for a working configuration (exit 0)', async () => {
    const env = { ...slackEnv(), MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: APP_PASSWORD };
    expect((await runCli(['migrate'], '', { DATABASE_PATH: dir.file('rapport.db') })).code).toBe(0);

    const result = await runCli(['doctor'], '', env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/Configuration\n {2}\[ok\] {3}loads: Slack \(HTTP\) and Teams/);
    expect(out).toMatch(/\[ok\] {3}schema version \d+ is current/);
    expect(out).toContain('[ok]   takes writes');
    expect(out).toContain('[ok]   quick_check: ok');
    expect(out).toMatch(/\[ok\] {3}SLACK_BOT_TOKEN accepted by Slack: bot \S+ in Rapport Test/);
    expect(out).toContain('[ok]   MICROSOFT_APP_ID is a GUID');
    // Asking Microsoft is a network call: only with --online.
    expect(out).toContain('[skip] whether Microsoft accepts the Teams app id and password');
    expect(out).toContain('[ok]   manifests/slack/manifest.yaml validates');
    expect(out).toContain('[ok]   manifests/slack/manifest.socket-mode.yaml validates');
    expect(out).toContain('[ok]   manifests/teams/manifest.template.json validates');
    expect(out).toMatch(/All good\.\n$/);
    expect(out).not.toContain('[FIX]');
    // The token went to Slack, and nowhere in the output.
    expect(fake.calls('auth.test')).toHaveLength(1);
    expect(out + result.stderr).not.toContain('xoxb-doctor-token');
    expect(out).not.toContain(APP_PASSWORD);
  });

  it.each(STORE_KINDS)(
    "with OAuth install, asks Slack about each installed workspace's own token, never printing one (%s)",
    async (kind) => {
      const key = randomBytes(32).toString('base64');
      const path = dir.file('rapport.db');
      const schema = freshSchemaName();
      // The database the service would use: the SQLite file, or a PostgreSQL schema of its own.
      const database: Record<string, string> =
        kind === 'postgres'
          ? { DATABASE_URL: TEST_DATABASE_URL!, DATABASE_SCHEMA: schema }
          : { DATABASE_PATH: path };
      const store = kind === 'postgres' ? await openTestPostgresStore(schema) : openSqliteStore({ path });
      try {
        const sealed = new TokenKey(key);
        for (const team of ['T1', 'T2'])
          await store.installations.save({
            id: `slack:${team}`,
            platform: 'slack',
            workspaceExternalId: team,
            enterpriseId: null,
            teamId: team,
            isEnterpriseInstall: false,
            record: { team: { id: team }, bot: { userId: 'UB1' } },
            sealedSecrets: sealed.seal(JSON.stringify({ botToken: `xoxb-installed-${team}` })),
            installedAt: new Date('2026-11-01T00:00:00Z'),
            updatedAt: new Date('2026-11-01T00:00:00Z'),
          });
        await store.close();
        fake.setResponder('auth.test', (call, reply) =>
          call.token === 'xoxb-installed-T2' ? { error: 'token_revoked' } : reply(),
        );

        const result = await runCli(['doctor'], '', {
          ...database,
          SLACK_SIGNING_SECRET: 'doctor-signing-secret',
          SLACK_CLIENT_ID: '1234.5678',
          SLACK_CLIENT_SECRET: 'client-secret-value',
          SLACK_STATE_SECRET: 'state-secret-value',
          TOKEN_ENCRYPTION_KEY: key,
          SLACK_API_URL: fake.url,
        });
        expect(result.code).toBe(1);
        expect(result.stdout).toMatch(/\[ok\] {3}the bot token of slack:T1 accepted by Slack/);
        expect(result.stdout).toMatch(/\[FIX\] {2}Slack refused the bot token of slack:T2 \(token_revoked\)/);
        expect(
          fake
            .calls('auth.test')
            .map((call) => call.token)
            .sort(),
        ).toEqual(['xoxb-installed-T1', 'xoxb-installed-T2']);
        expect(result.stdout + result.stderr).not.toContain('xoxb-installed');
        expect(result.stdout + result.stderr).not.toContain(key);
      } finally {
        if (kind === 'postgres') await dropSchema(schema);
      }
    },
  );

  it('lists every configuration problem and what to fix (exit 1)', async () => {
    writeFileSync(dir.file('rapport.db'), 'this is not a database, just some text '.repeat(200));
    const result = await runCli(['doctor'], '', {
      DATABASE_PATH: dir.file('rapport.db'),
      PORT: 'eighty',
      LOG_FORMAT: 'fancy',
      SLACK_BOT_TOKEN: 'xoxb-doctor-token',
      MICROSOFT_APP_ID: APP_ID,
      MICROSOFT_APP_PASSWORD: APP_PASSWORD,
      MICROSOFT_APP_TYPE: 'SingleTenant',
    });
    expect(result.code).toBe(1);
    const out = result.stdout;
    expect(out).toContain('[FIX]  PORT: not a port number: "eighty"');
    expect(out).toContain('[FIX]  LOG_FORMAT: expected json or pretty, got "fancy"');
    expect(out).toContain('[FIX]  SLACK_SIGNING_SECRET: Slack is partly configured');
    expect(out).toContain('[FIX]  MICROSOFT_APP_TENANT_ID: required when MICROSOFT_APP_TYPE is SingleTenant');
    expect(out).toMatch(/\[FIX\] {2}\S+rapport\.db does not open as SQLite: file is not a database/);
    expect(out).toMatch(/5 things to fix \(marked \[FIX\]\)\.\n$/);
    expect(out).not.toContain('xoxb-doctor-token');
  });

  it('says when Slack refuses the token and the database is missing or behind (exit 1)', async () => {
    fake.failNext('auth.test', { error: 'invalid_auth' });
    fake.failNext('apps.connections.open', { error: 'invalid_auth' });
    const missing = await runCli(['doctor'], '', { ...slackEnv(), SLACK_APP_TOKEN: 'xapp-doctor-app-token' });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain(
      '[FIX]  Slack refused SLACK_BOT_TOKEN (invalid_auth): copy the Bot User OAuth Token again, or reinstall the app',
    );
    expect(missing.stdout).toMatch(/\[FIX\] {2}there is no database at \S+: run `rapport migrate`/);
    expect(missing.stdout).toContain(
      '[FIX]  Slack refused SLACK_APP_TOKEN (invalid_auth): generate an app-level token with the connections:write scope',
    );
    expect(missing.stdout).not.toContain('xapp-doctor-app-token');

    expect((await runCli(['migrate'], '', { DATABASE_PATH: dir.file('rapport.db') })).code).toBe(0);
    const db = new Database(dir.file('rapport.db'));
    db.pragma('user_version = 1');
    db.close();
    const behind = await runCli(['doctor'], '', slackEnv());
    expect(behind.code).toBe(1);
    expect(behind.stdout).toMatch(
      /\[FIX\] {2}schema version 1, this program writes \d+: run `rapport migrate`/,
    );
    expect(behind.stdout).toContain('[ok]   SLACK_BOT_TOKEN accepted by Slack');
  });
});

describe('the Teams token check (--online)', () => {
  const teams = loadConfig({ MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: APP_PASSWORD }).teams!;

  function stand_in(status: number, body: unknown) {
    const requests: { url: string; body: string }[] = [];
    const fetchFn = (async (url: string | URL | Request, init?: RequestInit) => {
      requests.push({ url: String(url), body: String(init?.body) });
      return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    }) as typeof fetch;
    return { fetchFn, requests };
  }

  it('asks Microsoft Entra for a Bot Connector token with the app id and password', async () => {
    const { fetchFn, requests } = stand_in(200, { access_token: 'eyJ-token', expires_in: 3599 });
    const result = await checkTeamsToken(teams, { fetchFn });
    expect(result).toEqual({ ok: true, detail: expect.stringContaining('issued a Bot Connector token') });
    expect(requests[0]!.url).toBe('https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token');
    const form = new URLSearchParams(requests[0]!.body);
    expect(Object.fromEntries(form)).toEqual({
      grant_type: 'client_credentials',
      client_id: APP_ID,
      client_secret: APP_PASSWORD,
      scope: 'https://api.botframework.com/.default',
    });
  });

  it('says what to fix when Microsoft refuses, without the password', async () => {
    const { fetchFn } = stand_in(401, { error: 'invalid_client', error_description: 'AADSTS7000215' });
    const result = await checkTeamsToken(teams, { fetchFn });
    expect(result.ok).toBe(false);
    expect(result.detail).toContain(
      'Microsoft refused MICROSOFT_APP_ID/MICROSOFT_APP_PASSWORD (invalid_client)',
    );
    expect(result.detail).not.toContain(APP_PASSWORD);
  });
});
