import { ApiKeyStore } from '@carestream/api-keys';
import { topicNames, topicSpecs } from '@carestream/contract';
import { ErasureLog, IdentityVault } from '@carestream/erasure';
import { createKafka, createSchemaRegistry, ensureTopics, EventCodec } from '@carestream/kafka';
import { createPool, migrate } from '@carestream/postgres';
import { kafkaCheck, postgresCheck, registryCheck } from '@carestream/service-kit';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { buildIngestApp } from './app.ts';
import type { IngestConfig } from './config.ts';
import { IngestMetrics } from './ingest-metrics.ts';
import { PseudonymizingPublisher } from './pseudonymizing-publisher.ts';

export interface IngestRuntime {
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

/**
 * Wires the ingest service from its configuration: migrations, topics and schemas first (idempotent,
 * safe on every start), then the producer (idempotent, acks=all) and the HTTP app.
 */
export async function startIngest(
  config: IngestConfig,
  options: { logger?: boolean; clock?: () => number } = {},
): Promise<IngestRuntime> {
  const clock = options.clock ?? Date.now;
  await migrate(config.databaseUrl);
  const pool = createPool({
    connectionString: config.databaseUrl,
    max: 5,
    applicationName: 'carestream-ingest',
  });
  // A frozen broker answers nothing: no request may wait longer than a publish is allowed to.
  const kafka = createKafka({
    brokers: config.kafkaBrokers,
    clientId: 'carestream-ingest',
    connectionTimeoutMs: Math.min(3_000, config.kafkaTimeoutMs),
    requestTimeoutMs: config.kafkaTimeoutMs,
    security: config.kafkaSecurity,
  });
  const names = topicNames(config.topicPrefix);
  await ensureTopics(kafka, topicSpecs({ partitions: config.partitions, prefix: config.topicPrefix }));
  const schemaRegistry = createSchemaRegistry(config.schemaRegistryUrl, config.schemaRegistryAuth);
  const codec = await EventCodec.register(schemaRegistry, names);
  // A request fails fast (503) when Kafka is away: the publisher stops waiting after kafkaTimeoutMs, and the
  // producer's own retries (each request bounded by the same timeout) give up a few timeouts later, so that
  // sends nobody awaits any more do not pile up while clients retry.
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    retry: { retries: 3, maxRetryTime: 2_000 },
  });
  await producer.connect();

  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'carestream_ingest_' });
  const erasures = new ErasureLog(pool, clock);
  const identities = new IdentityVault(pool, erasures);
  const app = await buildIngestApp({
    publisher: new PseudonymizingPublisher(identities, producer, codec, names, {
      ackTimeoutMs: config.kafkaTimeoutMs,
    }),
    erasures,
    identities,
    keys: new ApiKeyStore(pool, { adminKey: config.adminKey, clock }),
    metrics: new IngestMetrics(registry),
    registry,
    checks: {
      kafka: kafkaCheck(kafka),
      registry: registryCheck(config.schemaRegistryUrl, config.schemaRegistryAuth),
      postgres: postgresCheck(pool),
    },
    limits: { maxItems: config.maxItems, maxBytes: config.maxBytes },
    maxFutureSkewMs: config.maxFutureSkewMs,
    retentionMs: config.retentionMs,
    webhooks: config.webhooks,
    authFailures: config.authFailures,
    itemsPerKeyPerMinute: config.itemsPerKeyPerMinute,
    trustedProxies: config.trustedProxies,
    clock,
    logger: options.logger ?? false,
  });
  return {
    app,
    close: async () => {
      await app.close();
      await producer.disconnect();
      await pool.end();
    },
  };
}
