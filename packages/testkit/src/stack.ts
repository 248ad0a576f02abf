import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Endpoints of the running stack, as `npm test` started it (or as the environment names them). */
export interface StackEnv {
  KAFKA_BROKERS: string;
  MONGO_URL: string;
  REDIS_URL: string;
  S3_ENDPOINT: string;
  S3_REGION: string;
  S3_BUCKET: string;
  S3_ACCESS_KEY_ID: string;
  S3_SECRET_ACCESS_KEY: string;
}

const KEYS: (keyof StackEnv)[] = [
  'KAFKA_BROKERS',
  'MONGO_URL',
  'REDIS_URL',
  'S3_ENDPOINT',
  'S3_REGION',
  'S3_BUCKET',
  'S3_ACCESS_KEY_ID',
  'S3_SECRET_ACCESS_KEY',
];

/** Reads `.local/stack.env` (written by the stack's start) for keys the environment does not set. */
export function loadStackEnvFile(repoRoot: string, env: Record<string, string | undefined>): void {
  const file = join(env.ORDERPULSE_LOCAL_DIR ?? join(repoRoot, '.local'), 'stack.env');
  if (!existsSync(file)) return;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match?.[1] && env[match[1]] === undefined) env[match[1]] = match[2];
  }
}

/** The stack's endpoints; fails with what to run when the stack is not up. */
export function stackEnv(env: Record<string, string | undefined> = process.env): StackEnv {
  const missing = KEYS.filter((k) => !env[k]);
  if (missing.length > 0) {
    throw new Error(
      `the local stack is not running (${missing.join(', ')} unset): run the tests with \`npm test\`, or start it with \`npm run stack:up\``,
    );
  }
  return Object.fromEntries(KEYS.map((k) => [k, env[k] as string])) as unknown as StackEnv;
}
