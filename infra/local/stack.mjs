#!/usr/bin/env node
// @ts-check
// Local infrastructure for OrderPulse without Docker: Kafka (KRaft), a MongoDB
// stand-in, Redis and an S3 stand-in, all on 127.0.0.1, all data under .local/.
//
//   node infra/local/stack.mjs up|down|status
//
// Node built-ins only: this runs before `npm install` may have finished, so the
// health checks speak the Kafka, Mongo, Redis and S3 protocols by hand.

import { spawn, spawnSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import dns from 'node:dns/promises';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { mavenClasspath, run } from './maven-classpath.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const env = process.env;
const LOCAL = path.resolve(env.ORDERPULSE_LOCAL_DIR || path.join(REPO, '.local'));
const HOST = '127.0.0.1';
const START_DEADLINE_MS = 120_000;
// An external endpoint is either there or misconfigured; no point waiting long.
const EXTERNAL_DEADLINE_MS = 15_000;
const POLL_MS = 200;

// ---------------------------------------------------------------- small helpers

function fail(message) {
  console.error(`orderpulse: ${message}`);
  process.exit(1);
}

class PartError extends Error {
  constructor(part, message, detail = '') {
    super(message);
    this.part = part;
    this.detail = detail;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const sha256 = (data) => createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => createHmac('sha256', key).update(data).digest();
const local = (...segments) => path.join(LOCAL, ...segments);
const pidFile = (name) => local('pids', `${name}.pid`);
const logFile = (name) => local('logs', `${name}.log`);
const redact = (url) => url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');

function envPort(name, fallback) {
  const raw = env[name] ?? String(fallback);
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`${name}=${raw} is not a valid port`);
  return port;
}

function tail(file, lines = 20) {
  try {
    const all = fs.readFileSync(file, 'utf8').trimEnd();
    // Only what the latest start wrote: the log keeps every earlier one above it.
    const text = all.slice(all.lastIndexOf('\n--- ') + 1);
    return text ? text.split('\n').slice(-lines).join('\n') : '(log is empty)';
  } catch {
    return '(no log)';
  }
}

function onPath(binary) {
  return (env.PATH || '').split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir, binary), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

// Runs a short-lived command to completion, keeping its output for error messages.
// ------------------------------------------------------------------ processes

function isAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return err.code === 'EPERM';
  }
  // A killed process can linger as a zombie when nobody reaps it; it is gone for us.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return !fs.existsSync('/proc/self');
  }
}

// Pid files can outlive their process (reboot, crash) and pids get reused, so a
// pid only counts as ours when its command line still looks like what we started.
function looksLikeOurs(part, pid) {
  let cmdline;
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return true; // no /proc (e.g. macOS): trust the pid file
  }
  return part.markers.every((marker) => cmdline.includes(marker));
}

