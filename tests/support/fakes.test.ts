import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { App, HTTPReceiver, LogLevel, verifySlackRequest } from '@slack/bolt';
import { ErrorCode, WebClient, type WebAPIPlatformError, type WebAPIRateLimitedError } from '@slack/web-api';
import {
  ActivityTypes,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type ConversationReference,
  type TurnContext,
} from 'botbuilder';

import { FakeBotConnector } from './fake-bot-connector';
import { FakeSlackApi } from './fake-slack-api';
import { getJson, postJson } from './http';
import {
  appHomeOpenedEvent,
  blockActionsBody,
  eventBody,
  postToSlack,
  signSlackRequest,
  slashCommandBody,
  urlVerificationBody,
  viewSubmissionBody,
} from './slack-requests';
import { adaptiveCardInvoke, teamsConversationReference, teamsMessage } from './teams-activities';

const noRetries = { retries: 0 };
const quietLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => 'error' as never,
  setName: () => undefined,
};

describe('FakeSlackApi with the real WebClient', () => {
  const fake = new FakeSlackApi();
  let client: WebClient;

  beforeAll(async () => {
    await fake.start();
    client = new WebClient('xoxb-test', {
      slackApiUrl: fake.url,
      retryConfig: noRetries,
      rejectRateLimitedCalls: true,
      logger: quietLogger,
    });
  });
  afterEach(() => fake.reset());
  afterAll(() => fake.stop());

  it('records chat.postMessage with its blocks decoded and answers a unique ts', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Hello*' } }];
    const first = await client.chat.postMessage({ channel: 'D123', text: 'Hello', blocks });
    const second = await client.chat.postMessage({ channel: 'D123', text: 'Again' });

    expect(first.ok).toBe(true);
    expect(first.ts).toBe('1700000000.000100');
    expect(second.ts).not.toBe(first.ts);
    const [call] = fake.calls('chat.postMessage');
    expect(call?.params.blocks).toEqual(blocks);
    expect(call?.params.channel).toBe('D123');
    expect(call?.token).toBe('xoxb-test');
    expect(call?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(fake.messages('D123').map((m) => m.text)).toEqual(['Hello', 'Again']);
  });

  it('answers auth.test, conversations.open, users.info and views.publish', async () => {
    fake.setUser('U1', { tz: 'Asia/Kolkata', name: 'Asha Rao' });
    const auth = await client.auth.test();
    const dm = await client.conversations.open({ users: 'U1' });
    const info = await client.users.info({ user: 'U1' });
    const home = await client.views.publish({ user_id: 'U1', view: { type: 'home', blocks: [] } });

    expect(auth).toMatchObject({ user_id: fake.botUserId, bot_id: fake.botId, team_id: fake.teamId });
    expect(dm.channel?.id).toBe('DU1');
    expect(info.user).toMatchObject({ tz: 'Asia/Kolkata', tz_offset: 19800, real_name: 'Asha Rao' });
    expect(home.view?.id).toMatch(/^V/);
    expect(fake.calls('views.publish')[0]?.params.view).toEqual({ type: 'home', blocks: [] });
  });

  it('makes a queued 429 throw a rate-limited error carrying retryAfter', async () => {
    fake.failNext('chat.postMessage', { status: 429, retryAfterSec: 1 });

    const error = (await client.chat.postMessage({ channel: 'D1', text: 'x' }).catch((e) => e)) as
      WebAPIRateLimitedError | undefined;

    expect(error?.code).toBe(ErrorCode.RateLimitedError);
    expect(error?.retryAfter).toBe(1);
    await expect(client.chat.postMessage({ channel: 'D1', text: 'x' })).resolves.toMatchObject({ ok: true });
  });

  it('makes a queued ok:false answer throw a platform error', async () => {
    fake.failNext('chat.postMessage', { error: 'channel_not_found' });

    const error = (await client.chat.postMessage({ channel: 'C404', text: 'x' }).catch((e) => e)) as
      WebAPIPlatformError | undefined;

    expect(error?.code).toBe(ErrorCode.PlatformError);
    expect(error?.data.error).toBe('channel_not_found');
  });

  it('makes a queued 500 throw an HTTP error', async () => {
    fake.failNext('chat.update', { status: 500 });

    await expect(client.chat.update({ channel: 'D1', ts: '1.2', text: 'x' })).rejects.toMatchObject({
      code: ErrorCode.HTTPError,
      statusCode: 500,
    });
  });

  it('lets a responder fail some calls', async () => {
    let n = 0;
    fake.setResponder('chat.postEphemeral', (_call, defaultReply) =>
      ++n % 2 === 0 ? { error: 'user_not_in_channel' } : defaultReply(),
    );

    await expect(client.chat.postEphemeral({ channel: 'C1', user: 'U1', text: 'a' })).resolves.toBeTruthy();
    await expect(client.chat.postEphemeral({ channel: 'C1', user: 'U1', text: 'b' })).rejects.toThrow(
      /user_not_in_channel/,
    );
    fake.setResponder('chat.postEphemeral', undefined);
  });

  it('takes a files.uploadV2 upload and records its content', async () => {
    const result = await client.files.uploadV2({
      channel_id: 'D1',
      content: 'name,date\nAcme,2024-01-01\n',
      filename: 'partners.csv',
      title: 'Partners',
    });

    expect(result.ok).toBe(true);
    expect(fake.uploads()).toEqual([
      expect.objectContaining({
        filename: 'partners.csv',
        content: Buffer.from('name,date\nAcme,2024-01-01\n'),
      }),
    ]);
    expect(fake.calls('files.completeUploadExternal')[0]?.params).toMatchObject({
      channel_id: 'D1',
      files: [{ id: fake.uploads()[0]?.fileId, title: 'Partners' }],
    });
  });

  it('waits for a call and, on timeout, lists the calls it saw', async () => {
    const waiting = fake.waitFor('chat.postMessage', (c) => c.params.text === 'late', 2000);
    setTimeout(() => void client.chat.postMessage({ channel: 'D1', text: 'late' }), 20);
    await expect(waiting).resolves.toMatchObject({ method: 'chat.postMessage' });

    await expect(fake.waitFor('views.open', undefined, 50)).rejects.toThrow(
      /views.open[\s\S]*chat.postMessage .*"late"/,
    );
  });

  it('records JSON POSTs to a response_url', async () => {
    const url = fake.responseUrl('cmd-1');
    const answer = await postJson(url, { text: 'done', response_type: 'ephemeral' });

    expect(answer.status).toBe(200);
    await expect(fake.waitForResponse('cmd-1')).resolves.toMatchObject({ body: { text: 'done' } });
    expect(fake.responses('cmd-1')).toHaveLength(1);
  });
});

