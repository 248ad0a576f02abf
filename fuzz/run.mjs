// @ts-check
// `npm run fuzz`: the fuzz suite at full size against the running local stack, one service at a
// time (two shared cores). FUZZ_HTTP_INPUTS, FUZZ_KAFKA_INPUTS and FUZZ_WS_INPUTS are per service,
// per consumed topic and per WebSocket endpoint; FUZZ_SEED replays a run. Prints the figures the README quotes.
//
//   npm run stack:up && npm run fuzz            (defaults: 20,000 HTTP inputs per service, 1,000 records per topic, 2,000 frame sequences)
//   FUZZ_SEED=123 npm run fuzz                  (replays that run)

import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const seed = process.env.FUZZ_SEED ?? String(Math.floor(Math.random() * 2 ** 31));
const http = process.env.FUZZ_HTTP_INPUTS ?? '20000';
const kafka = process.env.FUZZ_KAFKA_INPUTS ?? '1000';
const websocket = process.env.FUZZ_WS_INPUTS ?? '2000';
const files = ['order', 'media', 'notification', 'audit', 'sharing'];
const topics = { order: 1, media: 1, notification: 4, audit: 2, sharing: 0 };
/** WebSocket endpoints per service. */
const sockets = { notification: 1 };

process.stdout.write(
  `fuzz: seed ${seed}, ${http} HTTP inputs per service, ${kafka} Kafka records per consumed topic, ${websocket} frame sequences per WebSocket, on ${os.cpus().length} cores\n`,
);
const started = Date.now();
let failed = 0;
for (const name of files) {
  const at = Date.now();
  const run = spawnSync('npx', ['jest', `test/${name}.fuzz.test.ts`], {
    cwd: here,
    stdio: 'inherit',
    env: {
      ...process.env,
      FUZZ_SEED: seed,
      FUZZ_HTTP_INPUTS: http,
      FUZZ_KAFKA_INPUTS: kafka,
      FUZZ_WS_INPUTS: websocket,
    },
  });
  if (run.status !== 0) failed += 1;
  process.stdout.write(
    `fuzz: ${name}: ${run.status === 0 ? 'passed' : 'FAILED'} in ${Math.round((Date.now() - at) / 1000)} s\n`,
  );
}
const httpTotal = Number(http) * files.length;
const kafkaTotal = Number(kafka) * Object.values(topics).reduce((a, b) => a + b, 0);
const websocketTotal = Number(websocket) * Object.values(sockets).reduce((a, b) => a + b, 0);
process.stdout.write(
  `fuzz: ${httpTotal + kafkaTotal + websocketTotal} inputs (${httpTotal} HTTP, ${kafkaTotal} Kafka, ${websocketTotal} WebSocket) in ${Math.round((Date.now() - started) / 1000)} s, seed ${seed}: ${failed === 0 ? 'nothing found' : `${failed} service(s) failed — replay with FUZZ_SEED=${seed}`}\n`,
);
process.exit(failed === 0 ? 0 : 1);
