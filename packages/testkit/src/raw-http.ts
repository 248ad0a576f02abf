import { connect, type Socket } from 'node:net';

/** What came back for a raw request: the status line's code (0 when the server hung up without one), the whole answer and its body (de-chunked). */
export interface RawReply {
  status: number;
  text: string;
  body: string;
}

function bodyOf(text: string): string {
  const split = text.indexOf('\r\n\r\n');
  if (split < 0) return '';
  const head = text.slice(0, split);
  let rest = text.slice(split + 4);
  const length = /^content-length:\s*(\d+)/im.exec(head)?.[1];
  // The first answer only: bytes a client sent past its body may have drawn a second one.
  if (length !== undefined) return Buffer.from(rest, 'utf8').subarray(0, Number(length)).toString('utf8');
  if (!/^transfer-encoding:\s*chunked/im.test(head)) return rest;
  let body = '';
  for (;;) {
    const eol = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, eol), 16);
    if (eol < 0 || !(size > 0)) return body;
    body += Buffer.from(rest.slice(eol + 2))
      .subarray(0, size)
      .toString('utf8');
    rest = Buffer.from(rest.slice(eol + 2))
      .subarray(size + 2)
      .toString('utf8');
  }
}

/**
 * Request targets that real clients, scanners and broken proxies send, each of which once
 * made some server throw instead of answering: malformed percent escapes (`decodeURIComponent`
 * throws `URIError`), targets `new URL` refuses (`//`), NUL and control escapes, absolute and
 * asterisk forms, traversal, very long paths and repeated query parameters.
 */
export const hostileTargets: readonly string[] = [
  '/%E0%A4%A',
  '/%',
  '/%zz',
  '/%C0%AF',
  '/%ED%A0%80',
  '/%00',
  '/a%00b',
  '//',
  '///x',
  '//x/y',
  '/..%2f..%2fetc%2fpasswd',
  '/../../etc/passwd',
  '/?%E0%A4%A=1',
  '/?a=%',
  '/?a=1&a=2&a[]=3&a[b]=4',
  '/?__proto__[x]=1&constructor[prototype][x]=1',
  // Path segments a lookup in a plain object would find on its prototype.
  '/constructor',
  '/__proto__',
  '/api/constructor/x',
  '/api/__proto__/v1/x',
  '/api/toString/v1/x',
  '/api/hasOwnProperty/openapi.json',
  '*',
  'http://127.0.0.1/',
  `/${'a'.repeat(8_000)}`,
  `/?${'q=1&'.repeat(2_000)}`,
];

/**
 * Sends one request exactly as written (no URL normalisation, as `fetch` would do) and reads
 * the answer until the server closes. For asking a server about request targets a browser
 * would never send.
 */
export function rawRequest(
  port: number,
  target: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    timeoutMs?: number;
    endAfterWrite?: boolean;
  } = {},
): Promise<RawReply> {
  const { method = 'GET', headers = {}, body, timeoutMs = 5_000 } = options;
  const head = [
    `${method} ${target} HTTP/1.1`,
    'host: 127.0.0.1',
    'connection: close',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  if (body !== undefined && !Object.keys(headers).some((k) => /^(content-length|transfer-encoding)$/i.test(k)))
    head.push(`content-length: ${Buffer.byteLength(body)}`);
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to ${method} ${target.slice(0, 80)} within ${timeoutMs} ms`));
    }, timeoutMs);
    // Written, not ended: a half-closed socket would let some servers drop the answer (unless asked, to cut a body short).
    socket.on('connect', () => {
      socket.write(
        Buffer.concat([
          Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'),
          typeof body === 'string' ? Buffer.from(body, 'utf8') : (body ?? Buffer.alloc(0)),
        ]),
      );
      if (options.endAfterWrite) socket.end();
    });
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      // An event stream stays open: its head is the answer.
      const sofar = Buffer.concat(chunks).toString('latin1');
      if (
        /\r\n\r\n/.test(sofar) &&
        /^content-type: text\/event-stream/im.test(sofar.slice(0, sofar.indexOf('\r\n\r\n')))
      )
        socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0), text, body: bodyOf(text) });
    });
  });
}

/** A WebSocket handshake made by hand: the answer's status and head, and the socket left open (after a 101, for frames of the caller's own making). */
export interface RawUpgrade {
  status: number;
  head: string;
  socket: Socket;
  /** Bytes after the head: after a 101 the server's first frames so far; after a refusal its whole body (read until the server closed). */
  rest: Buffer;
  closed: Promise<void>;
}

/**
 * Opens a WebSocket handshake (RFC 6455 §4.1) by hand on `base` + `path`. The handshake's own
 * headers are each replaced, or (as undefined) left out, by the caller's. Rejects if no answer
 * head arrives within `timeoutMs`.
 */
export function rawWebSocketUpgrade(
  base: string,
  path: string,
  headers: Record<string, string | undefined>,
  timeoutMs = 5_000,
): Promise<RawUpgrade> {
  const { hostname, port } = new URL(base);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const all: Record<string, string | undefined> = {
    host: `${hostname}:${port}`,
    connection: 'Upgrade',
    upgrade: 'websocket',
    'sec-websocket-version': '13',
    'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
    ...headers,
  };
  const lines = [
    `GET ${path} HTTP/1.1`,
    ...Object.entries(all)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}: ${v}`),
  ];
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no handshake answer on ${path} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = received.subarray(0, end + 4).toString('latin1');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
      if (status !== 101 && !socket.destroyed) return;
      clearTimeout(timer);
      socket.off('data', onData);
      resolve({ status, head, socket, rest: received.subarray(end + 4), closed });
    };
    socket.on('data', onData);
    void closed.then(() => {
      // A refusal is read to its end; a server that hung up without a head is an error.
      onData(Buffer.alloc(0));
      clearTimeout(timer);
      reject(new Error(`the server closed ${path} before answering the handshake`));
    });
  });
}
