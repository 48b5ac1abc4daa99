/**
 * Reads and validates the environment once, at start. Nothing below this module reads `process.env`.
 * A bad or missing value stops the process with a message naming the variable.
 */
import { resolve } from 'node:path';
import { RapportError } from './core/errors';
import { isValidTimeZone } from './core/time';
import { isValidCronExpression } from './scheduler/ticker';
import { keyProblem } from './token-crypto';

/** Installing on many workspaces through Slack's OAuth flow (`/slack/install`). */
export interface SlackOAuthConfig {
  clientId: string;
  clientSecret: string;
  /** Signs the OAuth `state` parameter. */
  stateSecret: string;
  /** Bot scopes asked for at install. */
  scopes: string[];
  /** Seals the installed workspaces' tokens in the database (`TOKEN_ENCRYPTION_KEY`). */
  tokenEncryptionKey: string;
}

export interface SlackConfig {
  /** The one workspace's bot token (single-token mode); null when workspaces install through OAuth. */
  botToken: string | null;
  /** OAuth install for many workspaces; null in single-token mode. */
  oauth: SlackOAuthConfig | null;
  signingSecret: string;
  /** Socket Mode when set (local development without a public URL). */
  appToken: string | null;
  /** Web API base URL override (GovSlack, tests), ending with a slash. */
  apiUrl: string | null;
  /** Deadline of every call to Slack (Web API, `response_url`, file uploads), in ms. */
  timeoutMs: number;
  /** Admit single- and multi-channel guests (`ALLOW_GUESTS`); refused by default. */
  allowGuests: boolean;
}

export interface TeamsConfig {
  appId: string;
  appPassword: string;
  appType: 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI';
  tenantId: string | null;
  /**
   * Bot Framework authentication switched off: only for local tests, never the silent default. The
   * server then listens on loopback only and calls back loopback service URLs only.
   */
  unauthenticated: boolean;
  /** Deadline of every call to the Bot Connector and to OneDrive upload sessions, in ms. */
  timeoutMs: number;
  /** Admit guest accounts (roster `userRole: guest`, `ALLOW_GUESTS`); refused by default. */
  allowGuests: boolean;
  /** Tenants served (`TEAMS_ALLOWED_TENANTS`), lower-case; null serves every tenant. */
  allowedTenants: string[] | null;
  /** Members who administer their workspace's playbook: AAD object ids or Teams user ids (`TEAMS_ADMINS`). */
  admins: string[];
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  port: number;
  /** `DATABASE_PATH`: the SQLite file, used when `database` is null. */
  databasePath: string;
  /**
   * `DATABASE_URL=postgres://…`: PostgreSQL instead of the SQLite file, for several instances on one
   * database; `DATABASE_SCHEMA` (optional) names the schema Rapport's tables live in.
   */
  postgres: { url: string; schema: string | null } | null;
  logLevel: LogLevel | null;
  /** `LOG_FORMAT`: JSON lines or readable lines; null chooses by whether stderr is a terminal. */
  logFormat: 'json' | 'pretty' | null;
  /** `METRICS_TOKEN`: when set, `GET /metrics` needs `Authorization: Bearer` with it. */
  metricsToken: string | null;
  /** Cron expression for scheduler passes, or null when passes only run on demand (`tick`). */
  tickSchedule: string | null;
  /** Time zone for members whose platform reports none (the terminal uses the machine's). */
  defaultTimeZone: string;
  /** Most nudges a member receives per local day. */
  dailyCap: number;
  /** Messages per second per workspace, so a morning wave is spread out instead of hitting rate limits. */
  workspaceRatePerSecond: number;
  /** Days finished nudges and digests are kept before the scheduler deletes them (`RETENTION_DAYS`). */
  retentionDays: number;
  slack: SlackConfig | null;
  teams: TeamsConfig | null;
  /** Base64 of 32 bytes (`TOKEN_ENCRYPTION_KEY`): seals stored OAuth tokens; required with Slack OAuth. */
  tokenEncryptionKey: string | null;
  /** The key `rapport rekey` moves stored tokens to (`TOKEN_ENCRYPTION_KEY_NEW`), when set. */
  tokenEncryptionKeyNew: string | null;
  /** Days an uninstalled workspace's data is kept before the scheduler deletes it. */
  uninstalledRetentionDays: number;
}

/** The bot scopes the manifest asks for; an OAuth install asks for the same (a manifest test holds them equal). */
export const SLACK_BOT_SCOPES = [
  'commands',
  'chat:write',
  'channels:read',
  'groups:read',
  'team:read',
  'files:read',
  'files:write',
  'im:history',
  'im:write',
  'users:read',
  'users:read.email',
];

