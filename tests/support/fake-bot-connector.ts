import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

import { brief, LoopbackServer, RecordLog, sendJson } from './loopback-server';

/** One request the fake connector received. */
export interface ConnectorRequest {
  verb: string;
  /** Path after any service-URL prefix, still URL-encoded, e.g. `/v3/conversations/a%3A1x/activities`. */
  path: string;
  /** Decoded conversation id (`a:1…`, `19:…@thread.tacv2`), when the path has one. */
  conversationId: string | undefined;
  /** Decoded activity id of PUT/DELETE (update/delete) requests. */
  activityId: string | undefined;
  /** Decoded id of the activity a POST replies to (`…/activities/{replyToId}`). */
  replyToId: string | undefined;
  /** Decoded member id of `…/members/{memberId}`. */
  memberId: string | undefined;
  /** The activity sent (POST/PUT on activities). */
  activity: Record<string, unknown> | undefined;
  /** The parsed JSON body of any other request (e.g. create-conversation parameters). */
  body: unknown;
  headers: IncomingHttpHeaders;
  /** Receipt time, epoch milliseconds. */
  at: number;
}

/** A request that carried an activity. */
export type ConnectorActivityRequest = ConnectorRequest & { activity: Record<string, unknown> };

/**
 * What the fake answers instead of the default. `retryAfterSec` adds `Retry-After`; `body` defaults
 * to a Bot Framework error `{ error: { code, message } }` for status ≥ 400.
 */
export interface ConnectorReply {
  status: number;
  retryAfterSec?: number;
  /** Error code put in the default error body, e.g. `'ConversationBlockedByUser'`. */
  code?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Custom logic; return `undefined` to fall through to the default answer. */
export type ConnectorResponder = (
  request: ConnectorRequest,
) => ConnectorReply | undefined | Promise<ConnectorReply | undefined>;

/** A member as `GET …/members` describes them (a Teams channel account). */
export interface FakeTeamsMember {
  id: string;
  name?: string;
  aadObjectId?: string;
  email?: string;
  userPrincipalName?: string;
  tenantId?: string;
  [field: string]: unknown;
}

interface QueuedFailure {
  reply: ConnectorReply;
  match: (request: ConnectorRequest) => boolean;
}

const DEFAULT_WAIT_MS = 3000;
const DEFAULT_CODES: Record<number, string> = {
  400: 'BadArgument',
  401: 'Unauthorized',
  403: 'ConversationBlockedByUser',
  404: 'ConversationNotFound',
  412: 'PreconditionFailed',
  429: 'Throttled',
  500: 'ServiceError',
  502: 'ServiceError',
  503: 'ServiceUnavailable',
};

/**
 * A loopback imitation of the Bot Framework connector service for botbuilder 4.23. Give its
 * {@link FakeBotConnector.serviceUrl} as the `serviceUrl` of inbound activities or conversation
 * references; the adapter then sends replies, updates, deletes and proactive messages here.
 */
export class FakeBotConnector {
  private readonly server = new LoopbackServer('FakeBotConnector', (req, body, res) =>
    this.handle(req, body, res),
  );
  private readonly log = new RecordLog<ConnectorRequest>(
    (r) => `${r.verb} ${r.path}${r.activity ? ` ${brief(activitySummary(r.activity))}` : ''}`,
  );
  private readonly failures: QueuedFailure[] = [];
  private responder: ConnectorResponder | undefined;
  private readonly members = new Map<string, FakeTeamsMember[]>();
  private activityCounter = 0;
  private conversationCounter = 0;

  /** `http://127.0.0.1:PORT` without a trailing slash. */
  get origin(): string {
    return this.server.origin;
  }

  /** The `serviceUrl` to put in activities: `http://127.0.0.1:PORT/`. */
  get serviceUrl(): string {
    return `${this.server.origin}/`;
  }

