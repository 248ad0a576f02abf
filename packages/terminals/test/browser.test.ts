import { join } from 'node:path';

import { waitFor } from '@orderpulse/testkit';
import type { Page } from 'playwright-core';

import { artifacts, Terminals, tokens } from './support/terminals';

const terminals = new Terminals();

beforeAll(async () => {
  await terminals.start();
  await terminals.store('s-web', 'm-web', 90);
  await terminals.store('s-fast', 'm-fast', 6);
  await terminals.store('s-ride', 'm-ride', 90);
  await terminals.send('order', 'PUT', '/v1/terminals/rider-web', tokens.admin(), { regions: ['harbour'] });
}, 120_000);
afterAll(() => terminals.stop());

const shot = (page: Page, name: string) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });

/** A real JPEG, drawn on a canvas in the page as a phone camera would hand it over. */
async function photoFrom(page: Page): Promise<Buffer> {
  const dataUrl = await page.evaluate(() => {
    const canvas = document.createElement('canvas');
    canvas.width = 800;
    canvas.height = 600;
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no 2d canvas');
    context.fillStyle = '#c8553d';
    context.fillRect(0, 0, 800, 600);
    context.fillStyle = '#f5f1e6';
    context.fillRect(200, 150, 400, 300);
    return canvas.toDataURL('image/jpeg', 0.9);
  });
  return Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
}

/** The width of the countdown bar's fill, in per cent of the bar. */
const barWidth = (page: Page) =>
  page.locator('[data-testid=countdown-bar] .fill').evaluate((fill) => parseFloat((fill as HTMLElement).style.width));

