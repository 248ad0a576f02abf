/** Where an entry of the timeline was read. */
export type TimelineSource = 'event' | 'dead-letter' | 'state' | 'timer' | 'push' | 'media';

/** One thing that happened to an order, or is due to. */
export interface TimelineEntry {
  /** ISO 8601. */
  at: string;
  source: TimelineSource;
  /** A line a person reads: `order.placed`, `new → accepted`, `push to customer:c-1 delivered`. */
  what: string;
  detail: Record<string, unknown>;
}

/** Everything known of one order, oldest first, with the sources that could not be read. */
export interface OrderTimeline {
  orderId: string;
  status?: string;
  entries: TimelineEntry[];
  /** How each recipient's pushes ended, e.g. `{ 'customer:c-1': { delivered: 3, failed: 1 } }`. */
  pushes: Record<string, Record<string, number>>;
  /** Sources that did not answer, so a gap in the entries is not mistaken for nothing having happened. */
  unreadable: string[];
}

/** A push as the notification service's push log shows it (`GET /v1/pushes`). */
export interface LoggedPush {
  idempotencyKey: string;
  eventType: string;
  recipient: string;
  installationId: string;
  category: string;
  status: string;
  createdAt: string;
  attempts: { at: string; outcome: string; httpStatus?: number; error?: string; ms: number }[];
}

/** Merges entries from every source into one timeline, oldest first (stable for equal times). */
export function buildTimeline(
  orderId: string,
  parts: { status?: string | undefined; entries: TimelineEntry[]; pushes: LoggedPush[]; unreadable: string[] },
): OrderTimeline {
  const pushes: OrderTimeline['pushes'] = {};
  for (const push of parts.pushes) {
    const byStatus = (pushes[push.recipient] ??= {});
    byStatus[push.status] = (byStatus[push.status] ?? 0) + 1;
  }
  const entries = parts.entries
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => Date.parse(a.entry.at) - Date.parse(b.entry.at) || a.index - b.index)
    .map(({ entry }) => entry);
  return { orderId, ...(parts.status ? { status: parts.status } : {}), entries, pushes, unreadable: parts.unreadable };
}

/** Each try of each push as an entry; a push never tried (muted, pending) as one entry of its own. */
export function pushEntries(pushes: readonly LoggedPush[]): TimelineEntry[] {
  return pushes.flatMap((push) => {
    const base = {
      recipient: push.recipient,
      installationId: push.installationId,
      eventType: push.eventType,
      idempotencyKey: push.idempotencyKey,
    };
    if (push.attempts.length === 0)
      return [
        { at: push.createdAt, source: 'push' as const, what: `push to ${push.recipient} ${push.status}`, detail: base },
      ];
    return push.attempts.map((attempt, i) => ({
      at: attempt.at,
      source: 'push' as const,
      what: `push to ${push.recipient} try ${i + 1}: ${attempt.outcome}${attempt.httpStatus ? ` (${attempt.httpStatus})` : ''}`,
      detail: {
        ...base,
        ...(attempt.error ? { error: attempt.error } : {}),
        ms: attempt.ms,
        final: i === push.attempts.length - 1 ? push.status : undefined,
      },
    }));
  });
}

/** The response countdown as a timer: pending until the deadline, or overdue when it passed unruled (seed 002). */
export function countdownEntry(
  order: { status: string; countdown?: { deadline: string } },
  now: Date,
): TimelineEntry | undefined {
  if (!order.countdown || !['new', 'connected'].includes(order.status)) return undefined;
  const overdue = Date.parse(order.countdown.deadline) < now.getTime();
  return {
    at: order.countdown.deadline,
    source: 'timer',
    what: overdue
      ? `response deadline passed ${now.getTime() - Date.parse(order.countdown.deadline)} ms ago with no ruling yet`
      : 'response deadline pending',
    detail: { status: order.status, deadline: order.countdown.deadline },
  };
}

/** Lines for a terminal: time, source, what happened. */
export function formatTimeline(timeline: OrderTimeline): string {
  const lines = [`order ${timeline.orderId}${timeline.status ? ` (${timeline.status})` : ''}`];
  for (const e of timeline.entries) lines.push(`${e.at}  ${e.source.padEnd(11)}  ${e.what}`);
  for (const [recipient, byStatus] of Object.entries(timeline.pushes)) {
    lines.push(
      `pushes to ${recipient}: ${Object.entries(byStatus)
        .map(([status, n]) => `${n} ${status}`)
        .join(', ')}`,
    );
  }
  if (Object.keys(timeline.pushes).length === 0) lines.push('no pushes logged for this order');
  for (const source of timeline.unreadable) lines.push(`could not read: ${source}`);
  return lines.join('\n');
}
