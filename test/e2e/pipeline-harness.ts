// Starts carestream's ingest and processors in-process against the real stack, with topics, consumer groups
// and a database of the test's own, and waits for the processors to catch up with what ingest accepted.
import {
  topicNames,
  type BrandPostPublished,
  type BrandProfileSet,
  type MentionReceived,
  type ReplySent,
  type TopicNames,
} from '@carestream/contract';
import { toIngestItem } from '@carestream/simulator';
import { createKafka } from '@carestream/kafka';
import { createPool, type Pool } from '@carestream/postgres';
import { loadIngestConfig, startIngest, type IngestRuntime } from '@carestream/ingest';
import {
  activeSchema,
  loadProcessorsConfig,
  startProcessors,
  storedOffsets,
  topicEnds,
  type ProcessorsRuntime,
} from '@carestream/processors';
import {
  createTestDatabase,
  deleteTestTopics,
  testServices,
  uniqueName,
  type TestDatabase,
} from '@carestream/test-support';

export const ADMIN_KEY = 'e2e-admin-key-0123456789abcdef';

export interface Pipeline {
  readonly database: TestDatabase;
  readonly pool: Pool;
  readonly names: TopicNames;
  readonly env: Record<string, string>;
  readonly ingest: IngestRuntime;
  readonly ingestUrl: string;
  processors: ProcessorsRuntime | undefined;
  close(): Promise<void>;
}

export async function startPipeline(
  options: { partitions?: number; horizonHours?: number; withProcessors?: boolean } = {},
): Promise<Pipeline> {
  const services = testServices();
  const database = await createTestDatabase();
  const prefix = `${uniqueName('e2e')}.`;
  const env: Record<string, string> = {
    KAFKA_BROKERS: services.kafkaBrokers,
    SCHEMA_REGISTRY_URL: services.schemaRegistryUrl,
    DATABASE_URL: database.url,
    CARESTREAM_TOPIC_PREFIX: prefix,
    CARESTREAM_PARTITIONS: String(options.partitions ?? 3),
    CARESTREAM_GROUP_PREFIX: uniqueName('e2e-group'),
    CARESTREAM_ADMIN_KEY: ADMIN_KEY,
    CARESTREAM_ANSWER_HORIZON_HOURS: String(options.horizonHours ?? 1),
    PROCESSORS_PORT: '0',
    BENCHMARK_REFRESH_SECONDS: '3600',
    PROCESSORS_SESSION_TIMEOUT_MS: '10000',
    INGEST_PORT: '0',
    // Scenario timestamps are in the past: generous skew, and no item limit issues.
    INGEST_MAX_FUTURE_SKEW_SECONDS: '300',
  };
  // Scenarios send fixed dates (November 2026) through ingest on the real clock: a century's retention window
  // keeps them inside it whatever the date. Ingest's only: the processors keep the default window, which
  // late-facts.test.ts relies on.
  const ingest = await startIngest(loadIngestConfig({ ...env, CARESTREAM_RETENTION_DAYS: '36500' }));
  const address = await ingest.app.listen({ port: 0, host: '127.0.0.1' });
  const pipeline: Pipeline = {
    database,
    pool: createPool({ connectionString: database.url, max: 3 }),
    names: topicNames(prefix),
    env,
    ingest,
    ingestUrl: address,
    processors:
      options.withProcessors === false ? undefined : await startProcessors(loadProcessorsConfig(env)),
    close: async () => {
      await pipeline.processors?.close();
      await ingest.close();
      await pipeline.pool.end();
      await database.drop();
      await deleteTestTopics(Object.values(topicNames(prefix)));
    },
  };
  return pipeline;
}

/** Sends items to POST /v1/events as NDJSON in batches; fails the test on anything but 202 with no errors. */
export async function sendEvents(
  pipeline: Pipeline,
  items: readonly unknown[],
  batchSize = 500,
): Promise<number> {
  let accepted = 0;
  for (let i = 0; i < items.length; i += batchSize) {
    const body = items
      .slice(i, i + batchSize)
      .map((item) => JSON.stringify(item))
      .join('\n');
    const response = await fetch(`${pipeline.ingestUrl}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/x-ndjson' },
      body,
    });
    const result = (await response.json()) as { accepted: number; errors: unknown[] };
    if (response.status !== 202 || result.errors.length > 0) {
      throw new Error(`ingest answered ${response.status}: ${JSON.stringify(result).slice(0, 2000)}`);
    }
    accepted += result.accepted;
  }
  return accepted;
}

/** Resolves when every processor's stored offsets (in its active generation) reach the topics' ends. */
export async function waitForCatchUp(pipeline: Pipeline, timeoutMs = 120_000): Promise<void> {
  const kafka = createKafka({ brokers: pipeline.env.KAFKA_BROKERS ?? '', clientId: 'e2e-catch-up' });
  const admin = kafka.admin();
  await admin.connect();
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const pending: string[] = [];
      const checks: [schema: string, processor: string, topics: string[]][] = [
        ['public', 'brand-profiles', [pipeline.names.brandProfiles]],
        // The SLA processor reads the profiles too: a profile version revises the brand's figures.
        [
          await activeSchema(pipeline.pool, 'sla'),
          'sla',
          [pipeline.names.interactions, pipeline.names.brandPosts, pipeline.names.brandProfiles],
        ],
      ];
      for (const [schema, processor, topics] of checks) {
        const stored = await storedOffsets(pipeline.pool, schema, processor);
        for (const [id, end] of await topicEnds(admin, topics))
          if (end > (stored.get(id) ?? 0)) pending.push(id);
      }
      // The hourly rows too: tests read sla_hourly itself, not only the view that counts pending deltas.
      await pipeline.processors?.compactor?.flush();
      const { rows } = await pipeline.pool.query<{ pending: boolean }>(
        `select exists (select 1 from ${await activeSchema(pipeline.pool, 'sla')}.sla_hourly_deltas) as pending`,
      );
      if (rows[0]?.pending) pending.push('sla_hourly_deltas');
      if (pending.length === 0) return;
      if (Date.now() > deadline) throw new Error(`processors did not catch up: ${pending.join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await admin.disconnect();
  }
}

/** Sets the brands up (profiles applied first, as a brand is set up before its traffic), then sends the traffic. */
export async function feedScenario(
  pipeline: Pipeline,
  scenario: {
    profiles: readonly BrandProfileSet[];
    events: readonly (MentionReceived | ReplySent | BrandPostPublished)[];
  },
): Promise<void> {
  await sendEvents(pipeline, scenario.profiles.map(toIngestItem));
  await waitForCatchUp(pipeline);
  await sendEvents(pipeline, scenario.events.map(toIngestItem));
  await waitForCatchUp(pipeline);
}
