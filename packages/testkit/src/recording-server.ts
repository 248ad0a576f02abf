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
  /** Whether the answer was written; a held request whose client went away never is. */
  answered: boolean;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Hold the answer this long (to provoke a client timeout). */
  delayMs?: number;
  /** Hold the answer until `release()` (to catch a client mid-request). */
  hold?: boolean;
}

function decodablePath(target: string): boolean {
  try {
    decodeURIComponent(new URL(target, 'http://peer').pathname);
    return true;
  } catch {
    return false;
  }
}

/**
 * A real HTTP server on loopback standing in for a system outside orderpulse (push gateway,
 * middle office, user system). It records every request and answers with what the test
 * queued, then with the default.
 */
export class RecordingServer {
  readonly requests: RecordedRequest[] = [];
  private readonly queued: Reply[] = [];
  private held: (() => void)[] = [];
  private server: Server | undefined;
  url = '';

  constructor(private fallback: (request: RecordedRequest) => Reply = () => ({ status: 200, body: { ok: true } })) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      req.on('error', () => undefined);
      if (!decodablePath(req.url ?? '/')) {
        // As a real peer's router would: a target that is not a URL path is the client's fault.
        res.writeHead(400, { 'content-type': 'application/problem+json' }).end(
          JSON.stringify({
            type: 'about:blank',
            title: 'Bad Request',
            status: 400,
            detail: 'the request target is not a valid URL path',
          }),
        );
        return;
      }
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
        const recorded: RecordedRequest = {
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body,
          json,
          at: Date.now(),
          answered: false,
        };
        this.requests.push(recorded);
        const reply = this.queued.shift() ?? this.fallback(recorded);
        const send = () => {
          if (res.destroyed) return;
          res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
          res.end(reply.body === undefined ? '' : JSON.stringify(reply.body), () => (recorded.answered = true));
        };
        if (reply.hold) this.held.push(send);
        else if (reply.delayMs) setTimeout(send, reply.delayMs);
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

  /** How many requests are being held. */
  get holding(): number {
    return this.held.length;
  }

  /** Answers every held request (those whose client is still there). */
  release(): void {
    const held = this.held;
    this.held = [];
    for (const send of held) send();
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }
}