export class ConfigError extends RapportError {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super('CONFIG', `${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/**
 * Default deadline of one outbound platform call. A delivery makes at most three calls in a row (a token,
 * a new 1:1 chat, the message), so even the largest setting stays well inside the 120 s delivery lease.
 */
export const DEFAULT_PLATFORM_TIMEOUT_MS = 15_000;
const MAX_PLATFORM_TIMEOUT_MS = 30_000;

const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const APP_TYPES = ['MultiTenant', 'SingleTenant', 'UserAssignedMSI'] as const;

function value(env: Env, name: string): string | null {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? null : raw.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = value(env, name);
  if (raw === null) return fallback;
  const parsed = Number(raw);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new ConfigError(name, `expected a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return parsed;
}

function flag(env: Env, name: string): boolean {
  const raw = value(env, name);
  if (raw === null) return false;
  if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(name, `expected true or false, got "${raw}"`);
}

/** Either all of a group's required variables are set, or none; a partial set is a mistake worth stopping for. */
function group(env: Env, names: string[], what: string): Record<string, string> | null {
  const present = names.filter((name) => value(env, name) !== null);
  if (present.length === 0) return null;
  const missing = names.filter((name) => value(env, name) === null);
  if (missing.length) {
    throw new ConfigError(
      missing[0]!,
      `${what} is partly configured: ${present.join(', ')} set but ${missing.join(', ')} missing`,
    );
  }
  return Object.fromEntries(names.map((name) => [name, value(env, name)!]));
}

export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const portText = value(env, 'PORT') ?? '3000';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError('PORT', `not a port number: "${portText}"`);

