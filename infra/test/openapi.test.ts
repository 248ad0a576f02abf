import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const repo = join(__dirname, '..', '..');
const run = (command: string, args: string[]) =>
  spawnSync(command, args, { cwd: repo, encoding: 'utf8', timeout: 120_000 });

describe('the HTTP contract (docs/openapi.json)', () => {
  test('is what the services’ API tables make, and so is the typed client the terminals build against', () => {
    const check = run(process.execPath, [join(repo, 'infra', 'local', 'openapi.mjs'), '--check']);
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  test('passes the OpenAPI lint (Spectral’s oas ruleset) without a warning', () => {
    const lint = run(join(repo, 'node_modules', '.bin', 'spectral'), [
      'lint',
      'docs/openapi.json',
      '--ruleset',
      '.spectral.yaml',
      '--fail-severity=warn',
    ]);
    expect(lint.stdout).toContain("No results with a severity of 'warn' or higher found");
    expect(lint.status).toBe(0);
  });

  test('documents every route of every service, each with an answer and the bearer scheme unless it takes no token', () => {
    const document = JSON.parse(readFileSync(join(repo, 'docs', 'openapi.json'), 'utf8')) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown[] }>>;
    };
    const operations = Object.entries(document.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })),
    );
    for (const service of ['order', 'notification', 'media', 'audit', 'sharing'])
      expect(operations.some(({ key }) => key.includes(`/api/${service}/v1/`))).toBe(true);
    expect(operations.map(({ key }) => key)).toEqual(
      expect.arrayContaining([
        'POST /api/order/v1/orders',
        'GET /api/order/v1/storefront-orders/{externalRef}',
        'GET /api/notification/v1/realtime/events',
      ]),
    );
    for (const { op } of operations)
      expect(Object.keys(op.responses).some((status) => /^2\d\d$/.test(status))).toBe(true);
  });
});
