import { Topics } from '@orderpulse/contracts';
import { applyTopics, KafkaClient, plannedTopics } from '@orderpulse/kafka';
import { loadConfig, ephemeralTokenIssuer, startService } from '@orderpulse/service-kit';
import { httpJson, stackEnv, uniqueName, waitFor } from '@orderpulse/testkit';
import type { KafkaMessage } from 'kafkajs';

import { SharingConfig, sharingRenamedKeys } from '../../src/config';
import { type SharingService, wireSharingService } from '../../src/sharing-service';

/** The one test issuer: tokens for every service, verified by them from `jwksPath`. */
export const { issuer: tokenIssuer, jwksPath } = ephemeralTokenIssuer();

export const tokens = {
  member: (orgId: string, memberId: string) => tokenIssuer.sign({ subject: memberId, role: 'member', tenant: orgId }),
  /** A member token that names no organisation. */
  memberWithoutOrg: (memberId: string) => tokenIssuer.sign({ subject: memberId, role: 'member' }),
  admin: () => tokenIssuer.sign({ subject: 'ops', role: 'admin' }),
  service: () => tokenIssuer.sign({ subject: 'policy-system', role: 'service' }),
  customer: () => tokenIssuer.sign({ subject: 'c-1', role: 'customer' }),
};

/** What a terminal gets back for an order: the fields the tests read. */
export interface OrderView {
  orderId: string;
  kind: 'original' | 'shared';
  originalOrderId?: string;
  holderId?: string;
  ownerId: string;
  orderType: string;
  status: string;
  version: number;
  shareCount: number;
  maxShares: number;
  result?: { status: string; note?: string; by: { memberId: string; orderId: string } };
  share?: {
    shareId: string;
    targetId: string;
    status: string;
    sharedAt: string;
    claimDeadline: string;
    remainingMs: number;
  };
  shares?: { shareId: string; targetId: string; status: string }[];
  serverTime: string;
}

export interface Problem {
  type: string;
  code: string;
  detail: string;
  reason?: string;
  orderStatus?: string;
  current?: OrderView;
  errors?: { path: string; message: string }[];
}

export interface Reply<T = unknown> {
  status: number;
  type: string;
  body: T;
}

/** One sharing service on port 0 with its own database, topics and queues, on the real stack. */
export class SharingHarness {
  base = '';
  service!: SharingService;
  readonly prefix: string;
  readonly db: string;
  readonly queuePrefix: string;
  readonly kafka = new KafkaClient({ brokers: stackEnv().KAFKA_BROKERS.split(','), clientId: 'sharing-test' });
  readonly seen: KafkaMessage[] = [];
  private stopService: () => Promise<void> = async () => undefined;
  private stopReader: () => Promise<void> = async () => undefined;

  /** A second instance shares the first one's database, topics and queues. */
  constructor(same?: SharingHarness) {
    this.prefix = same?.prefix ?? `${uniqueName('sharing')}.`;
    this.db = same?.db ?? uniqueName('sharing');
    this.queuePrefix = same?.queuePrefix ?? uniqueName('q');
  }

  async start(env: Record<string, string> = {}): Promise<this> {
    await applyTopics(
      this.kafka,
      plannedTopics({
        defaults: { partitions: 3, replicationFactor: 1 },
        deadLetter: { partitions: 1 },
        topics: [{ name: `${this.prefix}${Topics.sharingEvents}`, consumedBy: ['notification'] }],
      }),
    );
    const config = loadConfig(
      SharingConfig,
      {
        ...stackEnv(),
        HTTP_PORT: '0',
        LOG_LEVEL: 'silent',
        MONGO_DB: this.db,
        JWT_JWKS: jwksPath,
        QUEUE_PREFIX: this.queuePrefix,
        KAFKA_TOPIC_PREFIX: this.prefix,
        ...env,
      },
      sharingRenamedKeys,
    );
    const started = await startService(
      'sharing',
      config,
      async (platform) => (this.service = await wireSharingService(platform, config)),
    );
    this.base = `http://127.0.0.1:${started.port}`;
    this.stopService = started.stop;
    return this;
  }

  /** Collects every sharing event published to the deployment's topic. */
  async readEvents(): Promise<this> {
    const reader = this.kafka.kafka.consumer({ groupId: uniqueName('reader') });
    await reader.connect();
    await reader.subscribe({ topics: [`${this.prefix}${Topics.sharingEvents}`], fromBeginning: true });
    await reader.run({ eachMessage: async ({ message }) => void this.seen.push(message) });
    this.stopReader = () => reader.disconnect();
    return this;
  }

  events(type?: string): { type: string; subject: string; data: Record<string, unknown> }[] {
    return this.seen
      .map((m) => ({
        type: m.headers?.ce_type?.toString() ?? '',
        subject: m.headers?.ce_subject?.toString() ?? '',
        data: JSON.parse(m.value?.toString() ?? '{}') as Record<string, unknown>,
      }))
      .filter((e) => !type || e.type === type);
  }

  async waitForEvent(
    type: string,
    until: (data: Record<string, unknown>) => boolean,
  ): Promise<{ type: string; subject: string; data: Record<string, unknown> }> {
    const found = await waitFor(() => this.events(type).find((e) => until(e.data)), {
      what: `a ${type} event`,
      timeoutMs: 20_000,
    });
    if (!found) throw new Error(`no ${type} event`);
    return found;
  }

  async call<T = OrderView>(
    method: string,
    path: string,
    token: string | undefined,
    body?: unknown,
  ): Promise<Reply<T>> {
    return httpJson<T>(this.base, method, path, token, body);
  }

  /** An organisation with its members, set up by an admin. */
  async organisation(
    orgId: string,
    members: { id: string; role?: 'member' | 'manager' }[],
    locale: 'zh-CN' | 'en' = 'en',
  ): Promise<void> {
    const org = await this.call('PUT', `/v1/organisations/${orgId}`, tokens.admin(), { name: `Org ${orgId}`, locale });
    if (org.status >= 300) throw new Error(`organisation not saved: ${JSON.stringify(org.body)}`);
    for (const m of members) {
      const res = await this.call('PUT', `/v1/organisations/${orgId}/members/${m.id}`, tokens.admin(), {
        name: `Member ${m.id}`,
        role: m.role ?? 'member',
      });
      if (res.status >= 300) throw new Error(`member not saved: ${JSON.stringify(res.body)}`);
    }
  }

  /** Records a guarantee order as its owner would from a terminal. */
  async record(
    orgId: string,
    ownerId: string,
    orderType = 'inpatient',
    extra: Record<string, unknown> = {},
  ): Promise<OrderView> {
    const res = await this.call('POST', '/v1/guarantee-orders', tokens.member(orgId, ownerId), {
      reference: uniqueName('GP'),
      orderType,
      title: `${orderType} guarantee`,
      ...extra,
    });
    if (res.status !== 201) throw new Error(`order not recorded: ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async share(orgId: string, ownerId: string, orderId: string, targetId: string): Promise<Reply<OrderView & Problem>> {
    return this.call('POST', `/v1/guarantee-orders/${orderId}/shares`, tokens.member(orgId, ownerId), { targetId });
  }

  async claim(orgId: string, memberId: string, secondId: string): Promise<Reply<OrderView & Problem>> {
    return this.call('POST', `/v1/guarantee-orders/${secondId}/claim`, tokens.member(orgId, memberId));
  }

  async stop(): Promise<void> {
    await this.stopReader();
    await this.stopService();
  }
}
