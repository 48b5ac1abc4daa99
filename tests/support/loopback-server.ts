import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Handles one request whose body has already been read in full. */
export type LoopbackHandler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => Promise<void>;

/** Largest request body a loopback fake accepts, in bytes. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * A `node:http` server on 127.0.0.1 with a random port that reads whole bodies and, on `stop()`,
 * destroys every open socket so Jest can exit. The shared base of the fakes in this folder.
 */
export class LoopbackServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  /**
   * @param name - used in error messages, e.g. `'FakeSlackApi'`.
   * @param handler - answers each request; a thrown error becomes an HTTP 500 naming it.
   */
  constructor(
    private readonly name: string,
    private readonly handler: LoopbackHandler,
  ) {}

  /** `http://127.0.0.1:PORT` (no trailing slash); throws before `start()`. */
  get origin(): string {
    const address = this.server?.address();
    if (!address || typeof address === 'string') {
      throw new Error(`${this.name} is not listening: await start() first`);
    }
    return `http://127.0.0.1:${(address as AddressInfo).port}`;
  }

  /** True between `start()` and `stop()`. */
  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  /** Listens on 127.0.0.1 with a port chosen by the OS. Calling it twice is an error. */
  async start(): Promise<void> {
    if (this.server) throw new Error(`${this.name} is already started`);
    const server = createServer((req, res) => void this.dispatch(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  /** Stops listening and destroys all sockets, including idle keep-alive ones. Safe to call twice. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const body = await readBody(req);
      await this.handler(req, body, res);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
      }
      res.end(JSON.stringify({ ok: false, error: `${this.name} failed: ${message}` }));
    }
  }
}

/** Reads a request body up to {@link MAX_BODY_BYTES}. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`request body over ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Writes a JSON response with optional extra headers. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

interface Waiter<T> {
  match: (item: T) => boolean;
  resolve: (item: T) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * An append-only record of things a fake saw, with waiting: `waitFor` resolves with the first item
 * (already recorded or arriving later) that matches, or rejects after a bounded time.
 */
export class RecordLog<T> {
  private readonly items: T[] = [];
  private readonly waiters = new Set<Waiter<T>>();

  /** @param describe - renders one item for timeout messages. */
  constructor(private readonly describe: (item: T) => string) {}

  /** Appends an item and wakes matching waiters. */
  push(item: T): void {
    this.items.push(item);
    for (const waiter of [...this.waiters]) {
      if (waiter.match(item)) {
        this.waiters.delete(waiter);
        clearTimeout(waiter.timer);
        waiter.resolve(item);
      }
    }
  }

  /** A copy of the items recorded so far, oldest first. */
  all(): T[] {
    return [...this.items];
  }

  /** Forgets recorded items (pending waiters keep waiting). */
  clear(): void {
    this.items.length = 0;
  }

  /**
   * Resolves with the first matching item; rejects after `timeoutMs` with `what` and a list of the
   * items seen.
   */
  waitFor(match: (item: T) => boolean, timeoutMs: number, what: string): Promise<T> {
    const found = this.items.find(match);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = {
        match,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new Error(`${what}: nothing matched within ${timeoutMs} ms. ${this.summary()}`));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Rejects every pending waiter, e.g. when the fake stops. */
  rejectAll(reason: string): void {
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(reason));
    }
    this.waiters.clear();
  }

  /** `Seen (n): …` with one line per item, for error messages. */
  summary(): string {
    if (this.items.length === 0) return 'Seen: nothing.';
    const lines = this.items.map((item, index) => `  ${index + 1}. ${this.describe(item)}`);
    return `Seen (${this.items.length}):\n${lines.join('\n')}`;
  }
}

/** Shortens a JSON rendering of a value for log and error lines. */
export function brief(value: unknown, max = 160): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
