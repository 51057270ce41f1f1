// Every error a client of ingest sees comes from a CareError through the one error handler: the code matches the
// status, and the body has the one shape (a refused batch adds its counts and per-item errors).
import { ApiKeyStore } from '@carestream/api-keys';
import { ErasureLog, IdentityVault } from '@carestream/erasure';
import { DEFAULT_RETENTION_MS, type CareEvent } from '@carestream/contract';
import type { Pool } from '@carestream/postgres';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIngestApp } from './app.ts';
import type { EventPublisher } from './event-publisher.ts';
import { IngestMetrics } from './ingest-metrics.ts';

const ADMIN_KEY = 'test-admin-key-0123456789';
const NOW = Date.parse('2026-03-02T12:00:00Z');

describe('ingest: error answers', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    const registry = new Registry();
    app = await buildIngestApp({
      publisher: { publish: async (_events: readonly CareEvent[]) => {} } as unknown as EventPublisher,
      // Only the admin key is used: the pool is never asked.
      keys: new ApiKeyStore({} as Pool, { adminKey: ADMIN_KEY }),
      erasures: new ErasureLog({} as Pool),
      identities: new IdentityVault({} as Pool),
      metrics: new IngestMetrics(registry),
      registry,
      checks: {},
      limits: { maxItems: 100, maxBytes: 64 * 1024 },
      maxFutureSkewMs: 300_000,
      retentionMs: DEFAULT_RETENTION_MS,
      clock: () => NOW,
      authFailures: { limit: 1_000, windowMs: 60_000 },
      webhooks: {
        xConsumerSecret: 'x-secret',
        metaAppSecret: 'meta-secret',
        metaVerifyToken: 'meta-verify',
        accountBrands: {},
        automatedAppIds: [],
      },
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });

  it("a wrong Meta verify token is 403 CARE_ERR_FORBIDDEN (the caller is known: it is Meta's subscription)", async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/webhooks/meta?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1',
    });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({
      error: {
        code: 'CARE_ERR_FORBIDDEN',
        field: 'hub.verify_token',
        message: 'does not match, or hub.mode is not subscribe',
      },
    });
  });

  it('a webhook signature that does not match is 401 CARE_ERR_UNAUTHORIZED naming the header', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/webhooks/x',
      payload: '{}',
      headers: { 'content-type': 'application/json', 'x-twitter-webhooks-signature': 'sha256=AAAA' },
    });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({
      error: {
        code: 'CARE_ERR_UNAUTHORIZED',
        field: 'x-twitter-webhooks-signature',
        message: 'is missing or does not match the body',
      },
    });
  });

  it('a batch of invalid items is 400 with the counts and each item error beside the error', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/events',
      payload: JSON.stringify([{ type: 'MentionReceived' }]),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.error).toEqual({
      code: 'CARE_ERR_VALIDATION',
      field: 'body',
      message: 'all 1 items are invalid',
    });
    expect(body.accepted).toBe(0);
    expect(body.rejected).toBe(1);
    expect(body.errors[0]).toMatchObject({
      index: 0,
      field: expect.any(String),
      message: expect.any(String),
    });
  });

  it.each([
    ['/v1/events?atomc=true', 'atomc', 'is not a parameter of this route; it accepts atomic'],
    ['/v1/events?atomic=true&atomic=false', 'atomic', 'is given more than once; send it once'],
    ['/v1/events?atomic=yes', 'atomic', 'must be true or false'],
  ])('%s is 400 naming the parameter, before the body is read', async (url, field, message) => {
    const response = await app.inject({
      method: 'POST',
      url,
      payload: '[]',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: { code: 'CARE_ERR_VALIDATION', field, message } });
  });
});
