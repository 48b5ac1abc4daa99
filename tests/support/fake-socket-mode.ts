import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { RecordLog } from './loopback-server';

const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/**
 * A loopback imitation of Slack's Socket Mode WebSocket endpoint: accepts one or more connections,
 * says `hello`, sends envelopes and records what the app sends back (its acks). Speaks just enough
 * RFC 6455 for that: text frames, ping/pong and close. Answer `apps.connections.open` on the fake
 * Web API with `{ url: socket.url }`.
 */
export class FakeSocketMode {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly received = new RecordLog<Record<string, unknown>>((m) => JSON.stringify(m));
  private connectionCount = 0;

  /** `ws://127.0.0.1:PORT/link`. */
  get url(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error('FakeSocketMode is not listening');
    return `ws://127.0.0.1:${address.port}/link`;
  }

  /** How many WebSocket connections were opened so far. */
  get connections(): number {
    return this.connectionCount;
  }

  async start(): Promise<void> {
    const server = createServer((_req, res) => {
      res.writeHead(426);
      res.end();
    });
    server.on('upgrade', (req, socket: Socket) => this.accept(req, socket));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.received.rejectAll('FakeSocketMode stopped');
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Sends an envelope (JSON text frame) to every connected client. */
  send(envelope: Record<string, unknown>): void {
    const frame = encodeFrame(0x1, Buffer.from(JSON.stringify(envelope), 'utf8'));
    for (const socket of this.sockets) socket.write(frame);
  }

  /** Resolves with the first message from the app matching `predicate` (e.g. an ack by envelope id). */
  waitFor(
    predicate: (message: Record<string, unknown>) => boolean,
    timeoutMs = 3000,
  ): Promise<Record<string, unknown>> {
    return this.received.waitFor(predicate, timeoutMs, 'FakeSocketMode.waitFor');
  }

  private accept(req: IncomingMessage, socket: Socket): void {
    const key = req.headers['sec-websocket-key'];
    if (typeof key !== 'string') {
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    const accept = createHash('sha1').update(`${key}${WEBSOCKET_GUID}`).digest('base64');
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    this.sockets.add(socket);
    this.connectionCount += 1;
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const frame = decodeFrame(pending);
        if (!frame) break;
        pending = pending.subarray(frame.length);
        if (frame.opcode === 0x1) {
          try {
            this.received.push(JSON.parse(frame.payload.toString('utf8')) as Record<string, unknown>);
          } catch {
            this.received.push({ unparsed: frame.payload.toString('utf8') });
          }
        } else if (frame.opcode === 0x9) {
          socket.write(encodeFrame(0xa, frame.payload));
        } else if (frame.opcode === 0x8) {
          socket.end(encodeFrame(0x8, frame.payload.subarray(0, 2)));
        }
      }
    });
    socket.write(
      encodeFrame(
        0x1,
        Buffer.from(
          JSON.stringify({
            type: 'hello',
            num_connections: 1,
            debug_info: { host: 'fake', approximate_connection_time: 18060 },
            connection_info: { app_id: 'A0RAPPORT' },
          }),
        ),
      ),
    );
  }
}

/** A server frame: FIN set, never masked. */
function encodeFrame(opcode: number, payload: Buffer): Buffer {
  let header: Buffer;
  if (payload.length < 126) header = Buffer.from([0x80 | opcode, payload.length]);
  else if (payload.length < 65536) {
    header = Buffer.alloc(4);
    header[0] = 0x80 | opcode;
    header[1] = 126;
    header.writeUInt16BE(payload.length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(payload.length), 2);
  }
  return Buffer.concat([header, payload]);
}

/** Reads one (masked) client frame from the start of `data`, or null if it is not all there yet. */
function decodeFrame(data: Buffer): { opcode: number; payload: Buffer; length: number } | null {
  if (data.length < 2) return null;
  const opcode = data[0]! & 0x0f;
  const masked = (data[1]! & 0x80) !== 0;
  let length = data[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (data.length < 4) return null;
    length = data.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (data.length < 10) return null;
    length = Number(data.readBigUInt64BE(2));
    offset = 10;
  }
  const maskOffset = offset;
  if (masked) offset += 4;
  if (data.length < offset + length) return null;
  const payload = Buffer.from(data.subarray(offset, offset + length));
  if (masked) for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ data[maskOffset + (i % 4)]!;
  return { opcode, payload, length: offset + length };
}
