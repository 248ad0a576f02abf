import {
  createEnvelope,
  type AuditFailure,
  type B2bOrder,
  B2bOrderConfirmed,
  AuditFailed,
  deadLetterTopic,
  exampleB2bOrder,
  newEvent,
  Topics,
} from '@orderpulse/contracts';
import { applyTopics, EventProducer, KafkaClient, plannedTopics } from '@orderpulse/kafka';
import { loadConfig, ephemeralTokenIssuer, startService } from '@orderpulse/service-kit';
import { httpJson, RecordingServer, stackEnv, uniqueName, waitFor } from '@orderpulse/testkit';
import type { KafkaMessage } from 'kafkajs';

import { type AuditService, wireAuditService } from '../../src/audit-service';
import { AuditConfig } from '../../src/config';
import { defaultPolicy, type AuditPolicy } from '../../src/domain/audit-policy';
import { sign } from '../../src/domain/webhook-signature';

export const webhookSecret = 'middle-office-webhook-secret-of-enough-length';
export const middleOfficeSecret = 'audit-to-middle-office-secret-of-enough-length';
export const userSystemSecret = 'audit-to-user-system-secret-of-enough-length';
/** The one test issuer: tokens for every service, verified by them from `jwksPath`. */
export const { issuer: tokenIssuer, jwksPath } = ephemeralTokenIssuer();

export const tokens = {
  handler: (id: string) => tokenIssuer.sign({ subject: id, role: 'handler' }),
  admin: () => tokenIssuer.sign({ subject: 'ops', role: 'admin' }),
  customer: () => tokenIssuer.sign({ subject: 'c-1', role: 'customer' }),
};

/** A policy whose teams have people, so routing can be seen; deadlines as the test wants them. */
export function testPolicy(deadlineMinutes = 60): AuditPolicy {
  return {
    ...defaultPolicy,
    teams: {
      pricing: { handlers: ['h-price-1', 'h-price-2'], leadId: 'lead-pricing' },
      supply: { handlers: ['h-supply-1'], leadId: 'lead-supply' },
      finance: { handlers: ['h-finance-1'], leadId: 'lead-finance' },
      service: { handlers: ['h-service-1'], leadId: 'lead-service' },
    },
    types: Object.fromEntries(
      Object.entries(defaultPolicy.types).map(([type, settings]) => [type, { ...settings, deadlineMinutes }]),
    ) as AuditPolicy['types'],
  };
}

/** A B2B order with a fresh order number. */
export function b2bOrder(overrides: Partial<B2bOrder> = {}): B2bOrder {
  const orderNo = uniqueName('SO').toUpperCase();
  return { ...(exampleB2bOrder as B2bOrder), orderNo, preOrderNo: `PRE-${orderNo}`, ...overrides };
}

export function failure(
  target: { orderNo?: string; preOrderNo?: string },
  reason: { code?: string; text: string },
  id = uniqueName('ntf'),
): AuditFailure {
  return {
    notificationId: id,
    ...target,
    ...(reason.code ? { reasonCode: reason.code } : {}),
    reasonText: reason.text,
    failedAt: new Date().toISOString(),
  };
}

/** A case as the API shows it, as far as the tests look at it. */
export interface CaseView {
  caseId: string;
  status: string;
  round: number;
  notificationIds: string[];
  history: { action: string; note?: string }[];
  order?: { orderNo: string };
  parkedReason?: string;
  deadline?: string;
  lastResubmitError?: string;
  overdue: boolean;
}

export interface Call {
  status: number;
  type: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/**
 * One audit service on port 0 with its own database, topics, groups and queues on the real
 * stack, with the middle office and the user system as real HTTP servers on loopback.
 */
export class AuditHarness {
  base = '';
  service!: AuditService;
  readonly prefix = `${uniqueName('audit')}.`;
  readonly db = uniqueName('audit');
  readonly queuePrefix = uniqueName('q');
  readonly kafka = new KafkaClient({ brokers: stackEnv().KAFKA_BROKERS.split(','), clientId: 'audit-test' });
  readonly middleOffice = new RecordingServer(() => ({ status: 200, body: { result: 'passed' } }));
  readonly userSystem = new RecordingServer(() => ({ status: 204 }));
  readonly events: { type: string; key: string; data: Record<string, unknown>; headers: Record<string, string> }[] = [];
  private readonly producer = new EventProducer(this.kafka);
  private stopService: () => Promise<void> = async () => undefined;
  private stopReader: () => Promise<void> = async () => undefined;

