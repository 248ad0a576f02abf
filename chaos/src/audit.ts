/**
 * What counts as a violation, decided from records read back from the sources of truth (the
 * services' MongoDB collections, every Kafka topic and its `.dlq`, the stand-ins' call records).
 * Pure functions: the unit tests feed them crafted records, so the suite cannot pass vacuously.
 */

/** One order as the order service stores it (`orders` collection). */
export interface OrderRecord {
  orderId: string;
  version: number;
  status: string;
  responseDeadline: Date;
  history: { at: Date; action: string; from: string | null; to: string }[];
}

/** One CloudEvent read from a Kafka topic. */
export interface EventRecord {
  topic: string;
  id: string;
  type: string;
  /** `data.orderId` (order events) or the CloudEvents subject. */
  subject: string;
  /** `data.version` on order events. */
  version?: number | undefined;
}

/** Something the load was told was taken: an HTTP 2xx, a Kafka publish acknowledged, a webhook 2xx. */
export interface Acknowledged {
  what: 'order' | 'audit-failure' | 'audit-fix';
  id: string;
  via: string;
}

/** A notice the notification service owes: an event that concerns a recipient who has devices. */
export interface ExpectedNotice {
  eventId: string;
  eventType: string;
  recipient: string;
}

/** One push as the push log keeps it (`deliveries` collection). */
export interface DeliveryRecord {
  key: string;
  eventId: string;
  recipient: string;
  status: string;
  attempts: number;
  /** The countdown the push is about (its data's `deadline`), when it expires with it. */
  deadline?: Date | undefined;
  /** When its last try was made. */
  lastTriedAt?: Date | undefined;
}

/** One request the push gateway stand-in received. */
export interface GatewayCall {
  key: string;
  /** The realtime message id in the push data: one per event and recipient. */
  messageId: string;
  token: string;
  at: number;
  /** The gateway answered 200 with no failed-push log for the token. */
  success: boolean;
  /** The answer was written to a client that was still there. */
  answered: boolean;
}

/** One call a partner stand-in (middle office, user system) received. */
export interface PartnerCall {
  partner: 'middle-office' | 'user-system';
  key: string;
  /** The case the call is about (user system: the case of the audit.passed message). */
  caseId: string;
  success: boolean;
  answered: boolean;
}

/** One audit case as the audit service stores it (`cases` collection). */
export interface CaseRecord {
  caseId: string;
  orderNo: string;
  status: string;
  notificationIds: string[];
}

export interface DeadLetter {
  topic: string;
  reason: string;
}

export interface FaultRecord {
  name: string;
  category: string;
  startedAt: number;
  healedAt: number;
  /** When the system answered the recovery probe again; undefined if it never did. */
  recoveredAt?: number | undefined;
}

export interface Violation {
  kind:
    'lost' | 'twice' | 'duplicate-push' | 'unlogged-push' | 'unruled' | 'transient-dlq' | 'unrecovered' | 'unsettled';
  detail: string;
}

const awaitingResponse = new Set(['new', 'connected']);

/**
 * Events lost: an acknowledged placement with no order; an order version with no event on the
 * order topic (the state change and its event must be atomic); a notice owed with no delivery
 * record (the consumer dropped the event) or whose push never reached the gateway (Redis lost
 * the job, the retries ran out); an acknowledged audit failure with no case; a fix whose
 * audit-success message never reached the user system.
 */
