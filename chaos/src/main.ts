// The fault suite: `npm run chaos` (long) or `npm run chaos -- --short` (CHAOS_SIZE=short).
// Starts its own stack and every service (two instances each of order and notification),
// drives a steady mixed load, injects faults on a schedule, settles, audits the sources of truth
// and prints the table. Exits 1 on any violation.
import fs from 'node:fs';
import path from 'node:path';

import { ConsumerLagReader, KafkaClient, kafkaNames } from '@orderpulse/kafka';

import {
  appliedTwice,
  duplicatePushes,
  formatTable,
  lostEvents,
  rulingLateness,
  type Summary,
  transientDeadLetters,
  unloggedPushes,
  unrecovered,
  unruledDeadlines,
  unsettledWork,
  violationsOf,
} from './audit';
import { expectedNotices, orderEventsOf, readBacklog, readKafka, readMongo } from './collect';
import { runFaults, schedule, type World } from './faults';
import { Load, registeredRecipients, seed } from './load';
import { Partner, PushGateway } from './stand-ins';
import { defaultPorts, log, type Ports, Services, sleep, Stack } from './system';
import { suiteJwks } from './tokens';
const REPO = path.resolve(__dirname, '..', '..');
/** `calm` runs the same load with no faults: a run that must come out clean, to keep the audit honest. */
const size: 'short' | 'long' | 'calm' =
  process.argv.includes('--short') || process.env.CHAOS_SIZE === 'short'
    ? 'short'
    : process.argv.includes('--calm') || process.env.CHAOS_SIZE === 'calm'
      ? 'calm'
      : 'long';
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ports: Ports = {
  kafka: num('KAFKA_PORT', defaultPorts.kafka),
  kafkaController: num('KAFKA_CONTROLLER_PORT', defaultPorts.kafkaController),
  zipkin: num('ZIPKIN_PORT', defaultPorts.zipkin),
  mongo: num('MONGO_PORT', defaultPorts.mongo),
  redis: num('REDIS_PORT', defaultPorts.redis),
  s3: num('S3_PORT', defaultPorts.s3),
  httpBase: num('CHAOS_HTTP_BASE_PORT', defaultPorts.httpBase),
};
const DIR = path.resolve(process.env.ORDERPULSE_LOCAL_DIR ?? path.join(REPO, '.local', 'chaos'));
/** The merchant's response window: short, so deadlines fall all through the run. */
const RESPONSE_WINDOW_SECONDS = 10;
/** Longer than the notification service's push timeout (5 s by default). */
const SLOW_ANSWER_MS = 7_000;
const settings =
  size === 'calm'
    ? { warmupMs: 60_000, gapMs: 0, ordersPerSecond: 2, maxOrders: 200, settleMs: 90_000 }
    : size === 'short'
      ? { warmupMs: 12_000, gapMs: 2_000, ordersPerSecond: 2, maxOrders: 1_200, settleMs: 120_000 }
      : { warmupMs: 30_000, gapMs: 15_000, ordersPerSecond: 2.5, maxOrders: 6_000, settleMs: 240_000 };

