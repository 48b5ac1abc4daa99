/**
 * The baseline server of the load benchmark, run in its own process: a bare Bolt app (HTTPReceiver) that
 * verifies each `/partner` request and only acks it. Reads PORT, SLACK_SIGNING_SECRET and SLACK_API_URL;
 * answers `GET /healthz` once it serves.
 */
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';

async function main(): Promise<void> {
  const receiver = new HTTPReceiver({
    signingSecret: process.env.SLACK_SIGNING_SECRET ?? '',
    endpoints: '/slack/events',
    // Answers like the service's liveness probe, so that the benchmark waits for both the same way.
    customRoutes: [
      {
        path: '/healthz',
        method: ['GET'],
        handler: (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"ok":true}');
        },
      },
    ],
  });
  const app = new App({
    token: 'xoxb-bench',
    receiver,
    botId: 'BBOT',
    botUserId: 'UBOT',
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: process.env.SLACK_API_URL },
  });
  app.command('/partner', async ({ ack }) => {
    await ack();
  });
  await app.start(Number(process.env.PORT ?? 0));
  const stop = (): void => {
    void app.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
