// PostgreSQL stopped, as ingest sees it, without stopping anyone's PostgreSQL: the API keys' pool points at a
// port where nothing listens. A key that must be looked up gets 503 with Retry-After, never a 500.
import { ApiKeyStore, generateApiKey } from '@carestream/api-keys';
import { ErasureLog, IdentityVault } from '@carestream/erasure';
import { DEFAULT_RETENTION_MS } from '@carestream/contract';
import { createPool, type Pool } from '@carestream/postgres';
import { freePort } from '@carestream/test-support';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildIngestApp } from './app.ts';
import type { EventPublisher } from './event-publisher.ts';
import { IngestMetrics } from './ingest-metrics.ts';

const ADMIN_KEY = 'test-admin-key-0123456789';

describe('ingest when PostgreSQL is down', () => {
  let pool: Pool;
  let app: FastifyInstance;
  const publish = vi.fn(async () => undefined);

  beforeAll(async () => {
    pool = createPool({
      connectionString: `postgres://u:p@127.0.0.1:${await freePort()}/carestream`,
      max: 2,
    });
    const registry = new Registry();
    app = await buildIngestApp({
      publisher: { publish } as unknown as EventPublisher,
      keys: new ApiKeyStore(pool, { adminKey: ADMIN_KEY }),
      erasures: new ErasureLog(pool),
      identities: new IdentityVault(pool, new ErasureLog(pool)),
      metrics: new IngestMetrics(registry),
      registry,
      checks: {},
      limits: { maxItems: 10, maxBytes: 65536 },
      maxFutureSkewMs: 300_000,
      retentionMs: DEFAULT_RETENTION_MS,
      webhooks: {
        xConsumerSecret: undefined,
        metaAppSecret: undefined,
        metaVerifyToken: undefined,
        accountBrands: {},
        automatedAppIds: [],
      },
    });
  });
  afterAll(async () => {
    await app.close();
    await pool.end();
  });

  const post = (key: string) =>
    app.inject({
      method: 'POST',
      url: '/v1/events',
      payload: JSON.stringify([
        {
          type: 'brand_profile',
          eventId: 'p-1',
          brandId: 'acme',
          name: 'Acme',
          industry: 'retail',
          timezone: 'Europe/Paris',
          slaTargetSeconds: 3600,
          ownAccountIds: ['acme_support'],
        },
      ]),
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    });

  it('given a key stored in the database, then POST /v1/events is 503 with Retry-After and publishes nothing', async () => {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const response = await post(generateApiKey().token);
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      expect(response.json()).toEqual({
        error: {
          code: 'CARE_ERR_DATABASE_UNAVAILABLE',
          message: 'the API key store is unavailable; retry shortly',
        },
      });
    }
    expect(publish).not.toHaveBeenCalled();
  });

  it('given the admin key from the environment, then events are still taken (no lookup needed)', async () => {
    const response = await post(ADMIN_KEY);
    expect(response.statusCode).toBe(202);
    expect(publish).toHaveBeenCalledTimes(1);
  });
});
