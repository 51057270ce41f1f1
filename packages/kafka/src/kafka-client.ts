import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';

export interface KafkaClientOptions {
  /** Comma-separated host:port list, as in KAFKA_BROKERS. */
  readonly brokers: string;
  readonly clientId: string;
  /** Where kafkajs' own warnings and errors go; defaults to stderr as one JSON line each. */
  readonly log?: (entry: { level: string; namespace: string; message: string }) => void;
  /** How long a connection attempt may take before it is a (retriable) failure. */
  readonly connectionTimeoutMs?: number;
  /** How long a request may wait for the broker's answer before it is a (retriable) failure (default 30 s). */
  readonly requestTimeoutMs?: number;
}

const LEVEL_NAMES: Record<number, string> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

export function parseBrokers(brokers: string): string[] {
  return brokers
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker.length > 0);
}

export function createKafka(options: KafkaClientOptions): Kafka {
  const log =
    options.log ??
    ((entry) => {
      process.stderr.write(`${JSON.stringify({ component: 'kafkajs', ...entry })}\n`);
    });
  const config: KafkaConfig = {
    clientId: options.clientId,
    brokers: parseBrokers(options.brokers),
    connectionTimeout: options.connectionTimeoutMs ?? 3_000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log: entry }: LogEntry) => {
        log({ level: LEVEL_NAMES[level] ?? 'info', namespace, message: entry.message });
      },
    retry: { initialRetryTime: 200, retries: 5 },
  };
  return new Kafka(config);
}
