import { deadLetterTopic, Topics } from '@orderpulse/contracts';
import { applyTopics, KafkaClient, plannedTopics } from '@orderpulse/kafka';
import { loadConfig, ephemeralTokenIssuer, startService } from '@orderpulse/service-kit';
import { httpJson, stackEnv, uniqueName, waitFor } from '@orderpulse/testkit';
import type { KafkaMessage } from 'kafkajs';

import { OrderConfig } from '../../src/config';
import { type OrderService, wireOrderService } from '../../src/order-service';

/** The one test issuer: tokens for every service, verified by them from `jwksPath`. */
export const { issuer: tokenIssuer, jwksPath } = ephemeralTokenIssuer();

export const tokens = {
  customer: (id = 'c-1', expiresInSeconds?: number) =>
    tokenIssuer.sign({ subject: id, role: 'customer' }, expiresInSeconds ? { expiresInSeconds } : {}),
  merchant: (merchantId = 'm-1', subject = 'clerk-1') =>
    tokenIssuer.sign({ subject, role: 'merchant', tenant: merchantId }),
  rider: (terminalId: string) => tokenIssuer.sign({ subject: terminalId, role: 'rider' }),
  admin: () => tokenIssuer.sign({ subject: 'ops', role: 'admin' }),
  storefront: (storefrontId = 'shop-web') =>
    tokenIssuer.sign({ subject: storefrontId, role: 'storefront', tenant: storefrontId }),
};

/** Every weekday, all day. */
export const alwaysOpen = Object.fromEntries(['0', '1', '2', '3', '4', '5', '6'].map((d) => [d, ['00:00-24:00']]));

export const noodles = { productId: 'p-noodles', name: 'Beef noodles', price: 1800, available: true };
export const dumplings = { productId: 'p-dumplings', name: 'Dumplings', price: 1200, available: false };

export function orderBody(overrides: Record<string, unknown> = {}) {
  return {
    merchantId: 'm-1',
    storeId: 's-1',
    currency: 'CNY',
    lines: [{ productId: 'p-noodles', quantity: 2, unitPrice: 1800 }],
    delivery: { line: '88 Century Avenue', region: 'pudong', contactName: 'Li Wei', contactPhone: '+86 138 0000 0000' },
    locale: 'en',
    ...overrides,
  };
}

/** One order service on port 0 with its own database, topics, groups and queues, on the real stack. */
export class OrderHarness {
  base = '';
  service!: OrderService;
  readonly prefix = `${uniqueName('order')}.`;
  readonly queuePrefix = uniqueName('q');
  /** The service's database, unless `start` is given another `MONGO_DB`. */
  readonly dbName = uniqueName('order');
  readonly kafka = new KafkaClient({ brokers: stackEnv().KAFKA_BROKERS.split(','), clientId: 'order-test' });
  readonly seen: KafkaMessage[] = [];
  private stopService: () => Promise<void> = async () => undefined;
  private stopReader: () => Promise<void> = async () => undefined;

  topic(name: string): string {
    return `${this.prefix}${name}`;
  }

  async start(env: Record<string, string> = {}): Promise<this> {
    await applyTopics(
      this.kafka,
      plannedTopics({
        defaults: { partitions: 3, replicationFactor: 1 },
        deadLetter: { partitions: 1 },
        topics: [
          ...[Topics.storefrontOrders, Topics.orderEvents].map((t) => ({ name: this.topic(t), consumedBy: ['order'] })),
          { name: this.topic(Topics.storefrontReplies) },
        ],
      }),
    );
    const config = loadConfig(OrderConfig, {
      ...stackEnv(),
      HTTP_PORT: '0',
      LOG_LEVEL: 'silent',
      MONGO_DB: this.dbName,
      JWT_JWKS: jwksPath,
      QUEUE_PREFIX: this.queuePrefix,
      KAFKA_TOPIC_PREFIX: this.prefix,
      ...env,
    });
    const started = await startService(
      'order',
      config,
      async (platform) => (this.service = await wireOrderService(platform, config)),
    );
    this.base = `http://127.0.0.1:${started.port}`;
    this.stopService = started.stop;
    await this.readEvents();
    return this;
  }

  /** Collects every order event the service publishes. */
  private async readEvents(): Promise<void> {
    const reader = this.kafka.kafka.consumer({ groupId: uniqueName('reader') });
    await reader.connect();
    await reader.subscribe({
      topics: [
        this.topic(Topics.orderEvents),
        this.topic(Topics.storefrontReplies),
        deadLetterTopic(this.topic(Topics.storefrontOrders)),
      ],
      fromBeginning: true,
    });
    await reader.run({ eachMessage: async ({ message }) => void this.seen.push(message) });
    this.stopReader = () => reader.disconnect();
  }

  events(orderId: string, type?: string): { type: string; topic?: string; data: Record<string, unknown> }[] {
    return this.seen
      .filter(
        (m) => m.headers?.ce_subject?.toString() === orderId && (!type || m.headers?.ce_type?.toString() === type),
      )
      .map((m) => ({
        type: m.headers?.ce_type?.toString() ?? '',
        data: JSON.parse(m.value?.toString() ?? '{}') as Record<string, unknown>,
      }));
  }

  async waitForEvent(orderId: string, type: string, until: (data: Record<string, unknown>) => boolean = () => true) {
    const found = await waitFor(() => this.events(orderId, type).find((e) => until(e.data)), {
      what: `${type} for ${orderId}`,
      timeoutMs: 20_000,
    });
    if (!found) throw new Error(`no ${type} for ${orderId}`);
    return found;
  }

  async call(
    method: string,
    path: string,
    token: string | undefined,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return httpJson<any>(this.base, method, path, token, body, headers);
  }

  async putStore(storeId: string, store: Record<string, unknown>) {
    const res = await this.call('PUT', `/v1/stores/${storeId}`, tokens.admin(), {
      merchantId: 'm-1',
      name: 'Noodle House',
      timeZone: 'Asia/Shanghai',
      hours: alwaysOpen,
      products: [noodles, dumplings],
      ...store,
    });
    if (res.status >= 300) throw new Error(`store not saved: ${JSON.stringify(res.body)}`);
  }

  async stop(): Promise<void> {
    await this.stopReader();
    await this.stopService();
  }
}
