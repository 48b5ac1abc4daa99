/** The process logger: pino, JSON lines on stderr (stdout belongs to the terminal channel). */
import pino from 'pino';
import type { Logger } from './core/ports';

/** Paths whose values are replaced before a line is written, so that secrets never reach the logs. */
const REDACT = [
  'token',
  '*.token',
  'botToken',
  '*.botToken',
  'appToken',
  '*.appToken',
  'signingSecret',
  '*.signingSecret',
  'appPassword',
  '*.appPassword',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'headers["x-slack-signature"]',
];

export function createLogger(
  level: string,
  destination: number | NodeJS.WritableStream = 2,
): Logger & pino.Logger {
  const stream =
    typeof destination === 'number' ? pino.destination({ fd: destination, sync: true }) : destination;
  return pino(
    { level, base: { service: 'rapport' }, redact: { paths: REDACT, censor: '[redacted]' } },
    stream,
  );
}
