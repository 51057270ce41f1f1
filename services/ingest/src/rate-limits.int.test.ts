// Ingest's two limits against real Kafka, registry and Postgres: failed authentications per client address
// (keys and webhook signatures alike), and items per key and minute on POST /v1/events; on an injected clock.
import { createHmac } from 'node:crypto';
import { ApiKeyStore } from '@carestream/api-keys';
import { topicNames } from '@carestream/contract';
import { createPool, type Pool } from '@carestream/postgres';
import {
  createTestDatabase,
  deleteTestTopics,
  testServices,
  uniqueName,
  type TestDatabase,
} from '@carestream/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadIngestConfig } from './config.ts';
import { startIngest, type IngestRuntime } from './ingest-runtime.ts';

const ADMIN_KEY = 'test-admin-key-0123456789';
const META_SECRET = 'meta-app-secret';
const WINDOW_MS = 600_000;

describe('ingest rate limits', () => {
  const services = testServices();
  const prefix = `${uniqueName('t')}.`;
  let database: TestDatabase;
  let runtime: IngestRuntime;
  let pool: Pool;
  let acmeKey: string;
  let globexKey: string;
  let now = Date.parse('2026-05-04T10:00:00Z');

  beforeAll(async () => {
    database = await createTestDatabase();
    runtime = await startIngest(
      loadIngestConfig({
        KAFKA_BROKERS: services.kafkaBrokers,
        SCHEMA_REGISTRY_URL: services.schemaRegistryUrl,
        DATABASE_URL: database.url,
        CARESTREAM_TOPIC_PREFIX: prefix,
        CARESTREAM_PARTITIONS: '1',
        CARESTREAM_ADMIN_KEY: ADMIN_KEY,
        META_APP_SECRET: META_SECRET,
        INGEST_MAX_ITEMS: '5',
        INGEST_RATE_LIMIT_ITEMS_PER_MINUTE: '10',
        INGEST_AUTH_FAILURE_LIMIT: '3',
        INGEST_AUTH_FAILURE_WINDOW_SECONDS: String(WINDOW_MS / 1000),
      }),
      { clock: () => now },
    );
    pool = createPool({ connectionString: database.url, max: 2 });
    const keys = new ApiKeyStore(pool);
    acmeKey = (await keys.create({ scope: 'write', brandIds: ['acme'] })).token;
    globexKey = (await keys.create({ scope: 'write', brandIds: ['globex'] })).token;
  });

  afterAll(async () => {
    await runtime?.close();
    await pool?.end();
    await database?.drop();
    await deleteTestTopics(Object.values(topicNames(prefix)));
  });

  const mentions = (brandId: string, count: number) =>
    JSON.stringify(
      Array.from({ length: count }, () => ({
        type: 'mention',
        eventId: uniqueName('m'),
        brandId,
        channel: 'x',
        conversationId: 'c1',
        messageId: uniqueName('msg'),
        authorId: 'customer-1',
        receivedAt: new Date(now - 60_000).toISOString(),
        kind: 'complaint',
        private: false,
      })),
    );
  const post = (token: string | null, body: string, remoteAddress = '203.0.113.10') =>
    runtime.app.inject({
      method: 'POST',
      url: '/v1/events',
      remoteAddress,
      payload: body,
      headers: {
        'content-type': 'application/json',
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      },
    });

  describe('failed authentications per client address (INGEST_AUTH_FAILURE_LIMIT, _WINDOW_SECONDS)', () => {
    it('answers 429 with Retry-After after 3 failures, even to a valid key, until the window passes', async () => {
      const address = '203.0.113.30';
      expect((await post(null, mentions('acme', 1), address)).statusCode).toBe(401);
      expect((await post(`${acmeKey.slice(0, 16)}${'x'.repeat(43)}`, '[]', address)).statusCode).toBe(401);
      // A webhook whose signature does not match is a failed authentication too.
      const unsigned = await runtime.app.inject({
        method: 'POST',
        url: '/webhooks/meta',
        remoteAddress: address,
        payload: '{"object":"page","entry":[]}',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': 'sha256=00' },
      });
      expect(unsigned.statusCode).toBe(401);

      now += 30_000;
      const refused = await post(acmeKey, mentions('acme', 1), address);
      expect(refused.statusCode).toBe(429);
      expect(refused.headers['retry-after']).toBe('570');
      expect(refused.json().error).toEqual({
        code: 'CARE_ERR_RATE_LIMITED',
        field: 'authorization',
        message:
          'failed 3 times from this address within 600 s; no key is checked from it until the window ends: ' +
          'retry in 570 s',
      });
      const body = '{"object":"page","entry":[]}';
      const signed = `sha256=${createHmac('sha256', META_SECRET).update(body).digest('hex')}`;
      const webhook = await runtime.app.inject({
        method: 'POST',
        url: '/webhooks/meta',
        remoteAddress: address,
        payload: body,
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signed },
      });
      expect(webhook.statusCode).toBe(429);
      // Another address is not held back, nor are probes from this one.
      expect((await post(acmeKey, mentions('acme', 1), '203.0.113.31')).statusCode).toBe(202);
      expect((await runtime.app.inject({ url: '/healthz', remoteAddress: address })).statusCode).toBe(200);

      now += WINDOW_MS - 30_000;
      expect((await post(acmeKey, mentions('acme', 1), address)).statusCode).toBe(202);
    });
  });

  describe('items per key and minute (INGEST_RATE_LIMIT_ITEMS_PER_MINUTE)', () => {
    it('counts items, refuses what does not fit with 429 and Retry-After, and gives each key its own budget', async () => {
      now += 3_600_000; // a fresh minute for every key
      const first = await post(acmeKey, mentions('acme', 5));
      expect(first.statusCode).toBe(202);
      expect(first.headers).toMatchObject({ 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '5' });
      now += 10_000;
      expect((await post(acmeKey, mentions('acme', 3))).statusCode).toBe(202);

      // 2 items left: a request of 3 is refused whole (nothing published), one of 2 still fits.
      const tooMany = await post(acmeKey, mentions('acme', 3));
      expect(tooMany.statusCode).toBe(429);
      expect(tooMany.headers['retry-after']).toBe('50');
      expect(tooMany.json().error).toEqual({
        code: 'CARE_ERR_RATE_LIMITED',
        field: 'authorization',
        message:
          'is a key with 2 left of its 10 items per minute (INGEST_RATE_LIMIT_ITEMS_PER_MINUTE); this request ' +
          'has 3; retry in 50 s',
      });
      expect((await post(acmeKey, mentions('acme', 2))).statusCode).toBe(202);
      // Spent: refused before the body is read.
      const spent = await post(acmeKey, mentions('acme', 1));
      expect(spent.statusCode).toBe(429);
      expect(spent.json().error.message).toBe(
        'is a key that has sent its 10 items per minute (INGEST_RATE_LIMIT_ITEMS_PER_MINUTE); retry in 50 s',
      );

      // Another key has its own budget; the admin key from the environment is not counted.
      expect((await post(globexKey, mentions('globex', 5))).statusCode).toBe(202);
      for (let i = 0; i < 3; i++) expect((await post(ADMIN_KEY, mentions('acme', 5))).statusCode).toBe(202);

      now += 50_000;
      expect((await post(acmeKey, mentions('acme', 5))).statusCode).toBe(202);
    });
  });
});
