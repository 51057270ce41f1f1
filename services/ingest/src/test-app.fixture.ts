// The ingest app for tests without services: nothing was ever erased, no database behind the keys (an admin key
// needs no look-up) or the identities (a test that publishes stubs the publisher), no webhook configured. Each
// test overrides what it exercises.
import { ApiKeyStore } from '@carestream/api-keys';
import { DEFAULT_RETENTION_MS } from '@carestream/contract';
import { ErasureLog, IdentityVault, NOTHING_ERASED } from '@carestream/erasure';
import type { Pool } from '@carestream/postgres';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { buildIngestApp, type IngestAppDependencies } from './app.ts';
import type { EventPublisher } from './event-publisher.ts';
import { IngestMetrics } from './ingest-metrics.ts';

/** An erasure log for tests without a database: nothing was ever erased. */
export function nothingErased(): ErasureLog {
  const log = new ErasureLog({} as Pool);
  log.erasedValues = async () => NOTHING_ERASED;
  return log;
}

/** The app with `overrides` over those defaults; `adminKey` (when given) is the keys' admin key. */
export function ingestAppWithoutServices(
  overrides: Partial<IngestAppDependencies> & { readonly adminKey?: string } = {},
): Promise<FastifyInstance> {
  const { adminKey, ...given } = overrides;
  const registry = given.registry ?? new Registry();
  return buildIngestApp({
    publisher: { publish: async () => undefined } as unknown as EventPublisher,
    keys: new ApiKeyStore({} as Pool, adminKey === undefined ? {} : { adminKey }),
    erasures: nothingErased(),
    identities: new IdentityVault({} as Pool, nothingErased()),
    metrics: new IngestMetrics(registry),
    registry,
    checks: {},
    limits: { maxItems: 100, maxBytes: 64 * 1024 },
    maxFutureSkewMs: 300_000,
    retentionMs: DEFAULT_RETENTION_MS,
    webhooks: {
      xConsumerSecret: undefined,
      metaAppSecret: undefined,
      metaVerifyToken: undefined,
      accountBrands: {},
      automatedAppIds: [],
    },
    ...given,
  });
}
