// PostgreSQL stopped, as the query API sees it, without stopping anyone's PostgreSQL: the app's pool points at
// a port where nothing listens. Every answer that needs the database is a 503 with Retry-After, never a 500.
import { ApiKeyStore, generateApiKey } from '@carestream/api-keys';
import { ErasureLog, IdentityResolver } from '@carestream/erasure';
import { createPool, type Pool } from '@carestream/postgres';
import { postgresCheck } from '@carestream/service-kit';
import { freePort } from '@carestream/test-support';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiMetrics } from './api-metrics.ts';
import { buildApiApp } from './app.ts';
import { ProjectionReader } from './projection-reader.ts';

const ADMIN_KEY = 'test-admin-key-0123456789';

describe('query API when PostgreSQL is down', () => {
  let pool: Pool;
  let app: FastifyInstance;

  beforeAll(async () => {
    pool = createPool({
      connectionString: `postgres://u:p@127.0.0.1:${await freePort()}/carestream`,
      max: 2,
    });
    const registry = new Registry();
    app = await buildApiApp({
      reader: new ProjectionReader(pool),
      erasures: new ErasureLog(pool),
      identities: new IdentityResolver(pool, new ErasureLog(pool)),
      keys: new ApiKeyStore(pool, { adminKey: ADMIN_KEY }),
      metrics: new ApiMetrics(registry),
      registry,
      checks: { postgres: postgresCheck(pool) },
      rateLimitPerMinute: 1_000,
      benchmarkCacheMs: 0,
      figuresCacheMs: 0,
      clock: () => Date.parse('2026-03-10T12:30:00Z'),
    });
  });
  afterAll(async () => {
    await app.close();
    await pool.end();
  });

  const get = (url: string, key: string) => app.inject({ url, headers: { authorization: `Bearer ${key}` } });

  it('given a key stored in the database, then every request is 503 with Retry-After, not 500', async () => {
    const stored = generateApiKey().token;
    for (const url of ['/v1/brands/acme/sla?window=24h', '/v1/brands/acme/backlog', '/v1/brands']) {
      const response = await get(url, stored);
      expect(response.statusCode, url).toBe(503);
      expect(response.headers['retry-after'], url).toBe('5');
      expect(response.json().error, url).toEqual({
        code: 'CARE_ERR_DATABASE_UNAVAILABLE',
        message: 'the API key store is unavailable; retry shortly',
      });
    }
  });

  it('given the admin key from the environment, then reads are 503 with Retry-After, not 500', async () => {
    for (const url of [
      '/v1/brands/acme/sla?window=24h',
      '/v1/brands/acme/backlog',
      '/v1/brands/acme/churn-risk',
      '/v1/benchmarks/industries',
    ]) {
      const response = await get(url, ADMIN_KEY);
      expect(response.statusCode, url).toBe(503);
      expect(response.headers['retry-after'], url).toBe('5');
      expect(response.json().error.code, url).toBe('CARE_ERR_DATABASE_UNAVAILABLE');
    }
  });

  it('is not ready, naming PostgreSQL', async () => {
    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks.postgres).toMatch(/ECONNREFUSED/);
  });
});
