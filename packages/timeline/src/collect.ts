import { deadLetterTopic } from '@orderpulse/contracts';
import {
  DeadLetterHeader,
  type KafkaClient,
  messagesWithKey,
  type ScannedMessage,
  scannedHeader,
} from '@orderpulse/kafka';

import {
  buildTimeline,
  countdownEntry,
  type LoggedPush,
  type OrderTimeline,
  pushEntries,
  type TimelineEntry,
} from './timeline';

/** Where an order's story is kept: the topics keyed by order id, and the services' HTTP APIs. */
export interface TimelineSources {
  kafka: KafkaClient;
  /** Topics whose key is the order id (order, media and notification events); each one's `.dlq` is read too. */
  topics: readonly string[];
  /** Base URLs of the services to ask; a service left out is not asked. */
  services: { order?: string | undefined; notification?: string | undefined; media?: string | undefined };
  /** Reads the push log in-process instead of over HTTP (the notification service's own view). */
  readPushes?: (orderId: string) => Promise<LoggedPush[]>;
  /** The caller's `Authorization` header, passed on to each service (an admin's or a service's token). */
  authorization: string;
  /** How long each HTTP call may take, in milliseconds (default 5,000). */
  timeoutMs?: number;
  now?: () => Date;
}

async function getJson<T>(base: string, path: string, sources: TimelineSources): Promise<T> {
  const response = await fetch(new URL(path, base), {
    headers: { authorization: sources.authorization, accept: 'application/json' },
    signal: AbortSignal.timeout(sources.timeoutMs ?? 5_000),
  });
  if (!response.ok) throw new Error(`${response.status} ${(await response.text()).slice(0, 200)}`);
  return (await response.json()) as T;
}

function eventEntry(m: ScannedMessage): TimelineEntry {
  const replayed = scannedHeader(m, 'x-replayed-from');
  return {
    at: scannedHeader(m, 'ce_time') ?? new Date(m.timestamp).toISOString(),
    source: 'event',
    what: `${scannedHeader(m, 'ce_type') ?? '(no ce_type)'} on ${m.topic}${replayed ? ` (replayed from ${replayed})` : ''}`,
    detail: { id: scannedHeader(m, 'ce_id'), topic: m.topic, partition: m.partition, offset: m.offset },
  };
}

function deadLetterEntry(m: ScannedMessage): TimelineEntry {
  return {
    at: scannedHeader(m, DeadLetterHeader.failedAt) ?? new Date(m.timestamp).toISOString(),
    source: 'dead-letter',
    what: `${scannedHeader(m, 'ce_type') ?? '(undecodable)'} set aside by ${scannedHeader(m, DeadLetterHeader.consumerGroup) ?? '?'}: ${scannedHeader(m, DeadLetterHeader.reason) ?? '?'}`,
    detail: {
      topic: m.topic,
      offset: m.offset,
      originalTopic: scannedHeader(m, DeadLetterHeader.originalTopic),
      attempts: scannedHeader(m, DeadLetterHeader.attempts),
    },
  };
}

/** What the order service answers to `GET /v1/orders/:id`. */
interface OrderView {
  order: { status: string };
  countdown?: { deadline: string };
}
interface HistoryEntry {
  at: string;
  from?: string;
  to: string;
  by?: { role: string; subject?: string };
  reason?: string;
}
interface MediaView {
  media: {
    status: string;
    kind: string;
    state: string;
    dueAt: string;
    media?: { source: string; fallback: boolean; attachedAt: string };
  }[];
}

/**
 * Reads one order from every source and merges what each says, oldest first. A source that cannot
 * be read is named in `unreadable`, never silently left out.
 */
export async function collectTimeline(orderId: string, sources: TimelineSources): Promise<OrderTimeline> {
  const now = sources.now ?? (() => new Date());
  const entries: TimelineEntry[] = [];
  const unreadable: string[] = [];
  let status: string | undefined;
  let pushes: LoggedPush[] = [];
  const attempt = async (what: string, work: () => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      unreadable.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const id = encodeURIComponent(orderId);
  const { order, notification, media } = sources.services;

  await Promise.all([
    ...sources.topics.flatMap((topic) => [
      attempt(
        topic,
        async () => void entries.push(...(await messagesWithKey(sources.kafka, topic, orderId)).map(eventEntry)),
      ),
      attempt(
        deadLetterTopic(topic),
        async () =>
          void entries.push(
            ...(await messagesWithKey(sources.kafka, deadLetterTopic(topic), orderId, { allPartitions: true })).map(
              deadLetterEntry,
            ),
          ),
      ),
    ]),
    order &&
      attempt('order service', async () => {
        const [view, { history }] = await Promise.all([
          getJson<OrderView>(order, `/v1/orders/${id}`, sources),
          getJson<{ history: HistoryEntry[] }>(order, `/v1/orders/${id}/history`, sources),
        ]);
        status = view.order.status;
        for (const h of history) {
          const by = h.by ? ` by ${h.by.role}${h.by.subject ? `:${h.by.subject}` : ''}` : '';
          entries.push({
            at: h.at,
            source: 'state',
            what: `${h.from ?? '∅'} → ${h.to}${by}${h.reason ? ` (${h.reason})` : ''}`,
            detail: { ...h },
          });
        }
        const timer = countdownEntry(
          { status: view.order.status, ...(view.countdown ? { countdown: view.countdown } : {}) },
          now(),
        );
        if (timer) entries.push(timer);
      }),
    (sources.readPushes || notification) &&
      attempt('notification service', async () => {
        pushes = sources.readPushes
          ? await sources.readPushes(orderId)
          : (await getJson<{ pushes: LoggedPush[] }>(notification!, `/v1/pushes?orderId=${id}&limit=500`, sources))
              .pushes;
        entries.push(...pushEntries(pushes));
      }),
    media &&
      attempt('media service', async () => {
        const view = await getJson<MediaView>(media, `/v1/orders/${id}/media`, sources);
        for (const slot of view.media) {
          const what = slot.media
            ? `${slot.status} ${slot.kind} attached (${slot.media.source}${slot.media.fallback ? ', fallback' : ''})`
            : `${slot.status} ${slot.kind} awaiting, due ${slot.dueAt}`;
          entries.push({
            at: slot.media?.attachedAt ?? slot.dueAt,
            source: 'media',
            what,
            detail: { status: slot.status, kind: slot.kind, state: slot.state },
          });
        }
      }),
  ]);
  return buildTimeline(orderId, { status, entries, pushes, unreadable });
}