  topic(name: string): string {
    return `${this.prefix}${name}`;
  }

  async start(env: Record<string, string> = {}): Promise<this> {
    await Promise.all([this.middleOffice.start(), this.userSystem.start()]);
    await applyTopics(
      this.kafka,
      plannedTopics({
        defaults: { partitions: 3, replicationFactor: 1 },
        deadLetter: { partitions: 1 },
        topics: [
          { name: this.topic(Topics.b2bOrders), consumedBy: ['audit'] },
          { name: this.topic(Topics.auditFailures), consumedBy: ['audit'] },
          { name: this.topic(Topics.auditEvents), consumedBy: [] },
        ],
      }),
    );
    await this.producer.connect();
    await this.boot(env);
    await this.readEvents();
    return this;
  }

  /** Starts (or starts again) the service on the same database, topics and queues. */
  async boot(env: Record<string, string> = {}): Promise<void> {
    const config = loadConfig(AuditConfig, {
      ...stackEnv(),
      HTTP_PORT: '0',
      LOG_LEVEL: 'silent',
      MONGO_DB: this.db,
      JWT_JWKS: jwksPath,
      QUEUE_PREFIX: this.queuePrefix,
      KAFKA_TOPIC_PREFIX: this.prefix,
      AUDIT_WEBHOOK_SECRET: webhookSecret,
      MIDDLE_OFFICE_URL: `${this.middleOffice.url}/reviews`,
      MIDDLE_OFFICE_SECRET: middleOfficeSecret,
      USER_SYSTEM_URL: `${this.userSystem.url}/audit-results`,
      USER_SYSTEM_SECRET: userSystemSecret,
      AUDIT_CALL_BACKOFF_MS: '50',
      AUDIT_CALL_TIMEOUT_MS: '2000',
      AUDIT_CALL_ATTEMPTS: '4',
      AUDIT_PARK_RETRY_SECONDS: '1',
      ...env,
    });
    const started = await startService(
      'audit',
      config,
      async (platform) => (this.service = await wireAuditService(platform, config)),
    );
    this.base = `http://127.0.0.1:${started.port}`;
    this.stopService = started.stop;
  }

  async halt(): Promise<void> {
    await this.stopService();
    this.stopService = async () => undefined;
  }

  private async readEvents(): Promise<void> {
    const reader = this.kafka.kafka.consumer({ groupId: uniqueName('reader') });
    await reader.connect();
    await reader.subscribe({
      topics: [
        this.topic(Topics.auditEvents),
        deadLetterTopic(this.topic(Topics.auditFailures)),
        deadLetterTopic(this.topic(Topics.b2bOrders)),
      ],
      fromBeginning: true,
    });
    await reader.run({
      eachMessage: async ({ topic, message }) => {
        this.events.push(decode(topic, message));
      },
    });
    this.stopReader = () => reader.disconnect();
  }

  /** Waits for an event of `type` that `match` accepts. */
  async event(type: string, match: (data: Record<string, unknown>) => boolean = () => true, timeoutMs = 20_000) {
    const found = await waitFor(() => this.events.find((e) => e.type === type && match(e.data)), {
      timeoutMs,
      what: `a ${type} event`,
    });
    if (!found) throw new Error(`no ${type} event`);
    return found;
  }

