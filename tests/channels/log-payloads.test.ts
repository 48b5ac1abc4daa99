/**
 * What members write (notes, observations) and where Slack lets the app answer them (`response_url`s) is
 * theirs, not the operator's: at LOG_LEVEL=trace, where the SDKs log whole requests, responses and events,
 * none of it may reach the logs. Runs the real service with Slack over HTTP and over Socket Mode and Teams,
 * and reads every line.
 */
import { sqliteDb } from '../support/sqlite-of';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../../src/config';
import { startService } from '../../src/main';
import type { Service } from '../../src/main';
import { platformChannels } from '../../src/platforms';
import { FakeBotConnector } from '../support/fake-bot-connector';
import { FakeSlackApi } from '../support/fake-slack-api';
import { FakeSocketMode } from '../support/fake-socket-mode';
import {
  appHomeOpenedEvent,
  blockActionsBody,
  eventBody,
  postToSlack,
  slashCommandBody,
} from '../support/slack-requests';
import { teamsMessage } from '../support/teams-activities';
import { postJson } from '../support/http';

const MARKER = 'mkr7f3a91';
const TEAM = 'T0RAPPORT';
const USER = 'U0ASHA';
const SIGNING_SECRET = 'test-signing-secret';

interface Running {
  service: Service;
  logs: () => string;
  stop(): Promise<void>;
}

async function run(env: Record<string, string>): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-payloads-'));
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const config = loadConfig({
    PORT: '0',
    DATABASE_PATH: join(dir, 'rapport.db'),
    LOG_LEVEL: 'trace',
    TICK_SCHEDULE: 'off',
    DEFAULT_TIME_ZONE: 'UTC',
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    TEAMS_ALLOW_UNAUTHENTICATED: 'true',
    ...env,
  });
  const service = await startService(
    config,
    { stdin: new PassThrough(), stdout: new PassThrough(), logDestination: stream },
    platformChannels,
  );
  return {
    service,
    logs: () => text,
    stop: async () => {
      await service.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('member content in the logs at LOG_LEVEL=trace', () => {
  const slack = new FakeSlackApi();
  const socket = new FakeSocketMode();
  const connector = new FakeBotConnector();

  beforeAll(async () => {
    await Promise.all([slack.start(), socket.start(), connector.start()]);
    slack.setResponder('apps.connections.open', () => ({ ok: true, url: socket.url }));
  });
  afterAll(() => Promise.all([slack.stop(), socket.stop(), connector.stop()]));

  function expectNothingOfTheMembers(logs: string): void {
    expect(logs).not.toContain(MARKER);
    expect(logs).not.toContain(slack.responseUrl(''));
  }

  it('holds no note and no response_url after commands, a button and App Home over HTTP, and a Teams message', async () => {
    const h = await run({ SLACK_API_URL: slack.url });
    try {
      const url = `http://127.0.0.1:${h.service.port}/slack/events`;
      const post = (body: string): ReturnType<typeof postToSlack> =>
        postToSlack(url, { secret: SIGNING_SECRET, body });
      // The reply comes in the acknowledgement, or (a slow command) on the response_url.
      const command = async (text: string, id: string): Promise<void> => {
        const answer = await post(
          slashCommandBody({ teamId: TEAM, userId: USER, text, responseUrl: slack.responseUrl(id) }),
        );
        if (!answer.text) await slack.waitForResponse(id);
      };

      await command('add Nissan', 'add');
      await command(`log Nissan meeting today Agreed on ${MARKER} pricing`, 'log');
      await command(`observe Nissan Decisions by consensus ${MARKER}`, 'observe');
      await command('brief Nissan', 'brief');
      const partnerId = sqliteDb(h.service).prepare('SELECT id FROM partners').pluck().get() as number;
      await post(
        blockActionsBody({
          teamId: TEAM,
          userId: USER,
          actionId: `p:${partnerId}:status`,
          responseUrl: slack.responseUrl('click'),
        }),
      );
      await slack.waitForResponse('click');
      await post(eventBody({ teamId: TEAM, event: appHomeOpenedEvent(USER) }));
      await slack.waitFor('views.publish');

      const teams = { serviceUrl: connector.serviceUrl, tenantId: 'tenant-a', userId: '29:asha' };
      for (const text of ['add Nissan', `log Nissan call today ${MARKER} follow-up`, 'status Nissan']) {
        expect(
          (
            await postJson(
              `http://127.0.0.1:${h.service.port}/api/messages`,
              teamsMessage({ ...teams, text }),
            )
          ).status,
        ).toBe(200);
      }
      expect(JSON.stringify(connector.activities().at(-1)?.activity)).toContain(MARKER);
    } finally {
      await h.stop();
    }

    // The SDKs did log their traffic: only what was in it is left out.
    expect(h.logs()).toContain('views.publish');
    expect(h.logs()).toContain('payload omitted');
    expectNothingOfTheMembers(h.logs());
  });

  it('holds no note and no response_url after a command over Socket Mode', async () => {
    const h = await run({ SLACK_API_URL: slack.url, SLACK_APP_TOKEN: 'xapp-1-A0RAPPORT-test' });
    try {
      for (const [id, text] of [
        ['sock-add', 'add Toyota'],
        ['sock-log', `log Toyota visit today Toured the ${MARKER} plant`],
      ] as const) {
        const command = slashCommandBody({
          teamId: TEAM,
          userId: USER,
          text,
          responseUrl: slack.responseUrl(id),
        });
        socket.send({
          envelope_id: `env-${id}`,
          type: 'slash_commands',
          accepts_response_payload: true,
          payload: Object.fromEntries(new URLSearchParams(command)),
        });
        // The reply travels back in the envelope's acknowledgement.
        await socket.waitFor((message) => message.envelope_id === `env-${id}`);
      }
    } finally {
      await h.stop();
    }

    expect(h.logs()).toContain('Received a message on the WebSocket');
    expectNothingOfTheMembers(h.logs());
  });
});
