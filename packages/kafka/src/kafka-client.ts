import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import { PLAINTEXT, type KafkaSecurity, type RegistryAuth } from './connection-security.ts';
import { mendIdleRequestQueue } from './idle-request-queue.ts';

mendIdleRequestQueue();

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
  /** TLS and SASL for a production cluster (loadKafkaSecurity); PLAINTEXT when absent. */
  readonly security?: KafkaSecurity;
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
    ...connectionSecurity(options.security ?? PLAINTEXT),
  };
  return new Kafka(config);
}

function connectionSecurity({ tls, sasl }: KafkaSecurity): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  // kafkajs types SASL options per mechanism; KafkaSasl holds one of its mechanisms with a username and password.
  return { ...(tls && { ssl: tls }), ...(sasl && { sasl: sasl as SASLOptions }) };
}

/** The schema-registry client, with HTTP basic auth when the registry wants it (loadRegistryAuth). */
export function createSchemaRegistry(url: string, auth?: RegistryAuth): SchemaRegistry {
  return new SchemaRegistry({
    host: url,
    ...(auth && { auth: { username: auth.username, password: auth.password } }),
  });
}