  /** Publishes an order as the trading platform does; `known` waits until the service has it. */
  async publishOrder(order: B2bOrder, options: { known?: boolean } = { known: true }): Promise<void> {
    await this.producer.publish([
      {
        topic: this.topic(Topics.b2bOrders),
        event: newEvent(B2bOrderConfirmed, { source: 'trading-platform', subject: order.orderNo, data: order }),
      },
    ]);
    if (options.known) {
      await waitFor(async () => (await this.call('GET', `/v1/audit/orders/${order.orderNo}`, tokens.admin())).status, {
        what: `order ${order.orderNo} to be known`,
        until: (status) => status === 200,
      });
    }
  }

  async publishFailure(f: AuditFailure, id?: string): Promise<void> {
    const event = newEvent(AuditFailed, {
      source: 'middle-office',
      subject: f.orderNo ?? f.preOrderNo ?? '',
      data: f,
      ...(id ? { id } : {}),
    });
    await this.producer.publish([{ topic: this.topic(Topics.auditFailures), event }]);
  }

  /** An envelope whose data no schema checked: what a faulty producer could send. */
  async publishRaw(topic: string, type: string, data: Record<string, unknown>): Promise<void> {
    const event = createEnvelope({ type, version: 1, source: 'middle-office', subject: 'raw', data });
    await this.producer.publish([{ topic: this.topic(topic), event }]);
  }

  /** The middle office's webhook call, signed as it would sign it (or not, as the test says). */
  async webhook(
    body: unknown,
    options: { secret?: string; timestamp?: number; signature?: string } = {},
  ): Promise<Call> {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1_000);
    const signature = options.signature ?? sign(options.secret ?? webhookSecret, timestamp, text);
    const response = await fetch(`${this.base}/v1/audit/failures`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-orderpulse-timestamp': String(timestamp),
        'x-orderpulse-signature': signature,
      },
      body: text,
    });
    return answer(response);
  }

  async call(method: string, path: string, token: string | undefined, body?: unknown): Promise<Call> {
    return httpJson<Call['body']>(this.base, method, path, token, body);
  }

  /** The cases a token sees for a query string. */
  async cases(query: string, token: string): Promise<CaseView[]> {
    const res = await this.call('GET', `/v1/audit/cases?${query}`, token);
    if (res.status !== 200) throw new Error(`listing failed: ${res.status} ${JSON.stringify(res.body)}`);
    return (res.body as { cases: CaseView[] }).cases;
  }

  async setPolicy(policy: AuditPolicy): Promise<void> {
    const current = await this.call('GET', '/v1/audit/policy', tokens.admin());
    const saved = await this.call('PUT', '/v1/audit/policy', tokens.admin(), {
      expectedVersion: current.body.version as number,
      policy,
    });
    if (saved.status !== 200) throw new Error(`policy refused: ${JSON.stringify(saved.body)}`);
  }

  /** Waits until the case of a notification is in `status`, and returns it (as an admin sees it). */
  async caseIn(caseId: string, status: string, timeoutMs = 20_000): Promise<CaseView> {
    const found = await waitFor(
      async () => (await this.call('GET', `/v1/audit/cases/${caseId}`, tokens.admin())).body,
      {
        timeoutMs,
        what: `case ${caseId} to be ${status}`,
        until: (body) => (body as { status?: string } | undefined)?.status === status,
      },
    );
    return found as CaseView;
  }

  async stop(): Promise<void> {
    await this.stopService();
    await this.stopReader();
    await this.producer.disconnect();
    await Promise.all([this.middleOffice.stop(), this.userSystem.stop()]);
  }
}

async function answer(response: Response): Promise<Call> {
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    body: text ? (JSON.parse(text) as unknown) : undefined,
  };
}

/** A record as the tests read it. A dead letter is whatever a producer sent (cut JSON, other encodings): its body is kept as text when it is no JSON object, never thrown on — a throw here would hold the reader on that record and hide every later event. */
function decode(topic: string, message: KafkaMessage) {
  const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
  const text = message.value?.toString('utf8');
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = text === undefined ? {} : JSON.parse(text);
    body =
      typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : { raw: text };
  } catch {
    body = { raw: text };
  }
  const type = topic.endsWith('.dlq') ? 'dlq' : (headers.ce_type ?? '');
  return { type, key: message.key?.toString('utf8') ?? '', data: body, headers };
}
