import { compareCursors, type Entry, type RealtimeBacklog } from '../../data-access/realtime-backlog';
import type { RecipientKey } from '../../domain/recipients';

/** What a connection is told first: where it stands and the server's clock. */
export interface Hello {
  cursor: string;
  serverTime: string;
  /**
   * Not every message after the client's cursor can be replayed (trimmed, expired, lost, or the
   * cursor is not this backlog's): the client reloads its state and goes on from `cursor`.
   */
  gap: boolean;
  replayed: number;
}

/**
 * A connection's feed of one recipient's messages: listens first, then replays what came after
 * the client's cursor, then passes live messages on. Every message goes out once and in order,
 * however replay and live ones interleave. Without a cursor the client starts from now.
 */
export async function subscribe(
  backlog: RealtimeBacklog,
  key: RecipientKey,
  cursor: string | undefined,
  send: (entry: Entry) => void,
  limits: { replay: number },
): Promise<{ hello: Hello; close: () => void; flush: () => void }> {
  let last = cursor ?? '0-0';
  let held: Entry[] | undefined = [];
  const deliver = (entry: Entry) => {
    if (compareCursors(entry.cursor, last) <= 0) return;
    last = entry.cursor;
    send(entry);
  };
  const close = backlog.listen(key, (entry) => (held ? held.push(entry) : deliver(entry)));
  let gap = false;
  let replay: Entry[] = [];
  try {
    if (cursor) {
      const since = await backlog.since(key, cursor, limits.replay);
      gap = since.gap;
      // On a gap the client reloads its state, so it goes on from the newest, not from a cursor that cannot be trusted.
      if (gap) last = since.latest;
      else replay = since.entries;
    } else last = await backlog.latest(key);
  } catch (error) {
    close();
    throw error;
  }
  const hello: Hello = { cursor: last, serverTime: new Date().toISOString(), gap, replayed: replay.length };
  // The caller sends the hello first, then calls flush to send the replay and what arrived meanwhile.
  const flush = () => {
    const pending = held ?? [];
    held = undefined;
    for (const entry of replay) deliver(entry);
    for (const entry of pending) deliver(entry);
  };
  return { hello, close, flush };
}

/** A message as sent to a terminal: the stored message, its cursor and the server's clock now. */
export function frameOf(entry: Entry): string {
  return `{"type":"notification","cursor":"${entry.cursor}","serverTime":"${new Date().toISOString()}","message":${entry.payload}}`;
}
