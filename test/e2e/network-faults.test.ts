// Network faults between the processors and their dependencies, through toxiproxy, on a second stack of this
// test's own: the processors reach Kafka through a proxy (the broker advertises the proxy's port on a listener of
// their own, so that every connection they open passes it) and PostgreSQL through another; ingest and the test
// reach both directly. 500 ms more per round trip, then a 30 s cut of Kafka, then a 30 s cut of PostgreSQL, while
// events flow through ingest: afterwards the figures equal the ground truth.
import { topicNames } from '@carestream/contract';
import { loadIngestConfig, startIngest } from '@carestream/ingest';
import { createPool } from '@carestream/postgres';
import { loadProcessorsConfig, startProcessors, type ProcessorsRuntime } from '@carestream/processors';
import { generateScenario, toIngestItem, type Scenario } from '@carestream/simulator';
import { freePort } from '@carestream/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExportLines } from '../../packages/test-support/src/global-setup.ts';
import { ADMIN_KEY, sendEvents, waitForCatchUp, type Pipeline } from './pipeline-harness.ts';
import { secondStack, type SecondStack } from './second-stack.ts';
import { startToxiproxy, type Toxiproxy } from './toxiproxy.ts';
import { bucketsByBrandChannel, expectFiguresMatchTruth } from './truth-assertions.ts';

const HOUR = 3_600_000;
const LATENCY_MS = 500;
const CUT_MS = 30_000;
// What this test holds the product to (docs/operations.md, "Network faults"): everything sent applied within two
// minutes of the network coming back (a replacement consumer waits up to 30 s of backoff before it asks again).
const RECOVERY_BOUND_MS = 120_000;

describe('network faults between the processors and Kafka or PostgreSQL (toxiproxy)', () => {
  let stack: SecondStack;
  let toxiproxy: Toxiproxy;
  let pipeline: Pipeline;
  let processors: ProcessorsRuntime;
  const scenario: Scenario = generateScenario({
    seed: 9090,
    conversations: 400,
    brands: 4,
    startMs: Date.UTC(2026, 10, 23, 8),
    spanMs: 4 * HOUR,
    horizonMs: HOUR,
    duplicateRate: 0.03,
  });
  const items = scenario.events.map(toIngestItem);
  const quarter = Math.ceil(items.length / 4);
  const parts = [0, 1, 2, 3].map((i) => items.slice(i * quarter, (i + 1) * quarter));

  async function caughtUpWithin(what: string): Promise<number> {
    const started = performance.now();
    await waitForCatchUp(pipeline, RECOVERY_BOUND_MS);
    const ms = performance.now() - started;
    console.info(`network faults: ${what}: everything sent applied ${Math.round(ms / 100) / 10} s later`);
    return ms;
  }

  /** Cuts `name` for CUT_MS while a part of the events goes through ingest; resolves when the cut ends. */
  async function cutWhileSending(name: string, part: readonly unknown[]): Promise<void> {
    await toxiproxy.cut(name);
    const cutAt = performance.now();
    try {
      expect(await sendEvents(pipeline, part, 100)).toBe(part.length);
      await new Promise((resolve) => setTimeout(resolve, CUT_MS - (performance.now() - cutAt)));
    } finally {
      await toxiproxy.restore(name);
    }
  }

  beforeAll(async () => {
    const kafkaProxiedPort = await freePort();
    const kafkaProxyPort = await freePort();
    const postgresProxyPort = await freePort();
    stack = await secondStack('cs-network-faults-', {
      env: {
        CARESTREAM_KAFKA_PROXIED_PORT: String(kafkaProxiedPort),
        CARESTREAM_KAFKA_PROXIED_ADVERTISED_PORT: String(kafkaProxyPort),
      },
    });
    toxiproxy = await startToxiproxy();
    const endpoints = parseExportLines(await stack.stack('up'));
    await toxiproxy.proxy('kafka', kafkaProxyPort, kafkaProxiedPort);
    await toxiproxy.proxy('postgres', postgresProxyPort, Number(stack.env.CARESTREAM_PG_PORT));
    const prefix = 'network.';
    const env: Record<string, string> = {
      KAFKA_BROKERS: endpoints.KAFKA_BROKERS ?? '',
      SCHEMA_REGISTRY_URL: endpoints.SCHEMA_REGISTRY_URL ?? '',
      DATABASE_URL: endpoints.DATABASE_URL ?? '',
      CARESTREAM_TOPIC_PREFIX: prefix,
      CARESTREAM_PARTITIONS: '3',
      CARESTREAM_GROUP_PREFIX: 'network',
      CARESTREAM_ADMIN_KEY: ADMIN_KEY,
      CARESTREAM_ANSWER_HORIZON_HOURS: '1',
      PROCESSORS_PORT: '0',
      PROCESSORS_SESSION_TIMEOUT_MS: '10000',
      BENCHMARK_REFRESH_SECONDS: '3600',
    };
    const ingest = await startIngest(loadIngestConfig({ ...env, CARESTREAM_RETENTION_DAYS: '36500' }));
    const ingestUrl = await ingest.app.listen({ port: 0, host: '127.0.0.1' });
    processors = await startProcessors(
      loadProcessorsConfig({
        ...env,
        KAFKA_BROKERS: `127.0.0.1:${kafkaProxyPort}`,
        DATABASE_URL: (env.DATABASE_URL ?? '').replace(
          `:${stack.env.CARESTREAM_PG_PORT}/`,
          `:${postgresProxyPort}/`,
        ),
      }),
    );
    const pool = createPool({ connectionString: env.DATABASE_URL ?? '', max: 3 });
    pipeline = {
      database: { url: env.DATABASE_URL ?? '', name: 'carestream', drop: async () => undefined },
      pool,
      names: topicNames(prefix),
      env,
      ingest,
      ingestUrl,
      processors,
      close: async () => {
        await processors.close();
        await ingest.close();
        await pool.end();
      },
    };
    await sendEvents(pipeline, scenario.profiles.map(toIngestItem));
    await waitForCatchUp(pipeline);
  });

  afterAll(async () => {
    await pipeline?.close();
    toxiproxy?.stop();
    await stack?.remove();
  });

  it(`${LATENCY_MS} ms more per round trip to Kafka and PostgreSQL, then a ${CUT_MS / 1000} s cut of each: exact figures`, async () => {
    for (const name of ['kafka', 'postgres']) await toxiproxy.addLatency(name, LATENCY_MS);
    try {
      await sendEvents(pipeline, parts[0] ?? [], 100);
      await caughtUpWithin(`${LATENCY_MS} ms latency to Kafka and PostgreSQL`);
    } finally {
      for (const name of ['kafka', 'postgres']) await toxiproxy.removeLatency(name);
    }

    await cutWhileSending('kafka', parts[1] ?? []);
    const afterKafkaCut = await caughtUpWithin(`Kafka cut ${CUT_MS / 1000} s`);

    await cutWhileSending('postgres', parts[2] ?? []);
    const afterPostgresCut = await caughtUpWithin(`PostgreSQL cut ${CUT_MS / 1000} s`);

    await sendEvents(pipeline, parts[3] ?? [], 100);
    await waitForCatchUp(pipeline, RECOVERY_BOUND_MS);
    expect((await processors.app.inject('/readyz')).statusCode).toBe(200);
    expect(expectFiguresMatchTruth(scenario, await bucketsByBrandChannel(pipeline))).toBeGreaterThan(0);
    expect(afterKafkaCut).toBeLessThan(RECOVERY_BOUND_MS);
    expect(afterPostgresCut).toBeLessThan(RECOVERY_BOUND_MS);
  }, 600_000);
});
