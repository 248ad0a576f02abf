import { url } from './api.js';
import type { Session } from './session.js';

/** A message the notification service sends a terminal (the same on WebSocket and SSE). */
export interface RealtimeMessage {
  id: string;
  eventType: string;
  category: string;
  orderId: string;
  status?: string;
  title: string;
  body: string;
  countdown?: { deadline: string; serverTime: string };
  at: string;
}

interface Frame {
  type: 'hello' | 'notification';
  cursor?: string;
  message?: RealtimeMessage;
}

/**
 * The terminal's WebSocket to the notification service. The token travels as the
 * `bearer.<token>` subprotocol beside the `orderpulse.v1` one the service answers with (browsers
 * cannot set headers on a WebSocket); after a drop it
 * reconnects with the last cursor, so nothing sent meanwhile is missed.
 */
export function openSocket(session: Session, onMessage: (m: RealtimeMessage) => void, onState: (live: boolean) => void): () => void {
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
      if (frame.cursor) cursor = frame.cursor;
      if (frame.type === 'notification' && frame.message) onMessage(frame.message);
    };
    socket.onclose = () => {
      onState(false);
      if (closed) return;
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

/**
 * Follows one order: the order service's event stream, read with fetch so the token goes in a
 * header; when streaming is not possible (a proxy buffers it, the stream keeps failing) it falls
 * back to long-polling, which the same service answers as soon as the order changes.
 */
export function followOrder<T extends { order: { version: number } }>(session: Session, orderId: string, onOrder: (view: T) => void, onMode: (mode: 'stream' | 'poll') => void): () => void {
  const abort = new AbortController();
  let version = -1;
  const seen = (view: T) => {
    if (view.order.version <= version) return;
    version = view.order.version;
    onOrder(view);
  };
  const poll = async () => {
    onMode('poll');
    while (!abort.signal.aborted) {
      try {
        const response = await fetch(url('order', `/v1/orders/${orderId}?wait=25&knownVersion=${version}`), { headers: { authorization: `Bearer ${session.token}` }, signal: abort.signal });
        if (response.ok) seen((await response.json()) as T);
        else await new Promise((r) => setTimeout(r, 2_000));
      } catch {
        if (abort.signal.aborted) return;
        await new Promise((r) => setTimeout(r, 2_000));
      }
    }
  };
  const stream = async () => {
    const response = await fetch(url('order', `/v1/orders/${orderId}/stream`), { headers: { authorization: `Bearer ${session.token}`, accept: 'text/event-stream' }, signal: abort.signal });
    if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`);
    onMode('stream');
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').find((line) => line.startsWith('data: '));
        if (data) seen(JSON.parse(data.slice(6)) as T);
      }
    }
  };
  void (async () => {
    for (let failures = 0; failures < 3 && !abort.signal.aborted; failures += 1) {
      try {
        await stream();
      } catch {
        if (abort.signal.aborted) return;
      }
      await new Promise((r) => setTimeout(r, 1_000));
    }
    if (!abort.signal.aborted) await poll();
  })();
  return () => abort.abort();
}
