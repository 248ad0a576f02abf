import { HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import {
  type EventData,
  type EventDefinition,
  type EventEnvelope,
  exampleSnapshot,
  MediaAttached,
  newEvent,
  OrderAssigned,
  OrderPlaced,
  type OrderStatus,
  OrderStatusChanged,
  Topics,
} from '@orderpulse/contracts';
import { applyTopics, EventConsumer, EventProducer, KafkaClient, on, plannedTopics } from '@orderpulse/kafka';
import { createS3Client } from '@orderpulse/object-store';
import { loadConfig, ephemeralTokenIssuer, startService } from '@orderpulse/service-kit';
import { httpJson, stackEnv, uniqueName, waitFor } from '@orderpulse/testkit';
import sharp from 'sharp';
import type { z } from 'zod';

import { MediaConfig } from '../../src/config';
import { type MediaService, wireMediaService } from '../../src/media-service';

/** The one test issuer: tokens for every service, verified by them from `jwksPath`. */
export const { issuer: tokenIssuer, jwksPath } = ephemeralTokenIssuer();

export const tokens = {
  customer: (id = 'c-1') => tokenIssuer.sign({ subject: id, role: 'customer' }),
  merchant: (merchantId = 'm-1', subject = 'clerk-1') =>
    tokenIssuer.sign({ subject, role: 'merchant', tenant: merchantId }),
  rider: (terminalId = 'rider-1') => tokenIssuer.sign({ subject: terminalId, role: 'rider' }),
  admin: () => tokenIssuer.sign({ subject: 'ops', role: 'admin' }),
};

/** What instances of one test deployment share: topics, database, queues and a key prefix in the bucket. */
export interface Deployment {
  prefix: string;
  db: string;
  queuePrefix: string;
  keyPrefix: string;
  kafka: KafkaClient;
  s3: S3Client;
  bucket: string;
}

export async function newDeployment(): Promise<Deployment> {
  const prefix = `${uniqueName('media')}.`;
  const env = stackEnv();
  const kafka = new KafkaClient({ brokers: env.KAFKA_BROKERS.split(','), clientId: 'media-test' });
  await applyTopics(
    kafka,
    plannedTopics({
      defaults: { partitions: 3, replicationFactor: 1 },
      deadLetter: { partitions: 1 },
      topics: [
        { name: `${prefix}${Topics.orderEvents}`, consumedBy: ['media'] },
        { name: `${prefix}${Topics.mediaEvents}`, consumedBy: ['notification'] },
      ],
    }),
  );
  const s3 = createS3Client({
    endpoint: env.S3_ENDPOINT,
    region: env.S3_REGION,
    accessKeyId: env.S3_ACCESS_KEY_ID,
    secretAccessKey: env.S3_SECRET_ACCESS_KEY,
    forcePathStyle: true,
  });
  return {
    prefix,
    db: uniqueName('media'),
    queuePrefix: uniqueName('q'),
    keyPrefix: `${uniqueName('media')}/`,
    kafka,
    s3,
    bucket: env.S3_BUCKET,
  };
}

export function deploymentEnv(d: Deployment, env: Record<string, string> = {}): Record<string, string> {
  return {
    ...stackEnv(),
    S3_FORCE_PATH_STYLE: 'true',
    HTTP_PORT: '0',
    LOG_LEVEL: 'silent',
    MONGO_DB: d.db,
    JWT_JWKS: jwksPath,
    QUEUE_PREFIX: d.queuePrefix,
    KAFKA_TOPIC_PREFIX: d.prefix,
    MEDIA_KEY_PREFIX: d.keyPrefix,
    MEDIA_PHOTO_MIN_DIMENSION: '64',
    ...env,
  };
}

export interface Reply {
  status: number;
  type: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** One media service in-process on port 0, on the real stack. */
export class MediaInstance {
  base = '';
  service!: MediaService;
  private stopService: () => Promise<void> = async () => undefined;

  constructor(readonly deployment: Deployment) {}

  async start(env: Record<string, string> = {}): Promise<this> {
    const config = loadConfig(MediaConfig, deploymentEnv(this.deployment, env));
    const started = await startService(
      'media',
      config,
      async (platform) => (this.service = await wireMediaService(platform, config)),
    );
    this.base = `http://127.0.0.1:${started.port}`;
    this.stopService = started.stop;
    return this;
  }

  async call(method: string, path: string, token: string | undefined, body?: unknown): Promise<Reply> {
    return httpJson<Reply['body']>(this.base, method, path, token, body);
  }

  /** Asks for a grant once the service has seen the order reach the status. */
  async grant(
    orderId: string,
    status: OrderStatus,
    token: string,
    upload: { contentType: string; bytes: number },
  ): Promise<Grant> {
    const reply = await waitFor(
      () => this.call('POST', `/v1/orders/${orderId}/media/${status}/grants`, token, upload),
      {
        what: `a ${status} grant for ${orderId}`,
        // Until the service has read the order's events: unknown order, or status not reached yet.
        until: (r) => r.status !== 404 && (r.status !== 409 || !String(r.body?.detail).includes('has not reached')),
      },
    );
    if (reply.status !== 201) throw new Error(`grant refused: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body as Grant;
  }

  confirm(grant: Grant, token: string): Promise<Reply> {
    return this.call(
      'POST',
      `/v1/orders/${grant.orderId}/media/${grant.status}/grants/${grant.grantId}/confirm`,
      token,
    );
  }

  async stop(): Promise<void> {
    await this.stopService();
  }
}

export interface Grant {
  grantId: string;
  orderId: string;
  status: OrderStatus;
  upload: { method: 'PUT'; url: string; headers: Record<string, string> };
  expiresAt: string;
  confirmBy: string;
}

/** Uploads as a phone does: plain HTTP PUT to the presigned URL with the headers it was given. */
export async function upload(
  grant: Grant,
  body: Buffer | string,
  headers: Record<string, string> = grant.upload.headers,
): Promise<{ status: number; text: string }> {
  const response = await fetch(grant.upload.url, { method: 'PUT', headers, body });
  return { status: response.status, text: await response.text() };
}

/** A photo as a phone makes one: noise (so it does not compress to nothing), optionally with GPS tags. */
export async function photo(
  width: number,
  height: number,
  options: { gps?: boolean; format?: 'jpeg' | 'png' } = {},
): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i += 1) raw[i] = (i * 7919 + Math.floor(i / 3) * 104_729) % 251;
  let image = sharp(raw, { raw: { width, height, channels: 3 } });
  if (options.gps)
    image = image.withExif({
      IFD0: { Make: 'TestPhone', Model: 'Shot 1' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '31/1 14/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '121/1 28/1 0/1' },
    });
  return options.format === 'png' ? image.png().toBuffer() : image.jpeg({ quality: 90 }).toBuffer();
}

/** Publishes order events as the order service would, one order at a time with rising versions. */
export class OrderEvents {
  private readonly producer: EventProducer;

  constructor(private readonly deployment: Deployment) {
    this.producer = new EventProducer(deployment.kafka);
  }

  async publish<D extends EventDefinition>(definition: D, data: z.input<D['schema']>, id?: string): Promise<string> {
    const subject = (data as { orderId: string }).orderId;
    const event = newEvent(definition, { source: 'orderpulse/order', subject, data, ...(id ? { id } : {}) });
    await this.producer.publish([{ topic: `${this.deployment.prefix}${definition.topic}`, event }]);
    return event.id;
  }

  /** A fresh order of merchant m-1 and customer c-1, placed (status `new`). */
  async placed(overrides: Partial<z.input<typeof OrderPlaced.schema>> = {}): Promise<TestOrder> {
    const orderId = uniqueName('ord').replaceAll('-', '_');
    const now = Date.now();
    const data = {
      ...exampleSnapshot,
      orderId,
      merchantId: 'm-1',
      customerId: 'c-1',
      storeName: 'Noodle House',
      locale: 'en' as const,
      countdown: { deadline: new Date(now + 180_000).toISOString(), serverTime: new Date(now).toISOString() },
      ...overrides,
    };
    const eventId = await this.publish(OrderPlaced, data);
    return { ...data, eventId };
  }

  /** The order moves on to `status`, by the actor the order service would name. */
  async moved(
    order: TestOrder,
    status: OrderStatus,
    extra: { expectedDeliveryAt?: string; id?: string } = {},
  ): Promise<TestOrder> {
    const next = { ...order, version: order.version + 1, status };
    const { eventId: _previous, ...data } = next;
    const eventId = await this.publish(
      OrderStatusChanged,
      {
        ...data,
        from: order.status,
        by: { role: 'system', subject: 'test' },
        ...(extra.expectedDeliveryAt ? { expectedDeliveryAt: extra.expectedDeliveryAt } : {}),
      },
      extra.id,
    );
    return { ...next, eventId };
  }

  async assigned(order: TestOrder, terminalId: string): Promise<TestOrder> {
    const next = { ...order, version: order.version + 1, terminalId };
    const { eventId: _previous, ...data } = next;
    const eventId = await this.publish(OrderAssigned, { ...data, terminalId, strategy: 'region' });
    return { ...next, eventId };
  }

  /** A record as bytes, for what the order service would never send. */
  async raw(key: string, value: string | Buffer, headers: Record<string, string | Buffer>): Promise<void> {
    await this.producer.forward([{ topic: `${this.deployment.prefix}${Topics.orderEvents}`, key, value, headers }]);
  }

  async stop(): Promise<void> {
    await this.producer.disconnect();
  }
}

export type TestOrder = z.input<typeof OrderPlaced.schema> & {
  eventId: string;
  version: number;
  status: OrderStatus;
  orderId: string;
  terminalId?: string;
};

/** Reads the deployment's media topic, as the notification service would. */
export class MediaEvents {
  readonly seen: EventEnvelope<EventData<typeof MediaAttached>>[] = [];
  private readonly consumer: EventConsumer;

  constructor(deployment: Deployment) {
    this.consumer = new EventConsumer(deployment.kafka, {
      groupId: uniqueName('media-events'),
      topics: [`${deployment.prefix}${Topics.mediaEvents}`],
      handlers: [on(MediaAttached, async (event) => void this.seen.push(event))],
    });
  }

  async start(): Promise<this> {
    await this.consumer.start();
    return this;
  }

  of(orderId: string, status?: OrderStatus) {
    return this.seen.filter((e) => e.data.orderId === orderId && (status === undefined || e.data.status === status));
  }

  async next(orderId: string, status: OrderStatus, timeoutMs = 20_000) {
    const [first] = await waitFor(() => this.of(orderId, status), {
      what: `media.attached for ${orderId} ${status}`,
      until: (l) => l.length > 0,
      timeoutMs,
    });
    return first!;
  }

  async stop(): Promise<void> {
    await this.consumer.stop();
  }
}

/** Whether the bucket has the object. */
export async function exists(d: Deployment, key: string): Promise<boolean> {
  try {
    await d.s3.send(new HeadObjectCommand({ Bucket: d.bucket, Key: key }));
    return true;
  } catch {
    return false;
  }
}

export async function keysUnder(d: Deployment, prefix: string): Promise<string[]> {
  const listed = await d.s3.send(new ListObjectsV2Command({ Bucket: d.bucket, Prefix: `${d.keyPrefix}${prefix}` }));
  // A filesystem-backed server may list a folder entry (`…/`) beside the objects; it is no object.
  return (listed.Contents ?? []).map((o) => o.Key ?? '').filter((key) => key && !key.endsWith('/'));
}

export async function fetchBytes(url: string): Promise<{ status: number; bytes: Buffer; type: string }> {
  const response = await fetch(url);
  return {
    status: response.status,
    bytes: Buffer.from(await response.arrayBuffer()),
    type: response.headers.get('content-type') ?? '',
  };
}