describe('Slack request signing', () => {
  it('signs as Slack does and Bolt verifies it', () => {
    const body = slashCommandBody({
      teamId: 'T1',
      userId: 'U1',
      text: 'add Acme',
      responseUrl: 'http://127.0.0.1/response/x',
      triggerId: 't.1',
    });
    const ts = Math.floor(Date.now() / 1000);
    const headers = signSlackRequest('s3cret', body, ts);

    const expected = createHmac('sha256', 's3cret').update(`v0:${ts}:${body}`).digest('hex');
    expect(headers['X-Slack-Signature']).toBe(`v0=${expected}`);
    expect(() =>
      verifySlackRequest({
        signingSecret: 's3cret',
        body,
        headers: { 'x-slack-signature': headers['X-Slack-Signature'], 'x-slack-request-timestamp': ts },
      }),
    ).not.toThrow();
    expect(() =>
      verifySlackRequest({
        signingSecret: 'other',
        body,
        headers: { 'x-slack-signature': headers['X-Slack-Signature'], 'x-slack-request-timestamp': ts },
      }),
    ).toThrow(/signature mismatch/);
  });

  it('builds payloads in Slack shapes', () => {
    const command = new URLSearchParams(
      slashCommandBody({ teamId: 'T1', userId: 'U1', text: 'list', responseUrl: 'http://r' }),
    );
    expect(command.get('command')).toBe('/partner');
    expect(command.get('is_enterprise_install')).toBe('false');
    expect(command.has('trigger_id')).toBe(true);

    const action = JSON.parse(
      new URLSearchParams(
        blockActionsBody({
          teamId: 'T1',
          userId: 'U1',
          actionId: 'snooze',
          value: 'p1',
          responseUrl: 'http://r',
        }),
      ).get('payload') ?? '{}',
    );
    expect(action).toMatchObject({
      type: 'block_actions',
      container: { type: 'message', channel_id: 'DU1' },
      actions: [{ action_id: 'snooze', value: 'p1', type: 'button' }],
      response_url: 'http://r',
    });

    const view = JSON.parse(
      new URLSearchParams(
        viewSubmissionBody({
          teamId: 'T1',
          userId: 'U1',
          callbackId: 'add_partner',
          values: {
            name: { input: 'Acme' },
            tier: { pick: { type: 'static_select', selected_option: { value: 'gold' } } },
          },
        }),
      ).get('payload') ?? '{}',
    );
    expect(view.view.state.values).toEqual({
      name: { input: { type: 'plain_text_input', value: 'Acme' } },
      tier: {
        pick: {
          type: 'static_select',
          selected_option: { value: 'gold', text: { type: 'plain_text', text: 'gold', emoji: true } },
        },
      },
    });
  });

  it('posts with a missing signature when asked', async () => {
    const fake = new FakeSlackApi();
    await fake.start();
    try {
      const result = await postToSlack(fake.responseUrl('sig'), {
        secret: 's',
        body: '{"a":1}',
        signature: null,
      });
      expect(result.status).toBe(200);
      const [post] = fake.responses('sig');
      expect(post?.headers['x-slack-signature']).toBeUndefined();
      expect(post?.headers['content-type']).toBe('application/json');
      expect(post?.body).toEqual({ a: 1 });
    } finally {
      await fake.stop();
    }
  });
});

