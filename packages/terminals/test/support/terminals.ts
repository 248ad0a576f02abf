import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { Topics } from '@orderpulse/contracts';
import { applyTopics, KafkaClient, plannedTopics } from '@orderpulse/kafka';
import { ephemeralTokenIssuer } from '@orderpulse/service-kit';
import { ChildService, RecordingServer, stackEnv, uniqueName, waitFor } from '@orderpulse/testkit';
import { type Browser, chromium, type Page } from 'playwright-core';

const repo = join(__dirname, '..', '..', '..', '..');
/** The one test issuer: tokens for every service, verified by them from `jwksPath`. */
export const { issuer: tokenIssuer, jwksPath } = ephemeralTokenIssuer();
/** Screenshots land here, outside git, for a person to look at after a run. */
export const artifacts = join(repo, 'test-artifacts', 'terminals');

export const webhookSecret = 'terminals-test-middle-office-webhook-secret';

export const tokens = {
  customer: (id: string) => tokenIssuer.sign({ subject: id, role: 'customer' }),
  handler: (id: string) => tokenIssuer.sign({ subject: id, role: 'handler' }),
  member: (orgId: string, id: string) => tokenIssuer.sign({ subject: id, role: 'member', tenant: orgId }),
  merchant: (merchantId: string) =>
    tokenIssuer.sign({ subject: `clerk-${merchantId}`, role: 'merchant', tenant: merchantId }),
  rider: (terminalId: string) => tokenIssuer.sign({ subject: terminalId, role: 'rider' }),
  admin: () => tokenIssuer.sign({ subject: 'ops', role: 'admin' }),
};

async function listening(child: ChildService, what: string): Promise<number> {
  const line = await waitFor(() => child.output.find((l) => l.includes(`${what} listening`)), {
    what: `${what} to listen (${child.tail(5)})`,
    timeoutMs: 60_000,
  });
  return (JSON.parse(String(line)) as { port: number }).port;
}

/**
 * The five services (their built `dist/main.js`), the gateway that serves
 * the terminals, and Debian's Chromium driven by playwright-core: what a person at a terminal meets.
 */
export class Terminals {
  base = '';
  /** What the browser reported as refused by the pages' Content-Security-Policy, on any page opened. */
  readonly cspViolations: string[] = [];
  browser!: Browser;
  private readonly children: ChildService[] = [];
  private readonly gateway = new RecordingServer(() => ({ status: 200, body: { counts: 1, logs: [], success: 'ok' } }));
  /** The B2B middle office (passes every re-submitted order) and the user system, outside orderpulse. */
  readonly middleOffice = new RecordingServer(() => ({ status: 200, body: { result: 'passed' } }));
  readonly userSystem = new RecordingServer(() => ({ status: 204 }));
  readonly prefix = `${uniqueName('web')}.`;
  private orderBase = '';
  /** Each service's own base URL, for seeding data the way an admin or upstream system would. */
  readonly urls: Record<string, string> = {};

