import { createRequire } from 'node:module';
import path from 'node:path';

import type { ConsumerLagReader } from '@orderpulse/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';

import type { CaseRecord, DeadLetter, DeliveryRecord, EventRecord, ExpectedNotice, OrderRecord } from './audit';

export interface RawEvent extends EventRecord {
  data: unknown;
}

export interface KafkaEvidence {
  events: RawEvent[];
  deadLetters: DeadLetter[];
  topics: number;
}

/** Every `orderpulse.*` topic and its `.dlq`, read from the beginning up to the end each partition has now. */
export async function readKafka(brokers: string[]): Promise<KafkaEvidence> {
  const kafka = new Kafka({ clientId: 'chaos-audit', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topics = (await admin.listTopics()).filter((t) => t.startsWith('orderpulse.'));
  const ends = new Map<string, number>();
  for (const topic of topics)
    for (const p of await admin.fetchTopicOffsets(topic)) ends.set(`${topic}/${p.partition}`, Number(p.high));
  await admin.disconnect();
  const remaining = new Set([...ends].filter(([, high]) => high > 0).map(([k]) => k));
  const events: RawEvent[] = [];
  const deadLetters: DeadLetter[] = [];
  const consumer = kafka.consumer({ groupId: `chaos-audit-${Date.now()}`, sessionTimeout: 30_000 });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  const done = new Promise<void>((resolve) => {
    if (remaining.size === 0) resolve();
    void consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        const header = (name: string) => message.headers?.[name]?.toString() ?? '';
        if (topic.endsWith('.dlq'))
          deadLetters.push({
            topic: `${topic} (group ${header('x-dlq-consumer-group') || '?'})`,
            reason: header('x-dlq-reason'),
          });
        else {
          let data: unknown;
          try {
            data = JSON.parse(message.value?.toString() ?? 'null');
          } catch {
            data = undefined;
          }
          const d = data as { orderId?: string; version?: number } | undefined;
          events.push({
            topic,
            id: header('ce_id'),
            type: header('ce_type'),
            subject: d?.orderId ?? header('ce_subject'),
            version: typeof d?.version === 'number' ? d.version : undefined,
            data,
          });
        }
        if (Number(message.offset) + 1 >= (ends.get(`${topic}/${partition}`) ?? 0)) {
          remaining.delete(`${topic}/${partition}`);
          if (remaining.size === 0) resolve();
        }
      },
    });
  });
  await Promise.race([done, new Promise((r) => setTimeout(r, 120_000))]);
  await consumer.disconnect();
  return { events, deadLetters, topics: topics.length };
}

/** The order topic's events only (the ones whose versions must all be there). */
export function orderEventsOf(events: RawEvent[]): RawEvent[] {
  return events.filter((e) => e.topic === 'orderpulse.order.events');
}

/**
 * The notices the notification service owes, by its own routing (its built domain code): the
 * audit checks that each one reached the push log and the gateway, not who should be told.
 */
export function expectedNotices(repo: string, events: RawEvent[], registered: Set<string>): ExpectedNotice[] {
  const load = createRequire(__filename);
  const routing = load(path.join(repo, 'services/notification/dist/domain/routing.js')) as {
    noticesFor(e: { type: string; data: unknown }): { recipient: object }[];
  };
  // The service's own key for a recipient (`member:<org>:<id>` for a member), as its push log holds it.
  const { recipientKey } = load(path.join(repo, 'services/notification/dist/domain/recipients.js')) as {
    recipientKey: (r: object) => string;
  };
  const consumed = new Set([
    'orderpulse.order.events',
    'orderpulse.audit.events',
    'orderpulse.sharing.events',
    'orderpulse.media.events',
  ]);
  const out: ExpectedNotice[] = [];
  const seen = new Set<string>();
  for (const e of events.filter((x) => consumed.has(x.topic))) {
    let notices: { recipient: object }[] = [];
    try {
      notices = routing.noticesFor({ type: e.type, data: e.data });
    } catch {
      notices = [];
    }
    for (const n of notices) {
      const recipient = recipientKey(n.recipient);
      const k = `${e.id}|${recipient}`;
      if (!registered.has(recipient) || seen.has(k)) continue;
      seen.add(k);
      out.push({ eventId: e.id, eventType: e.type, recipient });
    }
  }
  return out;
}

