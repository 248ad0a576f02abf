import { createHash, randomUUID } from 'node:crypto';

import {
  AuditFailed,
  B2bOrderConfirmed,
  newEvent,
  storefrontCustomerId,
  StorefrontOrderPlaced,
  storefrontSource,
  Topics,
} from '@orderpulse/contracts';
import { EventProducer, type KafkaClient } from '@orderpulse/kafka';
import sharp from 'sharp';

import type { Acknowledged } from './audit';
import { webhookHeaders } from './secrets';
import { log, type Services, sleep } from './system';
import { mintToken } from './tokens';

export interface Reply {
  status: number;
  body: unknown;
}

/** One HTTP call; a network error or timeout answers status 0. */
export async function call(
  base: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed };
  } catch {
    return { status: 0, body: undefined };
  }
}

/** Retries while the answer is a 5xx, 429 or no answer at all, up to `ms`; returns the last answer. */
async function persist(attempt: () => Promise<Reply>, ms = 120_000): Promise<Reply> {
  const deadline = Date.now() + ms;
  let delay = 500;
  for (;;) {
    const reply = await attempt();
    if (!(reply.status === 0 || reply.status === 429 || reply.status >= 500) || Date.now() > deadline) return reply;
    await sleep(delay);
    delay = Math.min(5_000, delay * 2);
  }
}

const ok = (r: Reply) => r.status >= 200 && r.status < 300;
const pick = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)] as T;
const allDay = Object.fromEntries(['0', '1', '2', '3', '4', '5', '6'].map((d) => [d, ['00:00-24:00']]));

/** The cast of the run: one merchant, five customers, two riders, one handler, two members. */
export const cast = {
  merchantId: 'm-chaos',
  storeId: 's-chaos',
  region: 'chaos-town',
  customers: ['c-1', 'c-2', 'c-3', 'c-4', 'c-5'],
  riders: ['rider-1', 'rider-2'],
  handler: 'h-chaos',
  account: 'acct-chaos',
  org: 'org-chaos',
  members: ['member-a', 'member-b'],
  storefront: 'shop-chaos',
};

/** The storefront's customers, as orderpulse names them (`<storefrontId>/<customerId>`): their tokens' subjects. */
const storefrontCustomers = cast.customers.map((c) => storefrontCustomerId(cast.storefront, c));

export const logins = {
  admin: mintToken({ subject: 'chaos-admin', role: 'admin' }),
  merchant: mintToken({ subject: 'clerk-chaos', role: 'merchant', tenant: cast.merchantId }),
  customer: (id: string) => mintToken({ subject: id, role: 'customer' }),
  rider: (id: string) => mintToken({ subject: id, role: 'rider' }),
  handler: mintToken({ subject: cast.handler, role: 'handler' }),
  member: (id: string) => mintToken({ subject: id, role: 'member', tenant: cast.org }),
};

/** The recipients (notification keys) that have a device: only their notices are owed a push. */
export const registeredRecipients = new Set([
  ...[...cast.customers, ...storefrontCustomers].map((c) => `customer:${c}`),
  `merchant:${cast.merchantId}`,
  ...cast.riders.map((r) => `rider:${r}`),
  `handler:${cast.handler}`,
  ...cast.members.map((m) => `member:${cast.org}:${m}`),
]);

/** What the load did, for the audit and the table. */
export interface LoadRecord {
  acknowledged: Acknowledged[];
  requestsFailed: number;
  counts: Record<string, number>;
}

/** The order service's id for a storefront order (services/order: storefrontOrderId). */
function storefrontOrderId(storefrontId: string, externalRef: string): string {
  return `sf_${createHash('sha256').update(`${storefrontId}\n${externalRef}`).digest('hex').slice(0, 32)}`;
}

