import { hostileTargets, rawRequest, RecordingServer, uniqueName, waitFor } from '@orderpulse/testkit';

describe('the testkit', () => {
  test('unique names differ and keep to the characters topics and databases accept', () => {
    const names = new Set(Array.from({ length: 100 }, () => uniqueName('Order Service!')));
    expect(names.size).toBe(100);
    for (const name of names) expect(name).toMatch(/^t-order-service--[0-9a-f]{8}$/);
  });

  test('waitFor returns the first value that satisfies it, and fails at its deadline naming what it waited for', async () => {
    let calls = 0;
    await expect(waitFor(() => ++calls, { until: (n) => n >= 3, intervalMs: 1 })).resolves.toBe(3);
    await expect(waitFor(() => false, { timeoutMs: 50, what: 'the impossible' })).rejects.toThrow(
      'timed out after 50 ms waiting for the impossible; last seen: false',
    );
  });

  test('a recording server records requests and answers with the queued replies, then the default', async () => {
    const server = await new RecordingServer().start();
    try {
      server.answerNext({ status: 503, body: { error: 'busy' } });
      const first = await fetch(`${server.url}/api/push`, { method: 'POST', body: JSON.stringify({ a: 1 }) });
      const second = await fetch(`${server.url}/api/push`, { method: 'POST', body: 'not json' });
      expect([first.status, second.status]).toEqual([503, 200]);
      expect(server.requests.map((r) => [r.method, r.path, r.json])).toEqual([
        ['POST', '/api/push', { a: 1 }],
        ['POST', '/api/push', undefined],
      ]);
    } finally {
      await server.stop();
    }
  });

  test('a recording server answers every hostile request target with a 4xx and keeps serving', async () => {
    const server = await new RecordingServer().start();
    try {
      const port = Number(new URL(server.url).port);
      for (const target of ['/%E0%A4%A', '/%', '/%zz', '/%C0%AF', '/%ED%A0%80', '//']) {
        expect([target, (await rawRequest(port, target)).status]).toEqual([target, 400]);
      }
      for (const target of hostileTargets) {
        const { status } = await rawRequest(port, target);
        expect([target, status >= 200 && status < 500 ? 'answered' : status]).toEqual([target, 'answered']);
      }
      expect((await fetch(`${server.url}/api/push`, { method: 'POST', body: '{}' })).status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});
