import { z } from 'zod';

const csv = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().min(1)).min(1));

const port = z.coerce.number().int().min(0).max(65_535);

/** An optional key that deployment files list with an empty value (`${KEY:-}`) means unset. */
export const unsetWhenEmpty = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema);

/**
 * Ports the WHATWG Fetch standard refuses to connect to ("bad port"), so a partner URL on one of
 * them fails every call with `TypeError: fetch failed` long after start. Source: Fetch, §2.9 "Port blocking".
 */
const FETCH_BLOCKED_PORTS = new Set([
  0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110,
  111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532,
  540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061,
  6000, 6566, 6665, 6666, 6667, 6668, 6669, 6697, 10080,
]);

/** An http(s) URL that `fetch` will call: refused at start when its port is one the Fetch standard blocks. */
export const fetchableUrl = z.url({ protocol: /^https?$/ }).refine((raw) => {
  const url = new URL(raw);
  const effective = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return !FETCH_BLOCKED_PORTS.has(effective);
}, 'this port is blocked by the Fetch standard (every call would fail with "bad port"); choose another');

/** Environment keys every service reads. */
export const commonEnv = {
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HTTP_HOST: z.string().default('127.0.0.1'),
  HTTP_PORT: port,
  /** The token issuer's public keys: a JWKS file path or an `https://` URL (chosen by `kid`, so keys rotate). */
  JWT_JWKS: z.string().min(1, "JWT_JWKS must name the issuer's key set (a JWKS file path or URL)"),
  JWT_ISSUER: z.string().default('orderpulse'),
  /** The audience tokens must name for this service; `orderpulse-<service>` when not set. */
  JWT_AUDIENCE: z.string().min(1).optional(),
  /** How far `exp` and `nbf` may be off by the issuer's clock. */
  JWT_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  /** Requests one principal (by token subject) may make per window, summed over every instance (Redis). */
  RATE_LIMIT_PER_PRINCIPAL: z.coerce.number().int().min(1).default(60_000),
  /** Requests one client address may make per window, summed over every instance (Redis). */
  RATE_LIMIT_PER_ADDRESS: z.coerce.number().int().min(1).default(120_000),
  /** The rate limits' window. */
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3_600).default(60),
};

export const kafkaEnv = {
  KAFKA_BROKERS: csv,
  KAFKA_CLIENT_ID: z.string().optional(),
  KAFKA_SSL: z.stringbool().default(false),
  /** PEM bundle of a private CA for TLS to the brokers. */
  KAFKA_SSL_CA_FILE: unsetWhenEmpty(z.string().optional()),
  /** SASL over TLS (kafkajs: plain, scram-sha-256, scram-sha-512), with the two keys below. */
  KAFKA_SASL_MECHANISM: unsetWhenEmpty(z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional()),
  KAFKA_SASL_USERNAME: unsetWhenEmpty(z.string().optional()),
  KAFKA_SASL_PASSWORD: unsetWhenEmpty(z.string().optional()),
  /**
   * How long a consumer group waits for a silent member before handing its partitions on (ms;
   * Kafka's `session.timeout.ms`, within the broker's 6 s–300 s): an instance killed without
   * leaving holds its partitions this long. Heartbeats go every 3 s, also while a message waits
   * out an outage.
   */
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).max(300_000).default(10_000),
  /** Prepended to every topic and consumer group, so several deployments (or test runs) share a cluster. */
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9._-]*$/)
    .default(''),
};

export const mongoEnv = {
  MONGO_URL: z.string().regex(/^mongodb(\+srv)?:\/\//, 'MONGO_URL must be a mongodb:// URL'),
  MONGO_DB: z.string().min(1).max(63),
  /**
   * Counts every command the driver sends (`mongodb_client_commands_total`). Off by default: the
   * driver's command monitoring decodes each reply once more to report it. The benchmark's work
   * count turns it on.
   */
  MONGO_MONITOR_COMMANDS: z.stringbool().default(false),
};

export const redisEnv = {
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'REDIS_URL must be a redis:// URL'),
  /** Prefix of every key and queue, so services and test runs can share one Redis. */
  QUEUE_PREFIX: z.string().default('orderpulse'),
};

export const s3Env = {
  S3_ENDPOINT: z.url().optional(),
  /**
   * The S3 endpoint as browsers and phones reach it, when it differs from S3_ENDPOINT (compose's
   * `http://minio:9000` is reachable only inside its network). Presigned upload and read links are
   * signed for this host; unset, they use S3_ENDPOINT.
   */
  S3_PUBLIC_ENDPOINT: unsetWhenEmpty(z.url().optional()),
  S3_REGION: z.string().default('us-east-1'),
  S3_BUCKET: z.string().min(3),
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  S3_FORCE_PATH_STYLE: z.stringbool().default(false),
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads and validates the configuration once, at start. Each service calls it with its own
 * schema; nothing else reads the environment. Fails with every problem named at once.
 *
 * `renamed` maps a key's old name to its new one, so a deployment that still sets the old name
 * keeps working: its value is read under the new name, with a Node `DeprecationWarning` (code
 * `ORDERPULSE_RENAMED_ENV`). Both names set to different values is a {@link ConfigError}.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
  renamed: Readonly<Record<string, string>> = {},
): z.output<S> {
  const problems: string[] = [];
  const read = { ...env };
  for (const [old, current] of Object.entries(renamed)) {
    if (!read[old]) continue;
    if (read[current] && read[current] !== read[old]) {
      problems.push(`${old}: the old name of ${current}; set only ${current}`);
      continue;
    }
    read[current] = read[old];
    process.emitWarning(`${old} is renamed ${current}; set ${current} instead`, {
      type: 'DeprecationWarning',
      code: 'ORDERPULSE_RENAMED_ENV',
    });
  }
  const result = schema.safeParse(read);
  if (result.success && problems.length === 0) return result.data;
  if (!result.success) problems.push(...result.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  throw new ConfigError(problems);
}