export function lostEvents(input: {
  acknowledged: Acknowledged[];
  orders: OrderRecord[];
  orderEvents: EventRecord[];
  expectedNotices: ExpectedNotice[];
  deliveries: DeliveryRecord[];
  gateway: GatewayCall[];
  cases: CaseRecord[];
  partnerCalls: PartnerCall[];
}): Violation[] {
  const out: Violation[] = [];
  const orders = new Map(input.orders.map((o) => [o.orderId, o]));
  const versions = new Map<string, Set<number>>();
  for (const e of input.orderEvents) {
    if (e.version === undefined) continue;
    const seen = versions.get(e.subject) ?? new Set<number>();
    seen.add(e.version);
    versions.set(e.subject, seen);
  }
  for (const a of input.acknowledged.filter((x) => x.what === 'order')) {
    if (!orders.has(a.id)) out.push({ kind: 'lost', detail: `order ${a.id} placed (${a.via}) but not stored` });
  }
  for (const o of input.orders) {
    const seen = versions.get(o.orderId) ?? new Set<number>();
    for (let v = 1; v <= o.version; v += 1)
      if (!seen.has(v))
        out.push({
          kind: 'lost',
          detail: `order ${o.orderId} version ${v} (${o.history[v - 1]?.to ?? '?'}) has no event on the order topic`,
        });
  }
  const byNotice = new Map<string, DeliveryRecord[]>();
  for (const d of input.deliveries) {
    const k = `${d.eventId}|${d.recipient}`;
    byNotice.set(k, [...(byNotice.get(k) ?? []), d]);
  }
  const reached = new Set(input.gateway.filter((g) => g.success).map((g) => g.key));
  for (const n of input.expectedNotices) {
    const records = byNotice.get(`${n.eventId}|${n.recipient}`);
    if (!records?.length) {
      out.push({
        kind: 'lost',
        detail: `${n.eventType} ${n.eventId} for ${n.recipient}: no delivery record (event not consumed)`,
      });
      continue;
    }
    for (const d of records) {
      if (d.status === 'muted' || d.status === 'unsupported') continue;
      // A push about a countdown already over is not sent (it would ask for an answer already ruled): only when it truly was.
      if (d.status === 'expired' && d.deadline && d.lastTriedAt && d.lastTriedAt.getTime() >= d.deadline.getTime())
        continue;
      if (!reached.has(d.key))
        out.push({
          kind: 'lost',
          detail: `push ${d.key} (${n.eventType} for ${n.recipient}) never reached the gateway; log says ${d.status} after ${d.attempts} attempts`,
        });
    }
  }
  const caseOf = new Map<string, CaseRecord>();
  for (const c of input.cases) for (const id of c.notificationIds) caseOf.set(id, c);
  const cases = new Map(input.cases.map((c) => [c.caseId, c]));
  const told = new Set(input.partnerCalls.filter((p) => p.partner === 'user-system' && p.success).map((p) => p.caseId));
  for (const a of input.acknowledged) {
    if (a.what === 'audit-failure' && !caseOf.has(a.id))
      out.push({ kind: 'lost', detail: `audit failure ${a.id} (${a.via}) acknowledged but no case holds it` });
    if (a.what === 'audit-fix' && !told.has(a.id))
      out.push({
        kind: 'lost',
        detail: `case ${a.id} fixed but the user system was never told it passed (case ${cases.get(a.id)?.status ?? 'missing'})`,
      });
  }
  return out;
}

/** Order actions that happen at most once in an order's life (a stocking report may be repeated: its latest stands). */
const onceActions = new Set([
  'place',
  'refuse',
  'connect',
  'accept',
  'reject',
  'return',
  'adjudicate',
  'take',
  'arrive_at_store',
  'hand_over',
  'deliver',
]);

/**
 * Effects applied twice: an order action that happens once done twice; one order version
 * published under two event ids (the change was made twice, or made once and announced as two);
 * the user system told of one case under two idempotency keys.
 */
export function appliedTwice(input: {
  orders: OrderRecord[];
  orderEvents: EventRecord[];
  partnerCalls: PartnerCall[];
}): Violation[] {
  const out: Violation[] = [];
  for (const o of input.orders) {
    const counts = new Map<string, number>();
    for (const h of o.history) if (onceActions.has(h.action)) counts.set(h.action, (counts.get(h.action) ?? 0) + 1);
    for (const [action, n] of counts)
      if (n > 1) out.push({ kind: 'twice', detail: `order ${o.orderId}: ${action} recorded ${n} times` });
  }
  const ids = new Map<string, Set<string>>();
  for (const e of input.orderEvents) {
    if (e.version === undefined) continue;
    const k = `${e.subject} v${e.version}`;
    ids.set(k, (ids.get(k) ?? new Set<string>()).add(e.id));
  }
  for (const [k, set] of ids)
    if (set.size > 1) out.push({ kind: 'twice', detail: `order ${k} published as ${set.size} different events` });
  const keysPerCase = new Map<string, Set<string>>();
  for (const p of input.partnerCalls.filter((c) => c.partner === 'user-system' && c.success)) {
    keysPerCase.set(p.caseId, (keysPerCase.get(p.caseId) ?? new Set<string>()).add(p.key));
  }
  for (const [caseId, keys] of keysPerCase)
    if (keys.size > 1)
      out.push({ kind: 'twice', detail: `user system told case ${caseId} passed under ${keys.size} keys` });
  return out;
}