function readPid(name) {
  try {
    const pid = Number(fs.readFileSync(pidFile(name), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function ownedPid(part) {
  const pid = readPid(part.name);
  return pid && isAlive(pid) && looksLikeOurs(part, pid) ? pid : null;
}

function launch(name, cmd, args) {
  // Appended, never truncated: a restart after an incident must not destroy the incident's log.
  const out = fs.openSync(logFile(name), 'a');
  fs.writeSync(out, `\n--- ${name} started ${new Date().toISOString()} ---\n`);
  const child = spawn(cmd, args, { cwd: LOCAL, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  if (!child.pid) throw new PartError(name, `could not start ${cmd}`);
  child.on('error', () => {}); // reported through the liveness check instead
  child.unref();
  fs.writeFileSync(pidFile(name), `${child.pid}\n`);
  return child.pid;
}

async function classpath(name) {
  try {
    return await mavenClasspath(path.join(HERE, name, 'pom.xml'), local('cp', `${name}.txt`));
  } catch (error) {
    throw new PartError(name, error.message, error.detail ?? '');
  }
}

// ------------------------------------------------------------ wire protocols

// One request/response over a fresh connection. `parse(buffer)` returns the
// result once enough bytes arrived, or undefined to keep reading.
function exchange({ host, port, useTls = false }, payload, parse, timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    const socket = useTls ? tls.connect({ host, port, servername: host }) : net.connect({ host, port });
    let received = Buffer.alloc(0);
    const finish = (err, value) => {
      socket.destroy();
      if (err) reject(err);
      else resolve(value);
    };
    socket.setTimeout(timeoutMs, () => finish(new Error('timed out')));
    socket.once(useTls ? 'secureConnect' : 'connect', () => socket.write(payload));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      try {
        const value = parse(received);
        if (value !== undefined) finish(null, value);
      } catch (err) {
        finish(err);
      }
    });
    socket.on('error', finish);
    socket.on('close', () => finish(new Error('connection closed')));
  });
}

function int32(n, littleEndian = false) {
  const b = Buffer.alloc(4);
  if (littleEndian) b.writeInt32LE(n);
  else b.writeInt32BE(n);
  return b;
}

// Kafka: size-prefixed request header v1 (api key, version 0, correlation id, client id).
function kafkaRequest(addr, apiKey, body) {
  const clientId = Buffer.from('orderpulse-stack');
  const header = Buffer.alloc(10);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(0, 2);
  header.writeInt32BE(apiKey, 4); // correlation id
  header.writeInt16BE(clientId.length, 8);
  const message = Buffer.concat([header, clientId, body]);
  return exchange(addr, Buffer.concat([int32(message.length), message]), (buf) => {
    if (buf.length < 4 || buf.length < 4 + buf.readInt32BE(0)) return undefined;
    if (buf.readInt32BE(4) !== apiKey) throw new Error('Kafka reply has the wrong correlation id');
    return buf.subarray(8, 4 + buf.readInt32BE(0));
  });
}

async function probeKafka(addr) {
  const versions = await kafkaRequest(addr, 18, Buffer.alloc(0));
  if (versions.readInt16BE(0) !== 0) throw new Error(`ApiVersions error ${versions.readInt16BE(0)}`);
  // ApiVersions answers as soon as the socket is up; Metadata lists the broker
  // only once it is registered and unfenced, i.e. really usable by clients.
  const metadata = await kafkaRequest(addr, 3, int32(0));
  if (metadata.readInt32BE(0) < 1) throw new Error('broker not registered yet');
}

// Mongo: OP_MSG carrying the BSON document {ping: 1, $db: "admin"}.
function mongoPingMessage() {
  const element = (type, name, value) => Buffer.concat([Buffer.from([type]), Buffer.from(`${name}\0`), value]);
  const elements = Buffer.concat([
    element(0x10, 'ping', int32(1, true)),
    element(0x02, '$db', Buffer.concat([int32(6, true), Buffer.from('admin\0')])),
    Buffer.from([0]),
  ]);
  const doc = Buffer.concat([int32(elements.length + 4, true), elements]);
  const body = Buffer.concat([int32(0, true), Buffer.from([0]), doc]); // flagBits, section kind 0
  const header = Buffer.concat([int32(16 + body.length, true), int32(1, true), int32(0, true), int32(2013, true)]);
  return Buffer.concat([header, body]);
}

// Reads the top-level `ok` field; ping replies only contain a few simple types.
function bsonOk(doc) {
  const fixedSize = { 0x01: 8, 0x07: 12, 0x08: 1, 0x09: 8, 0x0a: 0, 0x10: 4, 0x11: 8, 0x12: 8, 0x13: 16 };
  let i = 4;
  while (i < doc.length && doc[i] !== 0) {
    const type = doc[i];
    const nameEnd = doc.indexOf(0, i + 1);
    const name = doc.toString('utf8', i + 1, nameEnd);
    i = nameEnd + 1;
    if (name === 'ok') {
      if (type === 0x01) return doc.readDoubleLE(i);
      if (type === 0x10) return doc.readInt32LE(i);
      if (type === 0x12) return Number(doc.readBigInt64LE(i));
      if (type === 0x08) return doc[i];
    }
    if (type in fixedSize) i += fixedSize[type];
    else if (type === 0x02 || type === 0x0d || type === 0x0e) i += 4 + doc.readInt32LE(i);
    else if (type === 0x03 || type === 0x04) i += doc.readInt32LE(i);
    else if (type === 0x05) i += 5 + doc.readInt32LE(i);
    else break;
  }
  return undefined;
}

async function probeMongo(addr) {
  const ok = await exchange(addr, mongoPingMessage(), (buf) => {
    if (buf.length < 4 || buf.length < buf.readInt32LE(0)) return undefined;
    if (buf.readInt32LE(12) !== 2013) throw new Error('unexpected Mongo reply opcode');
    return bsonOk(buf.subarray(21)) ?? 0;
  });
  if (ok !== 1) throw new Error('ping did not return ok: 1');
}

// Accepts mongodb:// and mongodb+srv:// (first host only; SRV implies TLS).
async function mongoAddress(url) {
  const m = /^mongodb(\+srv)?:\/\/(?:[^@/]*@)?([^/?]+)[^?]*(?:\?(.*))?$/.exec(url);
  if (!m) throw new Error(`cannot parse MONGO_URL ${redact(url)}`);
  const params = new URLSearchParams(m[3] || '');
  const useTls = (params.get('tls') ?? params.get('ssl') ?? (m[1] ? 'true' : 'false')) === 'true';
  const [first] = m[2].split(',');
  if (m[1]) {
    const [record] = await dns.resolveSrv(`_mongodb._tcp.${first}`);
    return { host: record.name, port: record.port, useTls };
  }
  const colon = first.lastIndexOf(':');
  return colon < 0
    ? { host: first, port: 27017, useTls }
    : { host: first.slice(0, colon), port: Number(first.slice(colon + 1)), useTls };
}

// Redis: RESP arrays; AUTH first when the URL carries a password.
async function probeRedis(url) {
  const u = new URL(url);
  const resp = (...args) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
  const password = decodeURIComponent(u.password);
  const user = decodeURIComponent(u.username);
  const auth = password ? (user ? resp('AUTH', user, password) : resp('AUTH', password)) : '';
  const addr = { host: u.hostname, port: Number(u.port || 6379), useTls: u.protocol === 'rediss:' };
  await exchange(addr, auth + resp('PING'), (buf) => {
    for (const line of buf.toString().split('\r\n').slice(0, -1)) {
      if (line.startsWith('-')) throw new Error(line.slice(1));
      if (line === '+PONG') return true;
    }
    return undefined;
  });
}

// S3: path-style requests signed with AWS Signature V4 (empty payload).
function s3Request(s3, method) {
  const base = new URL(s3.endpoint);
  const url = new URL(`${base.pathname.replace(/\/$/, '')}/${encodeURIComponent(s3.bucket)}`, base);
  const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
  const scope = `${amzDate.slice(0, 8)}/${s3.region}/s3/aws4_request`;
  const headers = { host: url.host, 'x-amz-content-sha256': sha256(''), 'x-amz-date': amzDate };
  const signedHeaders = Object.keys(headers).sort();
  const canonicalRequest = [
    method,
    url.pathname,
    '',
    signedHeaders.map((h) => `${h}:${headers[h]}\n`).join(''),
    signedHeaders.join(';'),
    headers['x-amz-content-sha256'],
  ].join('\n');
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  /** @type {string | Buffer} */
  let key = `AWS4${s3.secretKey}`;
  for (const part of scope.split('/')) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${s3.accessKey}/${scope}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`;
  headers['content-length'] = '0';

  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? https : http).request(url, { method, headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.setTimeout(3000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

async function probeS3(s3) {
  const created = await s3Request(s3, 'PUT');
  const alreadyThere = created.status === 409 && /BucketAlready(OwnedByYou|Exists)/.test(created.body);
  if (created.status !== 200 && !alreadyThere) {
    throw new Error(`CreateBucket ${s3.bucket}: HTTP ${created.status} ${created.body.slice(0, 200)}`);
  }
  const head = await s3Request(s3, 'HEAD');
  if (head.status !== 200) throw new Error(`HeadBucket ${s3.bucket}: HTTP ${head.status}`);
}

// ---------------------------------------------------------------- the parts

const ports = {
  kafka: envPort('KAFKA_PORT', 19092),
  kafkaController: envPort('KAFKA_CONTROLLER_PORT', 19093),
  mongo: envPort('MONGO_PORT', 27027),
  redis: envPort('REDIS_PORT', 16379),
  s3: envPort('S3_PORT', 19000),
  zipkin: envPort('ZIPKIN_PORT', 19411),
};

const s3 = {
  endpoint: env.S3_ENDPOINT || `http://${HOST}:${ports.s3}`,
  region: env.S3_REGION || 'us-east-1',
  accessKey: env.S3_ACCESS_KEY_ID || 'orderpulse',
  secretKey: env.S3_SECRET_ACCESS_KEY || 'orderpulse-local-secret',
  bucket: env.S3_BUCKET || 'orderpulse-media',
};

const kafkaBrokers = env.KAFKA_BROKERS || `${HOST}:${ports.kafka}`;
const mongoUrl = env.MONGO_URL || `mongodb://${HOST}:${ports.mongo}`;
const redisUrl = env.REDIS_URL || `redis://${HOST}:${ports.redis}`;
const zipkinUrl = env.ZIPKIN_URL || `http://${HOST}:${ports.zipkin}`;
const log4jConfig = `-Dlog4j.configuration=${pathToFileURL(path.join(HERE, 'kafka', 'log4j.properties')).href}`;

function kafkaProperties(dataDir) {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${HOST}:${ports.kafkaController}`,
    `listeners=PLAINTEXT://${HOST}:${ports.kafka},CONTROLLER://${HOST}:${ports.kafkaController}`,
    `advertised.listeners=PLAINTEXT://${HOST}:${ports.kafka}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${dataDir}`,
    'num.partitions=3',
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    '',
  ].join('\n');
}

async function startKafka() {
  const cp = await classpath('kafka');
  const dataDir = local('kafka', 'data');
  const props = local('kafka', 'server.properties');
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(props, kafkaProperties(dataDir));
  // KRaft storage is formatted exactly once; re-formatting would wipe the cluster id.
  if (!fs.existsSync(path.join(dataDir, 'meta.properties'))) {
    const tool = (...args) => run('java', ['-cp', cp, log4jConfig, 'kafka.tools.StorageTool', ...args]);
    const uuid = await tool('random-uuid');
    const clusterId = uuid.output
      .split('\n')
      .map((l) => l.trim())
      .find((l) => /^[\w-]{22}$/.test(l));
    if (uuid.code !== 0 || !clusterId) throw new PartError('kafka', 'StorageTool random-uuid failed', uuid.output);
    const format = await tool('format', '-t', clusterId, '-c', props);
    if (format.code !== 0) throw new PartError('kafka', 'StorageTool format failed', format.output);
  }
  return launch('kafka', 'java', ['-Xmx512m', '-cp', cp, log4jConfig, 'kafka.Kafka', props]);
}

async function startMongo() {
  const cp = await classpath('mongo');
  fs.mkdirSync(local('mongo'), { recursive: true });
  const source = path.join(HERE, 'mongo', 'LocalMongo.java');
  const timestamps = [
    '-Dorg.slf4j.simpleLogger.showDateTime=true',
    '-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd HH:mm:ss.SSS',
  ];
  return launch('mongo', 'java', [
    '-Xmx512m',
    ...timestamps,
    '-cp',
    cp,
    source,
    local('mongo', 'orderpulse.mv'),
    HOST,
    String(ports.mongo),
  ]);
}

async function startS3() {
  const cp = await classpath('s3');
  const dataDir = local('s3', 'data');
  const props = local('s3', 's3proxy.properties');
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(
    props,
    [
      `s3proxy.endpoint=http://${HOST}:${ports.s3}`,
      's3proxy.authorization=aws-v2-or-v4',
      `s3proxy.identity=${s3.accessKey}`,
      `s3proxy.credential=${s3.secretKey}`,
      // Terminals upload photos from the browser straight to presigned URLs, across origins.
      's3proxy.cors-allow-all=true',
      'jclouds.provider=filesystem',
      `jclouds.filesystem.basedir=${dataDir}`,
      '',
    ].join('\n'),
  );
  const logback = `-Dlogback.configurationFile=${path.join(HERE, 's3', 'logback.xml')}`;
  return launch('s3', 'java', ['-Xmx256m', logback, '-cp', cp, 'org.gaul.s3proxy.Main', '--properties', props]);
}

async function startRedis() {
  const dir = local('redis');
  fs.mkdirSync(dir, { recursive: true });
  return launch('redis', 'redis-server', [
    '--port',
    String(ports.redis),
    '--bind',
    HOST,
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--maxmemory-policy',
    'noeviction',
    '--save',
    '',
    '--daemonize',
    'no',
  ]);
}

// Zipkin keeps traces in memory (its default storage): a local trace viewer, not a record.
async function startZipkin() {
  const jar = await classpath('zipkin');
  fs.mkdirSync(local('zipkin'), { recursive: true });
  return launch('zipkin', 'java', [
    '-Xmx256m',
    '-XX:TieredStopAtLevel=1',
    `-Dorderpulse.part=${local('zipkin')}`,
    '-jar',
    jar,
    `--armeria.ports[0].port=${ports.zipkin}`,
    `--armeria.ports[0].ip=${HOST}`,
    '--armeria.ports[0].protocols[0]=http',
  ]);
}

async function probeZipkin(url) {
  const response = await fetch(new URL('/health', url), { signal: AbortSignal.timeout(2000) });
  if (!response.ok) throw new Error(`health: HTTP ${response.status}`);
}

function brokerAddress(brokers) {
  const first = brokers.split(',')[0].trim();
  const colon = first.lastIndexOf(':');
  return { host: first.slice(0, colon), port: Number(first.slice(colon + 1)) };
}

const parts = [
  {
    name: 'kafka',
    external: !!env.KAFKA_BROKERS,
    endpoint: kafkaBrokers,
    jvm: true,
    ports: [ports.kafka, ports.kafkaController],
    markers: [local('kafka', 'server.properties')],
    start: startKafka,
    probe: () => probeKafka(brokerAddress(kafkaBrokers)),
  },
  {
    name: 'mongo',
    external: !!env.MONGO_URL,
    endpoint: mongoUrl,
    jvm: true,
    ports: [ports.mongo],
    markers: [local('mongo', 'orderpulse.mv')],
    start: startMongo,
    probe: async () => probeMongo(await mongoAddress(mongoUrl)),
  },
  {
    name: 'redis',
    external: !!env.REDIS_URL,
    endpoint: redisUrl,
    jvm: false,
    // redis-server rewrites its process title to "redis-server <host>:<port> ...".
    ports: [ports.redis],
    markers: ['redis-server', `${HOST}:${ports.redis} `],
    start: startRedis,
    probe: () => probeRedis(redisUrl),
  },
  {
    name: 's3',
    external: !!env.S3_ENDPOINT,
    endpoint: s3.endpoint,
    jvm: true,
    ports: [ports.s3],
    markers: [local('s3', 's3proxy.properties')],
    start: startS3,
    probe: () => probeS3(s3),
  },
  {
    name: 'zipkin',
    external: !!env.ZIPKIN_URL,
    endpoint: zipkinUrl,
    jvm: true,
    ports: [ports.zipkin],
    markers: [`-Dorderpulse.part=${local('zipkin')}`],
    start: startZipkin,
    probe: () => probeZipkin(zipkinUrl),
  },
];

// ------------------------------------------------------------------ commands

function checkPrerequisites(toStart) {
  const nodeMajor = Number(process.versions.node.split('.')[0]);
  if (nodeMajor < 20) fail(`Node ${process.versions.node} is too old — install Node 20 or newer`);
  if (toStart.some((p) => p.jvm)) {
    const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
    if (java.error) fail('java not found — install a JDK 17+: apt-get install openjdk-17-jdk-headless');
    const m = /version "(\d+)(?:\.(\d+))?/.exec(`${java.stderr}${java.stdout}`);
    const major = m ? Number(m[1] === '1' ? m[2] : m[1]) : 0;
    if (major < 17)
      fail(
        `java ${major || '(unknown version)'} is too old — install a JDK 17+: apt-get install openjdk-17-jdk-headless`,
      );
    if (!onPath('mvn')) fail('mvn not found — install it: apt-get install maven');
  }
  if (toStart.some((p) => p.name === 'redis') && !onPath('redis-server')) {
    fail('redis-server not found — install it: apt-get install redis-server');
  }
}

function portAnswers(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    const done = (answer) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function waitUntilAnswering(part, pid) {
  const deadline = Date.now() + (part.external ? EXTERNAL_DEADLINE_MS : START_DEADLINE_MS);
  for (;;) {
    let lastError;
    try {
      return await part.probe();
    } catch (err) {
      lastError = err;
    }
    if (pid && !isAlive(pid))
      throw new PartError(part.name, `process ${pid} exited while starting`, tail(logFile(part.name)));
    if (Date.now() > deadline) {
      const detail = pid ? tail(logFile(part.name)) : '';
      throw new PartError(
        part.name,
        `no healthy answer from ${redact(part.endpoint)} in time (${lastError.message})`,
        detail,
      );
    }
    await sleep(POLL_MS);
  }
}

async function bringUp(part) {
  if (part.external) {
    await waitUntilAnswering(part, null);
    return 'external';
  }
  let pid = ownedPid(part);
  const alreadyRunning = !!pid;
  if (!pid) {
    for (const port of part.ports) {
      if (await portAnswers(port))
        throw new PartError(part.name, `port ${HOST}:${port} is already taken by a process this script did not start`);
    }
    pid = await part.start();
  }
  await waitUntilAnswering(part, pid);
  return `pid ${pid}${alreadyRunning ? ', already running' : ''}`;
}

function writeStackEnv() {
  const lines = [
    `KAFKA_BROKERS=${kafkaBrokers}`,
    `MONGO_URL=${mongoUrl}`,
    `REDIS_URL=${redisUrl}`,
    `S3_ENDPOINT=${s3.endpoint}`,
    `S3_REGION=${s3.region}`,
    `S3_ACCESS_KEY_ID=${s3.accessKey}`,
    `S3_SECRET_ACCESS_KEY=${s3.secretKey}`,
    `S3_BUCKET=${s3.bucket}`,
    'S3_FORCE_PATH_STYLE=true',
    `ZIPKIN_URL=${zipkinUrl}`,
  ];
  const file = local('stack.env');
  fs.writeFileSync(`${file}.tmp`, `${lines.join('\n')}\n`);
  fs.renameSync(`${file}.tmp`, file);
  return file;
}

async function up() {
  const started = Date.now();
  checkPrerequisites(parts.filter((p) => !p.external));
  for (const dir of ['pids', 'logs', 'cp']) fs.mkdirSync(local(dir), { recursive: true });

  // All parts come up concurrently: the JVMs dominate, and they don't depend on each other.
  const results = await Promise.allSettled(parts.map(bringUp));
  const failures = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
  if (failures.length) {
    for (const err of failures) {
      console.error(`orderpulse: ${err.part ?? 'stack'} failed: ${err.message}`);
      if (err.detail) console.error(err.detail.replace(/^/gm, '    '));
    }
    console.error('orderpulse: parts that did start are left running; `node infra/local/stack.mjs down` stops them');
    process.exit(1);
  }

  const envFile = writeStackEnv();
  parts.forEach((part, i) => {
    console.log(
      `${part.name.padEnd(6)} ${redact(part.endpoint).padEnd(28)} (${/** @type {PromiseFulfilledResult<string>} */ (results[i]).value})`,
    );
  });
  const shown = path.relative(process.cwd(), envFile);
  console.log(
    `ready in ${((Date.now() - started) / 1000).toFixed(1)}s — endpoints in ${shown.startsWith('..') ? envFile : shown}`,
  );
}

async function stop(part) {
  const pid = readPid(part.name);
  if (!pid) return `${part.name.padEnd(6)} not running`;
  const forget = () => fs.rmSync(pidFile(part.name), { force: true });
  if (!isAlive(pid)) {
    forget();
    return `${part.name.padEnd(6)} not running (removed stale pid file)`;
  }
  if (!looksLikeOurs(part, pid)) {
    forget();
    return `${part.name.padEnd(6)} pid ${pid} is not a ${part.name} this script started — left alone, pid file removed`;
  }
  const signal = (name) => {
    try {
      process.kill(pid, name);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  // Kafka needs a few seconds for a controlled shutdown; give everyone up to 20 s.
  const deadline = Date.now() + 20_000;
  while (isAlive(pid) && Date.now() < deadline) await sleep(POLL_MS);
  let how = 'stopped';
  if (isAlive(pid)) {
    signal('SIGKILL');
    how = 'killed after 20 s';
    const killDeadline = Date.now() + 5_000;
    while (isAlive(pid) && Date.now() < killDeadline) await sleep(50);
  }
  forget();
  return `${part.name.padEnd(6)} ${how} (pid ${pid})`;
}

async function down() {
  for (const line of await Promise.all(parts.map(stop))) console.log(line);
}

async function partStatus(part) {
  let problem = '';
  const answers = () =>
    part.probe().then(
      () => true,
      (err) => ((problem = `: ${err.message}`), false),
    );
  const where = redact(part.endpoint).padEnd(28);
  if (part.external) {
    const ok = await answers();
    return { ok, line: `${part.name.padEnd(6)} ${where} ${ok ? 'up' : `NOT answering${problem}`} (external)` };
  }
  const pid = ownedPid(part);
  if (!pid) {
    const taken = (await Promise.all(part.ports.map(portAnswers))).some(Boolean);
    return {
      ok: false,
      line: `${part.name.padEnd(6)} ${where} down${taken ? ' (port taken by a process this script did not start)' : ''}`,
    };
  }
  const ok = await answers();
  return { ok, line: `${part.name.padEnd(6)} ${where} ${ok ? 'up' : `NOT answering${problem}`} (pid ${pid})` };
}

async function status() {
  const results = await Promise.all(parts.map(partStatus));
  for (const r of results) console.log(r.line);
  process.exitCode = results.every((r) => r.ok) ? 0 : 1;
}

const commands = { up, down, status };
const command = commands[process.argv[2]];
if (!command) {
  console.error('usage: node infra/local/stack.mjs up|down|status');
  process.exit(1);
}
await command();
