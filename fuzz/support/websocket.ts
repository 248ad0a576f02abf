import { randomBytes } from 'node:crypto';

import { rawWebSocketUpgrade, waitFor } from '@orderpulse/testkit';
import fc from 'fast-check';

import { hostileString } from './hostile';
import { fuzzSettings, withSeed } from './settings';

/** One frame as the fuzz writes it: any header bits, any payload, a length field that may lie (RFC 6455 §5.2). */
interface FuzzFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  payload: Uint8Array;
  /** `exact` the truth in the shortest form; `wide16`/`wide64` the truth in a longer form than needed; `short`/`long` a lie; `huge` 2^62. */
  length: 'exact' | 'wide16' | 'wide64' | 'short' | 'long' | 'huge';
}

const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const closePayload = (code: number, reason: Uint8Array) =>
  new Uint8Array(Buffer.concat([Buffer.from([code >> 8, code & 0xff]), reason]));

const payloadArbitrary: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  hostileString().map(utf8),
  // Not UTF-8: lone continuation bytes, overlong forms, surrogates encoded, truncated sequences.
  fc.constantFrom(
    ...[[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0xff]].map(
      (b) => new Uint8Array(b),
    ),
  ),
  // Close payloads: valid, reserved and out-of-range codes, with good and bad reasons.
  fc
    .tuple(
      fc.constantFrom(1000, 1001, 1005, 1006, 1015, 999, 2000, 3000, 4999, 5000, 65535),
      fc.oneof(hostileString().map(utf8), fc.constant(new Uint8Array([0xc0, 0xaf]))),
    )
    .map(([code, reason]) => closePayload(code, reason)),
  fc.constant(new Uint8Array([0x03])),
);

const frameArbitrary: fc.Arbitrary<FuzzFrame> = fc.record({
  fin: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  rsv: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 7 }) }),
  opcode: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(0x0, 0x1, 0x2, 0x8, 0x9, 0xa) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 15 }) },
  ),
  masked: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  payload: payloadArbitrary,
  length: fc.constantFrom('exact', 'exact', 'exact', 'wide16', 'wide64', 'short', 'long', 'huge'),
});

/** The bytes of a frame, its length field telling the truth or not as the frame says. */
function bytesOf(frame: FuzzFrame): Buffer {
  const { payload } = frame;
  const declared =
    frame.length === 'short'
      ? Math.max(0, payload.length - 3)
      : frame.length === 'long'
        ? payload.length + 1_000
        : payload.length;
  const head = [(frame.fin ? 0x80 : 0) | (frame.rsv << 4) | frame.opcode];
  const mask = frame.masked ? 0x80 : 0;
  if (frame.length === 'huge') head.push(mask | 127, 0x40, 0, 0, 0, 0, 0, 0, 0);
  else if (frame.length === 'wide64')
    head.push(
      mask | 127,
      0,
      0,
      0,
      0,
      (declared >>> 24) & 0xff,
      (declared >>> 16) & 0xff,
      (declared >>> 8) & 0xff,
      declared & 0xff,
    );
  else if (frame.length === 'wide16' || declared > 125) head.push(mask | 126, (declared >> 8) & 0xff, declared & 0xff);
  else head.push(mask | declared);
  if (!frame.masked) return Buffer.concat([Buffer.from(head), payload]);
  const key = randomBytes(4);
  return Buffer.concat([Buffer.from(head), key, Buffer.from(payload.map((b, i) => b ^ key[i % 4]!))]);
}

/** The probe's payload: a pong carrying it answers the probe, not a ping among the fuzzed frames. */
const PROBE = 'orderpulse-fuzz-probe';
/** A valid client ping (masked) carrying {@link PROBE}: whatever came before, a server still reading the stream answers it with a pong. */
const PING = bytesOf({ fin: true, rsv: 0, opcode: 0x9, masked: true, payload: utf8(PROBE), length: 'exact' });

/** Frames from the server (unmasked) as far as they have arrived: their opcodes, whether the probe was answered, and the close code if one closed. */
function serverFrames(bytes: Buffer): { opcodes: number[]; probeAnswered: boolean; closeCode?: number } {
  const opcodes: number[] = [];
  let probeAnswered = false;
  let at = 0;
  while (at + 2 <= bytes.length) {
    const opcode = bytes[at]! & 0x0f;
    let length = bytes[at + 1]! & 0x7f;
    let start = at + 2;
    if (length === 126) {
      if (start + 2 > bytes.length) break;
      length = bytes.readUInt16BE(start);
      start += 2;
    } else if (length === 127) {
      if (start + 8 > bytes.length) break;
      length = Number(bytes.readBigUInt64BE(start));
      start += 8;
    }
    if (start + length > bytes.length) break;
    opcodes.push(opcode);
    if (opcode === 0xa && bytes.subarray(start, start + length).toString('utf8') === PROBE) probeAnswered = true;
    if (opcode === 0x8)
      return { opcodes, probeAnswered, ...(length >= 2 ? { closeCode: bytes.readUInt16BE(start) } : {}) };
    at = start + length;
  }
  return { opcodes, probeAnswered };
}

