import { createHttpServer, readJson } from '../../src/http/server';
import type { HttpServer } from '../../src/http/server';
import { recordingLogger } from '../support/silent-logger';

describe('the HTTP server', () => {
  let server: HttpServer;
  let base: string;
  const logger = recordingLogger();

  beforeAll(async () => {
    server = createHttpServer(
      [
        {
          method: 'POST',
          path: '/echo',
          handler: async (req, res) => {
            res.end(JSON.stringify(await readJson(req, 64)));
          },
        },
        {
          method: 'POST',
          path: '/boom',
          handler: async () => {
            throw new Error('handler bug');
          },
        },
      ],
      logger,
      async () => ({ channels: ['slack'] }),
    );
    base = `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}`;
  });
  afterAll(() => server.close());

  const post = (path: string, body: string, type = 'application/json') =>
    fetch(`${base}${path}`, { method: 'POST', body, headers: { 'content-type': type } });

  it('answers /healthz', async () => {
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, channels: ['slack'] });
  });

  it.each([
    ['an unknown path', () => fetch(`${base}/nope`), 404],
    ['a wrong method', () => fetch(`${base}/echo`), 405],
    ['malformed JSON', () => post('/echo', '{"a":'), 400],
    ['another content type', () => post('/echo', 'a=1', 'application/x-www-form-urlencoded'), 415],
    ['a body over the limit', () => post('/echo', JSON.stringify({ text: 'x'.repeat(100) })), 413],
  ])('answers %s with a 4xx', async (_name, request, status) => {
    expect((await request()).status).toBe(status);
  });

  it('answers 500 for a handler that throws, logs it, and keeps serving', async () => {
    expect((await post('/boom', '{}')).status).toBe(500);
    expect(
      logger.lines.some((line) => line.level === 'error' && JSON.stringify(line.obj).includes('handler bug')),
    ).toBe(true);
    expect((await post('/echo', '{"ok":1}')).status).toBe(200);
  });
});
