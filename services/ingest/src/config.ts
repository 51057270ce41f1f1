import { DAY_MS, DEFAULT_RETENTION_MS } from '@carestream/contract';
import { EnvReader } from '@carestream/service-kit';
import type { WebhookSettings } from './routes/webhook-routes.ts';

export interface IngestConfig {
  readonly port: number;
  readonly host: string;
  readonly kafkaBrokers: string;
  readonly schemaRegistryUrl: string;
  readonly databaseUrl: string;
  readonly topicPrefix: string;
  readonly partitions: number;
  readonly adminKey: string | undefined;
  readonly maxItems: number;
  readonly maxBytes: number;
  readonly maxFutureSkewMs: number;
  /** Events older than this behind the clock are refused, at every entrance (CARESTREAM_RETENTION_DAYS). */
  readonly retentionMs: number;
  readonly webhooks: WebhookSettings;
}

/** Account id → brand id; brand ids never contain ':' (see conversationKey). */
const isAccountBrands = (value: unknown): value is Record<string, string> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.values(value).every((v) => typeof v === 'string' && v.length > 0 && !v.includes(':'));
const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((v) => typeof v === 'string');

/** Every setting the ingest service reads, validated once at start-up. */
export function loadIngestConfig(env: NodeJS.ProcessEnv): IngestConfig {
  const read = new EnvReader(env);
  return {
    port: read.integer('INGEST_PORT', 8080, { min: 0, max: 65535 }),
    host: read.string('INGEST_HOST', '127.0.0.1'),
    kafkaBrokers: read.string('KAFKA_BROKERS'),
    schemaRegistryUrl: read.string('SCHEMA_REGISTRY_URL'),
    databaseUrl: read.string('DATABASE_URL'),
    topicPrefix: read.string('CARESTREAM_TOPIC_PREFIX', ''),
    partitions: read.integer('CARESTREAM_PARTITIONS', 12, { min: 1, max: 1000 }),
    adminKey: read.optionalString('CARESTREAM_ADMIN_KEY'),
    maxItems: read.integer('INGEST_MAX_ITEMS', 10_000, { min: 1 }),
    maxBytes: read.integer('INGEST_MAX_BYTES', 5 * 1024 * 1024, { min: 1024 }),
    maxFutureSkewMs: read.integer('INGEST_MAX_FUTURE_SKEW_SECONDS', 300, { min: 0 }) * 1000,
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
        "an object of platform account id to brandId (brand ids without ':')",
      ),
      automatedAppIds: read.json('WEBHOOK_AUTOMATED_APP_IDS', [], isStringArray, 'an array of app ids'),
    },
  };
}
