import { RealtimeFanout } from '@orderpulse/service-kit';
import type { Redis } from 'ioredis';

import type { RecipientKey } from '../domain/recipients';

/** A message as it was appended: its cursor (the stream id) and its JSON. */
export interface Entry {
  cursor: string;
  payload: string;
}

// Appends once per message id: remembers the id, adds to the recipient's stream, tells every instance.
// One script, so a crash can never leave the message remembered but not added (or added twice).
// Trimming is exact and notes the newest id it removed (KEYS[4]), so a client whose cursor is older
// than that is told of the gap: XINFO's max-deleted-entry-id counts XDEL only, not MAXLEN trimming,
// and approximate (`~`) trimming keeps an unknown number.
const APPEND_ONCE = `
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[3]) then
  local id = redis.call('XADD', KEYS[2], '*', 'm', ARGV[1])
  local excess = redis.call('XLEN', KEYS[2]) - tonumber(ARGV[2])
  if excess > 0 then
    local trimmed = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', excess)
    redis.call('SET', KEYS[4], trimmed[#trimmed][1])
    redis.call('XTRIM', KEYS[2], 'MAXLEN', ARGV[2])
  end
  redis.call('EXPIRE', KEYS[2], ARGV[3])
  redis.call('EXPIRE', KEYS[4], ARGV[3])
  redis.call('PUBLISH', KEYS[3], ARGV[4] .. '\\n' .. id .. '\\n' .. ARGV[1])
  return id
end
return false
`;

/** The shape of a cursor (a Redis stream id, `<ms>-<seq>`); {@link isCursor} also bounds its halves. */
export const cursorPattern = /^(\d{1,20})-(\d{1,20})$/;
/** Both halves of a Redis stream id are unsigned 64-bit integers (Redis docs, "Streams: entry IDs"); beyond that Redis refuses the id. */
const MAX_ID_PART = 2n ** 64n - 1n;
/** The largest stream id: nothing can follow it, and Redis refuses it as an exclusive start. */
const LAST_ID = `${MAX_ID_PART}-${MAX_ID_PART}`;

/** Whether `value` is a Redis stream id: `<ms>-<seq>`, each at most 2^64 − 1. Anything else is refused at the door, not by Redis. */
export function isCursor(value: string): boolean {
  const parts = cursorPattern.exec(value);
  return parts !== null && BigInt(parts[1]!) <= MAX_ID_PART && BigInt(parts[2]!) <= MAX_ID_PART;
}

/** Orders two cursors (Redis stream ids). */
export function compareCursors(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  const ms = BigInt(am) - BigInt(bm);
  if (ms !== 0n) return ms < 0n ? -1 : 1;
  const seq = BigInt(as) - BigInt(bs);
  return seq === 0n ? 0 : seq < 0n ? -1 : 1;
}

/**
 * Each recipient's recent messages, in a Redis stream whose ids are the cursors clients keep,
 * and the pub/sub channel that tells every instance of the service of each new one, so a
 * socket on any instance hears it and a reconnecting client catches up from its cursor.
 */
export class RealtimeBacklog {
  private readonly fanout: RealtimeFanout;

  constructor(
    private readonly redis: Redis,
    subscriber: Redis,
    private readonly prefix: string,
    private readonly settings: { maxPerRecipient: number; ttlSeconds: number },
  ) {
    // The append script publishes `<recipient>\n<cursor>\n<payload>` on the fan-out's channel.
    this.fanout = new RealtimeFanout(redis, subscriber, `${prefix}:realtime`);
    redis.defineCommand('appendOnce', { numberOfKeys: 4, lua: APPEND_ONCE });
  }

  async start(): Promise<void> {
    await this.fanout.start();
  }

  private stream(key: RecipientKey): string {
    return `${this.prefix}:realtime:${key}`;
  }

  private trimmed(key: string): string {
    return `${this.prefix}:realtime-trimmed:${key}`;
  }

  /** Appends a message to a recipient's backlog, once per `messageId`; the cursor, or undefined for a repeat. */
  async append(key: RecipientKey, messageId: string, payload: string): Promise<string | undefined> {
    const redis = this.redis as Redis & { appendOnce(...args: (string | number)[]): Promise<string | null> };
    const id = await redis.appendOnce(
      `${this.prefix}:realtime-once:${messageId}`,
      this.stream(key),
      this.fanout.channel,
      this.trimmed(key),
      payload,
      this.settings.maxPerRecipient,
      this.settings.ttlSeconds,
      key,
    );
    return id ?? undefined;
  }

  /**
   * Messages after `cursor`, oldest first, at most `limit`; `gap` when the backlog cannot prove
   * they are all there: some after the cursor were trimmed, more than `limit` follow it, the
   * backlog is gone (expired, or Redis lost) while the client had seen some, or the cursor is
   * ahead of the backlog's newest (not one this backlog gave out). On a gap the client reloads
   * its state and goes on from `latest`.
   */
  async since(
    key: RecipientKey,
    cursor: string,
    limit: number,
  ): Promise<{ entries: Entry[]; gap: boolean; latest: string }> {
    const [rows, trimmedUpTo, latest] = await Promise.all([
      cursor === LAST_ID
        ? Promise.resolve([] as [string, string[]][])
        : this.redis.xrange(this.stream(key), `(${cursor}`, '+', 'COUNT', limit + 1),
      this.redis.get(this.trimmed(key)),
      this.latest(key),
    ]);
    const seenSome = cursor !== '0-0';
    const gap =
      (trimmedUpTo !== null && compareCursors(cursor, trimmedUpTo) < 0) ||
      rows.length > limit ||
      (seenSome && latest === '0-0') ||
      compareCursors(cursor, latest) > 0;
    return {
      entries: rows.slice(0, limit).map(([id, fields]) => ({ cursor: id, payload: fields[1] ?? '' })),
      gap,
      latest,
    };
  }

  /** The newest cursor of a recipient's backlog: where a client without one starts. */
  async latest(key: RecipientKey): Promise<string> {
    const rows = await this.redis.xrevrange(this.stream(key), '+', '-', 'COUNT', 1);
    return rows[0]?.[0] ?? '0-0';
  }

  /** Calls `listener` with each new message for the recipient until the returned function is called. */
  listen(key: RecipientKey, listener: (entry: Entry) => void): () => void {
    return this.fanout.listen(key, (body) => {
      const end = body.indexOf('\n');
      if (end >= 0) listener({ cursor: body.slice(0, end), payload: body.slice(end + 1) });
    });
  }

  async stop(): Promise<void> {
    await this.fanout.stop();
  }
}