describe('in a real browser', () => {
  test('a customer places an order, the merchant console shows it with a running bar, the merchant accepts, and the customer page shows accepted', async () => {
    const merchant = await terminals.open('/merchant?lang=zh-CN', tokens.merchant('m-web'));
    await merchant.locator('[data-testid=live].on').waitFor();
    const customer = await terminals.open('/customer?store=s-web&lang=en', tokens.customer('c-web'));
    await customer.getByTestId('place-order').click();

    const watch = customer.getByTestId('stopwatch');
    await watch.waitFor();
    const first = await watch.textContent();
    expect(first).toMatch(/^01:[0-2]\d\.\d$/);

    const box = merchant.getByTestId('order-box');
    await box.waitFor({ timeout: 15_000 });
    const before = await barWidth(merchant);
    await waitFor(() => barWidth(merchant), {
      what: 'the bar to shrink',
      timeoutMs: 5_000,
      until: (width) => width < before,
    });
    expect(before).toBeLessThanOrEqual(100);
    expect(await box.locator('button[data-action=accept]').textContent()).toBe('接单');
    // What was ordered, by the dish's name as the store had it when the order was placed — not its id.
    expect(await box.locator('ul li').allTextContents()).toEqual(['Beef noodles × 1']);
    await waitFor(() => watch.textContent(), {
      what: 'the stopwatch to count',
      timeoutMs: 5_000,
      until: (text) => text !== first,
    });
    await shot(merchant, 'merchant-new-order');
    await shot(customer, 'customer-waiting');

    await box.locator('button[data-action=accept]').click();
    await box.waitFor({ state: 'detached' });
    await customer.locator('[data-testid=order-status][data-status=accepted]').waitFor({ timeout: 15_000 });
    expect(await customer.getByTestId('order-status').textContent()).toBe('accepted');
    await customer.locator('[data-testid=timeline] li[data-status=accepted]').waitFor();
    expect(await merchant.locator('[data-testid=recent] li').first().getAttribute('data-status')).toBe('accepted');
    await shot(customer, 'customer-accepted');

    // Accepted is a real-shot status: the merchant takes the photo, it goes up through the presigned grant, and the customer sees it.
    const row = merchant.locator('[data-testid=recent] li').first();
    await row.getByTestId('show-photos').click();
    const picker = row.getByTestId('photo-accepted');
    await picker.waitFor({ timeout: 15_000 });
    await picker.setInputFiles({ name: 'counter.jpg', mimeType: 'image/jpeg', buffer: await photoFrom(merchant) });
    const photo = row.locator('figure[data-status=accepted][data-source=photo] img');
    await photo.waitFor({ timeout: 20_000 });
    expect(await photo.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    const seen = customer.locator('[data-testid=media] figure[data-status=accepted][data-source=photo] img');
    await seen.waitFor({ timeout: 20_000 });
    await waitFor(() => seen.evaluate((img) => (img as HTMLImageElement).naturalWidth), {
      what: 'the customer’s thumbnail to load',
      until: (w) => w > 0,
    });
    // The order's first status got a synthesized image, not a photo.
    await customer
      .locator('[data-testid=media] figure[data-status=new][data-source=synthesized] img')
      .waitFor({ timeout: 20_000 });
    await shot(merchant, 'merchant-photo-uploaded');
    await shot(customer, 'customer-photos');
  }, 120_000);

  test('after the answer, the rider’s steps on the delivery terminal reach the customer’s timeline', async () => {
    const customer = await terminals.open('/customer?store=s-ride&lang=en', tokens.customer('c-ride'));
    const region = customer.getByRole('textbox', { name: 'region' });
    await region.waitFor();
    await region.fill('harbour');
    await customer.getByTestId('place-order').click();
    await customer.locator('[data-testid=order-status][data-status=new]').waitFor({ timeout: 15_000 });
    const merchant = await terminals.open('/merchant?lang=en', tokens.merchant('m-ride'));
    await merchant.getByTestId('order-box').locator('button[data-action=accept]').click();
    await customer.locator('[data-testid=order-status][data-status=accepted]').waitFor({ timeout: 15_000 });

    const number = ((await customer.getByTestId('tracking').locator('h2').textContent()) ?? '').split(' ')[0] ?? '';
    expect(number).toMatch(/^#[0-9A-Z_-]{6}$/);

    const rider = await terminals.open('/rider?lang=en', tokens.rider('rider-web'));
    const card = rider.getByTestId('deliveries').locator('article', { hasText: number });
    await card.and(rider.locator('[data-status=accepted]')).waitFor({ timeout: 20_000 });
    await card.getByRole('button', { name: 'Stock ready' }).click();
    await card.getByText('success').waitFor();
    await card.locator('button[data-step=took]').click();
    await card.and(rider.locator('[data-status=rider_took]')).waitFor();

    // The order stream ended at the answer; the customer's notification stream brings the rest.
    await customer.locator('[data-testid=order-status][data-status=rider_took]').waitFor({ timeout: 20_000 });
    await customer.locator('[data-testid=timeline] li[data-status=rider_took]').waitFor();
    expect(await customer.getByText('live (notifications)').count()).toBe(1);
    await shot(rider, 'rider-took');
    await shot(customer, 'customer-rider-took');
  }, 90_000);

  test('when nobody answers before the bar runs out, the box is hidden and the order shows not answered on both terminals', async () => {
    const merchant = await terminals.open('/merchant?lang=en', tokens.merchant('m-fast'));
    await merchant.locator('[data-testid=live].on').waitFor();
    const customer = await terminals.open('/customer?store=s-fast&lang=zh-CN', tokens.customer('c-fast'));
    await customer.getByTestId('place-order').click();

    const box = merchant.getByTestId('order-box');
    await box.waitFor({ timeout: 15_000 });
    await shot(merchant, 'merchant-running-out');
    await box.waitFor({ state: 'detached', timeout: 15_000 });
    await merchant.locator('[data-testid=recent] li[data-status=not_answered]').waitFor();
    expect(await merchant.locator('[data-testid=recent] li .status').first().textContent()).toBe('not answered');

    await customer.locator('[data-testid=order-status][data-status=not_answered]').waitFor({ timeout: 20_000 });
    expect(await customer.getByTestId('order-status').textContent()).toBe('商家未应答');
    expect(await customer.getByTestId('stopwatch').textContent()).toBe('00:00.0');
    await shot(customer, 'customer-not-answered');
  }, 90_000);

  test('the API reference page at the gateway shows every service’s routes, its store example kept when tried with a token, and it reaches nothing beyond the gateway', async () => {
    const page = await terminals.open('/docs', tokens.admin());
    const elsewhere: string[] = [];
    page.on('request', (request) => {
      if (!/^(data|blob):/.test(request.url()) && !request.url().startsWith(terminals.base))
        elsewhere.push(request.url());
    });
    await page.getByText('Read a storefront’s order by its own reference').first().waitFor({ timeout: 30_000 });
    const text = await page.locator('body').innerText();
    for (const summary of ['Place an order', 'Report a delivery step', 'Keep a store']) expect(text).toContain(summary);
    for (const tag of ['notification ·', 'media ·', 'audit ·', 'sharing ·']) expect(text).toContain(tag);

    // Its examples work: authorised with a token, "Try it out" sends the store example as it stands, and the store is kept.
    await page.locator('.auth-wrapper button.authorize').click();
    await page.locator('.modal-ux input').first().fill(tokens.admin());
    await page.locator('.modal-ux .auth-btn-wrapper button.authorize').click();
    await page.locator('.modal-ux button.btn-done').click();
    const keepStore = page.locator('.opblock-put', { has: page.locator('[data-path="/api/order/v1/stores/{id}"]') });
    await keepStore.locator('.opblock-summary').click();
    await keepStore.locator('button.try-out__btn').click();
    await keepStore.locator('tr[data-param-name="id"] input').fill('s-docs-example');
    await keepStore.locator('button.execute').click();
    const status = keepStore.locator('.live-responses-table tbody .response-col_status').first();
    await status.waitFor({ timeout: 15_000 });
    expect((await status.textContent())?.trim()).toBe('201');
    const kept = await fetch(`${terminals.base}/api/order/v1/stores/s-docs-example`, {
      headers: { authorization: `Bearer ${tokens.admin()}` },
    });
    expect(((await kept.json()) as { name: string }).name).toBe('Noodle House');
    await shot(page, 'api-reference');
    expect(elsewhere).toEqual([]);
  });

  test('every page is served under a strict Content-Security-Policy, and nothing the pages above did was refused by it', async () => {
    const page = await fetch(`${terminals.base}/merchant`);
    await page.arrayBuffer();
    const policy = page.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).not.toContain('unsafe-');
    expect(terminals.cspViolations).toEqual([]);
  });
});
