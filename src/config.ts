/**
 * Reads and validates the environment once, at start. Nothing below this module reads `process.env`.
 * A bad or missing value stops the process with a message naming the variable.
 */
import { resolve } from 'node:path';
import { RapportError } from './core/errors';
import { isValidTimeZone } from './core/time';
import { isValidCronExpression } from './scheduler/ticker';

export interface SlackConfig {
  botToken: string;
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
  /** Members who administer their workspace's playbook: AAD object ids or Teams user ids (`TEAMS_ADMINS`). */
  admins: string[];
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  port: number;
  databasePath: string;
  logLevel: LogLevel | null;
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
}

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

  const slackVars = group(env, ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET'], 'Slack');
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
      botToken: slackVars.SLACK_BOT_TOKEN!,
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
      admins: teamsAdmins,
    };
  }

  return {
    port,
    databasePath: resolve(cwd, value(env, 'DATABASE_PATH') ?? './data/rapport.db'),
    logLevel: logLevel as LogLevel | null,
    tickSchedule: schedule === 'off' ? null : schedule,
    defaultTimeZone,
    dailyCap: integer(env, 'NUDGE_DAILY_CAP', 3, 1, 50),
    workspaceRatePerSecond: integer(env, 'DELIVERY_RATE_PER_WORKSPACE', 20, 1, 1000),
    retentionDays: integer(env, 'RETENTION_DAYS', 400, 30, 3650),
    slack,
    teams,
  };
}
