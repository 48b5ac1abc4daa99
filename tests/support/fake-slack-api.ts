import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

import { brief, LoopbackServer, RecordLog, sendJson } from './loopback-server';

/** One Web API call the fake received. */
export interface SlackApiCall {
  /** The Web API method, e.g. `'chat.postMessage'`. */
  method: string;
  /** Body fields; `blocks`, `attachments`, `view`, `metadata` and `files` are JSON-decoded. */
  params: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  /** The bearer token from `Authorization` (or a `token` field), if any. */
  token: string | undefined;
  /** Receipt time, epoch milliseconds. */
  at: number;
}

/** One POST to a `response_url` served by the fake (Bolt's `respond()`). */
export interface SlackResponseUrlPost {
  /** The id given to {@link FakeSlackApi.responseUrl}. */
  id: string;
  /** The JSON body (or form fields) posted. */
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  at: number;
}

/** One file body uploaded to an `upload_url` from `files.getUploadURLExternal`. */
export interface SlackUpload {
  fileId: string;
  /** The filename given to `files.getUploadURLExternal`. */
  filename: string;
  content: Buffer;
  headers: IncomingHttpHeaders;
  at: number;
}

/**
 * What the fake answers to a call:
 * - `{ status: 429, retryAfterSec }`: HTTP 429 with `Retry-After`;
 * - `{ status, body? }`: that HTTP status (e.g. 500), with `body` or a small JSON error;
 * - `{ error, ...extra }`: HTTP 200 `{ ok: false, error, ...extra }` (a `WebAPIPlatformError`);
 * - `{ ok: true, ... }` or any other object: HTTP 200 with that JSON (`ok: true` added if absent).
 */
export type SlackReply =
  | { status: 429; retryAfterSec: number }
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | { error: string; [field: string]: unknown }
  | Record<string, unknown>;

/**
 * Custom logic for one method. Return `undefined` to fall through to the default answer, or call
 * `defaultReply()` to build on it.
 */
export type SlackResponder = (
  call: SlackApiCall,
  defaultReply: () => Record<string, unknown>,
) => SlackReply | undefined | Promise<SlackReply | undefined>;

/** A user as `users.info` describes them. */
export interface FakeSlackUser {
  /** IANA time zone, e.g. `'Europe/Berlin'`. */
  tz?: string;
  /** The real name; the username is derived from it. */
  name?: string;
  email?: string;
  isBot?: boolean;
  deleted?: boolean;
}

/** Identity of the workspace and bot the fake pretends to be. */
export interface FakeSlackApiOptions {
  teamId?: string;
  teamDomain?: string;
  botUserId?: string;
  botId?: string;
  appId?: string;
  /** Time zone for users not given to `setUser`; default `'UTC'`. */
  defaultTz?: string;
}

/** A message as the fake holds it after `chat.postMessage`/`chat.update`/`chat.delete`. */
export interface FakeSlackMessage {
  channel: string;
  ts: string;
  text: string | undefined;
  blocks: unknown;
  threadTs: string | undefined;
  /** How many times `chat.update` changed it. */
  updates: number;
}

const DECODED_FIELDS = ['blocks', 'attachments', 'view', 'metadata', 'files'];
const DEFAULT_WAIT_MS = 3000;

/**
 * A loopback imitation of the Slack Web API for `@slack/web-api` 8 / `@slack/bolt` 5. Point the
 * client at it with `slackApiUrl: fake.url`; calls arrive as `POST /api/{method}`.
 */
export class FakeSlackApi {
  readonly teamId: string;
  readonly teamDomain: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly appId: string;
  private readonly defaultTz: string;