/**
 * Pushes that reached one device twice. Two idempotency keys that both got through for one
 * message (event × recipient) and one device token always count. One key that got through twice
 * counts when the first success answer was written to the sender — a repeat after an answer
 * that never arrived (timeout, refused, 503) is at-least-once and the key collapses it on the
 * device — unless a notification instance was killed within a second before to `killGraceMs`
 * after that answer (the answer may have died with the process).
 */
export function duplicatePushes(calls: GatewayCall[], notificationKills: number[], killGraceMs = 2_000): Violation[] {
  const out: Violation[] = [];
  const sorted = [...calls].sort((a, b) => a.at - b.at);
  const byKey = new Map<string, GatewayCall[]>();
  for (const c of sorted) byKey.set(c.key, [...(byKey.get(c.key) ?? []), c]);
  for (const [key, list] of byKey) {
    const first = list.find((c) => c.success && c.answered);
    if (!first) continue;
    // A kill just before the answer was recorded counts too: the signal and the answer cross.
    const killedAfter = notificationKills.some((k) => k >= first.at - 1_000 && k - first.at <= killGraceMs);
    const again = list.filter((c) => c !== first && c.at > first.at && c.success);
    if (again.length && !killedAfter)
      out.push({
        kind: 'duplicate-push',
        detail: `push ${key} reached the device ${again.length + 1} times (first answered at ${new Date(first.at).toISOString()}, again ${again.map((c) => `+${Math.round((c.at - first.at) / 1000)} s`).join(', ')})`,
      });
  }
  const keysPerDevice = new Map<string, Set<string>>();
  for (const c of sorted.filter((x) => x.success)) {
    const k = `${c.messageId}|${c.token}`;
    keysPerDevice.set(k, (keysPerDevice.get(k) ?? new Set<string>()).add(c.key));
  }
  for (const [k, keys] of keysPerDevice)
    if (keys.size > 1)
      out.push({
        kind: 'duplicate-push',
        detail: `message ${k.split('|')[0]} reached device ${k.split('|')[1]} under ${keys.size} keys`,
      });
  return out;
}

/** Gateway requests the push log does not show: each request must be a recorded attempt. */
export function unloggedPushes(calls: GatewayCall[], deliveries: DeliveryRecord[]): Violation[] {
  const attempts = new Map(deliveries.map((d) => [d.key, d.attempts]));
  const requests = new Map<string, number>();
  for (const c of calls) requests.set(c.key, (requests.get(c.key) ?? 0) + 1);
  const out: Violation[] = [];
  for (const [key, n] of requests) {
    const logged = attempts.get(key) ?? 0;
    if (n > logged)
      out.push({
        kind: 'unlogged-push',
        detail: `push ${key}: the gateway got ${n} requests, the push log shows ${logged} attempts`,
      });
  }
  return out;
}

/** Deadlines passed (by more than `graceMs`) without a ruling: the order still awaits the merchant. */
export function unruledDeadlines(orders: OrderRecord[], now: number, graceMs: number): Violation[] {
  return orders
    .filter((o) => awaitingResponse.has(o.status) && o.responseDeadline.getTime() + graceMs < now)
    .map((o) => ({
      kind: 'unruled' as const,
      detail: `order ${o.orderId} still ${o.status} ${Math.round((now - o.responseDeadline.getTime()) / 1000)} s after its deadline`,
    }));
}

export interface Lateness {
  phase: string;
  count: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

/** How late each ruling came after its deadline, per phase (new → not_connected, connected → not_answered). */
export function rulingLateness(orders: OrderRecord[]): Lateness[] {
  const byPhase = new Map<string, number[]>();
  for (const o of orders) {
    for (const h of o.history.filter((x) => x.action === 'adjudicate')) {
      const phase = `${h.from ?? '?'} → ${h.to}`;
      byPhase.set(phase, [...(byPhase.get(phase) ?? []), Math.max(0, h.at.getTime() - o.responseDeadline.getTime())]);
    }
  }
  return [...byPhase]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([phase, xs]) => {
      const s = [...xs].sort((a, b) => a - b);
      const at = (p: number) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
      return { phase, count: s.length, p50Ms: at(50), p95Ms: at(95), maxMs: s[s.length - 1] ?? 0 };
    });
}

