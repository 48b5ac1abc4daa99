import { PassThrough } from 'node:stream';
import { createLogger, withoutSecrets } from '../src/logger';

function capture(level = 'trace'): { logger: ReturnType<typeof createLogger>; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { logger: createLogger(level, stream), text: () => text };
}

describe('the process logger', () => {
  it('redacts secret fields below the top level: nested config, request headers, cookies', () => {
    const { logger, text } = capture();

    logger.info(
      {
        config: { slack: { botToken: 'xoxb-nested-1', signingSecret: 'sign-nested-2', appToken: 'xapp-3' } },
        teams: { credentials: { appPassword: 'teams-pass-4' } },
        req: {
          headers: {
            authorization: 'Bearer jwt-5',
            'x-slack-signature': 'v0=sig-6',
            cookie: 'session=cookie-7',
            'set-cookie': ['session=cookie-8'],
          },
        },
        call: { options: { auth: { password: 'pw-9' } } },
        calls: [{ token: 'xoxb-in-a-list-10' }],
        token: 'top-11',
      },
      'something happened',
    );

    const line = text();
    for (let i = 1; i <= 11; i++) expect(line).not.toMatch(new RegExp(`-${i}\\b`));
    expect(line).toContain('[redacted]');
    expect(line).toContain('something happened');
  });

  it('removes known secret values from messages and string fields, as written, JSON-escaped or URL-encoded', () => {
    const { logger, text } = capture();
    const secret = 'p4ss"word/~+secret';
    const clean = withoutSecrets(logger, [secret, null, '']);

    clean.debug(
      { payload: `{"text":${JSON.stringify(secret)}}`, nested: { list: [secret] } },
      `got ${secret}`,
    );
    clean.info({ body: `text=${encodeURIComponent(secret)}` });

    expect(text()).not.toContain('p4ss');
    expect(text().match(/\[redacted\]/g)).toHaveLength(4);
  });

  it('scrubs configured secrets from the finished line, even inside an Error pino serialises', () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    const logger = createLogger('info', stream, ['xoxb-in-an-error-12']);
    logger.error({ err: new Error('request failed with token xoxb-in-an-error-12') }, 'boom');
    expect(text).toContain('boom');
    expect(text).not.toContain('xoxb-in-an-error-12');
  });
});
