/** Lets Bolt and the Web API client log through the service's logger instead of the console. */
import { LogLevel } from '@slack/bolt';
import type { Logger as BoltLogger } from '@slack/bolt';
import { describeError } from '../../core/errors';
import type { Logger } from '../../core/ports';
import { withoutSecrets } from '../../logger';

function line(parts: unknown[]): string {
  return parts.map((part) => (typeof part === 'string' ? part : describeError(part))).join(' ');
}

/**
 * A `@slack/logger` Logger writing to `logger`; the level is left to the service's logger. At debug
 * level Bolt and the Socket Mode client log whole payloads and acks as text, where redaction paths
 * cannot see: `secrets` (the bot token, app token, signing secret) are removed from every line.
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
