// @ts-check
// Demo data for `npm start`: a store that is always open, two riders, a B2B order whose review
// failed (on the audit desk), an organisation with guarantee orders to share, and logins to try
// each terminal with.
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const dist = (pkg) => require(path.join(REPO, 'packages', pkg, 'dist', 'index.js'));

const allDay = Object.fromEntries(['0', '1', '2', '3', '4', '5', '6'].map((d) => [d, ['00:00-24:00']]));

export const demoStore = {
  merchantId: 'm-demo',
  name: 'Demo Noodle House',
  timeZone: 'Asia/Shanghai',
  hours: allDay,
  responseWindowSeconds: 60,
  products: [
    { productId: 'p-beef-noodles', name: 'Beef noodles', price: 2800, available: true },
    { productId: 'p-dumplings', name: 'Pork dumplings (12)', price: 1800, available: true },
    { productId: 'p-tea', name: 'Jasmine tea', price: 600, available: true },
  ],
};

async function send(method, url, token, body, headers = {}) {
  const response = await fetch(url, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
}

/**
 * Seeds whichever services run and returns the demo logins (12-hour tokens, signed by the local
 * issuer whose key is in `keysDir`; each names the services its terminal talks to as audiences).
 * `urls` names each running service's base URL; `env` carries the secrets and the broker.
 */
export async function seedDemo(urls, env, keysDir) {
  const { localTokenIssuer, serviceAudience } = dist('service-kit');
  const { issuer } = localTokenIssuer(keysDir);
  const audiences = {
    customer: ['order', 'notification', 'media'],
    merchant: ['order', 'notification', 'media'],
    rider: ['order', 'notification', 'media'],
    handler: ['audit', 'notification'],
    member: ['sharing', 'notification'],
    admin: ['order', 'audit', 'sharing', 'media', 'notification'],
  };
  const token = (subject, role, tenant) =>
    issuer.sign(
      { subject, role, ...(tenant ? { tenant } : {}) },
      { audience: audiences[role].map(serviceAudience), expiresInSeconds: 12 * 3600 },
    );
  const admin = token('demo-admin', 'admin');
  const logins = {
    customer: token('c-demo', 'customer'),
    merchant: token('clerk-demo', 'merchant', 'm-demo'),
    rider: token('rider-demo-1', 'rider'),
    admin,
  };

  if (urls.order) {
    await send('PUT', `${urls.order}/v1/stores/s-demo`, admin, demoStore);
    await send('PUT', `${urls.order}/v1/terminals/rider-demo-1`, admin, { regions: ['downtown'] });
    await send('PUT', `${urls.order}/v1/terminals/rider-demo-2`, admin, { regions: ['riverside'] });
  }

  if (urls.audit) {
    // The trading platform confirmed an order; the middle office refused it on price.
    await send('PUT', `${urls.audit}/v1/audit/accounts/acct-demo`, admin, { handlerId: 'h-demo' });
    const { EventProducer, KafkaClient } = dist('kafka');
    const { B2bOrderConfirmed, newEvent, Topics } = dist('contracts');
    const kafka = new KafkaClient({ brokers: env.KAFKA_BROKERS.split(','), clientId: 'orderpulse-demo' });
    const producer = new EventProducer(kafka);
    const orderNo = 'SO-DEMO-0001';
    const order = {
      orderNo,
      preOrderNo: 'PO-DEMO-0001',
      customerAccount: 'acct-demo',
      buyer: { company: 'Lakeside Hotels Ltd.', contactName: 'Chen Jing' },
      lines: [{ sku: 'SKU-TOWEL-70', name: 'Bath towel 70×140', quantity: 400, unitPrice: 2350 }],
      total: 940000,
      currency: 'CNY',
      shipTo: { line: '18 Xixi Road, Hangzhou' },
      locale: 'zh-CN',
      confirmedAt: new Date().toISOString(),
    };
    await producer.publish([
      {
        topic: Topics.b2bOrders,
        event: newEvent(B2bOrderConfirmed, { source: 'trading-platform', subject: orderNo, data: order }),
      },
    ]);
    await producer.disconnect();
    const failure = JSON.stringify({
      notificationId: 'demo-ntf-0001',
      orderNo,
      reasonCode: 'PRC-002',
      reasonText: '单价低于合同底价 (unit price below the contract floor)',
      failedAt: new Date().toISOString(),
    });
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = `v1=${createHmac('sha256', env.AUDIT_WEBHOOK_SECRET).update(`${timestamp}.${failure}`).digest('hex')}`;
    const response = await fetch(`${urls.audit}/v1/audit/failures`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-orderpulse-timestamp': String(timestamp),
        'x-orderpulse-signature': signature,
      },
      body: failure,
    });
    if (!response.ok) throw new Error(`audit failure webhook: ${response.status} ${await response.text()}`);
    logins.handler = token('h-demo', 'handler');
  }

  if (urls.sharing) {
    await send('PUT', `${urls.sharing}/v1/organisations/org-demo`, admin, {
      name: 'Demo Guarantee Co.',
      locale: 'zh-CN',
    });
    await send('PUT', `${urls.sharing}/v1/organisations/org-demo/members/member-demo-a`, admin, { name: 'Alice (A)' });
    await send('PUT', `${urls.sharing}/v1/organisations/org-demo/members/member-demo-b`, admin, { name: 'Bo (B)' });
    for (const [reference, orderType, title] of [
      ['GO-DEMO-1', 'performance', 'Performance guarantee, Lot 7'],
      ['GO-DEMO-2', 'bid', 'Bid bond, Harbour tender'],
    ]) {
      await send('POST', `${urls.sharing}/v1/guarantee-orders`, admin, {
        orgId: 'org-demo',
        ownerId: 'member-demo-a',
        reference,
        orderType,
        title,
      });
    }
    logins.member = token('member-demo-a', 'member', 'org-demo');
    logins.memberB = token('member-demo-b', 'member', 'org-demo');
  }
  return logins;
}
