import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

import { waitFor } from '@orderpulse/testkit';
import { WebSocket, WebSocketServer } from 'ws';

import { openSocket } from '../src/realtime';
import type { Session } from '../src/session';

/**
 * The terminals' socket against a WebSocket server on loopback that says what the notification
 * service says on a reconnect: `hello` with or without `gap`. A terminal that ignores the gap
 * shows a state that silently misses what it did not hear.
 */
describe("a terminal's realtime socket", () => {
  let server: WebSocketServer;
  const hellos: { gap: boolean }[] = [];
  const cursors: (string | null)[] = [];

  beforeAll(async () => {
    server = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: () => 'orderpulse.v1' });
    await once(server, 'listening');
    server.on('connection', (socket, req) => {
      cursors.push(new URL(req.url ?? '/', 'http://x').searchParams.get('cursor'));
      const hello = hellos.shift() ?? { gap: false };
      socket.send(
        JSON.stringify({
          type: 'hello',
          cursor: `${cursors.length}-0`,
          serverTime: new Date().toISOString(),
          replayed: 0,
          ...hello,
        }),
      );
      // The first connection drops at once, as a flaky network would.
      if (cursors.length === 1) setTimeout(() => socket.close(), 20);
    });
    const port = (server.address() as AddressInfo).port;
    Object.assign(globalThis, { WebSocket, location: { href: `http://127.0.0.1:${port}/`, protocol: 'http:' } });
  });

  afterAll(async () => {
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  });

  test('reconnects with its cursor, and reloads its state when the service answers gap: true (only then)', async () => {
    hellos.push({ gap: false }, { gap: true });
    let gaps = 0;
    let ended = 0;
    const close = openSocket(
      { token: 't' } as Session,
      () => undefined,
      () => undefined,
      () => (gaps += 1),
      () => (ended += 1),
    );
    await waitFor(() => gaps, { what: 'the reload after the gap', until: (n) => n === 1 });
    expect(cursors).toEqual([null, '1-0']);
    expect(gaps).toBe(1);
    // A dropped connection is not an ended session.
    expect(ended).toBe(0);
    close();
  });
});
