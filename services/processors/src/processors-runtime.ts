import { topicNames, topicSpecs } from '@carestream/contract';
import { createKafka, createSchemaRegistry, ensureTopics, EventCodec } from '@carestream/kafka';
import { createPool, migrate } from '@carestream/postgres';
import { ProcessorMetrics, startProcessor, type RunningProcessor } from '@carestream/processor-runtime';
import {
  kafkaCheck,
  postgresCheck,
  registerOperationalRoutes,
  registryCheck,
  type ReadinessCheck,
} from '@carestream/service-kit';
import Fastify, { type FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { startBenchmarkRefresher, type RunningRefresher } from './benchmark-refresher.ts';
import { startBucketCompactor, type RunningCompactor } from './bucket-compactor.ts';
import type { ProcessorsConfig } from './config.ts';
import { applyProfilesFirst } from './profiles-first.ts';
import { profilesProcessor } from './profiles-processor.ts';
import { slaProcessor } from './sla-processor.ts';

export interface ProcessorsRuntime {
  readonly app: FastifyInstance;
  readonly registry: Registry;
  readonly benchmarks: RunningRefresher | undefined;
  /** Folds the SLA batches' bucket deltas into the hourly rows (on a timer; tests flush it). */
  readonly compactor: RunningCompactor | undefined;
  close(): Promise<void>;
}

/**
 * Wires one processors instance: migrations and topics first, then each selected processor as a consumer
 * group member of its own group (several instances split the partitions), the bucket compactor and the
 * benchmark refresher next to the SLA processor, and an HTTP app for /metrics, /healthz and /readyz.
 */
export async function startProcessors(
  config: ProcessorsConfig,
  options: { logger?: boolean; clock?: () => number } = {},
): Promise<ProcessorsRuntime> {
  const clock = options.clock ?? Date.now;
  await migrate(config.databaseUrl);
  const pool = createPool({
    connectionString: config.databaseUrl,
    // One connection per transaction in flight, plus the bucket compactor and the benchmark refresher.
    max: config.processors.length * config.concurrentTransactions + 2,
    applicationName: 'carestream-processors',
  });
  const kafka = createKafka({
    brokers: config.kafkaBrokers,
    clientId: 'carestream-processors',
    security: config.kafkaSecurity,
  });
  const names = topicNames(config.topicPrefix);
  await ensureTopics(kafka, topicSpecs({ partitions: config.partitions, prefix: config.topicPrefix }));
  const schemaRegistry = createSchemaRegistry(config.schemaRegistryUrl, config.schemaRegistryAuth);
  const codec = await EventCodec.register(schemaRegistry, names);

  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'carestream_processors_' });
  const metrics = new ProcessorMetrics(registry);
  const runtimeOptions = {
    kafka,
    pool,
    deadLetterTopic: names.deadLetters,
    metrics,
    sessionTimeoutMs: config.sessionTimeoutMs,
    concurrentTransactions: config.concurrentTransactions,
    transactionMaxEvents: config.transactionMaxEvents,
    maxBytesPerPartition: config.maxBytesPerPartition,
    fetchMinBytes: config.fetchMinBytes,
    fetchWaitMs: config.fetchWaitMs,
    clock,
  };

  const running: RunningProcessor[] = [];
  let benchmarks: RunningRefresher | undefined;
  let compactor: RunningCompactor | undefined;
  for (const name of config.processors) {
    const groupId = `${config.groupPrefix}.${name}`;
    if (name === 'profiles')
      running.push(
        await startProcessor(profilesProcessor(codec, names.brandProfiles), { ...runtimeOptions, groupId }),
      );
    if (name === 'sla') {
      const sla = slaProcessor({
        codec,
        topics: names,
        registry,
        horizonMs: config.horizonMs,
        retentionMs: config.retentionMs,
      });
      await applyProfilesFirst({
        kafka,
        pool,
        codec,
        topic: names.brandProfiles,
        sla,
        groupPrefix: config.groupPrefix,
      });
      running.push(await startProcessor(sla, { ...runtimeOptions, groupId }));
      compactor = startBucketCompactor({ pool, registry, intervalMs: config.compactIntervalMs });
      benchmarks = startBenchmarkRefresher({
        pool,
        registry,
        intervalMs: config.benchmarkRefreshMs,
        clock,
      });
    }
  }

  const app = Fastify({ logger: options.logger ?? false });
  registerOperationalRoutes(app, {
    registry,
    checks: {
      kafka: kafkaCheck(kafka),
      registry: registryCheck(config.schemaRegistryUrl, config.schemaRegistryAuth),
      postgres: postgresCheck(pool),
      // Dependencies that answer are not enough: each processor must be consuming in its group (after a Kafka
      // outage a consumer can be out of it while Kafka answers again).
      ...Object.fromEntries(running.map((processor) => [processor.name, inGroupCheck(processor)])),
    },
  });

  return {
    app,
    registry,
    benchmarks,
    compactor,
    close: async () => {
      await app.close();
      for (const processor of running) await processor.stop();
      await compactor?.stop();
      await benchmarks?.stop();
      await pool.end();
    },
  };
}

function inGroupCheck(processor: RunningProcessor): ReadinessCheck {
  return async () => {
    const { inGroup, detail } = processor.status();
    if (!inGroup) throw new Error(detail);
  };
}
