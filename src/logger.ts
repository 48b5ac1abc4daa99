/**
 * The process logger: pino on stderr (stdout belongs to the terminal channel), as JSON lines, or as
 * readable coloured lines (pino-pretty) when a person is watching: a terminal, or `LOG_FORMAT=pretty`.
 */
import { isatty } from 'node:tty';
import pino from 'pino';
import pinoPretty from 'pino-pretty';
import type { Logger } from './core/ports';

/** Fields whose values are secrets wherever they appear (`-` and the like need brackets). */
const SECRET_FIELDS = [
  'token',
  'botToken',
  'appToken',
  'signingSecret',
  'appPassword',
  'password',
  'authorization',
  'Authorization',
  'cookie',
  'cookies',
  'x-slack-signature',
  'set-cookie',
];
/** How deep below the top of a line a secret field is still found (redaction paths are fixed depth). */
const REDACT_DEPTH = 4;

/** Paths whose values are replaced before a line is written: each secret field at the top and up to four levels down. */
export const REDACT_PATHS: string[] = SECRET_FIELDS.flatMap((field) => {
  const key = /^[A-Za-z_$][\w$]*$/.test(field) ? field : `["${field}"]`;
  return Array.from({ length: REDACT_DEPTH + 1 }, (_, depth) => {
    const prefix = '*.'.repeat(depth);
    return key.startsWith('[') ? `${prefix.slice(0, -1)}${key}` : `${prefix}${key}`;
  });
});

export const CENSOR = '[redacted]';

export type LogFormat = 'json' | 'pretty';

/**
 * How lines are written: as configured (`LOG_FORMAT`), otherwise readable when the destination is a
 * terminal and JSON lines when it is a file, a pipe or a log collector.
 */
export function chooseLogFormat(
  configured: LogFormat | null | undefined,
  destination: number | NodeJS.WritableStream,
): LogFormat {
  if (configured) return configured;
  return isTerminal(destination) ? 'pretty' : 'json';
}

function isTerminal(destination: number | NodeJS.WritableStream): boolean {
  if (typeof destination === 'number') return isatty(destination);
  return (destination as { isTTY?: boolean }).isTTY === true;
}

/**
 * The service's logger. Field redaction catches secrets by name; `secrets` (configured tokens and
 * passwords) are also removed from every finished line, wherever and however deep they appear — in an
 * error's message, a URL, a class instance pino serialises, anything.
 */
export function createLogger(
  level: string,
  destination: number | NodeJS.WritableStream = 2,
  secrets: ReadonlyArray<string | null | undefined> = [],
  format: LogFormat | null = null,
): Logger & pino.Logger {
  const stream =
    chooseLogFormat(format, destination) === 'pretty'
      ? // The line pino-pretty reads is pino's JSON after redaction and the secret scrub below.
        pinoPretty({
          destination,
          sync: true,
          colorize: isTerminal(destination),
          ignore: 'pid,hostname,service',
          translateTime: 'SYS:HH:MM:ss.l',
        })
      : typeof destination === 'number'
        ? pino.destination({ fd: destination, sync: true })
        : destination;
  const values = [...new Set(secrets.filter((secret): secret is string => !!secret))];
  return pino(
    {
      level,
      base: { service: 'rapport' },
      redact: { paths: REDACT_PATHS, censor: CENSOR },
      ...(values.length ? { hooks: { streamWrite: (line: string) => scrubSecrets(line, values) } } : {}),
    },
    stream,
  );
}

/** Replaces every occurrence of a secret value in `text`, as written or as JSON or a URL would escape it. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    for (const form of new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)])) {
      if (out.includes(form)) out = out.split(form).join(CENSOR);
    }
  }
  return out;
}

function scrubValue(value: unknown, secrets: readonly string[], depth: number): unknown {
  if (typeof value === 'string') return scrubSecrets(value, secrets);
  if (depth <= 0 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, secrets, depth - 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, scrubValue(item, secrets, depth - 1)]),
  );
}

/**
 * A logger that removes the given secret values (tokens, passwords) from every message and string field
 * before they reach `logger`. Redaction paths only see field names; this also covers text that holds a
 * secret, such as an SDK's debug line with a whole payload in it. Empty values are ignored.
 */
export function withoutSecrets(logger: Logger, secrets: ReadonlyArray<string | null | undefined>): Logger {
  const values = [...new Set(secrets.filter((secret): secret is string => !!secret))];
  if (values.length === 0) return logger;
  const at =
    (write: (obj: object, msg?: string) => void) =>
    (obj: object, msg?: string): void => {
      const clean = scrubValue(obj, values, REDACT_DEPTH) as object;
      if (msg === undefined) write(clean);
      else write(clean, scrubSecrets(msg, values));
    };
  return {
    debug: at((obj, msg) => logger.debug(obj, msg)),
    info: at((obj, msg) => logger.info(obj, msg)),
    warn: at((obj, msg) => logger.warn(obj, msg)),
    error: at((obj, msg) => logger.error(obj, msg)),
  };
}
