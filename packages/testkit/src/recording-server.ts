import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: unknown;
  at: number;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Hold the answer this long (to provoke a client timeout). */
  delayMs?: number;
}

/**
 * A real HTTP server on loopback standing in for a system outside orderpulse (push gateway,
 * middle office, user system). It records every request and answers with what the test
 * queued, then with the default.
 */
export class RecordingServer {
  readonly requests: RecordedRequest[] = [];
  private readonly queued: Reply[] = [];
  private server: Server | undefined;
  url = '';

  constructor(private fallback: (request: RecordedRequest) => Reply = () => ({ status: 200, body: { ok: true } })) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = body ? JSON.parse(body) : undefined;
        } catch {
          json = undefined;
        }
        const recorded: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, json, at: Date.now() };
        this.requests.push(recorded);
        const reply = this.queued.shift() ?? this.fallback(recorded);
        const send = () => {
          res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
          res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
        };
        if (reply.delayMs) setTimeout(send, reply.delayMs);
        else send();
      });
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** The next requests get these answers, in order. */
  answerNext(...replies: Reply[]): void {
    this.queued.push(...replies);
  }

  answerAlways(fallback: (request: RecordedRequest) => Reply): void {
    this.fallback = fallback;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }
}
