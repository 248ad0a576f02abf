import type { components } from './api-schema.js';
import { url } from './api.js';
import type { Session } from './session.js';

/** A message the notification service sends a terminal (the same on WebSocket and SSE). */
export type RealtimeMessage = components['schemas']['RealtimeMessage'];

/** A frame of the notification service's realtime channels (`RealtimeFrame` in docs/openapi.json). */
type Frame = components['schemas']['RealtimeFrame'];

/** WebSocket close codes the notification service ends a connection with for its caller's sake. */
const UNAUTHORIZED_CLOSE = new Set([4401, 4403]);

/**
 * The terminal's WebSocket to the notification service. The token travels as the
 * `bearer.<token>` subprotocol beside the `orderpulse.v1` one the service answers with (browsers
 * cannot set headers on a WebSocket); after a drop it
 * reconnects with the last cursor, so nothing sent meanwhile is missed; when the service says it
 * cannot replay all of it (`gap`), `onGap` reloads the terminal's state from the APIs. Closed with
 * 4401 (token expired) or 4403 (member deactivated), it does not reconnect with the same token: the
 * session ends and the terminal signs in again.
 */
export function openSocket(
  session: Session,
  onMessage: (m: RealtimeMessage) => void,
  onState: (live: boolean) => void,
  onGap: () => void,
  onUnauthorized: () => void,
): () => void {
  let cursor: string | undefined;
  let socket: WebSocket | undefined;
  let closed = false;
  let delay = 500;
  const connect = () => {
    const address = new URL(url('notification', '/v1/realtime/ws'), location.href);
    address.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    if (cursor) address.searchParams.set('cursor', cursor);
    socket = new WebSocket(address, ['orderpulse.v1', `bearer.${session.token}`]);
    socket.onopen = () => {
      delay = 500;
      onState(true);
    };
    socket.onmessage = (event: MessageEvent<string>) => {
      const frame = JSON.parse(event.data) as Frame;
      if (frame.type === 'unauthorized') return;
      cursor = frame.cursor;
      if (frame.type === 'hello' && frame.gap) onGap();
      if (frame.type === 'notification') onMessage(frame.message);
    };
    socket.onclose = (event: CloseEvent) => {
      onState(false);
      if (closed) return;
      if (UNAUTHORIZED_CLOSE.has(event.code)) {
        closed = true;
        onUnauthorized();
        return;
      }
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10_000);
    };
  };
  connect();
  return () => {
    closed = true;
    socket?.close();
  };
}

/** Reads a `text/event-stream` response block by block, handing each `data:` line on. */
async function readEvents(response: Response, onData: (event: string, data: string) => void): Promise<void> {
  if (!response.body) throw new Error('no body');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const lines = buffer.slice(0, end).split('\n');
      buffer = buffer.slice(end + 2);
      const data = lines.find((line) => line.startsWith('data: '));
      const event = lines.find((line) => line.startsWith('event: '))?.slice(7) ?? 'message';
      if (data) onData(event, data.slice(6));
    }
  }
}

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

export type FollowMode = 'stream' | 'poll' | 'notifications';

/**
 * Follows one order. While the store has not answered, the order service's own stream carries
 * every change (read with fetch, so the token goes in a header); where streaming fails (a proxy
 * that buffers), long-polling does, which that service answers as soon as the order changes.
 * Once answered, the order service stops waiting with us, and the customer's notification
 * stream says when the order moved on (delivery steps), upon which the order is read again.
 */
export function followOrder<T extends { order: { orderId: string; version: number; answered: boolean } }>(
  session: Session,
  first: T,
  onOrder: (view: T) => void,
  onMode: (mode: FollowMode) => void,
  onUnauthorized: () => void,
): () => void {
  const abort = new AbortController();
  const { signal } = abort;
  const orderId = first.order.orderId;
  const headers = { authorization: `Bearer ${session.token}` };
  let latest = first;
  const seen = (view: T) => {
    if (view.order.version <= latest.order.version) return;
    latest = view;
    onOrder(view);
  };
  const read = async () => {
    const response = await fetch(url('order', `/v1/orders/${orderId}`), { headers, signal });
    if (response.ok) seen((await response.json()) as T);
  };
  const untilAnswered = async () => {
    for (let failures = 0; !latest.order.answered && !signal.aborted;) {
      try {
        if (failures < 3) {
          const response = await fetch(url('order', `/v1/orders/${orderId}/stream`), {
            headers: { ...headers, accept: 'text/event-stream' },
            signal,
          });
          if (!response.ok) throw new Error(`stream answered ${response.status}`);
          onMode('stream');
          await readEvents(response, (event, data) => {
            if (event === 'unauthorized') {
              abort.abort();
              onUnauthorized();
            } else seen(JSON.parse(data) as T);
          });
        } else {
          onMode('poll');
          const response = await fetch(
            url('order', `/v1/orders/${orderId}?wait=25&knownVersion=${latest.order.version}`),
            { headers, signal },
          );
          if (response.ok) seen((await response.json()) as T);
          else await pause(2_000, signal);
        }
      } catch {
        failures += 1;
        await pause(1_000, signal);
      }
    }
  };
  const afterAnswer = async () => {
    while (!signal.aborted) {
      try {
        const response = await fetch(url('notification', '/v1/realtime/events'), {
          headers: { ...headers, accept: 'text/event-stream' },
          signal,
        });
        if (!response.ok) throw new Error(`notification stream answered ${response.status}`);
        onMode('notifications');
        await read();
        await readEvents(response, (event, data) => {
          // The token expired or the member was deactivated: the stream ends; following on would only be refused.
          if (event === 'unauthorized') {
            abort.abort();
            onUnauthorized();
            return;
          }
          const frame = JSON.parse(data) as Frame;
          if (frame.type === 'notification' && frame.message.orderId === orderId) void read();
        });
      } catch {
        if (signal.aborted) return;
        onMode('poll');
        await read().catch(() => undefined);
        await pause(5_000, signal);
      }
    }
  };
  void (async () => {
    await untilAnswered();
    await afterAnswer();
  })();
  return () => abort.abort();
}
