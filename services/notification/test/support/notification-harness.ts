import { type EventDefinition, exampleSnapshot, newEvent, OrderPlaced, Topics } from '@orderpulse/contracts';
import { applyTopics, EventProducer, KafkaClient, plannedTopics } from '@orderpulse/kafka';
import { loadConfig, ephemeralTokenIssuer, startService } from '@orderpulse/service-kit';
import { httpJson, RecordingServer, stackEnv, uniqueName } from '@orderpulse/testkit';
import type { Redis } from 'ioredis';
import { WebSocket } from 'ws';
import type { z } from 'zod';

import { NotificationConfig } from '../../src/config';
import { type NotificationService, wireNotificationService } from '../../src/notification-service';

/** The one test issuer: tokens for every service, verified by them from `jwksPath`. */
export const { issuer: tokenIssuer, jwksPath } = ephemeralTokenIssuer();

export const tokens = {
  customer: (id = 'c-1') => tokenIssuer.sign({ subject: id, role: 'customer' }),
  merchant: (merchantId = 'm-1', subject = 'clerk-1') =>
    tokenIssuer.sign({ subject, role: 'merchant', tenant: merchantId }),
  rider: (terminalId: string) => tokenIssuer.sign({ subject: terminalId, role: 'rider' }),
  admin: () => tokenIssuer.sign({ subject: 'ops', role: 'admin' }),
  storefront: () => tokenIssuer.sign({ subject: 'shop-1', role: 'storefront' }),
  handler: (id: string) => tokenIssuer.sign({ subject: id, role: 'handler' }),
  /** A member of an organisation (the token's tenant); member ids are unique only within one. */
  member: (orgId: string, id: string, expiresInSeconds?: number) =>
    tokenIssuer.sign({ subject: id, role: 'member', tenant: orgId }, expiresInSeconds ? { expiresInSeconds } : {}),
};

/** What the tests share between instances of the service: topics, database, queues, gateway. */
export interface Deployment {
  prefix: string;
  db: string;
  queuePrefix: string;
  gateway: RecordingServer;
  kafka: KafkaClient;
}

/** A gorush that takes everything (sync mode, no failed pushes) until a test says otherwise. */
export const gorushOk = () => ({ status: 200, body: { counts: 1, logs: [], success: 'ok' } });

export async function newDeployment(): Promise<Deployment> {
  const prefix = `${uniqueName('notif')}.`;
  const kafka = new KafkaClient({ brokers: stackEnv().KAFKA_BROKERS.split(','), clientId: 'notification-test' });
  await applyTopics(
    kafka,
    plannedTopics({
      defaults: { partitions: 3, replicationFactor: 1 },
      deadLetter: { partitions: 1 },
      topics: [Topics.orderEvents, Topics.auditEvents, Topics.sharingEvents, Topics.mediaEvents].map((t) => ({
        name: `${prefix}${t}`,
        consumedBy: ['notification'],
      })),
    }),
  );
  const gateway = await new RecordingServer(gorushOk).start();
  return { prefix, db: uniqueName('notif'), queuePrefix: uniqueName('q'), gateway, kafka };
}

/** What a Redis emptied or restarted without its data does to the push queue — only this deployment's queue. Returns the keys removed. */
export async function losePushQueue(redis: Redis, d: Deployment): Promise<number> {
  const keys: string[] = [];
  for await (const batch of redis.scanStream({ match: `${d.queuePrefix}:push:*`, count: 500 }) as AsyncIterable<
    string[]
  >)
    keys.push(...batch);
  if (keys.length > 0) await redis.del(...keys);
  return keys.length;
}

/** The environment a notification instance of the deployment runs with. */
export function deploymentEnv(d: Deployment, env: Record<string, string> = {}): Record<string, string> {
  return {
    ...stackEnv(),
    HTTP_PORT: '0',
    LOG_LEVEL: 'silent',
    MONGO_DB: d.db,
    JWT_JWKS: jwksPath,
    QUEUE_PREFIX: d.queuePrefix,
    KAFKA_TOPIC_PREFIX: d.prefix,
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    PUSH_GATEWAY_URL: d.gateway.url,
    PUSH_BACKOFF_MS: '50',
    PUSH_TIMEOUT_MS: '2000',
    ...env,
  };
}

/** One notification service in-process on port 0, on the real stack. */
export class NotificationInstance {
  base = '';
  service!: NotificationService;
  private stopService: () => Promise<void> = async () => undefined;

  constructor(readonly deployment: Deployment) {}

  async start(env: Record<string, string> = {}): Promise<this> {
    const config = loadConfig(NotificationConfig, deploymentEnv(this.deployment, env));
    const started = await startService(
      'notification',
      config,
      async (platform) => (this.service = await wireNotificationService(platform, config)),
    );
    this.base = `http://127.0.0.1:${started.port}`;
    this.stopService = started.stop;
    return this;
  }

  async call(method: string, path: string, token: string | undefined, body?: unknown) {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return httpJson<any>(this.base, method, path, token, body);
  }

