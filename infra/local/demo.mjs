// Demo data for `npm start`: a store that is always open, two riders, and logins to try them with.
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { signToken } = createRequire(import.meta.url)(path.join(REPO, 'packages', 'service-kit', 'dist', 'index.js'));

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

/** Seeds the order service and returns the demo logins (12-hour tokens). */
export async function seedDemo(orderUrl, secret) {
  const auth = { secret, issuer: 'orderpulse' };
  const token = (subject, role, tenant) => signToken({ subject, role, ...(tenant ? { tenant } : {}) }, auth, 12 * 3600);
  const admin = token('demo-admin', 'admin');
  const put = async (url, body) => {
    const response = await fetch(`${orderUrl}${url}`, { method: 'PUT', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  };
  await put('/v1/stores/s-demo', demoStore);
  await put('/v1/terminals/rider-demo-1', { regions: ['downtown'] });
  await put('/v1/terminals/rider-demo-2', { regions: ['riverside'] });
  return {
    customer: token('c-demo', 'customer'),
    merchant: token('clerk-demo', 'merchant', 'm-demo'),
    rider: token('rider-demo-1', 'rider'),
    admin,
  };
}
