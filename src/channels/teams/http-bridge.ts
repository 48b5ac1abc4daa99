/**
 * botbuilder's `CloudAdapter.process` expects Express-like objects: a request with the body already
 * parsed, and a response with `status/header/send/end`. These adapt `node:http` to that shape.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request as BotRequest, Response as BotResponse } from 'botbuilder';

export function botRequest(req: IncomingMessage, body: Record<string, unknown>): BotRequest {
  return { body, headers: req.headers, method: req.method };
}

/** Collects what the adapter answers and writes it once, on `end()`. */
export class BotResponseBridge implements BotResponse {
  private statusCode = 200;
  private readonly headers: Record<string, string> = {};
  private body: string | undefined;

  constructor(private readonly res: ServerResponse) {}

  get socket(): unknown {
    return this.res.socket;
  }

  status(code: number): this {
    this.statusCode = code;
    return this;
  }

  header(name: string, value: unknown): this {
    this.headers[name.toLowerCase()] = String(value);
    return this;
  }

  send(body?: unknown): this {
    if (body === undefined || body === null) return this;
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      this.body = body.toString();
      this.headers['content-type'] ??= 'text/plain; charset=utf-8';
    } else {
      this.body = JSON.stringify(body);
      this.headers['content-type'] = 'application/json; charset=utf-8';
    }
    return this;
  }

  end(): this {
    if (this.res.headersSent) return this;
    const body = this.body ?? '';
    this.res.writeHead(this.statusCode, { ...this.headers, 'content-length': Buffer.byteLength(body) });
    this.res.end(body);
    return this;
  }
}
