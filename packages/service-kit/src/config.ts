import { z } from 'zod';

const csv = z
  .string()
  .transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean))
  .pipe(z.array(z.string().min(1)).min(1));

const port = z.coerce.number().int().min(0).max(65_535);

/** Environment keys every service reads. */
export const commonEnv = {
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HTTP_HOST: z.string().default('127.0.0.1'),
  HTTP_PORT: port,
  /** The token issuer's public keys: a JWKS file path or an `https://` URL (chosen by `kid`, so keys rotate). */
  JWT_JWKS: z.string().min(1, 'JWT_JWKS must name the issuer\'s key set (a JWKS file path or URL)'),
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
};

export const mongoEnv = {
  MONGO_URL: z.string().regex(/^mongodb(\+srv)?:\/\//, 'MONGO_URL must be a mongodb:// URL'),
  MONGO_DB: z.string().min(1).max(63),
};

export const redisEnv = {
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'REDIS_URL must be a redis:// URL'),
  /** Prefix of every key and queue, so services and test runs can share one Redis. */
  QUEUE_PREFIX: z.string().default('orderpulse'),
};

export const s3Env = {
  S3_ENDPOINT: z.url().optional(),
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
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
}
