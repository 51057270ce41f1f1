import { DAY_MS, DEFAULT_RETENTION_MS, isBrandId } from '@carestream/contract';
import { CareError } from '@carestream/errors';
import {
  loadKafkaSecurity,
  loadRegistryAuth,
  type KafkaSecurity,
  type RegistryAuth,
} from '@carestream/kafka';
import { DEFAULT_AUTH_FAILURES, EnvReader } from '@carestream/service-kit';
import { publicBaseUrl } from './public-url.ts';
import type { WebhookSettings } from './routes/webhook-routes.ts';

export interface IngestConfig {
  readonly port: number;
  readonly host: string;
  readonly kafkaBrokers: string;
  /** TLS and SASL towards Kafka (KAFKA_SECURITY_PROTOCOL and friends). */
  readonly kafkaSecurity: KafkaSecurity;
  readonly schemaRegistryUrl: string;
  /** Basic auth for the registry (SCHEMA_REGISTRY_USERNAME, SCHEMA_REGISTRY_PASSWORD). */
  readonly schemaRegistryAuth: RegistryAuth | undefined;
  readonly databaseUrl: string;
  readonly topicPrefix: string;
  readonly partitions: number;
  readonly adminKey: string | undefined;
  readonly maxItems: number;
  readonly maxBytes: number;
  readonly maxFutureSkewMs: number;
  /** How long a request waits for Kafka's acknowledgement before it is answered 503 (INGEST_KAFKA_TIMEOUT_MS). */
  readonly kafkaTimeoutMs: number;
  /** Events older than this behind the clock are refused, at every entrance (CARESTREAM_RETENTION_DAYS). */
  readonly retentionMs: number;
  readonly webhooks: WebhookSettings;
  /** Failed authentications per client address and window before the address gets 429. */
  readonly authFailures: { readonly limit: number; readonly windowMs: number };
  /** Items a key may send per minute to POST /v1/events (admin keys are not limited). */
  readonly itemsPerKeyPerMinute: number;
  /** Proxies whose X-Forwarded-For names the client address (addresses or CIDR ranges; none: the TCP peer). */
  readonly trustedProxies: readonly string[];
}

/**
 * Items per key and minute: twelve full requests of the default size, 2,000 events a second sustained, far above
 * a brand's own traffic. Admin keys (the simulator, benchmarks, imports by the operator) are not limited.
 */
export const DEFAULT_ITEMS_PER_KEY_PER_MINUTE = 120_000;

/** Account id → brand id, each a brand id of the contract's grammar (a bad one would skip every delivery). */
const isAccountBrands = (value: unknown): value is Record<string, string> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.values(value).every((v) => typeof v === 'string' && isBrandId(v));
const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((v) => typeof v === 'string');

/** Every setting the ingest service reads, validated once at start-up. */
export function loadIngestConfig(env: NodeJS.ProcessEnv): IngestConfig {
  const read = new EnvReader(env);
  const maxItems = read.integer('INGEST_MAX_ITEMS', 10_000, { min: 1 });
  return {
    port: read.integer('INGEST_PORT', 8080, { min: 0, max: 65535 }),
    host: read.string('INGEST_HOST', '127.0.0.1'),
    kafkaBrokers: read.string('KAFKA_BROKERS'),
    kafkaSecurity: loadKafkaSecurity(env),
    schemaRegistryUrl: read.string('SCHEMA_REGISTRY_URL'),
    schemaRegistryAuth: loadRegistryAuth(env),
    databaseUrl: read.string('DATABASE_URL'),
    topicPrefix: read.string('CARESTREAM_TOPIC_PREFIX', ''),
    partitions: read.integer('CARESTREAM_PARTITIONS', 12, { min: 1, max: 1000 }),
    adminKey: read.optionalString('CARESTREAM_ADMIN_KEY'),
    maxItems,
    maxBytes: read.integer('INGEST_MAX_BYTES', 5 * 1024 * 1024, { min: 1024 }),
    maxFutureSkewMs: read.integer('INGEST_MAX_FUTURE_SKEW_SECONDS', 300, { min: 0 }) * 1000,
    kafkaTimeoutMs: read.integer('INGEST_KAFKA_TIMEOUT_MS', 5_000, { min: 100, max: 120_000 }),
    // A ceiling keeps the window a safe integer of ms and its cut-off a valid date; 100,000 days (274 years)
    // already reaches before 1970, the earliest time ingest parses.
    retentionMs:
      read.integer('CARESTREAM_RETENTION_DAYS', DEFAULT_RETENTION_MS / DAY_MS, { min: 1, max: 100_000 }) *
      DAY_MS,
    webhooks: {
      xConsumerSecret: read.optionalString('X_CONSUMER_SECRET'),
      metaAppSecret: read.optionalString('META_APP_SECRET'),
      metaVerifyToken: read.optionalString('META_VERIFY_TOKEN'),
      accountBrands: read.json(
        'WEBHOOK_ACCOUNT_BRANDS',
        {},
        isAccountBrands,
        "an object of platform account id to brandId (brand ids of letters, digits, '-', '_' and single dots)",
      ),
      automatedAppIds: read.json('WEBHOOK_AUTOMATED_APP_IDS', [], isStringArray, 'an array of app ids'),
      publicUrl: optionalPublicUrl(read, 'INGEST_PUBLIC_URL'),
    },
    authFailures: {
      limit: read.integer('INGEST_AUTH_FAILURE_LIMIT', DEFAULT_AUTH_FAILURES.limit, { min: 1 }),
      windowMs:
        read.integer('INGEST_AUTH_FAILURE_WINDOW_SECONDS', DEFAULT_AUTH_FAILURES.windowMs / 1000, {
          min: 1,
          max: 86_400,
        }) * 1000,
    },
    itemsPerKeyPerMinute: itemsPerKeyPerMinute(read, maxItems),
    trustedProxies: read.addressRanges('INGEST_TRUSTED_PROXIES'),
  };
}

/** A key's budget holds at least one full request, or a request of INGEST_MAX_ITEMS could never be accepted. */
function itemsPerKeyPerMinute(read: EnvReader, maxItems: number): number {
  const name = 'INGEST_RATE_LIMIT_ITEMS_PER_MINUTE';
  const limit = read.integer(name, Math.max(DEFAULT_ITEMS_PER_KEY_PER_MINUTE, maxItems), { min: 1 });
  if (limit < maxItems) {
    throw new CareError(
      'CARE_ERR_CONFIG',
      `${name} (${limit}) must be at least INGEST_MAX_ITEMS (${maxItems}): a full request could never be accepted`,
      { field: name },
    );
  }
  return limit;
}

function optionalPublicUrl(read: EnvReader, name: string): string | undefined {
  const value = read.optionalString(name);
  return value === undefined ? undefined : publicBaseUrl(name, value);
}
