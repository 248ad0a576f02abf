import type { FaultRecord } from './audit';
import type { Load } from './load';
import type { Partner, PushGateway } from './stand-ins';
import { log, type Services, sleep, type Stack } from './system';

/** One fault: what breaks, for how long, how it is healed. */
export interface Fault {
  name: string;
  category: string;
  inject: () => Promise<void>;
  holdMs: number;
  heal: () => Promise<void>;
  /** Instances that must answer /readyz again before the fault counts as recovered. */
  restarts?: string[];
}

export interface World {
  stack: Stack;
  services: Services;
  gateway: PushGateway;
  middleOffice: Partner;
  userSystem: Partner;
  load: Load;
}

const nothing = async () => undefined;

/** kill -9 of instances (the supervisor restarts them at once), optionally right after a burst of work reached them. */
function kill(w: World, names: string[], when: 'under load' | 'mid consumer batch' | 'mid outbox relay'): Fault[] {
  return names.map((name, i) => ({
    name: `kill -9 ${name} (${when})`,
    category: 'kill -9',
    restarts: [name],
    inject: async () => {
      if (i === 0 && when === 'mid outbox relay') {
        // Changes committed through this instance: their events sit in its outbox, being relayed.
        const placed = Array.from({ length: 8 }, () => w.load.placeOverHttp());
        await Promise.race([Promise.all(placed), sleep(1_500)]);
      } else if (i === 0 && when === 'mid consumer batch') {
        w.load.burst(12);
        await sleep(name.startsWith('notification') ? 900 : 300);
      }
      w.services.kill(w.services.get(name));
    },
    holdMs: 0,
    heal: nothing,
  }));
}

function stopped(w: World, part: 'kafka' | 'mongo' | 's3', seconds: number): Fault {
  return {
    name: `${part} stopped ${seconds} s`,
    category: part,
    inject: () => w.stack.stop(part),
    holdMs: seconds * 1000,
    heal: () => w.stack.up(),
  };
}

function paused(w: World, seconds: number): Fault {
  return {
    name: `kafka paused (SIGSTOP) ${seconds} s`,
    category: 'kafka',
    inject: async () => w.stack.pause('kafka'),
    holdMs: seconds * 1000,
    heal: async () => w.stack.resume('kafka'),
  };
}

function emptied(w: World, name: string): Fault {
  return { name, category: 'redis', inject: () => w.stack.emptyRedis(), holdMs: 0, heal: nothing };
}

function gatewayMode(w: World, mode: '503' | 'slow' | 'refuse', seconds: number): Fault {
  const label = {
    '503': 'answering 503',
    slow: 'answering slower than the push timeout',
    refuse: 'refusing connections',
  }[mode];
  return {
    name: `push gateway ${label} ${seconds} s`,
    category: 'push gateway',
    inject: () => w.gateway.setMode(mode),
    holdMs: seconds * 1000,
    heal: () => w.gateway.setMode('ok'),
  };
}

function partnerDown(p: Partner, seconds: number): Fault {
  return {
    name: `${p.partner} down ${seconds} s`,
    category: 'partners',
    inject: () => p.setMode('refuse'),
    holdMs: seconds * 1000,
    heal: () => p.setMode('ok'),
  };
}

/** Faults that run at the same time (each recorded on its own). */
type Slot = Fault[];

/** The schedule: every category at least once; the long one has more, and longer, faults. */
export function schedule(w: World, size: 'short' | 'long'): Slot[] {
  const long = size === 'long';
  // The short run shares slots between faults of independent parts, so every category fits in
  // ten minutes; the long one gives most faults a slot of its own.
  const slots: Slot[] = long
    ? [
        kill(w, ['order-1'], 'mid outbox relay'),
        kill(w, ['notification-1'], 'mid consumer batch'),
        kill(w, ['order-2'], 'mid consumer batch'),
        kill(w, ['notification-2'], 'under load'),
        kill(w, ['media'], 'under load'),
        kill(w, ['audit'], 'under load'),
        kill(w, ['sharing'], 'under load'),
        [stopped(w, 'kafka', 60)],
        [paused(w, 30)],
        [stopped(w, 'mongo', 60)],
        [emptied(w, 'redis emptied (FLUSHALL, restart without AOF)')],
        [stopped(w, 's3', 45)],
        [gatewayMode(w, '503', 60), partnerDown(w.middleOffice, 60)],
        [gatewayMode(w, 'slow', 60), partnerDown(w.userSystem, 60)],
        [gatewayMode(w, 'refuse', 60)],
      ]
    : [
        [...kill(w, ['order-1'], 'mid outbox relay'), ...kill(w, ['notification-1'], 'mid consumer batch')],
        kill(w, ['order-2', 'notification-2', 'media', 'audit', 'sharing'], 'under load'),
        [stopped(w, 'kafka', 20)],
        [paused(w, 10)],
        [stopped(w, 'mongo', 20)],
        [
          emptied(w, 'redis emptied (FLUSHALL, restart without AOF)'),
          stopped(w, 's3', 15),
          gatewayMode(w, 'refuse', 15),
        ],
        [gatewayMode(w, '503', 15), partnerDown(w.middleOffice, 15)],
        [gatewayMode(w, 'slow', 15), partnerDown(w.userSystem, 15)],
      ];
  if (long) {
    slots.push(
      kill(w, ['order-1', 'order-2'], 'under load'),
      kill(w, ['notification-2'], 'mid consumer batch'),
      [stopped(w, 'mongo', 30)],
      [emptied(w, 'redis emptied again (FLUSHALL, restart without AOF)')],
      [partnerDown(w.middleOffice, 30), partnerDown(w.userSystem, 30)],
    );
  }
  return slots;
}

/**
 * Runs the slots one after another: inject, hold, heal, then the recovery probe (restarted
 * instances answer /readyz, and a new order placed over HTTP reaches the merchant's device).
 */
export async function runFaults(w: World, slots: Slot[], gapMs: number): Promise<FaultRecord[]> {
  const records: FaultRecord[] = [];
  for (const slot of slots) {
    const startedAt = Date.now();
    log(`fault: ${slot.map((f) => f.name).join(' + ')}`);
    await Promise.all(slot.map((f) => f.inject()));
    await sleep(Math.max(0, ...slot.map((f) => f.holdMs)));
    await Promise.all(slot.map((f) => f.heal()));
    const healedAt = Date.now();
    const recoveredAt = await recover(
      w,
      slot.flatMap((f) => f.restarts ?? []),
    );
    log(
      `  healed; ${recoveredAt === undefined ? 'NOT recovered' : `recovered after ${((recoveredAt - healedAt) / 1000).toFixed(1)} s`}`,
    );
    for (const f of slot) records.push({ name: f.name, category: f.category, startedAt, healedAt, recoveredAt });
    await sleep(gapMs);
  }
  return records;
}

async function recover(w: World, restarted: string[], ms = 180_000): Promise<number | undefined> {
  const deadline = Date.now() + ms;
  for (const name of restarted)
    if (!(await w.services.ready(w.services.get(name), deadline - Date.now()))) return undefined;
  const orderId = await w.load.placeOverHttp();
  if (!orderId) return undefined;
  while (Date.now() < deadline) {
    if (w.gateway.reachedOrder(orderId)) return Date.now();
    await sleep(200);
  }
  return undefined;
}
