/** Lets Bolt and the Web API and Socket Mode clients log through the service's logger instead of the console. */
import { LogLevel } from '@slack/bolt';
import type { Logger as BoltLogger } from '@slack/bolt';
import { describeError } from '../../core/errors';
import type { Logger } from '../../core/ports';
import { withoutSecrets } from '../../logger';

/**
 * Lines where the Slack SDKs write a whole request, response, event or acknowledgement after a fixed
 * prefix (at debug level): the prefix is kept, the body is not.
 */
const PAYLOAD_AFTER: RegExp[] = [
  /^http request (?:body|result|headers): /,
  /^ack\(\) (?:call begins|response stored|response sent) \(body: /,
  /^Received a message on the WebSocket: /,
  /^Sending a WebSocket message: /,
  /^Unable to parse an incoming WebSocket message \(will ignore\): /,
  /^Calling ack\(\) - type: \S+, envelope_id: \S+, data: /,
  /^ChatStreamer appended to buffer: /,
];

/**
 * A log line with any request or payload body taken out. Bodies carry what members wrote (notes,
 * observations, partner names) and the `response_url`s that let anyone holding them answer in the member's
 * name: they are no one else's to read, whatever the level. What the line says around them is kept.
 */
export function withoutPayload(text: string): string {
  for (const pattern of PAYLOAD_AFTER) {
    const prefix = pattern.exec(text)?.[0];
    if (prefix !== undefined) return `${prefix}[payload omitted, ${text.length - prefix.length} characters]`;
  }
  // Bolt logs each incoming request body as bare JSON.
  if (/^\s*[[{]/.test(text)) return `[payload omitted, ${text.length} characters]`;
  // Any other line that carries a JSON object or a response URL (an SDK's new debug line, an error's
  // details) is cut where that starts.
  const start = text.search(/[[{]\s*"|https?:\/\/\S*(?:response|hooks)/);
  return start >= 0 ? `${text.slice(0, start)}[payload omitted]` : text;
}

function line(parts: unknown[]): string {
  return withoutPayload(
    parts.map((part) => (typeof part === 'string' ? part : describeError(part))).join(' '),
  );
}

/**
 * A `@slack/logger` Logger writing to `logger`; the level is left to the service's logger. At debug
 * level Bolt and the Socket Mode client log whole payloads and acks as text, where redaction paths
 * cannot see: bodies are left out of every line ({@link withoutPayload}), and `secrets` (the bot token,
 * app token, signing secret) are removed from what is left.
 */
export function slackLogger(service: Logger, secrets: ReadonlyArray<string | null>): BoltLogger {
  const logger = withoutSecrets(service, secrets);
  let level = LogLevel.DEBUG;
  const context = { component: 'slack' };
  return {
    debug: (...parts: unknown[]) => logger.debug(context, line(parts)),
    info: (...parts: unknown[]) => logger.info(context, line(parts)),
    warn: (...parts: unknown[]) => logger.warn(context, line(parts)),
    error: (...parts: unknown[]) => logger.error(context, line(parts)),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