  private readonly server = new LoopbackServer('FakeSlackApi', (req, body, res) =>
    this.handle(req, body, res),
  );
  private readonly callLog = new RecordLog<SlackApiCall>(
    (c) => `${c.method} ${brief(withoutToken(c.params))}`,
  );
  private readonly responseLog = new RecordLog<SlackResponseUrlPost>(
    (p) => `response/${p.id} ${brief(p.body)}`,
  );
  private readonly uploadLog: SlackUpload[] = [];
  private readonly failures = new Map<string, SlackReply[]>();
  private readonly responders = new Map<string, SlackResponder>();
  private readonly users = new Map<string, FakeSlackUser>();
  private readonly messageStore = new Map<string, FakeSlackMessage>();
  private readonly pendingUploads = new Map<string, string>();
  /** Files members shared, by path under `/files/`, as `url_private_download` serves them. */
  private readonly sharedFiles = new Map<string, string>();
  /** Bot tokens each download of a shared file came with. */
  readonly fileDownloads: Array<{ path: string; token: string | undefined }> = [];
  private tsCounter = 0;
  private idCounter = 0;

  constructor(options: FakeSlackApiOptions = {}) {
    this.teamId = options.teamId ?? 'T0RAPPORT';
    this.teamDomain = options.teamDomain ?? 'rapport-test';
    this.botUserId = options.botUserId ?? 'U0RAPPORTBOT';
    this.botId = options.botId ?? 'B0RAPPORT';
    this.appId = options.appId ?? 'A0RAPPORT';
    this.defaultTz = options.defaultTz ?? 'UTC';
  }

  /** `http://127.0.0.1:PORT` without a trailing slash. */
  get origin(): string {
    return this.server.origin;
  }

  /** The base to give as `slackApiUrl`: `http://127.0.0.1:PORT/api/`. */
  get url(): string {
    return `${this.server.origin}/api/`;
  }

  /** Starts listening on a random loopback port. */
  start(): Promise<void> {
    return this.server.start();
  }

  /** Closes the server and every socket; rejects pending waits. */
  async stop(): Promise<void> {
    this.callLog.rejectAll('FakeSlackApi stopped while waiting');
    this.responseLog.rejectAll('FakeSlackApi stopped while waiting');
    await this.server.stop();
  }

  /** Forgets recorded calls, responses, uploads, messages and queued failures (keeps users/responders). */
  reset(): void {
    this.callLog.clear();
    this.responseLog.clear();
    this.uploadLog.length = 0;
    this.failures.clear();
    this.messageStore.clear();
  }

  /** Calls received so far, oldest first, optionally only those of one method. */
  calls(method?: string): SlackApiCall[] {
    const all = this.callLog.all();
    return method === undefined ? all : all.filter((c) => c.method === method);
  }

