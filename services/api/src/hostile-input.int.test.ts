// Never a 5xx for a request's content: the hostile corpus (NUL, %00, surrogates, overlong UTF-8, 10 KB ids, …)
// as every path parameter and every query value of every route of the query API, against a real PostgreSQL
// (the 500s came from PostgreSQL refusing a NUL). An impossible brand id is a brand that does not exist: the
// same 404 as an unknown brand or another tenant's, so a brand-limited key learns nothing new.
import { ApiKeyStore } from '@carestream/api-keys';
import { ErasureLog, IdentityResolver } from '@carestream/erasure';
import { createPool, migrate, type Pool } from '@carestream/postgres';
import { createTestDatabase, type TestDatabase } from '@carestream/test-support';
import { HOSTILE_URL_VALUES, routesOf, withParams } from '@carestream/test-support/hostile-input';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiMetrics } from './api-metrics.ts';
import { buildApiApp } from './app.ts';
import { ProjectionReader } from './projection-reader.ts';

const ADMIN_KEY = 'test-admin-key-0123456789';
const NOW = Date.parse('2026-03-10T12:30:00Z');
const QUERY_PARAMS = ['from', 'to', 'window', 'channel', 'granularity', 'limit', 'cursor', 'level'];

describe('query API: hostile input on every route, never a 5xx', () => {
  let database: TestDatabase;
  let pool: Pool;
  let app: FastifyInstance;
  let readAcme: string;
  const failures: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    await migrate(database.url);
    pool = createPool({ connectionString: database.url, max: 4 });
    const keys = new ApiKeyStore(pool, { adminKey: ADMIN_KEY });
    readAcme = (await keys.create({ scope: 'read', brandIds: ['acme'] })).token;
    for (const brand of ['acme', 'globex']) {
      await pool.query(
        `insert into brand_profiles (brand_id, name, industry, timezone, sla_target_seconds, set_at, event_id)
         values ($1, $1, 'retail', 'UTC', 3600, now(), $1)`,
        [brand],
      );
    }
    const registry = new Registry();
    app = await buildApiApp({
      reader: new ProjectionReader(pool),
      erasures: new ErasureLog(pool),
      identities: new IdentityResolver(pool, new ErasureLog(pool)),
      keys,
      metrics: new ApiMetrics(registry),
      registry,
      checks: {},
      rateLimitPerMinute: 1_000_000_000,
      authFailures: { limit: 1_000_000, windowMs: 60_000 },
      benchmarkCacheMs: 0,
      figuresCacheMs: 0,
      clock: () => NOW,
    });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await pool?.end();
    await database?.drop();
  });

  const get = (url: string, key = ADMIN_KEY) =>
    app.inject({ url, headers: { authorization: `Bearer ${key}` } });

  /** Records a 5xx (with the URL) instead of failing at once, so one run lists every case. */
  function check(url: string, response: LightMyRequestResponse): void {
    if (response.statusCode >= 500)
      failures.push(`${url.slice(0, 160)} → ${response.statusCode} ${response.body.slice(0, 200)}`);
  }

  it('every path parameter and query value of every route, with an admin key and a brand-limited key', async () => {
    const routes = routesOf(app).filter((route) => route.methods.includes('GET'));
    expect(routes.map((route) => route.url)).toEqual(
      expect.arrayContaining([
        '/v1/brands/:brandId/sla',
        '/v1/brands/:brandId/sla/timeseries',
        '/v1/brands/:brandId/agents',
        '/v1/brands/:brandId/backlog',
        '/v1/brands/:brandId/benchmark',
        '/v1/brands/:brandId/churn-risk',
        '/v1/benchmarks/industries/:industry',
      ]),
    );
    for (const route of routes) {
      for (const value of HOSTILE_URL_VALUES) {
        const urls = [
          withParams(route.url, value),
          `${withParams(route.url, 'acme')}/${value}`,
          `${withParams(route.url, 'acme')}?${value}=1`,
          ...QUERY_PARAMS.map((param) => `${withParams(route.url, 'acme')}?${param}=${value}`),
          `${withParams(route.url, 'acme')}?from=${value}&to=${value}`,
        ];
        for (const url of urls) {
          for (const key of [ADMIN_KEY, readAcme]) check(url, await get(url, key));
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('an impossible brand id on any brand route is the 404 of an unknown brand, for any key', async () => {
    const brandRoutes = routesOf(app).filter((route) => route.url.includes(':brandId'));
    expect(brandRoutes).toHaveLength(6);
    for (const route of brandRoutes) {
      for (const value of [
        '%00',
        'a%00b',
        '..%2Fx',
        'a%2Fb',
        'a%3Fb',
        '%25',
        '%20',
        '%E2%80%AE',
        'x'.repeat(10_240),
      ]) {
        for (const key of [ADMIN_KEY, readAcme]) {
          const response = await get(withParams(route.url, value), key);
          expect(response.statusCode, `${route.url} ${value.slice(0, 20)}`).toBe(404);
          expect(response.json().error).toMatchObject({ code: 'CARE_ERR_NOT_FOUND', field: 'brandId' });
          // Quoted without the characters it was refused for.
          expect(response.json().error.message).not.toMatch(/[\p{Cc}\u202E]/u);
        }
      }
      // A brand-limited key gets the same answer for another tenant's brand as for an impossible one.
      const other = await get(withParams(route.url, 'globex'), readAcme);
      const impossible = await get(withParams(route.url, 'glob%00ex'), readAcme);
      expect(other.statusCode).toBe(404);
      expect(impossible.json().error.message.replace('glob\\u{0}ex', 'globex')).toBe(
        other.json().error.message,
      );
    }
  });

  it('a path that does not decode (a bad %-escape, bytes that are not UTF-8) is 400 naming the path', async () => {
    for (const value of ['%', '%zz', '%ED%A0%80', '%C0%AF', '%FF']) {
      const response = await get(`/v1/brands/${value}/sla`);
      expect(response.statusCode, value).toBe(400);
      expect(response.json().error).toMatchObject({ code: 'CARE_ERR_VALIDATION', field: 'path' });
    }
  });

  it('hostile authorization headers are 401 or 429, never 5xx', async () => {
    for (const value of HOSTILE_URL_VALUES) {
      for (const authorization of [`Bearer ${value}`, value, `Bearer cs_${value}_${value}`]) {
        const response = await app.inject({ url: '/v1/brands/acme/sla', headers: { authorization } });
        check(`authorization ${authorization.slice(0, 60)}`, response);
      }
    }
    expect(failures).toEqual([]);
  });
});
