/**
 * Every outbound platform call has a deadline: a platform that accepts the connection and never answers
 * makes a delivery fail with UNAVAILABLE (which the scheduler retries later) instead of hanging it. The
 * deadline is set short here; what is asserted is the error code, never how long it took.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { createSlackPlatform } from '../../src/channels/slack/slack-channel';
import { encodeAddress } from '../../src/channels/slack/slack-identity';
import { putToUploadSession } from '../../src/channels/teams/file-consent';
import { teamsAddress } from '../../src/channels/teams/teams-address';
import { createTeamsChannel } from '../../src/channels/teams/teams-channel';
import { loadConfig } from '../../src/config';
import type { Rapport } from '../../src/core/rapport';
import type { ChannelDeps as Core } from '../../src/channels/platform-channel';
import { FakeBotConnector } from '../support/fake-bot-connector';
import { FakeSlackApi } from '../support/fake-slack-api';
import { recordingLogger } from '../support/silent-logger';
import { teamsConversationReference } from '../support/teams-activities';
import { startSlackHarness } from './slack/slack-harness';

const DEADLINE_MS = '300';
const NOW = new Date('2026-03-02T10:00:00Z');

/** Never settles: the peer took the request and is thinking about it for ever. */
const never = (): Promise<never> => new Promise<never>(() => undefined);

function core(): Core {
  const rapport = {
    identify: async () => {
      throw new Error('not expected in this test');
    },
  } as unknown as Rapport;
  return { logger: recordingLogger(), clock: () => NOW, rapport } as unknown as Core;
}

describe('a Bot Connector that accepts the request and never answers', () => {
  const connector = new FakeBotConnector();
  beforeAll(() => connector.start());
  afterAll(() => connector.stop());
  beforeEach(() => {
    connector.reset();
    connector.setResponder(never);
  });

  function teams() {
    const config = loadConfig({ TEAMS_ALLOW_UNAUTHENTICATED: 'true', PLATFORM_TIMEOUT_MS: DEADLINE_MS });
    return createTeamsChannel(config.teams!, core());
  }

  it('makes TeamsChannel.deliver to a known chat reject with UNAVAILABLE', async () => {
    const address = teamsAddress({
      kind: 'conversation',
      reference: teamsConversationReference({
        serviceUrl: connector.serviceUrl,
        tenantId: 'tenant-a',
        userId: '29:asha',
      }),
    });

    await expect(teams().channel.deliver(address, { text: 'Time to plan a visit?' })).rejects.toMatchObject({
      name: 'ChannelError',
      code: 'UNAVAILABLE',
    });
    expect(connector.requests().map((r) => r.verb)).toEqual(['POST']);
  });

  it('makes TeamsChannel.deliver that must first open a 1:1 chat reject with UNAVAILABLE', async () => {
    const address = teamsAddress({
      kind: 'create-personal',
      serviceUrl: connector.serviceUrl,
      channelId: 'msteams',
      tenantId: 'tenant-a',
      user: { id: '29:asha', name: 'Asha' },
      bot: { id: '28:bot-id', name: 'Rapport' },
    });

    await expect(teams().channel.deliver(address, { text: 'Time to plan a visit?' })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
    expect(connector.requests()).toMatchObject([{ verb: 'POST', path: '/v3/conversations' }]);
  });
});

describe('a Slack Web API that accepts the request and never answers', () => {
  const fake = new FakeSlackApi();
  beforeAll(() => fake.start());
  afterAll(() => fake.stop());

  it('makes SlackChannel.deliver reject with UNAVAILABLE', async () => {
    fake.setResponder('chat.postMessage', never);
    const config = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: 'secret',
      SLACK_API_URL: fake.url,
      PLATFORM_TIMEOUT_MS: DEADLINE_MS,
    });
    const slack = createSlackPlatform(config.slack!, core());
    const address = encodeAddress({ userId: 'U0ASHA', teamId: 'T0RAPPORT', dmChannelId: 'D0ASHA' });

    await expect(slack.channel.deliver(address, { text: 'Time to plan a visit?' })).rejects.toMatchObject({
      name: 'ChannelError',
      code: 'UNAVAILABLE',
    });
    expect(fake.calls('chat.postMessage')).toHaveLength(1);
  });
});

describe('a Slack users.info that never answers', () => {
  it('leaves a command answered (membership unconfirmed) instead of waiting, and stores nothing', async () => {
    const h = await startSlackHarness();
    try {
      h.fake.setResponder('users.info', never);

      const reply = await h.command('add Nissan');

      expect(String(reply.body.text)).toContain('could not confirm');
      expect(h.sql('SELECT * FROM members')).toEqual([]);
    } finally {
      await h.stop();
    }
  });
});

describe('a OneDrive upload session that accepts the file and never answers', () => {
  it('makes the upload fail instead of waiting', async () => {
    const sockets = new Set<Socket>();
    const server = createServer(() => undefined);
    server.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await expect(
        putToUploadSession(`http://127.0.0.1:${port}/upload`, Buffer.from('id,name\r\n'), 'text/csv', 300),
      ).rejects.toMatchObject({ name: 'TimeoutError' });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
