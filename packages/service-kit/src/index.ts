export { EnvReader } from './env-config.ts';
export { registerErrorHandler, registerOperationalRoutes, RETRY_AFTER_SECONDS } from './http-plugins.ts';
export {
  kafkaCheck,
  postgresCheck,
  registryCheck,
  runReadinessChecks,
  type ReadinessCheck,
} from './readiness.ts';
export { authenticateRequest } from './bearer-auth.ts';
export { readAtMost, readChunks } from './body-stream.ts';
export { serveUntilSignalled } from './serve.ts';
export { serviceLogging } from './logging.ts';
export {
  addressKey,
  DEFAULT_AUTH_FAILURES,
  enforceRateLimit,
  limitFailedAuthentications,
  RateLimiter,
  type RateLimiterOptions,
  type RateLimitState,
} from './rate-limit.ts';
export { answerFrameworkError } from './framework-errors.ts';
export { singleQueryValues } from './query-string.ts';
export {
  acceptJsonBodies,
  ambiguousKeyField,
  ambiguousKeyMessage,
  ambiguousKeys,
  invalidUtf8Offset,
  refuseContentEncoding,
  unsupportedCharset,
  withoutBom,
} from './json-body.ts';
