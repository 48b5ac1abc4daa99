/**
 * Log lines are readable in a terminal and JSON lines anywhere else (files, pipes, collectors), unless
 * `LOG_FORMAT` says which; either way the configured secrets never reach the output.
 */
import { PassThrough } from 'node:stream';
import { loadConfig } from '../../src/config';
import { chooseLogFormat, createLogger } from '../../src/logger';

/** A stream standing for stderr: a terminal or not. */
function destination(isTTY: boolean): { stream: PassThrough; text: () => string } {
  const stream = Object.assign(new PassThrough(), isTTY ? { isTTY: true } : {});
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { stream, text: () => text };
}

/** Waits for what pino-pretty writes asynchronously on a stream destination. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('log format', () => {
  it('chooses pretty for a terminal and JSON otherwise, unless LOG_FORMAT says which', () => {
    expect(chooseLogFormat(null, destination(true).stream)).toBe('pretty');
    expect(chooseLogFormat(null, destination(false).stream)).toBe('json');
    expect(chooseLogFormat('json', destination(true).stream)).toBe('json');
    expect(chooseLogFormat('pretty', destination(false).stream)).toBe('pretty');
  });

  it('reads LOG_FORMAT from the environment and refuses anything but json or pretty', () => {
    expect(loadConfig({}).logFormat).toBeNull();
    expect(loadConfig({ LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(loadConfig({ LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(() => loadConfig({ LOG_FORMAT: 'fancy' })).toThrow(/LOG_FORMAT: expected json or pretty/);
  });

  it('writes readable lines to a terminal, without the secrets', async () => {
    const out = destination(true);
    const logger = createLogger('info', out.stream, ['xoxb-secret-token-1']);
    logger.info({ channel: 'slack', token: 'field-secret-2' }, 'could not post with xoxb-secret-token-1');
    await settle();
    const text = out.text();
    expect(text).toMatch(/INFO/);
    expect(text).toContain('could not post with [redacted]');
    expect(text).not.toContain('xoxb-secret-token-1');
    expect(text).not.toContain('field-secret-2');
    expect(() => JSON.parse(text.split('\n')[0]!)).toThrow();
  });

  it('writes JSON lines when not a terminal, and when LOG_FORMAT=json in one', async () => {
    for (const [isTTY, format] of [
      [false, null],
      [true, 'json'],
    ] as const) {
      const out = destination(isTTY);
      const logger = createLogger('info', out.stream, ['xoxb-secret-token-1'], format);
      logger.info({ token: 'field-secret-2' }, 'posted with xoxb-secret-token-1');
      await settle();
      const line = JSON.parse(out.text().trim()) as Record<string, unknown>;
      expect(line).toMatchObject({ level: 30, msg: 'posted with [redacted]', token: '[redacted]' });
    }
  });

  it('writes pretty lines to a pipe when LOG_FORMAT=pretty, without colour codes', async () => {
    const out = destination(false);
    const logger = createLogger('info', out.stream, [], 'pretty');
    logger.warn({ workspaceId: 'slack:T1' }, 'sending held');
    await settle();
    expect(out.text()).toMatch(/WARN.*sending held/);
    expect(out.text()).toContain('workspaceId: "slack:T1"');
    // eslint-disable-next-line no-control-regex
    expect(out.text()).not.toMatch(/\u001b\[/);
  });
});
