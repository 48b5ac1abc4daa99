/**
 * What an activity must be before Rapport acts on it, and how far an unauthenticated (local) instance
 * reaches: only this machine may talk to it, and it calls nothing but this machine back.
 */
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { teamsAddress } from '../../../src/channels/teams/teams-address';
import { createTeamsChannel } from '../../../src/channels/teams/teams-channel';
import { loadConfig } from '../../../src/config';
import type { Rapport } from '../../../src/core/rapport';
import { createHttpServer } from '../../../src/http/server';
import type { ChannelDeps as Core } from '../../../src/channels/platform-channel';
import { recordingLogger } from '../../support/silent-logger';
import { adaptiveCardInvoke, teamsConversationReference, teamsMessage } from '../../support/teams-activities';
import { TeamsHarness } from './teams-harness';

/** An address of this machine that is not loopback, when it has one. */
function externalAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((entry) => entry && entry.family === 'IPv4' && !entry.internal)?.address;
}

/** Whether a TCP connection to `host:port` is accepted. */
function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

function core(): Core {
  return { logger: recordingLogger(), clock: () => new Date(), rapport: {} as Rapport } as unknown as Core;
}

let harness: TeamsHarness;
afterEach(() => harness.stop());

function nothingStoredOrSent(): void {
  for (const table of ['workspaces', 'members', 'partners']) {
    expect({ table, rows: harness.rows(`SELECT * FROM ${table}`) }).toEqual({ table, rows: [] });
  }
  expect(harness.connector.requests()).toEqual([]);
}

describe('Teams with authentication off (TEAMS_ALLOW_UNAUTHENTICATED=true)', () => {
  beforeEach(async () => {
    harness = await TeamsHarness.start();
  });

  it('refuses, with 403 and without calling it, an activity whose serviceUrl is not on this machine', async () => {
    for (const serviceUrl of ['https://smba.trafficmanager.net/teams/', 'http://192.0.2.10:3978/']) {
      const answer = await harness.post(
        teamsMessage({ ...harness.asha({ serviceUrl }), text: 'add Nissan' }),
      );

      expect({ serviceUrl, status: answer.status }).toEqual({ serviceUrl, status: 403 });
    }
    nothingStoredOrSent();
  });

  it('cannot be reached from another address: the server listens on 127.0.0.1 only', async () => {
    const port = harness.service.port!;
    expect(await reachable('127.0.0.1', port)).toBe(true);
    const external = externalAddress();
    if (external) expect(await reachable(external, port)).toBe(false);
  });

  it('binds the service’s one server to loopback when the composition root gives no host', async () => {
    const config = loadConfig({ TEAMS_ALLOW_UNAUTHENTICATED: 'true' });
    const teams = createTeamsChannel(config.teams!, core());
    const server = createHttpServer(teams.routes, recordingLogger());
    try {
      await server.listen(0);
      expect(server.server.address()).toMatchObject({ address: '127.0.0.1' });
      await expect(createHttpServer(teams.routes, recordingLogger()).listen(0, '0.0.0.0')).rejects.toThrow(
        /refusing to listen on 0\.0\.0\.0/,
      );
    } finally {
      await server.close();
      await teams.stop();
    }
  });

  it('answers 403 to a request from another address, should the server ever listen wider', async () => {
    const external = externalAddress();
    if (!external) return;
    const config = loadConfig({ TEAMS_ALLOW_UNAUTHENTICATED: 'true' });
    const teams = createTeamsChannel(config.teams!, core());
    const server = createHttpServer(teams.routes, recordingLogger());
    // Past `listen`, which would refuse: what the route itself does with a stranger's request.
    await new Promise<void>((resolve) => server.server.listen(0, '0.0.0.0', resolve));
    try {
      const port = (server.server.address() as { port: number }).port;
      const answer = await fetch(`http://${external}:${port}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(answer.status).toBe(403);
    } finally {
      await server.close();
      await teams.stop();
    }
  });

  it('never delivers to a stored address whose serviceUrl is elsewhere: the address is gone', async () => {
    const config = loadConfig({ TEAMS_ALLOW_UNAUTHENTICATED: 'true' });
    const teams = createTeamsChannel(config.teams!, core());
    const address = teamsAddress({
      kind: 'conversation',
      reference: teamsConversationReference({
        serviceUrl: 'https://smba.trafficmanager.net/teams/',
        tenantId: 'tenant-a',
        userId: '29:asha',
      }),
    });

    await expect(teams.channel.deliver(address, { text: 'hello' })).rejects.toMatchObject({
      code: 'ADDRESS_GONE',
    });
    await teams.stop();
  });

  it('accepts the Bot Framework Emulator, whose conversations share one local workspace', async () => {
    const emulator = teamsMessage({ ...harness.asha(), text: 'add Nissan' });
    emulator.channelId = 'emulator';
    emulator.channelData = {};
    delete (emulator.conversation as { tenantId?: string }).tenantId;

    await harness.send(emulator);

    expect(harness.rows('SELECT external_id FROM workspaces')).toEqual([{ external_id: 'emulator' }]);
  });
});

describe('Teams activities are trusted for their channel and tenant only', () => {
  beforeEach(async () => {
    harness = await TeamsHarness.start();
  });

  it.each([
    ['webchat', 'webchat'],
    ['directline', 'directline'],
    ['slack', 'slack'],
    ['no channel at all', undefined],
  ])('refuses an activity from %s with 403, storing and sending nothing', async (_name, channelId) => {
    const message = teamsMessage({ ...harness.asha(), text: 'add Nissan' });
    message.channelId = channelId;
    const invoke = adaptiveCardInvoke({
      ...harness.asha(),
      verb: 'rapport.choice',
      data: { choiceId: 'x' },
    });
    invoke.channelId = channelId;

    expect((await harness.post(message)).status).toBe(403);
    expect((await harness.post(invoke)).body).toMatchObject({
      statusCode: 403,
      value: { code: 'Forbidden' },
    });
    nothingStoredOrSent();
  });

  it('refuses an activity whose conversation names another tenant than its channelData', async () => {
    const mixed = teamsMessage({ ...harness.asha(), text: 'add Nissan' });
    mixed.conversation = { ...mixed.conversation!, tenantId: 'tenant-b' };

    expect((await harness.post(mixed)).status).toBe(403);
    nothingStoredOrSent();
  });
});

describe('Teams with authentication on', () => {
  const APP_ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

  beforeEach(async () => {
    harness = await TeamsHarness.start({
      env: { MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: 'unused' },
    });
  });

  it('refuses an activity whose serviceUrl is plain http, before its token is even looked at', async () => {
    const plain = teamsMessage({ ...harness.asha({ serviceUrl: 'http://smba.trafficmanager.net/teams/' }) });

    const answer = await harness.post(plain, { authorization: 'Bearer stand-in' });

    expect(answer.status).toBe(403);
    expect(answer.text).toMatch(/https/);
    nothingStoredOrSent();
  });

  it('refuses the Bot Framework Emulator, which only local testing may use', async () => {
    const emulator = teamsMessage({
      ...harness.asha({ serviceUrl: 'https://smba.trafficmanager.net/teams/' }),
      text: 'add Nissan',
    });
    emulator.channelId = 'emulator';

    expect((await harness.post(emulator, { authorization: 'Bearer stand-in' })).status).toBe(403);
    nothingStoredOrSent();
  });
});
