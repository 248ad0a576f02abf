/**
 * The parts every orderpulse service is built from. A service's `main.ts` loads its config
 * with `loadConfig`, creates a logger and metrics, builds its app with `createHttpApp`, and
 * hands its start function to `runUntilSignalled`.
 */
export { AppError, ErrorCodes, isAppError, ProblemMembers, type ErrorCode, type ProblemDetails } from './errors';
export { parseInput } from './validate';
export { asTenant, tenantOf, type TenantId } from './tenant';
export { expiresAtOf } from './token-expiry';
export {
  commonEnv,
  fetchableUrl,
  kafkaEnv,
  mongoEnv,
  redisEnv,
  s3Env,
  loadConfig,
  ConfigError,
  unsetWhenEmpty,
} from './config';
export {
  createLogger,
  withLogContext,
  currentLogContext,
  recordLogContext,
  type Logger,
  type LogContext,
  type RecordPosition,
} from './logger';
export {
  Roles,
  ServiceNames,
  TokenAlgorithms,
  serviceAudience,
  keySetOf,
  verifyToken,
  bearerToken,
  requireRole,
  type Role,
  type ServiceName,
  type Principal,
  type AuthSettings,
} from './auth';
export {
  createTokenIssuer,
  localTokenIssuer,
  ephemeralTokenIssuer,
  generateSigningKey,
  publicJwkOf,
  writeJwks,
  allServiceAudiences,
  type TokenIssuer,
  type PublicJwk,
} from './token-issuer';
export { createRateLimits, type RateLimit, type RateLimitSettings } from './rate-limit';
export {
  answerClientErrors,
  createHttpApp,
  listen,
  authenticated,
  principalOf,
  sendProblem,
  problemOf,
  RETRY_AFTER_SECONDS,
  type BodyLimits,
  type HttpAppOptions,
  type LivenessReport,
  type ReadinessCheck,
  type Problem,
} from './http-app';
export {
  buildApiDocument,
  checkAnswers,
  mergeApiDocuments,
  openApiPath,
  ProblemSchema,
  UndeclaredAnswerError,
  type ApiAnswer,
  type ApiInfo,
  type ApiRoute,
  type ApiRoutes,
  deprecation,
  type Deprecation,
} from './api-document';
export { operationalRoutes } from './http-app';
export { bodyLimitOf, largestJsonBytes, UnboundedSchemaError, UNBOUNDED_STRING_CHARS } from './body-limit';
export { createMetrics } from './metrics';
export {
  trackConsumerLag,
  trackKafkaProducer,
  trackMongoCommands,
  trackOutbox,
  trackTimers,
  type OutboxFigures,
  type TimerSource,
} from './operational-metrics';
export { commandFilters, filterShape, servedByIndex } from './index-use';
export { connectMongo, isDuplicateKey, pingMongo, connectRedis, pingRedis, watchMongoMonitor } from './infrastructure';
export { consumerGroupsOf, type ConsumerGroupConfig, type ConsumerGroupFactory } from './consumer-groups';
export { RealtimeFanout, type FanoutListener } from './realtime-fanout';
export { CONFLICT_TRIES, ConflictStorm, LOST_RACE, retryOnConflict, unlessBusy } from './retry-on-conflict';
export { runUntilSignalled, type Running } from './lifecycle';
export {
  startService,
  runService,
  type AdminPage,
  type BackgroundTask,
  type Platform,
  type PlatformConfig,
  type ServiceParts,
} from './service';
export { adminConsole, ADMIN_COOKIE } from './admin-console';
