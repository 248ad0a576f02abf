/**
 * The parts every orderpulse service is built from. A service's `main.ts` loads its config
 * with `loadConfig`, creates a logger and metrics, builds its app with `createHttpApp`, and
 * hands its start function to `runUntilSignalled`.
 */
export { AppError, ErrorCodes, isAppError, ProblemMembers, type ErrorCode, type ProblemDetails } from './errors';
export { parseInput } from './validate';
export { asTenant, tenantOf, type TenantId } from './tenant';
export { expiresAtOf } from './token-expiry';
export { commonEnv, kafkaEnv, mongoEnv, redisEnv, s3Env, loadConfig, ConfigError } from './config';
export { createLogger, withLogContext, currentLogContext, type Logger, type LogContext } from './logger';
export { Roles, verifyToken, signToken, bearerToken, requireRole, type Role, type Principal, type AuthSettings } from './auth';
export { createHttpApp, listen, authenticated, principalOf, sendProblem, problemOf, type BodyLimits, type HttpAppOptions, type ReadinessCheck, type Problem } from './http-app';
export { bodyLimitOf, largestJsonBytes, UnboundedSchemaError, UNBOUNDED_STRING_CHARS } from './body-limit';
export { createMetrics } from './metrics';
export { connectMongo, pingMongo, connectRedis, pingRedis } from './infrastructure';
export { runUntilSignalled, type Running } from './lifecycle';
export { startService, runService, type Platform, type PlatformConfig, type ServiceParts } from './service';