  async start(): Promise<this> {
    const prefix = this.prefix;
    const kafka = new KafkaClient({ brokers: stackEnv().KAFKA_BROKERS.split(','), clientId: 'terminals-test' });
    await applyTopics(
      kafka,
      plannedTopics({
        defaults: { partitions: 3, replicationFactor: 1 },
        deadLetter: { partitions: 1 },
        topics: Object.values(Topics).map((t) => ({
          name: `${prefix}${t}`,
          consumedBy: ['order', 'notification', 'media', 'audit'],
        })),
      }),
    );
    await Promise.all([this.gateway.start(), this.middleOffice.start(), this.userSystem.start()]);
    const env = (service: string) => ({
      ...process.env,
      ...stackEnv(),
      HTTP_PORT: '0',
      LOG_LEVEL: 'info',
      JWT_JWKS: jwksPath,
      KAFKA_TOPIC_PREFIX: prefix,
      QUEUE_PREFIX: uniqueName('q'),
      MONGO_DB: uniqueName(service),
    });
    const order = this.spawn(join(repo, 'services', 'order', 'dist', 'main.js'), env('order'));
    const notification = this.spawn(join(repo, 'services', 'notification', 'dist', 'main.js'), {
      ...env('notification'),
      PUSH_GATEWAY_URL: this.gateway.url,
    });
    const media = this.spawn(join(repo, 'services', 'media', 'dist', 'main.js'), {
      ...env('media'),
      MEDIA_KEY_PREFIX: `${uniqueName('web')}/`,
    });
    const audit = this.spawn(join(repo, 'services', 'audit', 'dist', 'main.js'), {
      ...env('audit'),
      AUDIT_WEBHOOK_SECRET: webhookSecret,
      MIDDLE_OFFICE_URL: `${this.middleOffice.url}/reviews`,
      MIDDLE_OFFICE_SECRET: 'terminals-test-middle-office-call-secret',
      USER_SYSTEM_URL: `${this.userSystem.url}/audit-results`,
      USER_SYSTEM_SECRET: 'terminals-test-user-system-call-secret-xx',
    });
    const sharing = this.spawn(join(repo, 'services', 'sharing', 'dist', 'main.js'), env('sharing'));
    for (const [name, child] of Object.entries({ order, notification, media, audit, sharing }))
      this.urls[name] = `http://127.0.0.1:${await listening(child, name)}`;
    this.orderBase = this.urls.order ?? '';
    const front = this.spawn(join(repo, 'infra', 'local', 'gateway.mjs'), {
      ...process.env,
      GATEWAY_PORT: '0',
      S3_ENDPOINT: stackEnv().S3_ENDPOINT,
      ...Object.fromEntries(Object.entries(this.urls).map(([name, base]) => [`${name.toUpperCase()}_URL`, base])),
    });
    this.base = `http://127.0.0.1:${await listening(front, 'gateway')}`;
    // Services listen before their consumer groups have joined; a test's first event must find them in.
    for (const [name, base] of Object.entries(this.urls)) {
      await waitFor(
        async () => {
          const ready = (await (await fetch(`${base}/readyz`)).json()) as {
            consumers?: Record<string, { state: string }>;
          };
          return Object.values(ready.consumers ?? {}).every((c) => c.state === 'running') || undefined;
        },
        { what: `${name}'s consumer groups to join`, timeoutMs: 60_000 },
      );
    }
    this.browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    mkdirSync(artifacts, { recursive: true });
    return this;
  }

  private spawn(main: string, env: Record<string, string | undefined>): ChildService {
    const child = new ChildService(process.execPath, [main], env).start();
    this.children.push(child);
    return child;
  }

  /** An always-open store of its own merchant, with the response window the test wants. */
  async store(storeId: string, merchantId: string, responseWindowSeconds: number): Promise<void> {
    const response = await fetch(`${this.orderBase}/v1/stores/${storeId}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${tokens.admin()}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        merchantId,
        name: 'Noodle House',
        timeZone: 'Asia/Shanghai',
        hours: Object.fromEntries(['0', '1', '2', '3', '4', '5', '6'].map((d) => [d, ['00:00-24:00']])),
        responseWindowSeconds,
        products: [{ productId: 'p-noodles', name: 'Beef noodles', price: 2800, available: true }],
      }),
    });
    if (!response.ok) throw new Error(`store: ${response.status} ${await response.text()}`);
  }

  /** A page on a phone-sized screen, signed in with `token`. */
  async open(path: string, token: string): Promise<Page> {
    const context = await this.browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text()))
        this.cspViolations.push(`${path}: ${message.text()}`);
    });
    await page.goto(`${this.base}${path}#token=${token}`);
    return page;
  }

  async stop(): Promise<void> {
    await this.browser?.close();
    for (const child of this.children.reverse()) await child.kill('SIGTERM');
    await Promise.all([this.gateway.stop(), this.middleOffice.stop(), this.userSystem.stop()]);
  }

  /** Calls a service directly, as an admin or an upstream system would. */
  async send(service: string, method: string, path: string, token: string, body: unknown): Promise<void> {
    const response = await fetch(`${this.urls[service] ?? ''}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  }
}
