/**
 * The service's one HTTP server (node:http). Channels mount their routes here; `/healthz` (liveness) and
 * `/readyz` (readiness: 200 when ready, 503 naming what is not) are built in.
 * A handler that throws gets a 500 for that request only; the process keeps running. A route may be
 * local-only (Teams with authentication off): the whole server then listens on loopback.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeError } from '../core/errors';
import type { Logger } from '../core/ports';

/** How long `close()` lets requests in progress finish before cutting their connections. */
const CLOSE_GRACE_MS = 10_000;

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export interface Route {
  method: 'GET' | 'POST';
  path: string;
  handler: RouteHandler;
  /**
   * Served to this machine only (an endpoint without authentication, for local testing). The server then
   * listens on loopback ({@link LOOPBACK_HOST}) unless given another loopback host, refuses to listen
   * anywhere else, and answers a request to this route from another address 403.
   */
  localOnly?: boolean;
}

export interface HttpServer {
  server: Server;
  /**
   * Resolves with the bound port (useful with port 0). Without `host`, every interface, or loopback only
   * when a route is local-only; a non-loopback `host` with a local-only route is refused.
   */
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

/** Where a server with a local-only route listens. */
export const LOOPBACK_HOST = '127.0.0.1';

/** Whether a host name or address (as in a URL, or as `listen` takes it) is this machine's loopback. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return (
    bare === 'localhost' ||
    bare === '::1' ||
    /^127(\.\d{1,3}){3}$/.test(bare) ||
    /^::ffff:127(\.\d{1,3}){3}$/.test(bare)
  );
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Thrown by `readBody` for a body that is too large or unreadable; carries the HTTP status to answer. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Reads a request body up to `limitBytes` (413 beyond). */
export async function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limitBytes) throw new HttpError(413, `body larger than ${limitBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limitBytes) throw new HttpError(413, `body larger than ${limitBytes} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** Reads and parses a JSON body; 400 for malformed JSON, 415 for another content type. */
export async function readJson(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  const type = String(req.headers['content-type'] ?? '');
  if (!/^application\/(.+\+)?json\b/i.test(type)) throw new HttpError(415, 'expected application/json');
  const body = await readBody(req, limitBytes);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'malformed JSON');
  }
}

export function createHttpServer(
  routes: Route[],
  logger: Logger,
  health: () => Promise<object> = async () => ({}),
  readiness: () => Promise<{ ready: boolean; failing?: string[] }> = async () => ({ ready: true }),
  /**
   * Whether a request may see the probes' details (which workspaces are held and why, what failed): by
   * default only callers on this machine. Everyone else gets the status alone.
   */
  detailsAllowed: (req: IncomingMessage) => boolean = (req) => isLoopbackHost(req.socket.remoteAddress ?? ''),
): HttpServer {
  const all: Route[] = [
    {
      method: 'GET',
      path: '/healthz',
      handler: async (req, res) =>
        sendJson(res, 200, detailsAllowed(req) ? { ok: true, ...(await health()) } : { ok: true }),
    },
    {
      method: 'GET',
      path: '/readyz',
      handler: async (req, res) => {
        const report = await readiness();
        const body = detailsAllowed(req) ? report : { ready: report.ready, failing: report.failing ?? [] };
        sendJson(res, report.ready ? 200 : 503, body);
      },
    },
    ...routes,
  ];
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const forPath = all.filter((route) => route.path === path);
    if (forPath.length === 0) return sendJson(res, 404, { error: 'not found' });
    const route = forPath.find((candidate) => candidate.method === req.method);
    if (!route) {
      res.setHeader('allow', forPath.map((r) => r.method).join(', '));
      return sendJson(res, 405, { error: 'method not allowed' });
    }
    if (route.localOnly && !isLoopbackHost(req.socket.remoteAddress ?? '')) {
      return sendJson(res, 403, { error: 'this endpoint serves this machine only' });
    }
    Promise.resolve()
      .then(() => route.handler(req, res))
      .catch((error: unknown) => {
        if (error instanceof HttpError) return sendJson(res, error.status, { error: error.message });
        logger.error({ path, err: describeError(error) }, 'request handler failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.end();
      });
  });
  // Slow or idle clients must not hold sockets forever.
  server.requestTimeout = 30_000;
  server.headersTimeout = 20_000;
  const localOnly = all.filter((route) => route.localOnly).map((route) => route.path);
  return {
    server,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        const bindHost = host ?? (localOnly.length ? LOOPBACK_HOST : undefined);
        if (localOnly.length && bindHost !== undefined && !isLoopbackHost(bindHost)) {
          reject(
            new Error(
              `refusing to listen on ${bindHost}: ${localOnly.join(', ')} must only be reachable from this machine`,
            ),
          );
          return;
        }
        server.once('error', reject);
        server.listen(port, bindHost, () => {
          server.off('error', reject);
          // After start, a server error is logged; it must not take the process down.
          server.on('error', (error) => logger.error({ err: describeError(error) }, 'HTTP server error'));
          resolve((server.address() as AddressInfo).port);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Requests still open after the drain bound are cut, so a stop always ends.
        setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS).unref();
      }),
  };
}