export interface MongoEvidence {
  orders: OrderRecord[];
  deliveries: DeliveryRecord[];
  cases: CaseRecord[];
}

type Doc = Record<string, unknown>;

export async function readMongo(url: string): Promise<MongoEvidence> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 30_000 });
  await client.connect();
  try {
    const orders = (await client.db('orderpulse_order').collection<Doc>('orders').find({}).toArray()).map(
      (d): OrderRecord => ({
        orderId: String(d._id),
        version: Number(d.version),
        status: String(d.status),
        responseDeadline: new Date(d.responseDeadline as Date),
        history: ((d.history as Doc[] | undefined) ?? []).map((h) => ({
          at: new Date(h.at as Date),
          action: String(h.action),
          from: (h.from as string | null) ?? null,
          to: String(h.to),
        })),
      }),
    );
    const deliveries = (
      await client.db('orderpulse_notification').collection<Doc>('deliveries').find({}).toArray()
    ).map((d): DeliveryRecord => ({
      key: String(d._id),
      eventId: String(d.eventId),
      recipient: String(d.recipient),
      status: String(d.status),
      attempts: ((d.attempts as unknown[] | undefined) ?? []).length,
      deadline:
        typeof (d.data as { deadline?: unknown } | undefined)?.deadline === 'string'
          ? new Date((d.data as { deadline: string }).deadline)
          : undefined,
      lastTriedAt: ((d.attempts as { at?: Date }[] | undefined) ?? []).at(-1)?.at,
    }));
    const cases = (await client.db('orderpulse_audit').collection<Doc>('cases').find({}).toArray()).map(
      (d): CaseRecord => ({
        caseId: String(d._id),
        orderNo:
          (d.order as { orderNo?: string } | undefined)?.orderNo ??
          (d.target as { orderNo?: string } | undefined)?.orderNo ??
          '',
        status: String(d.status),
        notificationIds: (d.notificationIds as string[] | undefined) ?? [],
      }),
    );
    return { orders, deliveries, cases };
  } finally {
    await client.close();
  }
}

/** What the system still owes once the load stops: events waiting in an outbox, and messages its consumer groups have not committed past. */
export interface Backlog {
  /** Documents with `outboxPending: true`, over every collection of every `orderpulse_*` database. */
  outbox: number;
  /** Messages not yet committed, summed over the services' consumer groups (Kafka's own lag). */
  lag: number;
  /** 1 when no consumer group of the services was found at all: no lag then means nothing. */
  missingGroups: number;
  /** Orders whose status image the media service still owes (`owedBy` set): a photo, or the synthesized one after the grace. */
  imagesOwed: number;
}

/**
 * The system's backlog, read from MongoDB and from the brokers' committed offsets: the settle
 * phase waits for both to reach 0, so the audit reads a system that has caught up rather than
 * one still working through what the faults held back.
 */
export async function readBacklog(mongoUrl: string, lag: ConsumerLagReader): Promise<Backlog> {
  const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  let outbox = 0;
  let imagesOwed = 0;
  try {
    imagesOwed = await client
      .db('orderpulse_media')
      .collection('order_media')
      .countDocuments({ owedBy: { $exists: true } });
    const { databases } = await client.db().admin().listDatabases();
    for (const { name } of databases.filter((d) => d.name.startsWith('orderpulse_'))) {
      const db = client.db(name);
      for (const { name: collection } of await db.listCollections({}, { nameOnly: true }).toArray()) {
        // Only collections with an outbox (its index, outbox_pending_flag): on the local server the
        // count is a scan, and the push log, the largest collection, has none.
        const indexes = await db.collection(collection).indexes();
        if (!indexes.some((index) => index.name === 'outbox_pending_flag')) continue;
        outbox += await db.collection(collection).countDocuments({ outboxPending: true });
      }
    }
  } finally {
    await client.close();
  }
  const { partitions } = await lag.read();
  return {
    outbox,
    lag: partitions.reduce((sum, p) => sum + p.lag, 0),
    missingGroups: partitions.length === 0 ? 1 : 0,
    imagesOwed,
  };
}
