/**
 * Slack round trip: a signed `/partner` request into the service until its ephemeral reply reaches the
 * `response_url`. Baseline, in the same run and process: a bare Bolt app (HTTPReceiver) that acks and
 * answers the same way with a fixed text. Both talk to one loopback stand-in for the Slack Web API.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { loadConfig } from '../src/config';
import { startService } from '../src/main';
import { platformChannels } from '../src/platforms';
import type { BenchRow } from './table';
import { compareChatRoundTrips } from './table';

export const SECRET = 'bench-signing-secret';
export const TEAM = 'TBENCH';

/** Answers every Web API method with `ok`, and resolves waiters when a `response_url` is posted. */
export async function fakeSlack(): Promise<{
  url: string;
  origin: string;
  nextResponse(id: string): Promise<string>;
  close(): Promise<void>;
}> {
  const waiters = new Map<string, (body: string) => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '';
      res.setHeader('content-type', 'application/json');
      if (path.startsWith('/response/')) {
        waiters.get(path.slice('/response/'.length))?.(Buffer.concat(chunks).toString('utf8'));
        res.end('{"ok":true}');
        return;
      }
      const method = path.replace('/api/', '');
      if (method === 'auth.test')
        res.end(JSON.stringify({ ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: TEAM }));
      else if (method === 'users.info')
        res.end(JSON.stringify({ ok: true, user: { id: 'U1', team_id: TEAM, tz: 'UTC', real_name: 'Ada' } }));
      else res.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/api/`,
    origin,
    nextResponse: (id) => new Promise((resolve) => waiters.set(id, resolve)),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A `/partner` slash command as Slack signs it (`SECRET`), signed now. */
export function signedCommand(
  text: string,
  responseUrl: string,
): { body: string; headers: Record<string, string> } {
  const body = new URLSearchParams({
    token: 'x',
    team_id: TEAM,
    team_domain: 'bench',
    channel_id: 'C1',
    channel_name: 'general',
    user_id: 'U1',
    user_name: 'ada',
    command: '/partner',
    text,
    api_app_id: 'ABENCH',
    is_enterprise_install: 'false',
    response_url: responseUrl,
    trigger_id: '1.2.3',
  }).toString();
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = `v0=${createHmac('sha256', SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return {
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-signature': signature,
      'x-slack-request-timestamp': timestamp,
    },
  };
}

async function roundTrips(
  eventsUrl: string,
  slack: Awaited<ReturnType<typeof fakeSlack>>,
  text: string,
  samples: number,
  expected: string,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const id = `${Date.now()}-${i}-${Math.random()}`;
    const { body, headers } = signedCommand(text, `${slack.origin}/response/${id}`);
    const replied = slack.nextResponse(id);
    const start = performance.now();
    const response = await fetch(eventsUrl, { method: 'POST', body, headers });
    if (response.status !== 200) throw new Error(`HTTP ${response.status} for ${text}`);
    await response.arrayBuffer();
    const reply = await replied;
    times.push(performance.now() - start);
    // Refusals would measure nothing: every reply must be the real answer.
    if (!reply.includes(expected)) throw new Error(`unexpected reply to "${text}": ${reply.slice(0, 300)}`);
  }
  return times;
}

export async function slackLatency(samples: number): Promise<BenchRow[]> {
  const slack = await fakeSlack();
  const dir = mkdtempSync(join(tmpdir(), 'rapport-bench-'));
  const receiver = new HTTPReceiver({ signingSecret: SECRET, endpoints: '/slack/events' });
  const bare = new App({
    token: 'xoxb-bench',
    receiver,
    botId: 'BBOT',
    botUserId: 'UBOT',
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: slack.url },
  });
  bare.command('/partner', async ({ ack, respond }) => {
    await ack();
    await respond({ response_type: 'ephemeral', text: 'ok' });
  });
  const config = loadConfig({
    PORT: '0',
    DATABASE_PATH: join(dir, 'bench.db'),
    TICK_SCHEDULE: 'off',
    LOG_LEVEL: 'silent',
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slack.url,
  });
  const service = await startService(
    config,
    { stdin: new PassThrough(), stdout: new PassThrough() },
    platformChannels,
  );
  try {
    const server = (await bare.start(0)) as unknown as { address(): AddressInfo };
    const bareUrl = `http://127.0.0.1:${server.address().port}/slack/events`;
    const rapportUrl = `http://127.0.0.1:${service.port}/slack/events`;
    return await compareChatRoundTrips({
      benchmark: 'slack round trip',
      baselineLabel: 'bare Bolt',
      prefix: '/partner',
      samples,
      rapportUrl,
      bareUrl: bareUrl,
      trip: (url, text, count, expected) => roundTrips(url, slack, text, count, expected),
    });
  } finally {
    await bare.stop();
    await service.stop();
    await slack.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