/** Stores, terminals, apps, devices, the audit account and the organisation; retried until each is taken. */
export async function seed(services: Services, responseWindowSeconds: number): Promise<void> {
  const order = services.of('order')[0]!.url;
  const notification = services.of('notification')[0]!.url;
  const must = async (what: string, r: () => Promise<Reply>) => {
    const reply = await persist(r);
    if (!ok(reply)) throw new Error(`seeding ${what}: ${reply.status} ${JSON.stringify(reply.body)}`);
  };
  await must('store', () =>
    call(order, 'PUT', `/v1/stores/${cast.storeId}`, logins.admin, {
      merchantId: cast.merchantId,
      name: 'Chaos Kitchen',
      timeZone: 'UTC',
      hours: allDay,
      responseWindowSeconds,
      products: [{ productId: 'p-1', name: 'Noodles', price: 1200, available: true }],
    }),
  );
  for (const r of cast.riders)
    await must('terminal', () => call(order, 'PUT', `/v1/terminals/${r}`, logins.admin, { regions: [cast.region] }));
  await must('app', () => call(notification, 'PUT', '/v1/apps/app-chaos', logins.admin, { name: 'chaos app' }));
  const devices: [string, string][] = [
    ...cast.customers.map((c): [string, string] => [logins.customer(c), `dev-${c}`]),
    ...storefrontCustomers.map((c, i): [string, string] => [logins.customer(c), `dev-sf-${cast.customers[i]}`]),
    [logins.merchant, 'dev-merchant'],
    ...cast.riders.map((r): [string, string] => [logins.rider(r), `dev-${r}`]),
    [logins.handler, 'dev-handler'],
    ...cast.members.map((m): [string, string] => [logins.member(m), `dev-${m}`]),
  ];
  for (const [token, id] of devices)
    await must(`device ${id}`, () =>
      call(notification, 'PUT', `/v1/installations/${id}`, token, {
        appCode: 'app-chaos',
        platform: 'android',
        deviceToken: `tok-${id}`,
      }),
    );
  const audit = services.get('audit').url;
  await must('audit account', () =>
    call(audit, 'PUT', `/v1/audit/accounts/${cast.account}`, logins.admin, { handlerId: cast.handler }),
  );
  const sharing = services.get('sharing').url;
  await must('organisation', () =>
    call(sharing, 'PUT', `/v1/organisations/${cast.org}`, logins.admin, { name: 'Chaos Guarantee Co.', locale: 'en' }),
  );
  for (const m of cast.members)
    await must(`member ${m}`, () =>
      call(sharing, 'PUT', `/v1/organisations/${cast.org}/members/${m}`, logins.admin, { name: m }),
    );
}

/**
 * The steady mixed load: order lifecycles (over HTTP and on the storefront topic; about half
 * answered by the merchant, the rest left to the deadline; assignment, stocking, delivery steps,
 * photos through presigned grants), B2B audit failures (signed webhook and Kafka) being fixed,
 * and shares offered, claimed and resolved. Bounded by `until` and by `maxOrders`.
 */
export class Load {
  readonly record: LoadRecord = { acknowledged: [], requestsFailed: 0, counts: {} };
  private readonly producer: EventProducer;
  private readonly running: Promise<void>[] = [];
  private photo: Promise<Buffer>;

  constructor(
    private readonly services: Services,
    kafka: KafkaClient,
  ) {
    this.producer = new EventProducer(kafka);
    const width = 640;
    const height = 480;
    const raw = Buffer.alloc(width * height * 3);
    for (let i = 0; i < raw.length; i += 1) raw[i] = (i * 7919 + Math.floor(i / 3) * 104_729) % 251;
    this.photo = sharp(raw, { raw: { width, height, channels: 3 } })
      .jpeg({ quality: 80 })
      .toBuffer();
  }

  private count(what: string): void {
    this.record.counts[what] = (this.record.counts[what] ?? 0) + 1;
  }

  private url(service: 'order' | 'media' | 'audit' | 'sharing'): string {
    return pick(this.services.of(service)).url;
  }

  private async step(what: string, attempt: () => Promise<Reply>, ms?: number): Promise<Reply> {
    const reply = await persist(attempt, ms);
    if (!ok(reply)) {
      this.record.requestsFailed += 1;
      this.count(`${what} not taken`);
    }
    return reply;
  }

  /** Runs the loops until `until` (ms epoch); resolves once every started flow has finished. */
  async run(until: number, ordersPerSecond: number, maxOrders: number, stop: () => boolean): Promise<void> {
    this.stop = stop;
    const loops = [
      this.orders(until, ordersPerSecond, maxOrders),
      this.every(until, 9_000, () => this.auditFlow()),
      this.every(until, 9_000, () => this.shareFlow()),
    ];
    await Promise.all(loops);
    await Promise.allSettled(this.running);
    await this.producer.disconnect().catch(() => undefined);
  }

