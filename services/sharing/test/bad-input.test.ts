import { uniqueName } from '@orderpulse/testkit';

import { type OrderView, type Problem, SharingHarness, tokens } from './support/sharing-harness';

const h = new SharingHarness();
const org = uniqueName('org');
let x: OrderView;
let second: OrderView;

beforeAll(async () => {
  await h.start();
  await h.organisation(org, [{ id: 'wang' }, { id: 'li' }]);
  x = await h.record(org, 'wang');
  second = (await h.share(org, 'wang', x.orderId, 'li')).body;
});

afterAll(async () => {
  await h.stop();
});

const wang = () => tokens.member(org, 'wang');

async function raw(method: string, path: string, body: string, contentType = 'application/json') {
  const response = await fetch(`${h.base}${path}`, {
    method,
    headers: { authorization: `Bearer ${wang()}`, 'content-type': contentType },
    body,
  });
  return { status: response.status, type: response.headers.get('content-type') ?? '' };
}

describe('malformed input is refused with a 4xx problem, never a 5xx', () => {
  test.each([
    ['POST', '/v1/guarantee-orders', { orderType: 'inpatient', title: 'no reference' }],
    ['POST', '/v1/guarantee-orders', { reference: 'GP-1', orderType: 'In Patient!', title: 'bad type' }],
    ['POST', '/v1/guarantee-orders', { reference: 'GP 1', orderType: 'inpatient', title: 'space in reference' }],
    ['POST', '/v1/guarantee-orders', { reference: 'GP-2', orderType: 'inpatient', title: 'x'.repeat(201) }],
    [
      'POST',
      '/v1/guarantee-orders',
      { reference: 'GP-3', orderType: 'inpatient', title: 't', effectiveAt: 'yesterday' },
    ],
    ['POST', '/v1/guarantee-orders', { reference: 'GP-4', orderType: 'inpatient', title: 't', surprise: true }],
    ['POST', '/v1/guarantee-orders', [1, 2, 3]],
    ['POST', '/v1/guarantee-orders', 'null'],
    ['POST', '/v1/guarantee-orders/{x}/shares', {}],
    ['POST', '/v1/guarantee-orders/{x}/shares', { targetId: 'li/../wang' }],
    ['POST', '/v1/guarantee-orders/{x}/shares', { targetId: 42 }],
    ['POST', '/v1/guarantee-orders/{x}/result', { status: 'done' }],
    ['POST', '/v1/guarantee-orders/{x}/result', { status: 'rejected' }],
    ['POST', '/v1/guarantee-orders/{x}/result', { status: 'completed', note: '' }],
    ['GET', '/v1/shareable-orders?limit=0', undefined],
    ['GET', '/v1/shareable-orders?limit=abc', undefined],
    ['GET', '/v1/shareable-orders?limit=1&limit=2', undefined],
    ['GET', '/v1/shareable-orders?cursor=not-a-cursor', undefined],
    ['GET', `/v1/shareable-orders?cursor=${Buffer.from('[1,"x","y"]').toString('base64url')}`, undefined],
    ['GET', '/v1/guarantee-orders?scope=everything', undefined],
    ['GET', `/v1/guarantee-orders/${'x'.repeat(65)}`, undefined],
    ['GET', '/v1/guarantee-orders/bad%00id', undefined],
    ['POST', '/v1/guarantee-orders/%E0%A4%A/claim', undefined],
  ])('%s %s %j', async (method, template, body) => {
    const path = template.replace('{x}', x.orderId);
    const res = await h.call<Problem>(method, path, wang(), body);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.type).toContain('application/problem+json');
  });

  test('a body that is not JSON, too large, or of another type is refused with 4xx', async () => {
    expect(await raw('POST', '/v1/guarantee-orders', '{"reference":')).toMatchObject({
      status: 400,
      type: expect.stringContaining('application/problem+json') as unknown,
    });
    expect(
      (
        await raw(
          'POST',
          '/v1/guarantee-orders',
          JSON.stringify({ reference: 'GP-9', orderType: 'inpatient', title: 't', details: 'x'.repeat(80_000) }),
        )
      ).status,
    ).toBe(413);
    const asText = await raw('POST', `/v1/guarantee-orders/${x.orderId}/shares`, 'targetId=li', 'text/plain');
    expect(asText).toMatchObject({ status: 415, type: expect.stringContaining('application/problem+json') as unknown });
  });

  test('admin input is checked too: a bad organisation body, a bad member role, an unknown organisation', async () => {
    expect((await h.call('PUT', `/v1/organisations/${org}`, tokens.admin(), { name: '', locale: 'fr' })).status).toBe(
      400,
    );
    expect(
      (await h.call('PUT', `/v1/organisations/${org}/members/li`, tokens.admin(), { name: 'Li', role: 'owner' }))
        .status,
    ).toBe(400);
    expect(
      (await h.call('PUT', `/v1/organisations/${uniqueName('nowhere')}/members/li`, tokens.admin(), { name: 'Li' }))
        .status,
    ).toBe(404);
    expect((await h.call('PUT', '/v1/organisations/bad:id', tokens.admin(), { name: 'Colon' })).status).toBe(400);
  });

  test('nothing a refused request sent changed the order', async () => {
    const seen = await h.call('GET', `/v1/guarantee-orders/${x.orderId}`, wang());
    expect(seen.body).toMatchObject({ status: 'active', version: 2, shareCount: 0 });
    expect(seen.body.shares?.map((s) => s.shareId)).toEqual([second.orderId]);
  });
});
