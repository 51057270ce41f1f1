import { DAY_MS, DEFAULT_RETENTION_MS } from '@carestream/contract';
import { CareError } from '@carestream/errors';
import {
  loadKafkaSecurity,
  loadRegistryAuth,
  type KafkaSecurity,
  type RegistryAuth,
} from '@carestream/kafka';
import { EnvReader } from '@carestream/service-kit';

export const PROCESSOR_NAMES = ['profiles', 'sla'] as const;
export type ProcessorName = (typeof PROCESSOR_NAMES)[number];

export interface ProcessorsConfig {
  readonly kafkaBrokers: string;
  /** TLS and SASL towards Kafka (KAFKA_SECURITY_PROTOCOL and friends). */
  readonly kafkaSecurity: KafkaSecurity;
  readonly schemaRegistryUrl: string;
  /** Basic auth for the registry (SCHEMA_REGISTRY_USERNAME, SCHEMA_REGISTRY_PASSWORD). */
  readonly schemaRegistryAuth: RegistryAuth | undefined;
  readonly databaseUrl: string;
  readonly topicPrefix: string;
  readonly partitions: number;
  /** Which processors this instance runs; several instances share each one's partitions. */
  readonly processors: readonly ProcessorName[];
  /** Prepended to consumer group ids (tests use their own groups). */
  readonly groupPrefix: string;
  readonly port: number;
  readonly host: string;
  readonly horizonMs: number;
  /** Figures are exact for events inside this window behind each conversation's newest event. */
  readonly retentionMs: number;
  readonly benchmarkRefreshMs: number;
  readonly sessionTimeoutMs: number;
  /** Transactions each processor runs at once, each holding the partition batches that waited together. */
  readonly concurrentTransactions: number;
  /** A transaction takes waiting partition batches up to this many events. */
  readonly transactionMaxEvents: number;
  readonly maxBytesPerPartition: number;
  /** A fetch waits for this much data or fetchWaitMs, whichever first: bigger batches at live rates. */
  readonly fetchMinBytes: number;
  readonly fetchWaitMs: number;
  /** How often the bucket compactor folds the batches' bucket deltas into the hourly and daily rows. */
  readonly compactIntervalMs: number;
  /**
   * How far V8 lets the old generation grow past what survived the last full collection before it collects
   * again, in percent (V8's --heap-growing-percent); 0 leaves it to V8's own heuristic.
   */
  readonly heapGrowingPercent: number;
}

export function loadProcessorsConfig(env: NodeJS.ProcessEnv): ProcessorsConfig {
  const read = new EnvReader(env);
  const processors = read
    .string('PROCESSORS', PROCESSOR_NAMES.join(','))
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  for (const name of processors) {
    if (name === 'churn')
      throw new CareError(
        'CARE_ERR_CONFIG',
        'PROCESSORS names "churn": churn risk is folded by the sla processor, in the same transaction as the SLA figures; remove it',
        { field: 'PROCESSORS' },
      );
    if (!PROCESSOR_NAMES.includes(name as ProcessorName)) {
      throw new CareError(
        'CARE_ERR_CONFIG',
        `PROCESSORS names "${name}"; choose from ${PROCESSOR_NAMES.join(', ')}`,
        { field: 'PROCESSORS' },
      );
    }
  }
  if (env.PROCESSORS_CONCURRENT_PARTITIONS !== undefined)
    throw new CareError(
      'CARE_ERR_CONFIG',
      'PROCESSORS_CONCURRENT_PARTITIONS is gone: partition batches now share transactions; set PROCESSORS_CONCURRENT_TRANSACTIONS (transactions at once) instead',
      { field: 'PROCESSORS_CONCURRENT_PARTITIONS' },
    );
  return {
    kafkaBrokers: read.string('KAFKA_BROKERS'),
    kafkaSecurity: loadKafkaSecurity(env),
    schemaRegistryUrl: read.string('SCHEMA_REGISTRY_URL'),
    schemaRegistryAuth: loadRegistryAuth(env),
    databaseUrl: read.string('DATABASE_URL'),
    topicPrefix: read.string('CARESTREAM_TOPIC_PREFIX', ''),
    partitions: read.integer('CARESTREAM_PARTITIONS', 12, { min: 1, max: 1000 }),
    processors: processors as ProcessorName[],
    groupPrefix: read.string('CARESTREAM_GROUP_PREFIX', 'carestream'),
    port: read.integer('PROCESSORS_PORT', 9464, { min: 0, max: 65535 }),
    host: read.string('PROCESSORS_HOST', '127.0.0.1'),
    horizonMs: read.integer('CARESTREAM_ANSWER_HORIZON_HOURS', 168, { min: 1 }) * 3_600_000,
    retentionMs:
      read.integer('CARESTREAM_RETENTION_DAYS', DEFAULT_RETENTION_MS / DAY_MS, { min: 1, max: 100_000 }) *
      DAY_MS,
    benchmarkRefreshMs: read.integer('BENCHMARK_REFRESH_SECONDS', 60, { min: 1 }) * 1000,
    sessionTimeoutMs: read.integer('PROCESSORS_SESSION_TIMEOUT_MS', 30_000, { min: 6_000 }),
    concurrentTransactions: read.integer('PROCESSORS_CONCURRENT_TRANSACTIONS', 2, { min: 1, max: 64 }),
    transactionMaxEvents: read.integer('PROCESSORS_TRANSACTION_MAX_EVENTS', 10_000, { min: 1 }),
    maxBytesPerPartition: read.integer('PROCESSORS_FETCH_KIB_PER_PARTITION', 256, { min: 16 }) * 1024,
    fetchMinBytes: read.integer('PROCESSORS_FETCH_MIN_KIB', 256, { min: 0 }) * 1024,
    fetchWaitMs: read.integer('PROCESSORS_FETCH_WAIT_MS', 200, { min: 0, max: 10_000 }),
    compactIntervalMs: read.integer('PROCESSORS_COMPACT_INTERVAL_MS', 1_000, { min: 10, max: 60_000 }),
    heapGrowingPercent: read.integer('PROCESSORS_HEAP_GROWING_PERCENT', 200, { min: 0, max: 1_000 }),
  };
}
