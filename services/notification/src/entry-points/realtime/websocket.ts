import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

import {
  AppError,
  type AuthSettings,
  expiresAtOf,
  type Logger,
  type Principal,
  problemOf,
  type RateLimit,
  verifyToken,
} from '@orderpulse/service-kit';
import { WebSocket, WebSocketServer } from 'ws';

import { isCursor, type RealtimeBacklog } from '../../data-access/realtime-backlog';
import { recipientKey, recipientOf } from '../../domain/recipients';
import { type AccessWatchSettings, watchAccess } from './access-watch';
import { frameOf, subscribe } from './subscription';

export const WEBSOCKET_PATH = '/v1/realtime/ws';
/** The subprotocol a client asks for; browsers pass their token as a second one, `bearer.<token>`. */
export const SUBPROTOCOL = 'orderpulse.v1';
/** A client that reads this far behind is dropped; it comes back with its cursor. */
const MAX_BUFFERED_BYTES = 1 << 20;

interface Settings {
  auth: AuthSettings;
  addressLimit?: RateLimit | undefined;
  backlog: RealtimeBacklog;
  logger: Logger;
  heartbeatSeconds: number;
  replayLimit: number;
  access: AccessWatchSettings;
}

interface Connection {
  socket: WebSocket;
  alive: boolean;
}

/**
 * Terminals' WebSocket channel (`/v1/realtime/ws?cursor=…`): authenticated at the upgrade by
 * bearer header or `bearer.<token>` subprotocol, scoped to the caller's own messages, pinged
 * every heartbeat (a socket that misses a pong is closed), caught up from the client's cursor.
 * It is closed with 4401 `token_expired` when the token that opened it expires, and with 4403
 * `member_deactivated` when a member leaves its organisation; the terminal signs in again.
 */
export class WebSocketChannel {
  private readonly server = new WebSocketServer({
    noServer: true,
    maxPayload: 4_096,
    clientTracking: false,
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });
  private readonly connections = new Set<Connection>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(private readonly settings: Settings) {
    // A handshake `ws` refuses (method, Upgrade, key, version, subprotocol or extension header)
    // is answered as every refusal here is, with a problem document, not `ws`'s own page.
    this.server.on('wsClientError', (error: Error, socket: Duplex) => {
      refuse(
        socket,
        AppError.invalid(`not a WebSocket handshake: ${error.message}`),
        WEBSOCKET_PATH,
        /Version/.test(error.message) ? { 'sec-websocket-version': '13' } : {},
      );
    });
    this.heartbeat = setInterval(() => this.beat(), settings.heartbeatSeconds * 1_000);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.connections.size;
  }

  /** The HTTP server's `upgrade` handler. */
  upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      // `//` and the like: `new URL` throws, and a throw here would stop the process.
      return refuse(socket, AppError.invalid('the request target is not a valid URL'), '/');
    }
    if (url.pathname !== WEBSOCKET_PATH)
      return refuse(socket, new AppError('NOT_FOUND', `no WebSocket at ${url.pathname}`), url.pathname);
    void this.admit(req, url).then(
      ({ principal, token, cursor }) =>
        this.server.handleUpgrade(req, socket, head, (ws) => void this.open(ws, principal, token, cursor)),
      (error: unknown) =>
        refuse(
          socket,
          error instanceof AppError ? error : new AppError('UNAUTHENTICATED', 'not authenticated'),
          url.pathname,
        ),
    );
  };

  /** The upgrade's checks: the address's and the principal's rate limits, the token, the cursor, a recipient. */
  private async admit(
    req: IncomingMessage,
    url: URL,
  ): Promise<{ principal: Principal; token: string; cursor: string | undefined }> {
    await this.settings.addressLimit?.(req.socket.remoteAddress ?? 'unknown');
    const token = tokenOf(req);
    const principal = await verifyToken(token, this.settings.auth);
    await this.settings.auth.admit?.(principal);
    const cursor = url.searchParams.get('cursor') ?? undefined;
    if (cursor !== undefined && !isCursor(cursor))
      throw AppError.invalid('cursor is not a cursor this service gave out');
    recipientOf(principal);
    return { principal, token, cursor };
  }

  private async open(
    socket: WebSocket,
    principal: Principal,
    token: string,
    cursor: string | undefined,
  ): Promise<void> {
    const connection: Connection = { socket, alive: true };
    this.connections.add(connection);
    socket.on('pong', () => (connection.alive = true));
    socket.on('error', () => socket.terminate());
    // Terminals only listen; anything they send is ignored.
    const key = recipientKey(recipientOf(principal));
    let close = () => undefined as void;
    const unwatch = watchAccess(principal, token, expiresAtOf(token), this.settings.access, (why) =>
      socket.close(why.code, why.reason),
    );
    socket.once('close', () => {
      this.connections.delete(connection);
      unwatch();
      close();
    });
    try {
      const feed = await subscribe(this.settings.backlog, key, cursor, (entry) => this.send(socket, frameOf(entry)), {
        replay: this.settings.replayLimit,
      });
      close = feed.close;
      if (socket.readyState !== WebSocket.OPEN) return feed.close();
      this.send(socket, JSON.stringify({ type: 'hello', recipient: key, ...feed.hello }));
      feed.flush();
    } catch (error) {
      this.settings.logger.warn({ err: error, recipient: key }, 'realtime subscription failed');
      socket.close(1011, 'try again');
    }
  }

  private send(socket: WebSocket, frame: string): void {
    if (socket.readyState !== WebSocket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      socket.close(1013, 'too far behind; reconnect with your cursor');
      return;
    }
    socket.send(frame);
  }

  private beat(): void {
    for (const connection of this.connections) {
      if (!connection.alive) {
        connection.socket.terminate();
        continue;
      }
      connection.alive = false;
      connection.socket.ping();
    }
  }

  /** Tells every client the service is going away (they reconnect elsewhere with their cursor). */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    const closed = [...this.connections].map(
      (c) =>
        new Promise<void>((resolve) => {
          c.socket.once('close', () => resolve());
          c.socket.close(1001, 'service restarting');
          setTimeout(() => {
            c.socket.terminate();
            resolve();
          }, 2_000).unref();
        }),
    );
    await Promise.all(closed);
    this.server.close();
  }
}

function tokenOf(req: IncomingMessage): string {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length);
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const bearer = offered.find((p) => p.startsWith('bearer.'));
  if (bearer) return bearer.slice('bearer.'.length);
  throw new AppError('UNAUTHENTICATED', 'missing bearer token (Authorization header or bearer.<token> subprotocol)');
}

/** Answers a refused upgrade with a problem document, as the HTTP routes do. */
function refuse(socket: Duplex, error: AppError, path: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(problemOf(error, path, randomUUID()));
  if (typeof error.details.retryAfterSeconds === 'number')
    headers['retry-after'] = String(error.details.retryAfterSeconds);
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(
    `HTTP/1.1 ${error.status} ${error.code}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}connection: close\r\n\r\n${body}`,
  );
}
