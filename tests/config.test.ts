import { ConfigError, loadConfig } from '../src/config';

describe('loadConfig', () => {
  it('defaults to the terminal channel on ./data/rapport.db with no credentials', () => {
    const config = loadConfig({}, '/srv/rapport');
    expect(config).toMatchObject({
      port: 3000,
      databasePath: '/srv/rapport/data/rapport.db',
      tickSchedule: '* * * * *',
      slack: null,
      teams: null,
    });
  });

  it('turns Slack on when its credentials are set, normalising the API URL', () => {
    const config = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 's',
      SLACK_API_URL: 'http://127.0.0.1:9/api',
    });
    expect(config.slack).toEqual({
      botToken: 'xoxb-1',
      oauth: null,
      signingSecret: 's',
      appToken: null,
      apiUrl: 'http://127.0.0.1:9/api/',
      timeoutMs: 15_000,
      allowGuests: false,
    });
  });

  it('refuses guests on Slack and Teams unless ALLOW_GUESTS is set', () => {
    const both = {
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 's',
      TEAMS_ALLOW_UNAUTHENTICATED: 'true',
    };
    const refused = loadConfig(both);
    expect([refused.slack?.allowGuests, refused.teams?.allowGuests]).toEqual([false, false]);
    const allowed = loadConfig({ ...both, ALLOW_GUESTS: 'true' });
    expect([allowed.slack?.allowGuests, allowed.teams?.allowGuests]).toEqual([true, true]);
  });

  it('gives every outbound platform call a deadline, 15 s unless PLATFORM_TIMEOUT_MS says otherwise', () => {
    const both = {
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 's',
      TEAMS_ALLOW_UNAUTHENTICATED: 'true',
    };
    expect(loadConfig(both).teams?.timeoutMs).toBe(15_000);
    const short = loadConfig({ ...both, PLATFORM_TIMEOUT_MS: '2500' });
    expect([short.slack?.timeoutMs, short.teams?.timeoutMs]).toEqual([2500, 2500]);
  });

  it('never turns Teams authentication off silently', () => {
    expect(loadConfig({}).teams).toBeNull();
    expect(loadConfig({ TEAMS_ALLOW_UNAUTHENTICATED: 'true' }).teams).toMatchObject({
      appId: '',
      unauthenticated: true,
    });
    expect(loadConfig({ MICROSOFT_APP_ID: 'id', MICROSOFT_APP_PASSWORD: 'pw' }).teams).toMatchObject({
      appId: 'id',
      unauthenticated: false,
    });
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ TICK_SCHEDULE: 'every minute' }, 'TICK_SCHEDULE'],
    [{ DEFAULT_TIME_ZONE: 'Mars/Olympus' }, 'DEFAULT_TIME_ZONE'],
    [{ SLACK_BOT_TOKEN: 'xoxb-1' }, 'SLACK_SIGNING_SECRET'],
    [{ SLACK_APP_TOKEN: 'xapp-1' }, 'SLACK_BOT_TOKEN'],
    [
      { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', SLACK_APP_TOKEN: 'xoxb-wrong' },
      'SLACK_APP_TOKEN',
    ],
    [{ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', SLACK_API_URL: 'ftp://x' }, 'SLACK_API_URL'],
    [
      {
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_SIGNING_SECRET: 's',
        SLACK_API_URL: 'http://slack.example.com/api/',
      },
      'SLACK_API_URL',
    ],
    [{ MICROSOFT_APP_ID: 'id' }, 'MICROSOFT_APP_PASSWORD'],
    [
      { MICROSOFT_APP_ID: 'id', MICROSOFT_APP_PASSWORD: 'pw', MICROSOFT_APP_TYPE: 'SingleTenant' },
      'MICROSOFT_APP_TENANT_ID',
    ],
    [{ MICROSOFT_APP_TYPE: 'Anything' }, 'MICROSOFT_APP_TYPE'],
    [
      { MICROSOFT_APP_ID: 'id', MICROSOFT_APP_PASSWORD: 'pw', TEAMS_ALLOW_UNAUTHENTICATED: 'true' },
      'TEAMS_ALLOW_UNAUTHENTICATED',
    ],
    [{ TEAMS_ALLOW_UNAUTHENTICATED: 'perhaps' }, 'TEAMS_ALLOW_UNAUTHENTICATED'],
    // A deadline longer than a third of the 120 s delivery lease could outlive the lease.
    [{ PLATFORM_TIMEOUT_MS: '60000' }, 'PLATFORM_TIMEOUT_MS'],
    [{ PLATFORM_TIMEOUT_MS: '0' }, 'PLATFORM_TIMEOUT_MS'],
    [{ ALLOW_GUESTS: 'sometimes' }, 'ALLOW_GUESTS'],
  ])('stops on %o naming %s', (env, variable) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message).toContain(variable);
  });

  it('never repeats a secret in its messages', () => {
    expect(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxb-secret-value' })).toThrow(/^(?!.*xoxb-secret-value)/);
  });
});
