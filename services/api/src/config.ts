import { DEFAULT_AUTH_FAILURES, EnvReader } from '@carestream/service-kit';

export interface ApiConfig {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string;
  readonly adminKey: string | undefined;
  /** Requests per minute per API key on the /v1 routes. */
  readonly rateLimitPerMinute: number;
  /** Failed authentications per client address and window before the address gets 429 on the /v1 routes. */
  readonly authFailures: { readonly limit: number; readonly windowMs: number };
  /** Proxies whose X-Forwarded-For names the client address (addresses or CIDR ranges; none: the TCP peer). */
  readonly trustedProxies: readonly string[];
  /** How long an industry benchmark computation is reused (0 = never). */
  readonly benchmarkCacheMs: number;
  /** How long a brand's SLA figures are reused for the same question (0 = never). */
  readonly figuresCacheMs: number;
  readonly databasePoolSize: number;
}

/** Every setting the query API reads, validated once at start-up. */
export function loadApiConfig(env: NodeJS.ProcessEnv): ApiConfig {
  const read = new EnvReader(env);
  return {
    port: read.integer('API_PORT', 8081, { min: 0, max: 65535 }),
    host: read.string('API_HOST', '127.0.0.1'),
    databaseUrl: read.string('DATABASE_URL'),
    adminKey: read.optionalString('CARESTREAM_ADMIN_KEY'),
    rateLimitPerMinute: read.integer('API_RATE_LIMIT_PER_MINUTE', 600, { min: 1 }),
    authFailures: {
      limit: read.integer('API_AUTH_FAILURE_LIMIT', DEFAULT_AUTH_FAILURES.limit, { min: 1 }),
      windowMs:
        read.integer('API_AUTH_FAILURE_WINDOW_SECONDS', DEFAULT_AUTH_FAILURES.windowMs / 1000, {
          min: 1,
          max: 86_400,
        }) * 1000,
    },
    trustedProxies: read.addressRanges('API_TRUSTED_PROXIES'),
    benchmarkCacheMs: read.integer('API_BENCHMARK_CACHE_SECONDS', 60, { min: 0, max: 86_400 }) * 1000,
    figuresCacheMs: read.integer('API_FIGURES_CACHE_MS', 1000, { min: 0, max: 60_000 }),
    databasePoolSize: read.integer('API_DATABASE_POOL_SIZE', 10, { min: 1, max: 200 }),
  };
}