describe('FakeBotConnector with the real CloudAdapter', () => {
  const connector = new FakeBotConnector();
  let adapter: CloudAdapter;

  beforeAll(async () => {
    await connector.start();
    adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
  });
  afterEach(() => connector.reset());
  afterAll(() => connector.stop());

  it('records a proactive message to a Teams conversation id with URL-encoded characters', async () => {
    const reference = teamsConversationReference({
      serviceUrl: connector.serviceUrl,
      tenantId: 'tenant-1',
      userId: '29:user-1',
      conversationId: 'a:1xyz/+=',
    }) as ConversationReference;

    await adapter.continueConversationAsync('', reference, async (ctx) => {
      await ctx.sendActivity('hi');
    });

    const sent = await connector.waitForActivity((a) => a.text === 'hi', 2000);
    expect(sent.conversationId).toBe('a:1xyz/+=');
    expect(sent.verb).toBe('POST');
    expect(sent.activity).toMatchObject({ type: ActivityTypes.Message, text: 'hi' });
    expect(sent.headers.authorization).toBeUndefined();
  });

  it('handles update, delete and members calls', async () => {
    const reference = teamsConversationReference({
      serviceUrl: connector.serviceUrl,
      tenantId: 'tenant-1',
      userId: '29:user-1',
      conversationType: 'channel',
      conversationId: '19:abc@thread.tacv2',
    }) as ConversationReference;
    connector.setMembers('19:abc@thread.tacv2', [
      { id: '29:user-1', name: 'Asha', email: 'asha@example.com' },
    ]);

    let memberName: string | undefined;
    let sentId: string | undefined;
    await adapter.continueConversationAsync('', reference, async (ctx) => {
      const sent = await ctx.sendActivity('v1');
      sentId = sent?.id;
      await ctx.updateActivity({
        id: sent?.id,
        type: 'message',
        text: 'v2',
        conversation: reference.conversation,
      });
      await ctx.deleteActivity(sent?.id ?? '');
      const client = ctx.turnState.get(adapter.ConnectorClientKey);
      const member = await client.conversations.getConversationMember('19:abc@thread.tacv2', '29:user-1');
      memberName = member.name;
    });

    const verbs = connector.requests().map((r) => `${r.verb} ${r.activityId ?? r.memberId ?? ''}`.trim());
    expect(sentId).toMatch(/^activity-\d+$/);
    expect(verbs).toEqual(['POST', `PUT ${sentId}`, `DELETE ${sentId}`, 'GET 29:user-1']);
    expect(connector.activities('19:abc@thread.tacv2').map((r) => r.activity.text)).toEqual(['v1', 'v2']);
    expect(memberName).toBe('Asha');
  });

  it('answers a queued 403 so the send fails', async () => {
    connector.failNext({ status: 403 });
    const reference = teamsConversationReference({
      serviceUrl: connector.serviceUrl,
      tenantId: 't',
      userId: '29:u',
    }) as ConversationReference;

    await expect(
      adapter.continueConversationAsync('', reference, async (ctx) => {
        await ctx.sendActivity('blocked');
      }),
    ).rejects.toMatchObject({ statusCode: 403 });
  });

  it('creates conversations', async () => {
    const answer = await postJson<{ id: string }>(`${connector.serviceUrl}v3/conversations`, {
      members: [{ id: '29:u' }],
      tenantId: 't',
    });
    expect(answer.status).toBe(201);
    expect(answer.body?.id).toBe('conv-1');
    const members = await getJson<unknown[]>(`${connector.serviceUrl}v3/conversations/conv-1/members`);
    expect(members.body).toEqual([]);
  });
});

