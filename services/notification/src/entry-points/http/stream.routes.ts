import {
  type AuthSettings,
  authenticated,
  bearerToken,
  expiresAtOf,
  parseInput,
  principalOf,
} from '@orderpulse/service-kit';
import type express from 'express';

import type { Entry, RealtimeBacklog } from '../../data-access/realtime-backlog';
import { recipientKey, recipientOf } from '../../domain/recipients';
import { type AccessWatchSettings, watchAccess } from '../realtime/access-watch';
import { frameOf, subscribe } from '../realtime/subscription';
import { StreamQuery } from './schemas';

const MAX_BUFFERED_BYTES = 1 << 20;

/**
 * The customers' channel: a server-sent event stream of the caller's own messages. The
 * browser's EventSource resends the last id as `Last-Event-ID`, so a reconnect catches up.
 * When the token that opened it expires, or a member leaves its organisation, the stream says
 * `event: unauthorized` (with the reason) and ends; the terminal signs in again.
 */
export class EventStreams {
  private readonly open = new Set<express.Response>();

  constructor(
    private readonly deps: {
      backlog: RealtimeBacklog;
      auth: AuthSettings;
      heartbeatSeconds: number;
      replayLimit: number;
      access: AccessWatchSettings;
    },
  ) {}

  get size(): number {
    return this.open.size;
  }

  routes = (app: express.Express): void => {
    app.get('/v1/realtime/events', authenticated(this.deps.auth, { queryToken: true }), async (req, res) => {
      const principal = principalOf(req);
      const key = recipientKey(recipientOf(principal));
      const header = req.header('authorization');
      const token = header
        ? bearerToken(header)
        : typeof req.query.access_token === 'string'
          ? req.query.access_token
          : '';
      const query = parseInput(
        StreamQuery,
        { ...req.query, cursor: req.header('last-event-id') ?? req.query.cursor },
        'query',
      );
      // A HEAD gets the head only: a stream that writes no body never sends it, and the request would hang.
      if (req.method === 'HEAD')
        return void res
          .writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' })
          .end();
      const write = (chunk: string) => {
        if (res.writableLength > MAX_BUFFERED_BYTES) res.end();
        else res.write(chunk);
      };
      const feed = await subscribe(
        this.deps.backlog,
        key,
        query.cursor,
        (entry: Entry) => write(`id: ${entry.cursor}\nevent: notification\ndata: ${frameOf(entry)}\n\n`),
        { replay: this.deps.replayLimit },
      );
      if (res.closed) return feed.close();
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(
        `retry: 3000\nevent: hello\ndata: ${JSON.stringify({ type: 'hello', recipient: key, ...feed.hello })}\n\n`,
      );
      feed.flush();
      this.open.add(res);
      const heartbeat = setInterval(() => write(': heartbeat\n\n'), this.deps.heartbeatSeconds * 1_000);
      const unwatch = watchAccess(principal, token, expiresAtOf(token), this.deps.access, (why) => {
        write(`event: unauthorized\ndata: ${JSON.stringify({ type: 'unauthorized', ...why })}\n\n`);
        res.end();
      });
      // The response's close, not the request's: a request closes once its body is read.
      res.once('close', () => {
        clearInterval(heartbeat);
        unwatch();
        feed.close();
        this.open.delete(res);
      });
    });
  };

  /** Ends every stream; clients reconnect (to another instance) with their last id. */
  async close(): Promise<void> {
    for (const res of this.open) res.end();
    this.open.clear();
  }
}