  /** Starts listening on a random loopback port. */
  start(): Promise<void> {
    return this.server.start();
  }

  /** Closes the server and every socket; rejects pending waits. */
  async stop(): Promise<void> {
    this.log.rejectAll('FakeBotConnector stopped while waiting');
    await this.server.stop();
  }

  /** Forgets recorded requests and queued failures (keeps members and the responder). */
  reset(): void {
    this.log.clear();
    this.failures.length = 0;
  }

  /** Every request received, oldest first. */
  requests(): ConnectorRequest[] {
    return this.log.all();
  }

  /** Requests that carried an activity (sends, replies, updates), optionally in one conversation. */
  activities(conversationId?: string): ConnectorActivityRequest[] {
    return this.log
      .all()
      .filter(
        (r): r is ConnectorActivityRequest =>
          r.activity !== undefined && (conversationId === undefined || r.conversationId === conversationId),
      );
  }

  /**
   * Resolves with the first request (already received or arriving within `timeoutMs`) whose
   * activity matches; rejects listing the requests seen.
   */
  waitForActivity(
    predicate: (activity: Record<string, unknown>, request: ConnectorActivityRequest) => boolean = () => true,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<ConnectorActivityRequest> {
    return this.log.waitFor(
      (r) => r.activity !== undefined && predicate(r.activity, r as ConnectorActivityRequest),
      timeoutMs,
      'FakeBotConnector.waitForActivity',
    ) as Promise<ConnectorActivityRequest>;
  }

  /** Resolves with the first request matching `predicate` (e.g. a DELETE), or rejects after `timeoutMs`. */
  waitForRequest(
    predicate: (request: ConnectorRequest) => boolean,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<ConnectorRequest> {
    return this.log.waitFor(predicate, timeoutMs, 'FakeBotConnector.waitForRequest');
  }

  /**
   * Makes the next `times` requests (those matching `match`, by default any) get `reply`, e.g.
   * `{ status: 429, retryAfterSec: 1 }` or `{ status: 403 }`.
   */
  failNext(
    reply: ConnectorReply,
    times = 1,
    match: (request: ConnectorRequest) => boolean = () => true,
  ): void {
    for (let i = 0; i < times; i += 1) this.failures.push({ reply, match });
  }

  /** Installs custom logic consulted after queued failures; `undefined` removes it. */
  setResponder(responder: ConnectorResponder | undefined): void {
    this.responder = responder;
  }

  /** Sets what `GET /v3/conversations/{id}/members[/{memberId}]` answers for a conversation. */
  setMembers(conversationId: string, members: FakeTeamsMember[]): void {
    this.members.set(conversationId, members);
  }

  private async handle(req: IncomingMessage, raw: Buffer, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const v3 = url.pathname.indexOf('/v3/');
    const path = v3 >= 0 ? url.pathname.slice(v3) : url.pathname;
    const verb = (req.method ?? 'GET').toUpperCase();
    let body: unknown;
    if (raw.length > 0) {
      const text = raw.toString('utf8');
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const segments = path.split('/').filter((s) => s !== '');
    const decoded = segments.map((s) => decodeURIComponent(s));
    // decoded: ['v3', 'conversations', id?, 'activities' | 'members', id?]
    const isConversations = decoded[0] === 'v3' && decoded[1] === 'conversations';
    const conversationId = isConversations ? decoded[2] : undefined;
    const sub = decoded[3];
    const subId = decoded[4];
    const isActivityBody =
      isConversations && sub === 'activities' && subId !== 'history' && (verb === 'POST' || verb === 'PUT');
    const request: ConnectorRequest = {
      verb,
      path,
      conversationId,
      activityId: sub === 'activities' && verb !== 'POST' ? subId : undefined,
      replyToId: sub === 'activities' && verb === 'POST' && subId !== 'history' ? subId : undefined,
      memberId: sub === 'members' ? subId : undefined,
      activity: isActivityBody && isObject(body) ? body : undefined,
      body: isActivityBody ? undefined : body,
      headers: req.headers,
      at: Date.now(),
    };
    this.log.push(request);

    const failureIndex = this.failures.findIndex((f) => f.match(request));
    let reply: ConnectorReply | undefined;
    if (failureIndex >= 0) {
      reply = this.failures[failureIndex]?.reply;
      this.failures.splice(failureIndex, 1);
    }
    if (reply === undefined && this.responder) reply = await this.responder(request);
    if (reply !== undefined) {
      writeReply(res, reply);
      return;
    }
    this.answerDefault(request, isConversations, res);
  }

  private answerDefault(request: ConnectorRequest, isConversations: boolean, res: ServerResponse): void {
    const { verb, conversationId } = request;
    const segments = request.path.split('/').filter((s) => s !== '');
    const sub = segments[3];
    if (!isConversations) {
      writeReply(res, { status: 404, code: 'NotFound', body: undefined });
      return;
    }
    if (conversationId === undefined) {
      if (verb === 'POST') {
        this.conversationCounter += 1;
        sendJson(res, 201, {
          id: `conv-${this.conversationCounter}`,
          serviceUrl: this.serviceUrl,
          activityId: isObject(request.body) && request.body.activity ? this.nextActivityId() : undefined,
        });
      } else {
        sendJson(res, 200, { conversations: [], continuationToken: null });
      }
      return;
    }
    if (sub === 'activities') {
      if (verb === 'POST') sendJson(res, 201, { id: this.nextActivityId() });
      else if (verb === 'PUT') sendJson(res, 200, { id: request.activityId });
      else if (verb === 'DELETE') sendJson(res, 200, undefined);
      else writeReply(res, { status: 405, code: 'BadArgument' });
      return;
    }
    if (sub === 'members' && verb === 'GET') {
      const members = this.members.get(conversationId);
      if (request.memberId === undefined) {
        sendJson(res, 200, members ?? []);
        return;
      }
      const member = members?.find((m) => m.id === request.memberId || m.aadObjectId === request.memberId);
      if (members && !member) {
        writeReply(res, { status: 404, code: 'MemberNotFoundInConversation' });
        return;
      }
      sendJson(res, 200, member ?? syntheticMember(request.memberId));
      return;
    }
    if (sub === 'pagedmembers' && verb === 'GET') {
      sendJson(res, 200, { members: this.members.get(conversationId) ?? [] });
      return;
    }
    sendJson(res, 200, {});
  }

  private nextActivityId(): string {
    this.activityCounter += 1;
    return `activity-${this.activityCounter}`;
  }
}

function writeReply(res: ServerResponse, reply: ConnectorReply): void {
  const headers: Record<string, string> = { ...reply.headers };
  if (reply.retryAfterSec !== undefined) headers['retry-after'] = String(reply.retryAfterSec);
  const body =
    reply.body !== undefined || reply.status < 400
      ? reply.body
      : {
          error: {
            code: reply.code ?? DEFAULT_CODES[reply.status] ?? 'ServiceError',
            message: `FakeBotConnector answered ${reply.status}`,
          },
        };
  sendJson(res, reply.status, body, headers);
}

function syntheticMember(id: string): FakeTeamsMember {
  const short = id.replace(/^\d+:/, '');
  return {
    id,
    name: `Member ${short}`,
    aadObjectId: `aad-${short}`,
    email: `${short}@example.com`,
    userPrincipalName: `${short}@example.com`,
    userRole: 'user',
  };
}

function activitySummary(activity: Record<string, unknown>): Record<string, unknown> {
  const { type, text, attachments, replyToId } = activity;
  return {
    type,
    ...(text !== undefined ? { text } : {}),
    ...(Array.isArray(attachments) ? { attachments: attachments.length } : {}),
    ...(replyToId !== undefined ? { replyToId } : {}),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