describe('Teams activity builders', () => {
  it('builds messages and invokes in Teams shapes', () => {
    const message = teamsMessage({
      text: 'hello',
      serviceUrl: 'http://127.0.0.1:1/',
      tenantId: 'tenant-1',
      userId: '29:user-1',
      localTimezone: 'Europe/Berlin',
    });
    expect(message).toMatchObject({
      type: 'message',
      channelId: 'msteams',
      channelData: { tenant: { id: 'tenant-1' } },
      conversation: { id: 'a:1user-1', tenantId: 'tenant-1', conversationType: 'personal' },
      recipient: { id: '28:bot-id' },
      from: { id: '29:user-1' },
      localTimezone: 'Europe/Berlin',
    });

    const invoke = adaptiveCardInvoke({
      verb: 'snooze',
      data: { partnerId: 'p1' },
      serviceUrl: 'http://127.0.0.1:1/',
      tenantId: 'tenant-1',
      userId: '29:user-1',
    });
    expect(invoke).toMatchObject({
      type: 'invoke',
      name: 'adaptiveCard/action',
      value: {
        action: { type: 'Action.Execute', verb: 'snooze', data: { partnerId: 'p1' } },
        trigger: 'manual',
      },
    });
  });
});

describe('Slack builders through a real Bolt App', () => {
  const secret = 'bolt-secret';
  const fake = new FakeSlackApi();
  let server: Server;
  let endpoint: string;

  beforeAll(async () => {
    await fake.start();
    const receiver = new HTTPReceiver({ signingSecret: secret, logLevel: LogLevel.ERROR });
    const app = new App({
      token: 'xoxb-test',
      receiver,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: fake.url, retryConfig: noRetries },
    });
    app.command('/partner', async ({ ack, respond, command }) => {
      await ack();
      await respond({ text: `got ${command.text}` });
    });
    app.action('snooze', async ({ ack, body, respond }) => {
      await ack();
      await respond({ text: `snoozed by ${body.user.id}` });
    });
    app.view('add_partner', async ({ ack, view }) => {
      const name = view.state.values.name?.input?.value ?? '';
      await ack({ response_action: 'errors', errors: { name: `already have ${name}` } });
    });
    app.event('app_home_opened', async ({ event, client }) => {
      await client.views.publish({ user_id: event.user, view: { type: 'home', blocks: [] } });
    });
    server = createServer(receiver.requestListener);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await fake.stop();
  });

  it('accepts a signed slash command and respond() reaches the response_url', async () => {
    const body = slashCommandBody({
      teamId: fake.teamId,
      userId: 'U1',
      text: 'add Acme',
      responseUrl: fake.responseUrl('cmd'),
    });

    const result = await postToSlack(endpoint, { secret, body });

    expect(result.status).toBe(200);
    await expect(fake.waitForResponse('cmd')).resolves.toMatchObject({ body: { text: 'got add Acme' } });
  });

  it('answers 401 to a bad signature', async () => {
    const body = slashCommandBody({ teamId: fake.teamId, userId: 'U1', text: 'x', responseUrl: 'http://r' });
    await expect(postToSlack(endpoint, { secret, body, signature: 'v0=bad' })).resolves.toMatchObject({
      status: 401,
    });
  });

  it('routes a block action and a view submission', async () => {
    const action = blockActionsBody({
      teamId: fake.teamId,
      userId: 'U2',
      actionId: 'snooze',
      value: 'p1',
      responseUrl: fake.responseUrl('act'),
    });
    expect((await postToSlack(endpoint, { secret, body: action })).status).toBe(200);
    await expect(fake.waitForResponse('act')).resolves.toMatchObject({ body: { text: 'snoozed by U2' } });

    const submission = viewSubmissionBody({
      teamId: fake.teamId,
      userId: 'U2',
      callbackId: 'add_partner',
      values: { name: { input: 'Acme' } },
    });
    const answer = await postToSlack(endpoint, { secret, body: submission });
    expect(answer.json).toEqual({ response_action: 'errors', errors: { name: 'already have Acme' } });
  });

  it('routes app_home_opened to views.publish', async () => {
    const body = eventBody({ teamId: fake.teamId, event: appHomeOpenedEvent('U3') });
    expect((await postToSlack(endpoint, { secret, body })).status).toBe(200);
    await expect(fake.waitFor('views.publish', (c) => c.params.user_id === 'U3')).resolves.toBeTruthy();
  });

  it('answers the url_verification challenge', async () => {
    const result = await postToSlack(endpoint, { secret, body: urlVerificationBody('abc') });
    expect(result.json).toEqual({ challenge: 'abc' });
  });
});