/**
 * Whether a dead-letter reason names a passing condition of a dependency (database, broker,
 * object store, partner, a not-yet-registered terminal) rather than something wrong with the
 * event: such an entry should have held the partition instead.
 */
export function isTransientReason(reason: string): boolean {
  return /MongoServerSelectionError|MongoNetworkError|MongoNotConnectedError|MongoPoolCleared|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|socket hang up|timed out|timeout|KafkaJS|Connection (is )?closed|connection .*closed|ServiceUnavailable|503|502|504|no delivery terminal|not registered yet|NoSuchBucket|fetch failed|Redis|ioredis|MaxRetriesPerRequest|buffering/i.test(
    reason,
  );
}

export function transientDeadLetters(entries: DeadLetter[]): Violation[] {
  return entries
    .filter((e) => isTransientReason(e.reason))
    .map((e) => ({ kind: 'transient-dlq' as const, detail: `${e.topic}: ${e.reason.slice(0, 200)}` }));
}

export function unrecovered(faults: FaultRecord[]): Violation[] {
  return faults
    .filter((f) => f.recoveredAt === undefined)
    .map((f) => ({ kind: 'unrecovered' as const, detail: `${f.name}: the system did not answer the recovery probe` }));
}

/**
 * Work the system still had when the settle time ran out (events in an outbox, messages behind a
 * consumer group, pushes pending, …), by what it is: a system that never catches up fails the run,
 * whether or not the other checks happen to look where the work is stuck.
 */
export function unsettledWork(left: Record<string, number>): Violation[] {
  return Object.entries(left)
    .filter(([, n]) => n !== 0)
    .map(([what, n]) => ({ kind: 'unsettled' as const, detail: `${what}: ${n} when the settle time ran out` }));
}

export interface Summary {
  faults: FaultRecord[];
  lost: Violation[];
  twice: Violation[];
  duplicatePushes: Violation[];
  unloggedPushes: Violation[];
  unruled: Violation[];
  lateness: Lateness[];
  deadLetters: DeadLetter[];
  transientDlq: Violation[];
  unrecovered: Violation[];
  unsettled: Violation[];
  counts: Record<string, number>;
}

export function violationsOf(s: Summary): Violation[] {
  return [
    ...s.lost,
    ...s.twice,
    ...s.duplicatePushes,
    ...s.unloggedPushes,
    ...s.unruled,
    ...s.transientDlq,
    ...s.unrecovered,
    ...s.unsettled,
  ];
}

/** The table the run prints (Markdown, so the README can quote it as is). */
export function formatTable(s: Summary): string {
  const rows: [string, string][] = [
    ['faults injected', `${s.faults.length} (${[...new Set(s.faults.map((f) => f.category))].join(', ')})`],
    ...Object.entries(s.counts).map(([k, v]): [string, string] => [k, String(v)]),
    ['events lost', String(s.lost.length)],
    ['effects applied twice', String(s.twice.length)],
    ['pushes that reached one device twice', String(s.duplicatePushes.length)],
    ['gateway requests the push log does not show', String(s.unloggedPushes.length)],
    ['deadlines passed without a ruling', String(s.unruled.length)],
    ...s.lateness.map((l): [string, string] => [
      `ruling lateness ${l.phase}`,
      `${l.count} rulings, p50 ${l.p50Ms} ms, p95 ${l.p95Ms} ms, max ${l.maxMs} ms`,
    ]),
    ['dead-letter entries (all)', String(s.deadLetters.length)],
    ['dead-letter entries caused by a transient fault', String(s.transientDlq.length)],
    ['faults not recovered from', String(s.unrecovered.length)],
    [
      'work left when the settle time ran out',
      s.unsettled.length === 0 ? 'none' : s.unsettled.map((v) => v.detail).join('; '),
    ],
  ];
  const lines = ['| check | result |', '|---|---|', ...rows.map(([a, b]) => `| ${a} | ${b} |`)];
  lines.push('', '| fault | held for | recovered after heal |', '|---|---|---|');
  for (const f of s.faults) {
    lines.push(
      `| ${f.name} | ${((f.healedAt - f.startedAt) / 1000).toFixed(1)} s | ${f.recoveredAt === undefined ? 'never' : `${((f.recoveredAt - f.healedAt) / 1000).toFixed(1)} s`} |`,
    );
  }
  return lines.join('\n');
}
