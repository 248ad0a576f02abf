import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { partnerSecrets } from './secrets';

/** Where the suite's own stack and services listen; none of it is shared with another stack. */
export interface Ports {
  kafka: number;
  kafkaController: number;
  zipkin: number;
  mongo: number;
  redis: number;
  s3: number;
  /** The first of the services' and stand-ins' HTTP ports; the suite uses this and the next 19. */
  httpBase: number;
}

/**
 * Below Linux's ephemeral range (32768–60999 by default, `net.ipv4.ip_local_port_range`): a port in
 * it can be held by any outgoing connection's source port, and a part restarted by the suite (Kafka
 * after its stop, a killed service) then finds its own port taken. Seen: a killed notification
 * instance refused four times with EADDRINUSE on 43104 while a client socket held it.
 */
export const defaultPorts: Ports = {
  kafka: 29092,
  kafkaController: 29093,
  mongo: 29017,
  redis: 29379,
  s3: 29000,
  zipkin: 29411,
  httpBase: 24100,
};

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const log = (line: string) => process.stdout.write(`chaos ${new Date().toISOString().slice(11, 19)} ${line}\n`);

export type InfraPart = 'kafka' | 'mongo' | 'redis' | 's3';

/** The local stack (infra/local/stack.mjs) under the suite's own directory and ports; parts stopped, paused and emptied by pid. */
export class Stack {
  env: Record<string, string> = {};
  /** One stack operation at a time: a part restarting while another is stopped must not trip over it. */
  private exclusive: Promise<unknown> = Promise.resolve();

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.exclusive.then(work, work);
    this.exclusive = next.catch(() => undefined);
    return next;
  }

  constructor(
    readonly repo: string,
    readonly dir: string,
    readonly ports: Ports,
  ) {}

  private stackEnv(): NodeJS.ProcessEnv {
    const p = this.ports;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ORDERPULSE_LOCAL_DIR: this.dir,
      KAFKA_PORT: String(p.kafka),
      KAFKA_CONTROLLER_PORT: String(p.kafkaController),
      MONGO_PORT: String(p.mongo),
      REDIS_PORT: String(p.redis),
      S3_PORT: String(p.s3),
      ZIPKIN_PORT: String(p.zipkin),
    };
    // This stack is the suite's own: endpoints of another one must not leak in.
    for (const k of ['KAFKA_BROKERS', 'MONGO_URL', 'REDIS_URL', 'S3_ENDPOINT', 'ZIPKIN_URL']) delete env[k];
    return env;
  }

  /** Starts whatever part is not running (stack.mjs leaves running parts alone) and waits until each answers. */
  up(): Promise<void> {
    return this.serially(() => this.upNow());
  }

  private async upNow(): Promise<void> {
    // Not spawnSync: the stand-ins and the load live in this process and must go on answering meanwhile.
    const child = spawn(process.execPath, [path.join(this.repo, 'infra/local/stack.mjs'), 'up'], {
      env: this.stackEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    if (code !== 0) throw new Error(`stack up failed: ${output}`);
    this.env = {};
    for (const line of fs.readFileSync(path.join(this.dir, 'stack.env'), 'utf8').split('\n')) {
      const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
      if (m?.[1] && m[2] !== undefined) this.env[m[1]] = m[2];
    }
  }

  applyTopics(): void {
    const result = spawnSync(
      process.execPath,
      [
        path.join(this.repo, 'packages/kafka/dist/cli.js'),
        'topics',
        'apply',
        path.join(this.repo, 'infra/kafka/topics.json'),
      ],
      { env: { ...process.env, KAFKA_BROKERS: this.env.KAFKA_BROKERS }, encoding: 'utf8' },
    );
    if (result.status !== 0) throw new Error(`topics apply failed: ${result.stdout}${result.stderr}`);
  }

  down(): void {
    spawnSync(process.execPath, [path.join(this.repo, 'infra/local/stack.mjs'), 'down'], {
      env: this.stackEnv(),
      stdio: 'ignore',
    });
  }

  pid(part: InfraPart): number {
    const pid = Number(fs.readFileSync(path.join(this.dir, 'pids', `${part}.pid`), 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no pid for ${part}`);
    return pid;
  }

  /** Stops a part (SIGTERM, then SIGKILL after 20 s) and waits until it is gone. */
  stop(part: InfraPart, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    return this.serially(() => this.stopNow(part, signal));
  }

  private async stopNow(part: InfraPart, signal: NodeJS.Signals): Promise<void> {
    const pid = this.pid(part);
    signalPid(pid, signal);
    const deadline = Date.now() + 20_000;
    while (alive(pid)) {
      if (Date.now() > deadline) signalPid(pid, 'SIGKILL');
      await sleep(100);
    }
  }

  pause(part: InfraPart): void {
    signalPid(this.pid(part), 'SIGSTOP');
  }

  resume(part: InfraPart): void {
    signalPid(this.pid(part), 'SIGCONT');
  }

  /** Redis loses its data: FLUSHALL, then a restart without its append-only file. */
  emptyRedis(): Promise<void> {
    return this.serially(async () => {
      spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(this.ports.redis), 'FLUSHALL'], { stdio: 'ignore' });
      await this.stopNow('redis', 'SIGKILL');
      for (const name of fs.readdirSync(path.join(this.dir, 'redis'))) {
        if (name.startsWith('appendonly') || name.endsWith('.rdb'))
          fs.rmSync(path.join(this.dir, 'redis', name), { recursive: true, force: true });
      }
      await this.upNow();
    });
  }
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

/** One running copy of a service, started from its built `dist/main.js` as `npm start` does. */
export interface Instance {
  name: string;
  service: 'order' | 'notification' | 'media' | 'audit' | 'sharing';
  port: number;
  url: string;
  child?: ChildProcess | undefined;
  kills: number[];
  restarts: number;
  unexpectedExits: number;
}

/**
 * The supervisor: it starts every instance, restarts one that exits (at once after the suite's
 * own kill -9, with backoff after an exit of its own), and stops them all at the end.
 */
export class Services {
  readonly instances: Instance[];
  private stopping = false;

  constructor(
    private readonly stack: Stack,
    private readonly extraEnv: (i: Instance) => Record<string, string>,
    readonly jwksPath: string,
  ) {
    const base = stack.ports.httpBase;
    const list: [Instance['service'], string, number][] = [
      ['order', 'order-1', 1],
      ['order', 'order-2', 2],
      ['notification', 'notification-1', 3],
      ['notification', 'notification-2', 4],
      ['media', 'media', 5],
      ['audit', 'audit', 6],
      ['sharing', 'sharing', 7],
    ];
    this.instances = list.map(([service, name, n]) => ({
      name,
      service,
      port: base + n,
      url: `http://127.0.0.1:${base + n}`,
      kills: [],
      restarts: 0,
      unexpectedExits: 0,
    }));
  }

  of(service: Instance['service']): Instance[] {
    return this.instances.filter((i) => i.service === service);
  }

  get(name: string): Instance {
    const found = this.instances.find((i) => i.name === name);
    if (!found) throw new Error(`no instance ${name}`);
    return found;
  }

  /** The environment infra/local/run.mjs gives each service, plus the suite's stand-ins. */
  private env(i: Instance): NodeJS.ProcessEnv {
    return {
      ...process.env,
      ...this.stack.env,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(i.port),
      MONGO_DB: `orderpulse_${i.service}`,
      JWT_JWKS: this.jwksPath,
      LOG_LEVEL: 'info',
      KAFKA_CLIENT_ID: i.name,
      // The audit reads `orderpulse.*` topics and groups: a prefix from the caller's shell must not rename them.
      KAFKA_TOPIC_PREFIX: '',
      ...(i.service === 'audit' ? partnerSecrets : {}),
      ...this.extraEnv(i),
    };
  }

  start(i: Instance): void {
    const logFile = fs.openSync(path.join(this.stack.dir, 'logs', `${i.name}.log`), 'a');
    const child = spawn(process.execPath, [path.join(this.stack.repo, 'services', i.service, 'dist', 'main.js')], {
      cwd: this.stack.repo,
      env: this.env(i),
      stdio: ['ignore', logFile, logFile],
    });
    fs.closeSync(logFile);
    i.child = child;
    child.once('exit', (code, signal) => {
      if (this.stopping || i.child !== child) return;
      i.child = undefined;
      if (signal === 'SIGKILL' && i.kills.length && Date.now() - (i.kills[i.kills.length - 1] ?? 0) < 5_000) {
        i.restarts += 1;
        this.start(i);
        return;
      }
      i.unexpectedExits += 1;
      const backoff = Math.min(30_000, 1_000 * 2 ** Math.min(5, i.unexpectedExits));
      log(`${i.name} exited by itself (${code ?? signal}); restarting in ${backoff / 1000} s`);
      setTimeout(() => {
        if (!this.stopping && !i.child) {
          i.restarts += 1;
          this.start(i);
        }
      }, backoff);
    });
  }

  async startAll(): Promise<void> {
    for (const i of this.instances) this.start(i);
    for (const i of this.instances) await this.ready(i, 180_000);
  }

  /** Waits until the instance answers HTTP (`/healthz` first, as liveness; `/readyz` is what it can serve). */
  async ready(i: Instance, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      try {
        if ((await fetch(`${i.url}/readyz`, { signal: AbortSignal.timeout(2_000) })).ok) return true;
      } catch {
        // not listening yet
      }
      await sleep(250);
    }
    return false;
  }

  /** kill -9; the exit handler starts it again at once. */
  kill(i: Instance): void {
    i.kills.push(Date.now());
    i.child?.kill('SIGKILL');
  }

  async stopAll(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.instances.map(async (i) => {
        const child = i.child;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}
