import { createHmac } from 'node:crypto';
import { join } from 'node:path';

import { B2bOrderConfirmed, exampleB2bOrder, newEvent, Topics } from '@orderpulse/contracts';
import { EventProducer, KafkaClient } from '@orderpulse/kafka';
import { stackEnv, uniqueName, waitFor } from '@orderpulse/testkit';

import { artifacts, Terminals, tokens, webhookSecret } from './support/terminals';

const terminals = new Terminals();

beforeAll(async () => {
  await terminals.start();
}, 120_000);
afterAll(() => terminals.stop());

describe('the people behind the B2B desk and the organisation, in a real browser', () => {
  test('a failed review reaches the handler’s desk; the fix recorded there is re-submitted and passes', async () => {
    const orderNo = uniqueName('SO').toUpperCase();
    await terminals.send('audit', 'PUT', '/v1/audit/accounts/acct-web', tokens.admin(), { handlerId: 'h-web' });
    const producer = new EventProducer(
      new KafkaClient({ brokers: stackEnv().KAFKA_BROKERS.split(','), clientId: 'terminals-test' }),
    );
    await producer.publish([
      {
        topic: `${terminals.prefix}${Topics.b2bOrders}`,
        event: newEvent(B2bOrderConfirmed, {
          source: 'trading-platform',
          subject: orderNo,
          data: { ...exampleB2bOrder, orderNo, customerAccount: 'acct-web' },
        }),
      },
    ]);
    await producer.disconnect();
    const body = JSON.stringify({
      notificationId: uniqueName('ntf'),
      orderNo,
      reasonCode: 'PRC-002',
      reasonText: 'unit price below the contract floor',
      failedAt: new Date().toISOString(),
    });
    const timestamp = Math.floor(Date.now() / 1_000);
    const signature = `v1=${createHmac('sha256', webhookSecret).update(`${timestamp}.${body}`).digest('hex')}`;
    const intake = await fetch(`${terminals.urls.audit}/v1/audit/failures`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-orderpulse-timestamp': String(timestamp),
        'x-orderpulse-signature': signature,
      },
      body,
    });
    expect(intake.status).toBe(202);

    const desk = await terminals.open('/handler?lang=en', tokens.handler('h-web'));
    const card = desk.locator('article[data-status=open]', { hasText: orderNo });
    await card.waitFor({ timeout: 20_000 });
    expect(await card.textContent()).toContain('unit price below the contract floor');
    await card.getByRole('textbox').fill('contract price corrected');
    await card.getByRole('button').click();
    // Passed at the middle office; closed once the user system has the success message too.
    await desk
      .locator('article[data-status=passed], article[data-status=closed]', { hasText: orderNo })
      .waitFor({ timeout: 20_000 });
    const review = terminals.middleOffice.requests.find((r) => (r.json as { orderNo?: string }).orderNo === orderNo);
    expect(review?.json).toMatchObject({ fix: { note: 'contract price corrected', by: 'h-web' } });
    await desk.screenshot({ path: join(artifacts, 'handler-desk.png'), fullPage: true });
  }, 60_000);

  test('member A shares a guarantee order with B on the page; B claims it and records the result, which A then sees', async () => {
    const orgId = uniqueName('org');
    await terminals.send('sharing', 'PUT', `/v1/organisations/${orgId}`, tokens.admin(), {
      name: 'Guarantee Co.',
      locale: 'en',
    });
    for (const [id, name] of [
      ['alice', 'Alice'],
      ['bo', 'Bo'],
    ])
      await terminals.send('sharing', 'PUT', `/v1/organisations/${orgId}/members/${id}`, tokens.admin(), { name });
    await terminals.send('sharing', 'POST', '/v1/guarantee-orders', tokens.admin(), {
      orgId,
      ownerId: 'alice',
      reference: 'GO-1',
      orderType: 'performance',
      title: 'Performance guarantee, Lot 7',
    });

    const alice = await terminals.open('/member?lang=en', tokens.member(orgId, 'alice'));
    const own = alice.getByTestId('owned').locator('article', { hasText: 'Lot 7' });
    await own.waitFor({ timeout: 15_000 });
    await own.getByRole('combobox').selectOption('bo');
    await own.getByRole('button', { name: 'Share' }).click();
    await own.locator('li[data-share-status=pending]').waitFor();

    const bo = await terminals.open('/member?lang=en', tokens.member(orgId, 'bo'));
    const offered = bo.getByTestId('shared').locator('article[data-share-status=pending]', { hasText: 'Lot 7' });
    await offered.waitFor({ timeout: 15_000 });
    await offered.getByRole('button', { name: 'Claim' }).click();
    const claimed = bo.getByTestId('shared').locator('article[data-share-status=claimed]', { hasText: 'Lot 7' });
    await claimed.waitFor();
    await claimed.getByRole('button', { name: 'Completed' }).click();
    const statusOn = (page: typeof bo, section: string) =>
      page.getByTestId(section).locator('article', { hasText: 'Lot 7' }).locator('header .status');
    await waitFor(() => statusOn(bo, 'shared').textContent(), {
      what: 'the result on B’s second order',
      until: (text) => text === 'Completed',
    });
    // Settled: nobody can record a second result.
    expect(await bo.getByTestId('shared').locator('button[data-result]').count()).toBe(0);

    // A hears of it over the WebSocket and reloads: the same result on the original.
    await waitFor(() => statusOn(alice, 'owned').textContent(), {
      what: 'the result on A’s original',
      until: (text) => text === 'Completed',
      timeoutMs: 15_000,
    });
    expect(await alice.getByTestId('owned').locator('button[data-result]').count()).toBe(0);
    await alice.screenshot({ path: join(artifacts, 'member-shared.png'), fullPage: true });
  }, 60_000);
});