  private stop: () => boolean = () => false;

  private async every(until: number, intervalMs: number, flow: () => Promise<void>): Promise<void> {
    while (Date.now() < until && !this.stop()) {
      this.running.push(flow().catch((e: unknown) => void log(`flow failed: ${String(e)}`)));
      await sleep(intervalMs);
    }
  }

  private started = 0;

  private async orders(until: number, rate: number, max: number): Promise<void> {
    while (Date.now() < until && this.started < max && !this.stop()) {
      this.startLifecycle();
      await sleep(1000 / rate);
    }
  }

  private startLifecycle(): void {
    this.started += 1;
    this.running.push(this.lifecycle(this.started).catch((e: unknown) => void log(`order flow failed: ${String(e)}`)));
  }

  /** `n` order lifecycles at once (to catch an instance mid-batch). */
  burst(n: number): void {
    for (let i = 0; i < n; i += 1) this.startLifecycle();
  }

  /** Places an order over HTTP until the order service takes it; the idempotency key makes retries one order. */
  async placeOverHttp(customer = pick(cast.customers)): Promise<string | undefined> {
    const key = `chaos-${randomUUID()}`;
    const body = {
      merchantId: cast.merchantId,
      storeId: cast.storeId,
      currency: 'CNY',
      lines: [{ productId: 'p-1', quantity: 1, unitPrice: 1200 }],
      delivery: { line: '1 Fault Lane', region: cast.region, contactName: 'C', contactPhone: '+86 100' },
      locale: 'en',
    };
    const reply = await this.step('order placed over HTTP', () =>
      call(this.url('order'), 'POST', '/v1/orders', logins.customer(customer), body, { 'idempotency-key': key }),
    );
    if (!ok(reply)) return undefined;
    const orderId = (reply.body as { order: { orderId: string } }).order.orderId;
    this.record.acknowledged.push({ what: 'order', id: orderId, via: 'http' });
    return orderId;
  }

