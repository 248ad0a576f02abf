import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

import type { GatewayCall, PartnerCall } from './audit';

/** How a stand-in behaves: as the real system does, or failing in one of the ways outages look. */
export type Mode = 'ok' | '503' | 'slow' | 'refuse';

interface Call {
  path: string;
  key: string;
  body: unknown;
  at: number;
  status: number;
  answered: boolean;
}

/**
 * A loopback HTTP server standing in for a system outside orderpulse, recording every call with
 * its idempotency key. `refuse` closes the listening socket (connections are refused, as when
 * the system is down); `slow` holds each answer for `slowMs` (beyond the caller's timeout).
 */
class StandIn {
  readonly calls: Call[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  mode: Mode = 'ok';

  constructor(
    readonly port: number,
    private readonly answer: (req: IncomingMessage, body: unknown) => { status: number; body?: unknown },
    private readonly slowMs: number,
  ) {}

  async start(): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res));
    server.keepAliveTimeout = 65_000;
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    // The port may be held for a moment as the local end of some outgoing connection (it lies in
    // the ephemeral range): try again, as a restarting server would.
    for (let attempt = 1; ; attempt += 1) {
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(this.port, '127.0.0.1', () => resolve());
        });
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 40) throw error;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    this.server = server;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = undefined;
      }
      const reply =
        this.mode === '503' ? { status: 503, body: { error: 'service unavailable' } } : this.answer(req, body);
      const call: Call = {
        path: req.url ?? '',
        key: String(req.headers['idempotency-key'] ?? ''),
        body,
        at: Date.now(),
        status: reply.status,
        answered: false,
      };
      this.calls.push(call);
      const send = () => {
        if (res.destroyed || req.socket.destroyed) return;
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(reply.body === undefined ? '' : JSON.stringify(reply.body), () => (call.answered = !res.destroyed));
      };
      if (this.mode === 'slow') setTimeout(send, this.slowMs);
      else send();
    });
  }

  /** Switches the behaviour; `refuse` stops listening, anything else listens again. */
  async setMode(mode: Mode): Promise<void> {
    if (mode === 'refuse' && this.server) {
      const server = this.server;
      this.server = undefined;
      for (const s of this.sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    } else if (mode !== 'refuse' && !this.server) {
      await this.start();
    }
    this.mode = mode;
  }

  async stop(): Promise<void> {
    await this.setMode('refuse');
  }
}

/** gorush's `/api/push` in sync mode: `{ counts, logs, success }`, a failed-push log per token that failed. */
export class PushGateway extends StandIn {
  constructor(port: number, slowMs: number) {
    super(
      port,
      (req, body) => {
        if (req.method !== 'POST' || req.url !== '/api/push') return { status: 404, body: { error: 'not found' } };
        const notifications = (body as { notifications?: unknown[] } | undefined)?.notifications ?? [];
        return { status: 200, body: { counts: notifications.length, logs: [], success: 'ok' } };
      },
      slowMs,
    );
  }

  records(): GatewayCall[] {
    return this.calls.map((c) => {
      const n = (c.body as { notifications?: { tokens?: string[]; data?: { messageId?: string } }[] } | undefined)
        ?.notifications?.[0];
      return {
        key: c.key,
        messageId: n?.data?.messageId ?? '',
        token: n?.tokens?.[0] ?? '',
        at: c.at,
        success: c.status === 200,
        answered: c.answered,
      };
    });
  }

  /** Pushes per order id, for the recovery probe. */
  reachedOrder(orderId: string): boolean {
    return this.calls.some(
      (c) =>
        c.status === 200 &&
        c.answered &&
        (c.body as { notifications?: { data?: { orderId?: string } }[] } | undefined)?.notifications?.[0]?.data
          ?.orderId === orderId,
    );
  }
}

/** The B2B middle office (passes every re-submission) and the user system (takes every audit-success message), as infra/local/partners.mjs answers. */
export class Partner extends StandIn {
  constructor(
    port: number,
    readonly partner: PartnerCall['partner'],
    slowMs: number,
  ) {
    super(
      port,
      (req) => {
        if (req.method !== 'POST') return { status: 404 };
        if (partner === 'middle-office' && req.url === '/reviews') return { status: 200, body: { result: 'passed' } };
        if (partner === 'user-system' && req.url === '/audit-results') return { status: 204 };
        return { status: 404 };
      },
      slowMs,
    );
  }

  records(): PartnerCall[] {
    return this.calls.map((c) => {
      const body = c.body as { caseId?: string; data?: { caseId?: string } } | undefined;
      return {
        partner: this.partner,
        key: c.key,
        caseId: body?.data?.caseId ?? body?.caseId ?? '',
        success: c.status < 300,
        answered: c.answered,
      };
    });
  }
}
