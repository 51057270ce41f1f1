import { ApiKeyStore } from '@carestream/api-keys';
import { ErasureLog, IdentityResolver } from '@carestream/erasure';
import { createPool, migrate } from '@carestream/postgres';
import { postgresCheck } from '@carestream/service-kit';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { ApiMetrics } from './api-metrics.ts';
import { buildApiApp } from './app.ts';
import type { ApiConfig } from './config.ts';
import { ProjectionReader } from './projection-reader.ts';

export interface ApiRuntime {
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

/** Wires the query API from its configuration: migrations (idempotent), the Postgres pool, the HTTP app. */
export async function startApi(
  config: ApiConfig,
  options: { logger?: boolean; clock?: () => number } = {},
): Promise<ApiRuntime> {
  await migrate(config.databaseUrl);
  const pool = createPool({
    connectionString: config.databaseUrl,
    max: config.databasePoolSize,
    applicationName: 'carestream-api',
  });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'carestream_api_' });
  const erasures = new ErasureLog(pool, options.clock);
  const app = await buildApiApp({
    reader: new ProjectionReader(pool),
    erasures,
    identities: new IdentityResolver(pool, erasures),
    keys: new ApiKeyStore(pool, { adminKey: config.adminKey }),
    metrics: new ApiMetrics(registry),
    registry,
    checks: { postgres: postgresCheck(pool) },
    rateLimitPerMinute: config.rateLimitPerMinute,
    authFailures: config.authFailures,
    trustedProxies: config.trustedProxies,
    benchmarkCacheMs: config.benchmarkCacheMs,
    figuresCacheMs: config.figuresCacheMs,
    logger: options.logger ?? false,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return {
    app,
    close: async () => {
      await app.close();
      await pool.end();
    },
  };
}