  /**
   * Resolves with the first call (already received or arriving within `timeoutMs`) of `method`
   * matching `predicate`; rejects listing the calls seen.
   */
  waitFor(
    method: string,
    predicate: (call: SlackApiCall) => boolean = () => true,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<SlackApiCall> {
    return this.callLog.waitFor(
      (c) => c.method === method && predicate(c),
      timeoutMs,
      `FakeSlackApi.waitFor('${method}')`,
    );
  }

  /** The URL to use as a `response_url`: `${origin}/response/${id}`. */
  responseUrl(id: string): string {
    return `${this.server.origin}/response/${encodeURIComponent(id)}`;
  }

  /** POSTs received on response URLs, optionally for one id. */
  responses(id?: string): SlackResponseUrlPost[] {
    const all = this.responseLog.all();
    return id === undefined ? all : all.filter((p) => p.id === id);
  }

  /** Resolves with the first POST to `responseUrl(id)` matching `predicate`, or rejects after `timeoutMs`. */
  waitForResponse(
    id: string,
    predicate: (post: SlackResponseUrlPost) => boolean = () => true,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<SlackResponseUrlPost> {
    return this.responseLog.waitFor(
      (p) => p.id === id && predicate(p),
      timeoutMs,
      `FakeSlackApi.waitForResponse('${id}')`,
    );
  }

  /** File bodies uploaded through the `files.uploadV2` flow. */
  uploads(): SlackUpload[] {
    return [...this.uploadLog];
  }

  /** Messages posted and not deleted, with updates applied, optionally in one channel. */
  messages(channel?: string): FakeSlackMessage[] {
    const all = [...this.messageStore.values()].map((m) => ({ ...m }));
    return channel === undefined ? all : all.filter((m) => m.channel === channel);
  }

  /** Makes the next `times` calls of `method` get `reply` instead of the usual answer. */
  failNext(method: string, reply: SlackReply, times = 1): void {
    const queue = this.failures.get(method) ?? [];
    for (let i = 0; i < times; i += 1) queue.push(reply);
    this.failures.set(method, queue);
  }

  /** Installs custom logic for `method` (after queued failures); `undefined` removes it. */
  setResponder(method: string, responder: SlackResponder | undefined): void {
    if (responder) this.responders.set(method, responder);
    else this.responders.delete(method);
  }

  /**
   * Serves `content` as a shared file's `url_private_download` (GET, bot token required); returns the URL.
   */
  shareFile(name: string, content: string): string {
    const path = `/files/F${String(++this.idCounter).padStart(8, '0')}/${name}`;
    this.sharedFiles.set(path, content);
    return `${this.origin}${path}`;
  }

  /** Describes a user for `users.info` (time zone, real name, email). */
  setUser(id: string, user: FakeSlackUser): void {
    this.users.set(id, { ...this.users.get(id), ...user });
  }

  private async handle(req: IncomingMessage, raw: Buffer, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const at = Date.now();
    if (req.method === 'GET' && path.startsWith('/files/')) {
      const token = bearer(req.headers.authorization);
      this.fileDownloads.push({ path, token });
      const content = this.sharedFiles.get(path);
      const allowed = content !== undefined && token?.startsWith('xoxb-');
      res.writeHead(allowed ? 200 : 404, { 'content-type': allowed ? 'text/csv' : 'text/plain' });
      res.end(allowed ? content : 'Not found');
      return;
    }
    if (req.method !== 'POST') {
      sendJson(res, 405, { ok: false, error: 'method_not_allowed' });
      return;
    }
    if (path.startsWith('/api/')) {
      const method = decodeURIComponent(path.slice('/api/'.length));
      const params = decodeFields(await parseBody(req.headers, raw));
      const token = bearer(req.headers.authorization) ?? stringOf(params.token);
      const call: SlackApiCall = { method, params, headers: req.headers, token, at };
      this.callLog.push(call);
      await this.answer(call, res);
      return;
    }
    if (path.startsWith('/response/')) {
      const id = decodeURIComponent(path.slice('/response/'.length));
      const body = await parseBody(req.headers, raw);
      this.responseLog.push({ id, body, headers: req.headers, at });
      sendJson(res, 200, { ok: true });
      return;
    }
    if (path.startsWith('/upload/')) {
      const fileId = decodeURIComponent(path.slice('/upload/'.length));
      const content = await uploadedContent(req.headers, raw);
      const filename = this.pendingUploads.get(fileId) ?? '';
      this.uploadLog.push({ fileId, filename, content, headers: req.headers, at });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`OK - ${content.length}`);
      return;
    }
    sendJson(res, 404, { ok: false, error: `FakeSlackApi has no route for ${path}` });
  }

  private async answer(call: SlackApiCall, res: ServerResponse): Promise<void> {
    const defaultReply = (): Record<string, unknown> => this.defaultReply(call);
    const queued = this.failures.get(call.method);
    let reply: SlackReply | undefined = queued?.shift();
    if (reply === undefined) {
      const responder = this.responders.get(call.method);
      reply = responder ? await responder(call, defaultReply) : undefined;
    }
    writeReply(res, reply ?? defaultReply());
  }

  private defaultReply(call: SlackApiCall): Record<string, unknown> {
    const p = call.params;
    switch (call.method) {
      case 'api.test':
        return { ok: true, args: p };
      case 'auth.test':
        return {
          ok: true,
          url: `https://${this.teamDomain}.slack.com/`,
          team: 'Rapport Test',
          user: 'rapport',
          team_id: this.teamId,
          user_id: this.botUserId,
          bot_id: this.botId,
          is_enterprise_install: false,
        };
      case 'conversations.open': {
        if (typeof p.channel === 'string') return { ok: true, channel: { id: p.channel } };
        const users = stringOf(p.users);
        if (!users) return { ok: false, error: 'users_list_not_supplied' };
        return { ok: true, channel: { id: `D${users.replace(/,/g, '')}` } };
      }
      case 'chat.postMessage': {
        const channel = stringOf(p.channel);
        if (!channel) return { ok: false, error: 'channel_not_found' };
        if (p.text === undefined && p.blocks === undefined && p.attachments === undefined) {
          return { ok: false, error: 'no_text' };
        }
        const ts = this.nextTs();
        const threadTs = stringOf(p.thread_ts);
        this.messageStore.set(ts, {
          channel,
          ts,
          text: stringOf(p.text),
          blocks: p.blocks,
          threadTs,
          updates: 0,
        });
        return { ok: true, channel, ts, message: this.messageJson(ts, p) };
      }
      case 'chat.update': {
        const channel = stringOf(p.channel);
        const ts = stringOf(p.ts);
        if (!channel) return { ok: false, error: 'channel_not_found' };
        if (!ts) return { ok: false, error: 'message_not_found' };
        const stored = this.messageStore.get(ts);
        if (stored) {
          if (p.text !== undefined) stored.text = stringOf(p.text);
          if (p.blocks !== undefined) stored.blocks = p.blocks;
          stored.updates += 1;
        }
        return { ok: true, channel, ts, text: p.text ?? '', message: this.messageJson(ts, p) };
      }
      case 'chat.delete': {
        const ts = stringOf(p.ts);
        if (ts) this.messageStore.delete(ts);
        return { ok: true, channel: p.channel, ts };
      }
      case 'chat.postEphemeral':
        if (!stringOf(p.channel)) return { ok: false, error: 'channel_not_found' };
        return { ok: true, message_ts: this.nextTs() };
      case 'views.open':
      case 'views.push':
      case 'views.publish':
      case 'views.update':
        return { ok: true, view: this.viewJson(call.method, p) };
      case 'users.info': {
        const id = stringOf(p.user);
        if (!id) return { ok: false, error: 'user_not_found' };
        return { ok: true, user: this.userJson(id) };
      }
      case 'users.lookupByEmail': {
        const email = stringOf(p.email);
        const found = [...this.users.entries()].find(([, u]) => u.email !== undefined && u.email === email);
        return found ? { ok: true, user: this.userJson(found[0]) } : { ok: false, error: 'users_not_found' };
      }
      case 'files.getUploadURLExternal': {
        const fileId = `F${String(++this.idCounter).padStart(8, '0')}`;
        this.pendingUploads.set(fileId, stringOf(p.filename) ?? '');
        return { ok: true, upload_url: `${this.server.origin}/upload/${fileId}`, file_id: fileId };
      }
      case 'files.completeUploadExternal': {
        const files = Array.isArray(p.files) ? (p.files as Array<Record<string, unknown>>) : [];
        return {
          ok: true,
          files: files.map((f) => ({
            id: f.id,
            title: f.title ?? this.pendingUploads.get(String(f.id)),
            name: this.pendingUploads.get(String(f.id)),
          })),
        };
      }
      default:
        return { ok: false, error: 'unknown_method', note: `FakeSlackApi has no default for ${call.method}` };
    }
  }

  private nextTs(): string {
    this.tsCounter += 1;
    const micros = this.tsCounter * 100;
    const seconds = 1_700_000_000 + Math.floor(micros / 1_000_000);
    return `${seconds}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }

  private messageJson(ts: string, p: Record<string, unknown>): Record<string, unknown> {
    return {
      type: 'message',
      subtype: 'bot_message',
      text: p.text ?? '',
      user: this.botUserId,
      bot_id: this.botId,
      app_id: this.appId,
      team: this.teamId,
      ts,
      ...(p.blocks !== undefined ? { blocks: p.blocks } : {}),
      ...(p.attachments !== undefined ? { attachments: p.attachments } : {}),
      ...(p.thread_ts !== undefined ? { thread_ts: p.thread_ts } : {}),
    };
  }

  private viewJson(method: string, p: Record<string, unknown>): Record<string, unknown> {
    const view = typeof p.view === 'object' && p.view !== null ? (p.view as Record<string, unknown>) : {};
    const id = stringOf(p.view_id) ?? `V${String(++this.idCounter).padStart(8, '0')}`;
    return {
      id,
      team_id: this.teamId,
      app_id: this.appId,
      bot_id: this.botId,
      type: view.type ?? (method === 'views.publish' ? 'home' : 'modal'),
      private_metadata: '',
      callback_id: '',
      external_id: stringOf(p.external_id) ?? '',
      state: { values: {} },
      hash: `${Date.now()}.${id}`,
      root_view_id: id,
      previous_view_id: null,
      ...view,
    };
  }

  private userJson(id: string): Record<string, unknown> {
    const user = this.users.get(id) ?? {};
    const tz = user.tz ?? this.defaultTz;
    const realName = user.name ?? `User ${id}`;
    return {
      id,
      team_id: this.teamId,
      name: realName.toLowerCase().replace(/[^a-z0-9]+/g, '.'),
      real_name: realName,
      deleted: user.deleted ?? false,
      is_bot: user.isBot ?? false,
      tz,
      tz_label: tzLabel(tz),
      tz_offset: tzOffsetSeconds(tz),
      profile: {
        real_name: realName,
        display_name: realName,
        ...(user.email !== undefined ? { email: user.email } : {}),
      },
    };
  }
}

function writeReply(res: ServerResponse, reply: SlackReply): void {
  if ('status' in reply && typeof reply.status === 'number') {
    const status = reply.status;
    const headers: Record<string, string> = {};
    if ('retryAfterSec' in reply && reply.retryAfterSec !== undefined) {
      headers['retry-after'] = String(reply.retryAfterSec);
    }
    if ('headers' in reply && reply.headers) Object.assign(headers, reply.headers);
    const body =
      'body' in reply && reply.body !== undefined
        ? reply.body
        : { ok: false, error: status === 429 ? 'ratelimited' : `http_${status}` };
    sendJson(res, status, body, headers);
    return;
  }
  if ('error' in reply && typeof reply.error === 'string') {
    sendJson(res, 200, { ...reply, ok: false });
    return;
  }
  sendJson(res, 200, { ok: true, ...reply });
}

async function parseBody(headers: IncomingHttpHeaders, raw: Buffer): Promise<Record<string, unknown>> {
  const type = (headers['content-type'] ?? '').toLowerCase();
  if (raw.length === 0) return {};
  if (type.startsWith('application/json')) {
    const parsed: unknown = JSON.parse(raw.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  }
  if (type.startsWith('multipart/form-data')) {
    const form = await new Request('http://fake/', {
      method: 'POST',
      headers: { 'content-type': type },
      body: raw,
    }).formData();
    const out: Record<string, unknown> = {};
    for (const [key, value] of form.entries()) {
      out[key] = typeof value === 'string' ? value : Buffer.from(await value.arrayBuffer());
    }
    return out;
  }
  return Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
}

async function uploadedContent(headers: IncomingHttpHeaders, raw: Buffer): Promise<Buffer> {
  const type = (headers['content-type'] ?? '').toLowerCase();
  if (!type.startsWith('multipart/form-data')) return raw;
  const fields = await parseBody(headers, raw);
  const file = Object.values(fields).find((v): v is Buffer => Buffer.isBuffer(v));
  return file ?? raw;
}

function decodeFields(params: Record<string, unknown>): Record<string, unknown> {
  const out = { ...params };
  for (const key of DECODED_FIELDS) {
    const value = out[key];
    if (typeof value !== 'string') continue;
    try {
      out[key] = JSON.parse(value);
    } catch {
      // Left as sent: a test may want to see a malformed field.
    }
  }
  return out;
}

function withoutToken(params: Record<string, unknown>): Record<string, unknown> {
  const { token: _token, ...rest } = params;
  return rest;
}

function bearer(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return match?.[1];
}

function stringOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

function tzOffsetSeconds(tz: string, at = new Date()): number {
  const name =
    new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' })
      .formatToParts(at)
      .find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /GMT([+-])(\d{1,2}):?(\d{2})?/.exec(name);
  if (!match) return 0;
  const seconds = Number(match[2]) * 3600 + Number(match[3] ?? '0') * 60;
  return match[1] === '-' ? -seconds : seconds;
}

function tzLabel(tz: string, at = new Date()): string {
  return (
    new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'long' })
      .formatToParts(at)
      .find((part) => part.type === 'timeZoneName')?.value ?? tz
  );
}
