import { connect } from 'node:net';

import { uniqueName } from '@orderpulse/testkit';

import { type Deployment, newDeployment, NotificationInstance, tokenIssuer } from './support/notification-harness';

/** The status line and headers of a WebSocket handshake sent by hand. */
async function upgrade(base: string, token: string): Promise<string> {
  const { hostname, port } = new URL(base);
  const socket = connect(Number(port), hostname);
  const lines = [
    'GET /v1/realtime/ws HTTP/1.1',
    `host: ${hostname}:${port}`,
    'connection: Upgrade',
    'upgrade: websocket',
    'sec-websocket-version: 13',
    'sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==',
    'sec-websocket-protocol: orderpulse.v1',
    `authorization: Bearer ${token}`,
  ];
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  const head = await new Promise<string>((resolve) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (text.includes('\r\n\r\n')) resolve(text);
    });
  });
  socket.destroy();
  return head;
}

describe('rate limits on the realtime upgrade', () => {
  let deployment: Deployment;
  let service: NotificationInstance;

  beforeAll(async () => {
    deployment = await newDeployment();
    service = await new NotificationInstance(deployment).start({ RATE_LIMIT_PER_PRINCIPAL: '2' });
  });

  afterAll(async () => {
    await service.stop();
    await deployment.gateway.stop();
  });

  test('a principal past its limit is refused at the upgrade with 429, Retry-After and a problem document; another principal is not', async () => {
    const token = tokenIssuer.sign({ subject: uniqueName('c'), role: 'customer' });
    const heads = [];
    for (let i = 0; i < 3; i += 1) heads.push(await upgrade(service.base, token));
    expect(heads.map((h) => /^HTTP\/1\.1 (\d{3})/.exec(h)?.[1])).toEqual(['101', '101', '429']);
    expect(heads[2]).toMatch(/\r\nretry-after: \d+\r\n/i);
    expect(heads[2]).toMatch(/content-type: application\/problem\+json/i);
    expect(
      /^HTTP\/1\.1 (\d{3})/.exec(
        await upgrade(service.base, tokenIssuer.sign({ subject: uniqueName('c'), role: 'customer' })),
      )?.[1],
    ).toBe('101');
  });
});
