/**
 * Teams round trip: an activity POSTed to `/api/messages` until its reply reaches the Bot Connector.
 * Baseline, in the same run and process: a bare botbuilder `CloudAdapter` whose handler replies with a
 * fixed text. Both run without Bot Framework authentication (local only) against one loopback connector.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { ActivityHandler, CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { loadConfig } from '../src/config';
import { startService } from '../src/main';
import { platformChannels } from '../src/platforms';
import type { BenchRow } from './table';
import { compareChatRoundTrips } from './table';

/** Accepts every connector call and resolves the waiter of the conversation a reply goes to. */
export async function fakeConnector(): Promise<{
  url: string;
  nextReply(conversation: string): Promise<string>;
  close(): Promise<void>;
}> {
  const waiters = new Map<string, (body: string) => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const match = /\/v3\/conversations\/([^/]+)\/activities/.exec(req.url ?? '');
      if (match) waiters.get(decodeURIComponent(match[1]!))?.(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id":"1"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    nextReply: (conversation) => new Promise<string>((resolve) => waiters.set(conversation, resolve)),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function activity(text: string, conversation: string, serviceUrl: string): object {
  return {
    type: 'message',
    id: `${conversation}-msg`,
    timestamp: new Date().toISOString(),
    channelId: 'msteams',
    serviceUrl,
    from: { id: '29:user', name: 'Ada', aadObjectId: 'aad-ada' },
    conversation: { id: conversation, conversationType: 'personal', tenantId: 'bench-tenant' },
    recipient: { id: '28:bot', name: 'Rapport' },
    channelData: { tenant: { id: 'bench-tenant' } },
    text,
    locale: 'en-GB',
  };
}

async function roundTrips(
  url: string,
  connector: Awaited<ReturnType<typeof fakeConnector>>,
  text: string,
  samples: number,
  expected: string,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    // One personal chat per case, as in Teams, so the stored address is not rewritten on every turn.
    const conversation = `a:bench-${text.split(' ')[0]}`;
    const replied = connector.nextReply(conversation);
    const start = performance.now();
    const response = await fetch(url, {
      method: 'POST',
      body: JSON.stringify(activity(text, conversation, connector.url)),
      headers: { 'content-type': 'application/json' },
    });
    await response.arrayBuffer();
    if (response.status >= 300) throw new Error(`HTTP ${response.status} for ${text}`);
    const reply = await replied;
    times.push(performance.now() - start);
    // Refusals would measure nothing: every reply must be the real answer.
    if (!reply.includes(expected)) throw new Error(`unexpected reply to "${text}": ${reply.slice(0, 300)}`);
  }
  return times;
}

/** The bare baseline: CloudAdapter + a handler that answers "ok" (or `bot`), on its own node:http server. */
export async function bareBot(
  bot: ActivityHandler = okBot(),
): Promise<{ url: string; close(): Promise<void> }> {
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = Object.assign(req, {
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
      });
      // The smallest res wrapper botbuilder's `process` needs.
      const response = Object.assign(res, {
        status(code: number) {
          res.statusCode = code;
          return response;
        },
        header(name: string, value: unknown) {
          res.setHeader(name, String(value));
          return response;
        },
        send(body?: unknown) {
          res.end(body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body));
          return response;
        },
      });
      void adapter.process(request, response, (context) => bot.run(context));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/messages`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function okBot(): ActivityHandler {
  const bot = new ActivityHandler();
  bot.onMessage(async (context, next) => {
    await context.sendActivity('ok');
    await next();
  });
  return bot;
}

export async function teamsLatency(samples: number): Promise<BenchRow[]> {
  const connector = await fakeConnector();
  const bare = await bareBot();
  const dir = mkdtempSync(join(tmpdir(), 'rapport-bench-'));
  const config = loadConfig({
    PORT: '0',
    DATABASE_PATH: join(dir, 'bench.db'),
    TICK_SCHEDULE: 'off',
    LOG_LEVEL: 'silent',
    TEAMS_ALLOW_UNAUTHENTICATED: 'true',
  });
  const service = await startService(
    config,
    { stdin: new PassThrough(), stdout: new PassThrough() },
    platformChannels,
  );
  try {
    const rapportUrl = `http://127.0.0.1:${service.port}/api/messages`;
    return await compareChatRoundTrips({
      benchmark: 'teams round trip',
      baselineLabel: 'bare CloudAdapter',
      prefix: 'partner',
      samples,
      rapportUrl,
      bareUrl: bare.url,
      trip: (url, text, count, expected) => roundTrips(url, connector, text, count, expected),
    });
  } finally {
    await service.stop();
    await bare.close();
    await connector.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