async function main(): Promise<number> {
  const started = Date.now();
  log(`${size} run; stack and logs under ${DIR}`);
  const stack = new Stack(REPO, DIR, ports);
  // A fresh stack each run: the audit reads every record, so none may be left from before.
  stack.down();
  for (const part of ['kafka', 'mongo', 'redis', 's3', 'logs'])
    fs.rmSync(path.join(DIR, part), { recursive: true, force: true });
  fs.mkdirSync(path.join(DIR, 'logs'), { recursive: true });
  const gateway = new PushGateway(ports.httpBase + 10, SLOW_ANSWER_MS);
  const middleOffice = new Partner(ports.httpBase + 11, 'middle-office', SLOW_ANSWER_MS);
  const userSystem = new Partner(ports.httpBase + 12, 'user-system', SLOW_ANSWER_MS);
  await Promise.all([gateway.start(), middleOffice.start(), userSystem.start()]);
  const services = new Services(
    stack,
    (i): Record<string, string> => {
      if (i.service === 'notification') return { PUSH_GATEWAY_URL: `http://127.0.0.1:${gateway.port}` };
      if (i.service === 'audit')
        return {
          MIDDLE_OFFICE_URL: `http://127.0.0.1:${middleOffice.port}/reviews`,
          USER_SYSTEM_URL: `http://127.0.0.1:${userSystem.port}/audit-results`,
        };
      if (i.service === 'sharing') return { SHARE_CLAIM_WINDOW_SECONDS: '20' };
      // A status waits this long for its photo before the synthesized image stands in (600 s by default):
      // short, so the last orders' images are settled within the run, not while the audit reads.
      if (i.service === 'media') return { MEDIA_PHOTO_GRACE_SECONDS: '30' };
      return {};
    },
    suiteJwks(),
  );
  let exit = 1;
  // Ctrl-C or a CI timeout: stop what the suite started, then go.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping the services and the stack`);
      void services.stopAll().finally(() => {
        if (!process.env.CHAOS_KEEP_STACK) stack.down();
        process.exit(130);
      });
    });
  }
  try {
    // Inside the try: a stack that starts only in part is stopped too, never left holding the ports.
    await stack.up();
    stack.applyTopics();
    log(`stack up in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    await services.startAll();
    log('services ready');
    await seed(services, RESPONSE_WINDOW_SECONDS);
    const kafka = new KafkaClient({ brokers: stack.env.KAFKA_BROKERS!.split(','), clientId: 'chaos-load' });
    const load = new Load(services, kafka);
    const world: World = { stack, services, gateway, middleOffice, userSystem, load };
    let faultsDone = false;
    // The load runs until the faults are over (bounded all the same).
    const loadUntil = { at: Date.now() + (size === 'short' ? 8 : 60) * 60_000 };
    const loading = load.run(loadUntil.at, settings.ordersPerSecond, settings.maxOrders, () => faultsDone);
    await sleep(settings.warmupMs);
    const faults = size === 'calm' ? [] : await runFaults(world, schedule(world, size), settings.gapMs);
    faultsDone = true;
    log('faults done; waiting for the load to finish');
    await loading;
    log('settling');
    // Settled: nothing waits in an outbox or behind a consumer group, no push is pending, no
    // deadline is unruled and every fix was told. Bounded: what is left then is a violation.
    const settleUntil = Date.now() + settings.settleMs;
    const owners = [...new Set(services.instances.map((i) => kafkaNames('', i.service)))];
    const lagReader = new ConsumerLagReader(kafka, (groupId) => owners.some((names) => names.ownsGroup(groupId)));
    let left: Record<string, number> = {};
    try {
      for (;;) {
        try {
          const m = await readMongo(stack.env.MONGO_URL!);
          const backlog = await readBacklog(stack.env.MONGO_URL!, lagReader);
          const told = new Set(
            userSystem
              .records()
              .filter((c) => c.success)
              .map((c) => c.caseId),
          );
          left = {
            'outbox pending': backlog.outbox,
            'consumer lag': backlog.lag,
            'consumer groups missing': backlog.missingGroups,
            'images owed': backlog.imagesOwed,
            'pushes pending': m.deliveries.filter((d) => d.status === 'pending').length,
            'deadlines unruled': unruledDeadlines(m.orders, Date.now(), 5_000).length,
            'fixes untold': load.record.acknowledged.filter((a) => a.what === 'audit-fix' && !told.has(a.id)).length,
          };
        } catch (error) {
          // A read that fails (a broker or server still coming back) is a pass that did not settle.
          log(`settle check failed: ${error instanceof Error ? error.message : String(error)}`);
          left = { 'settle check failing': 1 };
        }
        if (Object.values(left).every((n) => n === 0)) break;
        if (Date.now() > settleUntil) {
          log(`settle time over with work left: ${JSON.stringify(left)}`);
          break;
        }
        await sleep(5_000);
      }
    } finally {
      await lagReader.close().catch(() => undefined);
    }
    await sleep(10_000);
    log('auditing');
    // The stand-ins' records first, then Kafka, then MongoDB: a push is logged before it is sent, so
    // every request the snapshot holds has its attempt in the log read after it (read the other way
    // round, a push sent in between looked unlogged).
    const gatewayCalls = gateway.records();
    const partnerCalls = [...middleOffice.records(), ...userSystem.records()];
    const k = await readKafka(stack.env.KAFKA_BROKERS!.split(','));
    const m = await readMongo(stack.env.MONGO_URL!);
    const orderEvents = orderEventsOf(k.events);
    const notificationKills = services.of('notification').flatMap((i) => i.kills);
    const summary: Summary = {
      faults,
      lost: lostEvents({
        acknowledged: load.record.acknowledged,
        orders: m.orders,
        orderEvents,
        expectedNotices: expectedNotices(REPO, k.events, registeredRecipients),
        deliveries: m.deliveries,
        gateway: gatewayCalls,
        cases: m.cases,
        partnerCalls,
      }),
      twice: appliedTwice({ orders: m.orders, orderEvents, partnerCalls }),
      duplicatePushes: duplicatePushes(gatewayCalls, notificationKills),
      unloggedPushes: unloggedPushes(gatewayCalls, m.deliveries),
      unruled: unruledDeadlines(m.orders, Date.now(), 30_000),
      lateness: rulingLateness(m.orders),
      deadLetters: k.deadLetters,
      transientDlq: transientDeadLetters(k.deadLetters),
      unrecovered: unrecovered(faults),
      unsettled: unsettledWork(left),
      counts: {
        'orders stored': m.orders.length,
        ...load.record.counts,
        'events on Kafka (all topics)': k.events.length,
        'gateway requests': gatewayCalls.length,
        'pushes in the push log': m.deliveries.length,
        'pushes not sent: their countdown was over (expired)': m.deliveries.filter((d) => d.status === 'expired')
          .length,
        'audit cases': m.cases.length,
        'requests the load gave up on (outages)': load.record.requestsFailed,
        'instance restarts by the suite': services.instances.reduce((n, i) => n + i.restarts, 0),
        'instances that exited by themselves': services.instances.reduce((n, i) => n + i.unexpectedExits, 0),
      },
    };
    const table = formatTable(summary);
    process.stdout.write(`\n${table}\n\n`);
    const violations = violationsOf(summary);
    const byKind = new Map<string, string[]>();
    for (const v of violations) byKind.set(v.kind, [...(byKind.get(v.kind) ?? []), v.detail]);
    for (const [kind, details] of byKind) {
      process.stdout.write(
        `${kind}: ${details.length}\n${details
          .slice(0, 15)
          .map((d) => `  - ${d}`)
          .join('\n')}\n`,
      );
    }
    const reasons = new Map<string, number>();
    for (const d of k.deadLetters)
      reasons.set(
        `${d.topic}: ${d.reason.slice(0, 120)}`,
        (reasons.get(`${d.topic}: ${d.reason.slice(0, 120)}`) ?? 0) + 1,
      );
    for (const [r, n] of reasons) process.stdout.write(`dead letter ×${n}: ${r}\n`);
    fs.writeFileSync(
      path.join(DIR, 'chaos-report.json'),
      JSON.stringify({ size, startedAt: new Date(started).toISOString(), summary, table }, null, 2),
    );
    process.stdout.write(
      `${violations.length === 0 ? 'PASS' : 'FAIL'}: ${violations.length} violations in ${((Date.now() - started) / 60_000).toFixed(1)} min (report: ${path.join(DIR, 'chaos-report.json')})\n`,
    );
    exit = violations.length === 0 ? 0 : 1;
  } finally {
    await services.stopAll();
    await Promise.all([gateway.stop(), middleOffice.stop(), userSystem.stop()]);
    if (!process.env.CHAOS_KEEP_STACK) stack.down();
  }
  return exit;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`chaos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);