  const logLevel = value(env, 'LOG_LEVEL');
  if (logLevel !== null && !LOG_LEVELS.includes(logLevel as LogLevel)) {
    throw new ConfigError('LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }

  const logFormat = value(env, 'LOG_FORMAT');
  if (logFormat !== null && logFormat !== 'json' && logFormat !== 'pretty') {
    throw new ConfigError('LOG_FORMAT', `expected json or pretty, got "${logFormat}"`);
  }

  const schedule = value(env, 'TICK_SCHEDULE') ?? '* * * * *';
  if (schedule !== 'off' && !isValidCronExpression(schedule)) {
    throw new ConfigError(
      'TICK_SCHEDULE',
      `not a cron expression: "${schedule}" (use e.g. "* * * * *", or "off")`,
    );
  }

  const defaultTimeZone =
    value(env, 'DEFAULT_TIME_ZONE') ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
  if (!isValidTimeZone(defaultTimeZone))
    throw new ConfigError('DEFAULT_TIME_ZONE', `unknown time zone "${defaultTimeZone}"`);

  const timeoutMs = integer(
    env,
    'PLATFORM_TIMEOUT_MS',
    DEFAULT_PLATFORM_TIMEOUT_MS,
    100,
    MAX_PLATFORM_TIMEOUT_MS,
  );
  const allowGuests = flag(env, 'ALLOW_GUESTS');
  const teamsAdmins = (value(env, 'TEAMS_ADMINS') ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  if (teamsAdmins.some((id) => !/^[\w:.@-]{1,200}$/.test(id)))
    throw new ConfigError('TEAMS_ADMINS', 'expected AAD object ids or Teams user ids, separated by commas');

  const tokenEncryptionKey = encryptionKey(env, 'TOKEN_ENCRYPTION_KEY');
  const oauthVars = group(
    env,
    ['SLACK_CLIENT_ID', 'SLACK_CLIENT_SECRET', 'SLACK_STATE_SECRET'],
    'Slack OAuth',
  );
  const slackVars = oauthVars
    ? oauthSlackVars(env, tokenEncryptionKey)
    : group(env, ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET'], 'Slack');
  let slack: SlackConfig | null = null;
  if (slackVars) {
    const appToken = value(env, 'SLACK_APP_TOKEN');
    if (appToken && !appToken.startsWith('xapp-'))
      throw new ConfigError('SLACK_APP_TOKEN', 'an app-level token starts with xapp-');
    let apiUrl = value(env, 'SLACK_API_URL');
    if (apiUrl) {
      if (!/^https?:\/\//.test(apiUrl)) throw new ConfigError('SLACK_API_URL', 'must be an http(s) URL');
      // The bot token travels with every call: plain http only to this machine (tests, local stand-ins).
      if (
        /^http:\/\//.test(apiUrl) &&
        !/^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?\//.test(apiUrl + '/')
      ) {
        throw new ConfigError(
          'SLACK_API_URL',
          'must use https unless it points at this machine (127.0.0.1, localhost)',
        );
      }
      if (!apiUrl.endsWith('/')) apiUrl += '/';
    }
    slack = {
      botToken: slackVars.SLACK_BOT_TOKEN ?? null,
      oauth: oauthVars
        ? {
            clientId: oauthVars.SLACK_CLIENT_ID!,
            clientSecret: oauthVars.SLACK_CLIENT_SECRET!,
            stateSecret: oauthVars.SLACK_STATE_SECRET!,
            scopes: SLACK_BOT_SCOPES,
            tokenEncryptionKey: tokenEncryptionKey!,
          }
        : null,
      signingSecret: slackVars.SLACK_SIGNING_SECRET!,
      appToken,
      apiUrl,
      timeoutMs,
      allowGuests,
    };
  } else if (value(env, 'SLACK_APP_TOKEN')) {
    throw new ConfigError(
      'SLACK_BOT_TOKEN',
      'Slack is partly configured: SLACK_APP_TOKEN set but SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET missing',
    );
  }

  const unauthenticated = flag(env, 'TEAMS_ALLOW_UNAUTHENTICATED');
  const appTypeText = value(env, 'MICROSOFT_APP_TYPE') ?? 'MultiTenant';
  if (!(APP_TYPES as readonly string[]).includes(appTypeText)) {
    throw new ConfigError(
      'MICROSOFT_APP_TYPE',
      `expected one of ${APP_TYPES.join(', ')}, got "${appTypeText}"`,
    );
  }
  const appType = appTypeText as TeamsConfig['appType'];
  const tenantId = value(env, 'MICROSOFT_APP_TENANT_ID');
  const allowedTenants = tenantList(env, 'TEAMS_ALLOWED_TENANTS');
  let teams: TeamsConfig | null = null;
  const teamsVars = group(env, ['MICROSOFT_APP_ID', 'MICROSOFT_APP_PASSWORD'], 'Microsoft Teams');
  if (teamsVars) {
    if (unauthenticated) {
      throw new ConfigError(
        'TEAMS_ALLOW_UNAUTHENTICATED',
        'cannot be set together with MICROSOFT_APP_ID: pick one',
      );
    }
    if (appType === 'SingleTenant' && !tenantId) {
      throw new ConfigError('MICROSOFT_APP_TENANT_ID', 'required when MICROSOFT_APP_TYPE is SingleTenant');
    }
    teams = {
      appId: teamsVars.MICROSOFT_APP_ID!,
      appPassword: teamsVars.MICROSOFT_APP_PASSWORD!,
      appType,
      tenantId,
      unauthenticated: false,
      timeoutMs,
      allowGuests,
      allowedTenants,
      admins: teamsAdmins,
    };
  } else if (unauthenticated) {
    teams = {
      appId: '',
      appPassword: '',
      appType,
      tenantId,
      unauthenticated: true,
      timeoutMs,
      allowGuests,
      allowedTenants,
      admins: teamsAdmins,
    };
  }

  return {
    port,
    databasePath: resolve(cwd, value(env, 'DATABASE_PATH') ?? './data/rapport.db'),
    postgres: postgresConfig(env),
    logLevel: logLevel as LogLevel | null,
    logFormat,
    metricsToken: value(env, 'METRICS_TOKEN'),
    tickSchedule: schedule === 'off' ? null : schedule,
    defaultTimeZone,
    dailyCap: integer(env, 'NUDGE_DAILY_CAP', 3, 1, 50),
    workspaceRatePerSecond: integer(env, 'DELIVERY_RATE_PER_WORKSPACE', 20, 1, 1000),
    retentionDays: integer(env, 'RETENTION_DAYS', 400, 30, 3650),
    slack,
    teams,
    tokenEncryptionKey,
    tokenEncryptionKeyNew: encryptionKey(env, 'TOKEN_ENCRYPTION_KEY_NEW'),
    uninstalledRetentionDays: integer(env, 'UNINSTALLED_RETENTION_DAYS', 30, 0, 3650),
  };
}

/** `DATABASE_URL` (a PostgreSQL connection string) and `DATABASE_SCHEMA`, or null for SQLite. */
function postgresConfig(env: Env): Config['postgres'] {
  const url = value(env, 'DATABASE_URL');
  const schema = value(env, 'DATABASE_SCHEMA');
  if (!url) {
    if (schema) throw new ConfigError('DATABASE_SCHEMA', 'only used with DATABASE_URL (PostgreSQL)');
    return null;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The value itself may hold a password: it is never repeated in the message.
    throw new ConfigError('DATABASE_URL', 'not a URL: expected postgres://user:password@host:5432/database');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new ConfigError(
      'DATABASE_URL',
      `expected a postgres:// URL, got ${parsed.protocol}// (for SQLite, set DATABASE_PATH instead)`,
    );
  }
  if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new ConfigError('DATABASE_SCHEMA', 'expected a lower-case name of letters, digits and _');
  }
  return { url, schema };
}

/** The password in a PostgreSQL URL, to scrub from every log line. */
export function databasePassword(config: Pick<Config, 'postgres'>): string | null {
  if (!config.postgres) return null;
  try {
    return decodeURIComponent(new URL(config.postgres.url).password) || null;
  } catch {
    return null;
  }
}

/** The variables a missing one goes with, set aside together when it is missing. */
const PAIRED: Record<string, string[]> = {
  SLACK_BOT_TOKEN: ['SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN'],
  SLACK_SIGNING_SECRET: ['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN'],
  MICROSOFT_APP_ID: ['MICROSOFT_APP_PASSWORD'],
  MICROSOFT_APP_PASSWORD: ['MICROSOFT_APP_ID'],
  MICROSOFT_APP_TENANT_ID: ['MICROSOFT_APP_TYPE'],
};

/**
 * Every configuration problem, not only the first: after each one, the variable it names is set aside and
 * the rest is read again, so an operator sees the whole list at once (`rapport doctor`). `config` is what
 * loads once the faulty variables are set aside (null when that still fails).
 */
export function configProblems(
  env: Env = process.env,
  cwd = process.cwd(),
): { config: Config | null; problems: ConfigError[] } {
  const rest: Env = { ...env };
  const problems: ConfigError[] = [];
  for (let round = 0; round < 20; round++) {
    try {
      return { config: loadConfig(rest, cwd), problems };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error);
      // A variable that is missing (half of a pair) is set aside with the variables it goes with.
      const aside = value(rest, error.variable) !== null ? [error.variable] : (PAIRED[error.variable] ?? []);
      if (!aside.some((name) => value(rest, name) !== null)) break;
      for (const name of aside) delete rest[name];
    }
  }
  return { config: null, problems };
}

/** A token encryption key from `name`, checked for its format (never echoed back). */
function encryptionKey(env: Env, name: string): string | null {
  const key = value(env, name);
  if (key === null) return null;
  const problem = keyProblem(key);
  if (problem) throw new ConfigError(name, `not a usable key: ${problem}`);
  return key;
}

/**
 * With OAuth, workspaces bring their own tokens: the signing secret is still needed, a single bot token
 * would contradict the install flow, Socket Mode has no install pages here, and the tokens stored at
 * install are encrypted, so the key must be there.
 */
function oauthSlackVars(env: Env, key: string | null): Record<string, string> {
  const signingSecret = value(env, 'SLACK_SIGNING_SECRET');
  if (!signingSecret)
    throw new ConfigError('SLACK_SIGNING_SECRET', 'required with SLACK_CLIENT_ID (OAuth install)');
  if (value(env, 'SLACK_BOT_TOKEN')) {
    throw new ConfigError(
      'SLACK_BOT_TOKEN',
      'cannot be set together with SLACK_CLIENT_ID: one workspace with a bot token, or many through OAuth',
    );
  }
  if (value(env, 'SLACK_APP_TOKEN')) {
    throw new ConfigError('SLACK_APP_TOKEN', 'Socket Mode is not available with OAuth install; unset one');
  }
  if (!key) {
    throw new ConfigError(
      'TOKEN_ENCRYPTION_KEY',
      'required with SLACK_CLIENT_ID: installed workspaces’ tokens are stored encrypted (32 bytes, base64)',
    );
  }
  return { SLACK_SIGNING_SECRET: signingSecret };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A comma-separated list of tenant GUIDs, lower-cased; null when unset. */
function tenantList(env: Env, name: string): string[] | null {
  const raw = value(env, name);
  if (raw === null) return null;
  const ids = raw
    .split(',')
    .map((id) => id.trim().toLowerCase())
    .filter((id) => id !== '');
  const bad = ids.find((id) => !GUID.test(id));
  if (bad !== undefined) throw new ConfigError(name, `not a tenant id (a GUID): "${bad}"`);
  if (ids.length === 0) throw new ConfigError(name, 'lists no tenant');
  return [...new Set(ids)];
}
