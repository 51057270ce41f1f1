import { topicNames } from '@carestream/contract';
import { CareError } from '@carestream/errors';
import { createKafka, createSchemaRegistry, EventCodec } from '@carestream/kafka';
import { createPool, migrate, type Pool } from '@carestream/postgres';
import { ProcessorMetrics, startProcessor, type ProcessorDefinition } from '@carestream/processor-runtime';
import { Registry } from 'prom-client';
import type { ProcessorsConfig } from './config.ts';
import type { Projection } from './projection-generation.ts';
import { activeSchema, appliedOf, storedOffsets, topicEnds } from './progress.ts';
import { startBucketCompactor } from './bucket-compactor.ts';
import { applyProfilesFirst } from './profiles-first.ts';
import { slaProcessor } from './sla-processor.ts';

export const REPLAYABLE: readonly Projection[] = ['sla'];

export interface ReplayProgress {
  readonly projection: Projection;
  readonly schema: string;
  readonly applied: number;
  readonly total: number;
}

export interface ReplayResult {
  readonly projection: Projection;
  readonly previousSchema: string;
  readonly schema: string;
  readonly events: number;
  readonly seconds: number;
}

/**
 * Rebuilds a projection from the start of the log into a fresh generation schema while the live one keeps
 * serving, then swaps it in atomically: under the generation row's lock (live batches hold it shared), once
 * the new generation's offsets have reached the live ones on every partition, the active schema and the BI
 * views move to it in one transaction. The live processors then
 * continue from the new generation's offsets (their fencing skips what the replay already applied).
 */
export async function replayProjection(
  config: ProcessorsConfig,
  projection: Projection,
  options: { onProgress?: (progress: ReplayProgress) => void } = {},
): Promise<ReplayResult> {
  const started = Date.now();
  await migrate(config.databaseUrl);
  const pool = createPool({
    connectionString: config.databaseUrl,
    max: config.concurrentTransactions + 2,
    applicationName: 'carestream-replay',
  });
  const kafka = createKafka({
    brokers: config.kafkaBrokers,
    clientId: 'carestream-replay',
    security: config.kafkaSecurity,
  });
  const names = topicNames(config.topicPrefix);
  const codec = EventCodec.forDecoding(
    createSchemaRegistry(config.schemaRegistryUrl, config.schemaRegistryAuth),
  );
  try {
    const previousSchema = await activeSchema(pool, projection);
    const schema = await createGeneration(pool, projection);
    // The replay reads the same topics as the live processor; only where it writes differs.
    const sla = slaProcessor({
      codec,
      topics: names,
      registry: new Registry(),
      horizonMs: config.horizonMs,
      retentionMs: config.retentionMs,
      fixedSchema: schema,
    });
    const groupId = `${config.groupPrefix}.replay.${schema}`;
    await applyProfilesFirst({
      kafka,
      pool,
      codec,
      topic: names.brandProfiles,
      sla,
      groupPrefix: groupId,
    });
    const definition: ProcessorDefinition<unknown> = sla;
    const topics = definition.topics;
    const admin = kafka.admin();
    await admin.connect();
    const ends = await topicEnds(admin, topics).finally(() => admin.disconnect());
    const total = [...ends.values()].reduce((sum, end) => sum + end, 0);
    const compactor = startBucketCompactor({
      pool,
      fixedSchema: schema,
      intervalMs: config.compactIntervalMs,
    });
    const running = await startProcessor(definition, {
      kafka,
      pool,
      deadLetterTopic: names.deadLetters,
      metrics: new ProcessorMetrics(new Registry()),
      groupId,
      concurrentTransactions: config.concurrentTransactions,
      transactionMaxEvents: config.transactionMaxEvents,
      maxBytesPerPartition: config.maxBytesPerPartition,
    });
    try {
      // Catch up with the log as it was when the replay started…
      for (;;) {
        const done = appliedOf(ends, await storedOffsets(pool, schema, definition.name));
        options.onProgress?.({ projection, schema, applied: done, total });
        if (done >= total) break;
        await sleep(200);
      }
      // …then with the live generation, and swap under its lock.
      while (!(await trySwap(pool, projection, schema, definition.name))) await sleep(200);
    } finally {
      await running.stop();
      // What the last batches appended, folded now: the generation is handed over compact.
      await compactor.flush().finally(() => compactor.stop());
    }
    const events = [...(await storedOffsets(pool, schema, definition.name)).values()].reduce(
      (a, b) => a + b,
      0,
    );
    return { projection, previousSchema, schema, events, seconds: (Date.now() - started) / 1000 };
  } finally {
    await pool.end();
  }
}

async function createGeneration(pool: Pool, projection: Projection): Promise<string> {
  const { rows } = await pool.query<{ n: number }>(
    `select coalesce(max(substring(schema_name from '_g([0-9]+)$')::int), 0) as n
       from information_schema.schemata where schema_name ~ $1`,
    [`^${projection}_g[0-9]+$`],
  );
  const schema = `${projection}_g${(rows[0]?.n ?? 0) + 1}`;
  await pool.query(`select carestream_create_${projection}_tables($1)`, [schema]);
  return schema;
}

async function trySwap(
  pool: Pool,
  projection: Projection,
  schema: string,
  processor: string,
): Promise<boolean> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const { rows } = await client.query<{ active_schema: string }>(
      'select active_schema from projection_generations where projection = $1 for update',
      [projection],
    );
    const live = rows[0]?.active_schema;
    if (!live)
      throw new CareError('CARE_ERR_CONFIG', `no active generation for ${projection}; run the migrations`);
    const { rows: behind } = await client.query<{ n: number }>(
      `select count(*)::int as n from ${live}.processor_offsets l
         left join ${schema}.processor_offsets r on r.processor = l.processor and r.topic = l.topic and r.partition = l.partition
        where l.processor = $1 and coalesce(r.next_offset, 0) < l.next_offset`,
      [processor],
    );
    if ((behind[0]?.n ?? 0) > 0) {
      await client.query('rollback');
      return false;
    }
    await client.query(
      'update projection_generations set active_schema = $2, updated_at = now() where projection = $1',
      [projection, schema],
    );
    await client.query('select carestream_point_bi_views()');
    await client.query('commit');
    return true;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