  private async publish(what: string, send: () => Promise<void>): Promise<boolean> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        await send();
        return true;
      } catch {
        if (Date.now() > deadline) {
          this.record.requestsFailed += 1;
          this.count(`${what} not published`);
          return false;
        }
        await sleep(2_000);
      }
    }
  }

  private async placeOnKafka(customer: string): Promise<string | undefined> {
    const externalRef = `SF-${randomUUID()}`;
    const data = {
      storefrontId: cast.storefront,
      externalRef,
      merchantId: cast.merchantId,
      storeId: cast.storeId,
      customerId: customer,
      currency: 'CNY',
      lines: [{ productId: 'p-1', quantity: 2, unitPrice: 1200 }],
      delivery: { line: '2 Fault Lane', region: cast.region, contactName: 'K', contactPhone: '+86 101' },
      locale: 'en' as const,
    };
    const event = newEvent(StorefrontOrderPlaced, {
      source: storefrontSource(cast.storefront),
      subject: externalRef,
      data,
    });
    if (
      !(await this.publish('storefront order', () =>
        this.producer.publish([{ topic: Topics.storefrontOrders, event }]),
      ))
    )
      return undefined;
    const orderId = storefrontOrderId(cast.storefront, externalRef);
    this.record.acknowledged.push({ what: 'order', id: orderId, via: 'kafka' });
    return orderId;
  }

  private async lifecycle(n: number): Promise<void> {
    const customer = pick(cast.customers);
    const viaKafka = n % 3 === 0;
    const orderId = viaKafka ? await this.placeOnKafka(customer) : await this.placeOverHttp(customer);
    if (!orderId) return;
    // The storefront's customer is the storefront's: that is whom its order belongs to.
    const owner = viaKafka ? storefrontCustomerId(cast.storefront, customer) : customer;
    this.count(viaKafka ? 'orders placed on the storefront topic' : 'orders placed over HTTP');
    // Half answered; a quarter seen but left to the deadline (not_answered); a quarter never fetched (not_connected).
    const fate = n % 4;
    if (fate === 3) return;
    await sleep(500 + Math.random() * 1500);
    const seen = await this.step(
      'merchant fetch',
      async () => {
        const r = await call(this.url('order'), 'GET', `/v1/orders/${orderId}`, logins.merchant);
        return r.status === 404 ? { status: 503, body: r.body } : r; // a storefront order may not be in yet
      },
      20_000,
    );
    if (!ok(seen) || fate === 2) return;
    const accepted = await this.step(
      'merchant accept',
      () => call(this.url('order'), 'POST', `/v1/orders/${orderId}/accept`, logins.merchant, {}),
      15_000,
    );
    if (!ok(accepted)) return;
    this.count('orders accepted');
    if (n % 2 === 0) await this.uploadPhoto(orderId, 'accepted', logins.merchant);
    const terminal = await this.assignedTerminal(orderId, owner);
    if (!terminal) {
      this.count('accepted orders never assigned');
      return;
    }
    const rider = logins.rider(terminal);
    const order = this.url('order');
    await this.step('stocking report', () =>
      call(order, 'POST', `/v1/deliveries/${orderId}/stocking`, rider, { status: 'success' }),
    );
    for (const step of ['took', 'handed_over', 'delivered']) {
      await sleep(300);
      const r = await this.step(`delivery step ${step}`, () =>
        call(this.url('order'), 'POST', `/v1/deliveries/${orderId}/progress`, rider, { step }),
      );
      if (!ok(r)) return;
    }
    this.count('orders delivered');
    if (n % 2 === 0) await this.uploadPhoto(orderId, 'delivered', rider);
  }

  private async assignedTerminal(orderId: string, customer: string): Promise<string | undefined> {
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const r = await call(this.url('order'), 'GET', `/v1/orders/${orderId}`, logins.customer(customer));
      const terminalId = ok(r) ? (r.body as { order?: { terminalId?: string } }).order?.terminalId : undefined;
      if (terminalId) return terminalId;
      await sleep(1_000);
    }
    return undefined;
  }

  /** A real-shot photo: a presigned grant, the upload straight to S3, the confirmation. */
  private async uploadPhoto(orderId: string, status: string, token: string): Promise<void> {
    const body = await this.photo;
    const grant = await this.step(
      `photo grant (${status})`,
      async () => {
        const r = await call(this.url('media'), 'POST', `/v1/orders/${orderId}/media/${status}/grants`, token, {
          contentType: 'image/jpeg',
          bytes: body.length,
        });
        return r.status === 409 || r.status === 404 ? { status: 503, body: r.body } : r; // the media service may not know the status yet
      },
      30_000,
    );
    if (!ok(grant)) return;
    const g = grant.body as { grantId: string; upload: { url: string; headers: Record<string, string> } };
    const put = await this.step(
      `photo upload (${status})`,
      async () => {
        try {
          const res = await fetch(g.upload.url, {
            method: 'PUT',
            headers: g.upload.headers,
            body,
            signal: AbortSignal.timeout(10_000),
          });
          await res.arrayBuffer();
          return { status: res.status, body: undefined };
        } catch {
          return { status: 0, body: undefined };
        }
      },
      60_000,
    );
    if (!ok(put)) return;
    const confirmed = await this.step(
      `photo confirm (${status})`,
      () => call(this.url('media'), 'POST', `/v1/orders/${orderId}/media/${status}/grants/${g.grantId}/confirm`, token),
      60_000,
    );
    if (ok(confirmed)) this.count('photos uploaded');
  }

  /** A B2B order confirmed on Kafka, refused by the middle office (signed webhook or Kafka), fixed by its handler. */
  private async auditFlow(): Promise<void> {
    const n = (this.record.counts['audit failures sent'] ?? 0) + 1;
    const orderNo = `SO-CHAOS-${randomUUID().slice(0, 8)}`;
    const order = {
      orderNo,
      customerAccount: cast.account,
      buyer: { company: 'Chaos Ltd.', contactName: 'Q' },
      lines: [{ sku: 'SKU-1', name: 'Towel', quantity: 10, unitPrice: 2350 }],
      total: 23500,
      currency: 'CNY',
      shipTo: { line: '3 Fault Lane' },
      locale: 'en' as const,
      confirmedAt: new Date().toISOString(),
    };
    const confirmed = newEvent(B2bOrderConfirmed, { source: 'trading-platform', subject: orderNo, data: order });
    if (
      !(await this.publish('b2b order', () => this.producer.publish([{ topic: Topics.b2bOrders, event: confirmed }])))
    )
      return;
    await sleep(2_000);
    const notificationId = `ntf-${randomUUID()}`;
    const failure = {
      notificationId,
      orderNo,
      reasonCode: 'PRC-002',
      reasonText: 'unit price below the contract floor',
      failedAt: new Date().toISOString(),
    };
    this.count('audit failures sent');
    if (n % 2 === 0) {
      const text = JSON.stringify(failure);
      const r = await this.step('audit failure webhook', () =>
        call(this.url('audit'), 'POST', '/v1/audit/failures', undefined, text, webhookHeaders(text)),
      );
      if (!ok(r)) return;
      this.record.acknowledged.push({ what: 'audit-failure', id: notificationId, via: 'webhook' });
    } else {
      const event = newEvent(AuditFailed, { source: 'middle-office', subject: orderNo, data: failure });
      if (!(await this.publish('audit failure', () => this.producer.publish([{ topic: Topics.auditFailures, event }]))))
        return;
      this.record.acknowledged.push({ what: 'audit-failure', id: notificationId, via: 'kafka' });
    }
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const r = await call(
        this.url('audit'),
        'GET',
        '/v1/audit/cases?handler=me&status=open&limit=200',
        logins.handler,
      );
      const found = ok(r)
        ? (
            r.body as { cases: { caseId: string; order?: { orderNo?: string }; target?: { orderNo?: string } }[] }
          ).cases.find((c) => (c.order?.orderNo ?? c.target?.orderNo) === orderNo)
        : undefined;
      if (found) {
        const fixed = await this.step('audit fix', () =>
          call(this.url('audit'), 'POST', `/v1/audit/cases/${found.caseId}/fix`, logins.handler, {
            note: 'price corrected to the contract floor',
          }),
        );
        if (ok(fixed)) {
          this.record.acknowledged.push({ what: 'audit-fix', id: found.caseId, via: 'http' });
          this.count('audit cases fixed');
        }
        return;
      }
      await sleep(2_000);
    }
    this.count('audit cases never seen open');
  }

  /** A guarantee order recorded, shared to the other member, claimed and resolved (every third left to expire). */
  private async shareFlow(): Promise<void> {
    const n = (this.record.counts['shares offered'] ?? 0) + 1;
    const [owner, target] = cast.members as [string, string];
    const created = await this.step('guarantee order', () =>
      call(this.url('sharing'), 'POST', '/v1/guarantee-orders', logins.admin, {
        orgId: cast.org,
        ownerId: owner,
        reference: `GO-${randomUUID().slice(0, 12)}`,
        orderType: pick(['performance', 'bid']),
        title: 'Chaos bond',
      }),
    );
    if (!ok(created)) return;
    const id = (created.body as { orderId?: string }).orderId;
    if (!id) return;
    const shared = await this.step('share offered', () =>
      call(this.url('sharing'), 'POST', `/v1/guarantee-orders/${id}/shares`, logins.member(owner), {
        targetId: target,
      }),
    );
    if (!ok(shared)) return;
    this.count('shares offered');
    if (n % 3 === 0) return;
    // The owner's answer shows the linked second order: its id is the share's.
    const shareId = (shared.body as { orderId: string }).orderId;
    await sleep(1_000);
    const claimed = await this.step('share claimed', () =>
      call(this.url('sharing'), 'POST', `/v1/guarantee-orders/${shareId}/claim`, logins.member(target)),
    );
    if (!ok(claimed)) return;
    this.count('shares claimed');
    await sleep(1_000);
    const resolved = await this.step('share resolved', () =>
      call(this.url('sharing'), 'POST', `/v1/guarantee-orders/${shareId}/result`, logins.member(target), {
        status: 'completed',
      }),
    );
    if (ok(resolved)) this.count('shares resolved');
  }
}