  /** Registers an app (as admin) and a device for the token's recipient. */
  async register(
    token: string,
    installationId: string,
    device: { appCode?: string; platform?: string; deviceToken?: string; locale?: string } = {},
  ) {
    const appCode = device.appCode ?? 'app-main';
    await this.call('PUT', `/v1/apps/${appCode}`, tokens.admin(), {
      name: 'orderpulse demo app',
      authorization: 'key=app-main-secret',
    });
    const res = await this.call('PUT', `/v1/installations/${installationId}`, token, {
      appCode,
      platform: device.platform ?? 'android',
      deviceToken: device.deviceToken ?? `token-${installationId}`,
      ...(device.locale ? { locale: device.locale } : {}),
    });
    if (res.status >= 300) throw new Error(`registration failed: ${JSON.stringify(res.body)}`);
    return res.body as { installationId: string; recipient: string };
  }

  async deliveries(query: string, token = tokens.admin()) {
    const res = await this.call('GET', `/v1/pushes?${query}`, token);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return res.body.pushes as any[];
  }

  async stop(): Promise<void> {
    await this.stopService();
  }
}

/** Publishes order events as the order service would. */
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

  /** An order.placed for a fresh order of merchant m-1 and customer c-1, with a three-minute window. */
  async placed(overrides: Partial<z.input<typeof OrderPlaced.schema>> = {}) {
    const orderId = uniqueName('ord').replaceAll('-', '_');
    const now = Date.now();
    const data = {
      ...exampleSnapshot,
      orderId,
      merchantId: 'm-1',
      customerId: 'c-1',
      locale: 'en' as const,
      countdown: { deadline: new Date(now + 180_000).toISOString(), serverTime: new Date(now).toISOString() },
      ...overrides,
    };
    const id = await this.publish(OrderPlaced, data);
    return { orderId: data.orderId, eventId: id, data };
  }

  /** A record as bytes, for what the order service would never send. */
  async raw(key: string, value: string | Buffer, headers: Record<string, string | Buffer>): Promise<void> {
    await this.producer.forward([{ topic: `${this.deployment.prefix}${Topics.orderEvents}`, key, value, headers }]);
  }

  async stop(): Promise<void> {
    await this.producer.disconnect();
  }
}

/** A terminal's WebSocket: collects every frame it receives. */
export class SocketClient {
  readonly frames: { type: string; cursor?: string; message?: Record<string, unknown>; [key: string]: unknown }[] = [];
  pings = 0;
  closed: { code: number; reason: string } | undefined;
  private socket!: WebSocket;

  static async open(
    base: string,
    token: string,
    cursor?: string,
    how: 'header' | 'subprotocol' = 'subprotocol',
  ): Promise<SocketClient> {
    const client = new SocketClient();
    const url = `${base.replace('http', 'ws')}/v1/realtime/ws${cursor ? `?cursor=${cursor}` : ''}`;
    client.socket =
      how === 'header'
        ? new WebSocket(url, ['orderpulse.v1'], { headers: { authorization: `Bearer ${token}` } })
        : new WebSocket(url, ['orderpulse.v1', `bearer.${token}`]);
    client.socket.on('message', (data: Buffer) =>
      client.frames.push(JSON.parse(data.toString('utf8')) as SocketClient['frames'][number]),
    );
    client.socket.on('ping', () => (client.pings += 1));
    client.socket.on('close', (code, reason) => (client.closed = { code, reason: reason.toString() }));
    await new Promise<void>((resolve, reject) => {
      client.socket.once('open', () => resolve());
      client.socket.once('error', reject);
    });
    return client;
  }

  notifications() {
    return this.frames.filter((f) => f.type === 'notification');
  }

  hello() {
    return this.frames.find((f) => f.type === 'hello');
  }

  close(): void {
    this.socket.close();
  }
}

/** A customer's SSE stream, read with fetch as a browser's EventSource would. */
export class StreamClient {
  readonly events: { id?: string; event?: string; data: string }[] = [];
  comments = 0;
  /** The server ended the stream (not the client's close). */
  ended = false;
  private readonly abort = new AbortController();
  status = 0;

  static async open(base: string, token: string, lastEventId?: string): Promise<StreamClient> {
    const client = new StreamClient();
    const response = await fetch(`${base}/v1/realtime/events`, {
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'text/event-stream',
        ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
      },
      signal: client.abort.signal,
    });
    client.status = response.status;
    void client.read(response);
    return client;
  }

  private async read(response: Response): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith(':')) {
            this.comments += 1;
            continue;
          }
          const event: StreamClient['events'][number] = { data: '' };
          for (const line of block.split('\n')) {
            const [field, ...rest] = line.split(': ');
            const value = rest.join(': ');
            if (field === 'id') event.id = value;
            else if (field === 'event') event.event = value;
            else if (field === 'data') event.data += value;
          }
          this.events.push(event);
        }
      }
      this.ended = true;
    } catch {
      // aborted by close()
    }
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  notifications(): any[] {
    return this.events.filter((e) => e.event === 'notification').map((e) => JSON.parse(e.data) as unknown);
  }

  close(): void {
    this.abort.abort();
  }
}