/** The close codes a case's own close frames carry: a server may echo a client's code back (RFC 6455 §5.5.1). */
function sentCloseCodes(frames: FuzzFrame[]): Set<number> {
  return new Set(
    frames.filter((f) => f.opcode === 0x8 && f.payload.length >= 2).map((f) => (f.payload[0]! << 8) | f.payload[1]!),
  );
}

/** What one case came to: the server answered the ping after the frames, closed the connection (with its code), or waits for bytes a lying length promised. */
type Outcome = { kind: 'answered' } | { kind: 'closed'; code?: number } | { kind: 'waiting' };

/** Close codes a server may send for a client's bad frames (RFC 6455 §7.4.1); 1011 (internal error) is a crash of ours. */
const ACCEPTED_CLOSE_CODES = new Set([1000, 1001, 1002, 1003, 1007, 1008, 1009]);

export interface WebSocketTarget {
  base: string;
  path: string;
  /** Handshake headers that authenticate. */
  headers: () => Record<string, string>;
  /** The connections the service holds open now. */
  connections: () => number;
  /** A real client's round trip: the service still serves sockets. */
  stillServes: () => Promise<void>;
  /** How long a case may take to be answered or closed, in ms. */
  caseTimeoutMs?: number;
}

async function runCase(target: WebSocketTarget, frames: FuzzFrame[], timeoutMs: number): Promise<Outcome> {
  const upgrade = await rawWebSocketUpgrade(target.base, target.path, target.headers());
  const { socket } = upgrade;
  try {
    if (upgrade.status !== 101) throw new Error(`the handshake was refused with ${upgrade.status}`);
    let received = upgrade.rest;
    socket.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
    const closed = upgrade.closed.then(() => 'closed' as const);
    // The hello first: the frames go to a subscribed socket.
    await waitFor(() => serverFrames(received).opcodes.includes(0x1) || socket.destroyed, {
      what: 'the hello frame',
      timeoutMs: 10_000,
    });
    socket.write(Buffer.concat([...frames.map(bytesOf), PING]));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const seen = serverFrames(received);
      if (seen.opcodes.includes(0x8) || socket.destroyed)
        return { kind: 'closed', ...(seen.closeCode !== undefined ? { code: seen.closeCode } : {}) };
      if (seen.probeAnswered) return { kind: 'answered' };
      if (Date.now() > deadline) return { kind: 'waiting' };
      await Promise.race([
        closed,
        new Promise((resolve) => socket.once('data', resolve)),
        new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now()) + 1)),
      ]);
    }
  } finally {
    socket.destroy();
  }
}

/**
 * Fuzzes a WebSocket endpoint below any client library: after a real handshake, sequences of
 * one to three frames with any header bits (FIN, RSV, every opcode), masked or not, any payload
 * (binary, hostile text, text that is not UTF-8, close frames with reserved codes), and length
 * fields that lie or take a longer form than needed, each followed by a valid ping. Checked on
 * every case: the server answers the ping, or closes with a code RFC 6455 allows for bad input
 * (never 1011), or waits for the bytes a lying length promised (never answers wrongly); the
 * handshake is always answered. After each batch the service still serves a real client, and once
 * every fuzz socket is gone it holds no connection of theirs. Resolves with the cases run.
 */
export async function fuzzWebSocket(target: WebSocketTarget): Promise<number> {
  const timeoutMs = target.caseTimeoutMs ?? 1_500;
  return withSeed(`WebSocket frame fuzz of ${target.path}`, async (seed) => {
    const cases = fc.sample(fc.array(frameArbitrary, { minLength: 1, maxLength: 3 }), {
      seed,
      numRuns: fuzzSettings.websocketInputs,
    });
    const baseline = target.connections();
    const tally = { answered: 0, closed: 0, waiting: 0 };
    for (let at = 0; at < cases.length; at += 25) {
      const batch = cases.slice(at, at + 25);
      const outcomes = await Promise.all(batch.map((frames) => runCase(target, frames, timeoutMs)));
      outcomes.forEach((outcome, i) => {
        tally[outcome.kind] += 1;
        if (
          outcome.kind === 'closed' &&
          outcome.code !== undefined &&
          !ACCEPTED_CLOSE_CODES.has(outcome.code) &&
          !sentCloseCodes(batch[i]!).has(outcome.code)
        ) {
          throw new Error(
            `case ${at + i} closed with ${outcome.code}: ${JSON.stringify(batch[i]!.map((f) => ({ ...f, payload: Buffer.from(f.payload).toString('hex').slice(0, 80) })))}`,
          );
        }
      });
      await target.stillServes();
    }
    await waitFor(() => target.connections(), {
      what: `the service's connections back to ${baseline}`,
      until: (n) => n === baseline,
      timeoutMs: 10_000,
    });
    // The fuzz is only honest if it reaches every branch: frames answered, frames refused.
    if (tally.answered === 0 || tally.closed === 0)
      throw new Error(`the cases never reached one side: ${JSON.stringify(tally)}`);
    process.stdout.write(`WebSocket fuzz of ${target.path}: ${cases.length} cases, ${JSON.stringify(tally)}\n`);
    return cases.length;
  });
}
