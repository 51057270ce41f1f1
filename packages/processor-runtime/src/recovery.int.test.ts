// A processor's consumer that crashes for a reason kafkajs does not restart from (a non-retriable error; a Kafka
// outage ends in such errors too) is replaced by the runtime, with backoff, for as long as it takes; meanwhile its
// status says it is out of its group and the lag gauge tells how many messages wait, never a stale 0. The
// shared stack is not stopped: the faults are a refusal in the processor's own transactions and a dead-letter
// topic that does not exist yet.
import { CareError } from '@carestream/errors';
import { createKafka, ensureTopics } from '@carestream/kafka';
import { createPool, migrate, type Pool } from '@carestream/postgres';
import {
  createTestDatabase,
  deleteTestTopics,
  testServices,
  uniqueName,
  waitFor,
  type TestDatabase,
} from '@carestream/test-support';
import type { Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessorMetrics } from './processor-metrics.ts';
import { startProcessor, type RunningProcessor } from './processor-runtime.ts';

describe('a processor whose consumer crashes', () => {
  const services = testServices();
  const topic = uniqueName('test.recovery');
  // Created only in the second test: until then, dead-lettering fails (the broker creates no topics itself).
  const deadLetterTopic = uniqueName('test.recovery-dead-letters');
  let database: TestDatabase;
  let pool: Pool;
  let kafka: Kafka;
  let processor: RunningProcessor | undefined;
  const registry = new Registry();
  // While set, every transaction the processor opens fails with an error that is neither transient nor
  // poison: the batch cannot be applied, and the consumer crashes.
  let refusal: CareError | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    await migrate(database.url);
    pool = createPool({ connectionString: database.url, max: 4 });
    await pool.query('create table notes (id text primary key)');
    kafka = createKafka({ brokers: services.kafkaBrokers, clientId: 'recovery-test' });
    await ensureTopics(kafka, [{ topic, numPartitions: 1, replicationFactor: 1, configEntries: [] }]);
  });

  afterAll(async () => {
    await processor?.stop();
    await pool?.end();
    await database?.drop();
    await deleteTestTopics([topic, deadLetterTopic]);
  });

  async function produce(ids: readonly string[]): Promise<void> {
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages: ids.map((id) => ({ key: id, value: id })) });
    } finally {
      await producer.disconnect();
    }
  }

  async function notes(): Promise<string[]> {
    const { rows } = await pool.query<{ id: string }>('select id from notes order by id');
    return rows.map((row) => row.id);
  }

  async function lag(): Promise<number[]> {
    const metric = await registry.getSingleMetric('carestream_processor_consumer_lag')?.get();
    return (metric?.values ?? []).map((value) => value.value);
  }

  it('is replaced after the crash, says so meanwhile, then applies what waited', async () => {
    await produce(['n1', 'n2', 'n3']);
    refusal = new CareError('CARE_ERR_CONFIG', 'the projection is not there yet');
    processor = await startProcessor<string>(
      {
        name: 'notes',
        topics: [topic],
        decode: async (message) => {
          const value = message.value?.toString() ?? '';
          if (value === 'poison') throw new CareError('CARE_ERR_DECODE', 'not a note');
          return value;
        },
        prepareTransaction: async () => {
          if (refusal) throw refusal;
        },
        apply: async (client, batches) => {
          for (const record of batches.flatMap((batch) => batch.records))
            await client.query('insert into notes (id) values ($1)', [record.value]);
        },
      },
      {
        kafka,
        pool,
        groupId: uniqueName('test.recovery-group'),
        deadLetterTopic,
        metrics: new ProcessorMetrics(registry),
        sessionTimeoutMs: 10_000,
        lagRefreshMs: 200,
      },
    );
    const running = processor;

    // kafkajs reports a crash it will not restart from (restart: false); the runtime takes over.
    await waitFor('the crash reported', () => running.status().detail.includes('crashed'));
    expect(running.status()).toEqual({
      inGroup: false,
      detail: expect.stringMatching(
        /^out of group test\.recovery-group-.+: the consumer crashed \(.*the projection is not there yet\); replacing it in \d+ s \(attempt \d+\)$/,
      ),
    });
    expect(await notes()).toEqual([]);

    refusal = undefined;
    await waitFor('the three notes applied', async () => (await notes()).length === 3);
    expect(await notes()).toEqual(['n1', 'n2', 'n3']);
    await waitFor('in its group again', () => running.status().inGroup);
    expect(running.status()).toEqual({ inGroup: true, detail: 'ok' });
    await waitFor('lag 0', async () => (await lag()).join() === '0');
  });

  it('while it is out of its group, the lag gauge counts the messages waiting instead of keeping its last 0', async () => {
    const running = processor;
    if (!running) throw new Error('the first test starts the processor');
    // A message to dead-letter while the dead-letter topic is missing: each consumer crashes on it, persistently,
    // while PostgreSQL and the topics' ends, which the lag is worked out from, answer.
    await produce(['poison', 'n4']);
    await waitFor('the crash reported', () => running.status().detail.includes('crashed'));
    await waitFor('lag 2', async () => (await lag()).join() === '2', 30_000);
    expect(await notes()).toEqual(['n1', 'n2', 'n3']);

    await ensureTopics(kafka, [
      { topic: deadLetterTopic, numPartitions: 1, replicationFactor: 1, configEntries: [] },
    ]);
    await waitFor('n4 applied', async () => (await notes()).length === 4, 90_000);
    expect(await notes()).toEqual(['n1', 'n2', 'n3', 'n4']);
    await waitFor('lag 0 again', async () => (await lag()).join() === '0');
    await waitFor('in its group again', () => running.status().inGroup);
  });
});