describe('Teams builders through CloudAdapter.process', () => {
  const connector = new FakeBotConnector();
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));

  beforeAll(() => connector.start());
  afterAll(() => connector.stop());

  /** Runs one inbound activity through the adapter and returns what it answered over HTTP. */
  async function process(
    activity: object,
    logic: (ctx: TurnContext) => Promise<void>,
  ): Promise<{ status: number | undefined; body: unknown }> {
    const answer: { status: number | undefined; body: unknown } = { status: undefined, body: undefined };
    const res = {
      socket: {},
      status: (code: number) => void (answer.status = code),
      header: () => undefined,
      send: (body: unknown) => void (answer.body = body),
      end: () => undefined,
    };
    const req = { body: JSON.parse(JSON.stringify(activity)), headers: {}, method: 'POST' };
    await adapter.process(req, res, logic);
    return answer;
  }

  it('replies to a Teams message through the fake connector', async () => {
    const message = teamsMessage({
      text: 'hello',
      serviceUrl: connector.serviceUrl,
      tenantId: 'tenant-1',
      userId: '29:user-1',
    });

    const answer = await process(message, async (ctx) => {
      await ctx.sendActivity(`echo ${ctx.activity.text}`);
    });

    expect(answer.status).toBe(200);
    const reply = await connector.waitForActivity((a) => a.text === 'echo hello');
    expect(reply.conversationId).toBe('a:1user-1');
    expect(reply.replyToId).toBe(message.id);
  });

  it('answers an Action.Execute invoke with the invoke response of the logic', async () => {
    const invoke = adaptiveCardInvoke({
      verb: 'snooze',
      data: { partnerId: 'p1' },
      serviceUrl: connector.serviceUrl,
      tenantId: 'tenant-1',
      userId: '29:user-1',
    });

    const answer = await process(invoke, async (ctx) => {
      const value = ctx.activity.value as { action: { verb: string } };
      await ctx.sendActivity({
        type: ActivityTypes.InvokeResponse,
        value: {
          status: 200,
          body: {
            statusCode: 200,
            type: 'application/vnd.microsoft.activity.message',
            value: value.action.verb,
          },
        },
      });
    });

    expect(answer).toEqual({
      status: 200,
      body: { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: 'snooze' },
    });
  });
});
