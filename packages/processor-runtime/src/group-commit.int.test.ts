// Group commit against real Kafka and PostgreSQL: the batches of several partitions that a fetch hands over
// share one transaction with all their offsets; a poison event in one of them sends the group's batches to be
// applied one by one, the poison is dead-lettered and the other partitions lose nothing.
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

const PARTITIONS = 4;

describe('partition batches in shared transactions', () => {
  const services = testServices();
  const topic = uniqueName('test.group-commit');
  const deadLetterTopic = uniqueName('test.group-commit-dead-letters');
  let database: TestDatabase;
  let pool: Pool;
  let kafka: Kafka;
  let processor: RunningProcessor | undefined;
  const registry = new Registry();
  // The partitions of each transaction's batches, as apply saw them.
  const transactions: number[][] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    await migrate(database.url);
    pool = createPool({ connectionString: database.url, max: 4 });
    await pool.query('create table notes (id text primary key, partition int not null)');
    kafka = createKafka({ brokers: services.kafkaBrokers, clientId: 'group-commit-test' });
    await ensureTopics(kafka, [
      { topic, numPartitions: PARTITIONS, replicationFactor: 1, configEntries: [] },
      { topic: deadLetterTopic, numPartitions: 1, replicationFactor: 1, configEntries: [] },
    ]);
  });

  afterAll(async () => {
    await processor?.stop();
    await pool?.end();
    await database?.drop();
    await deleteTestTopics([topic, deadLetterTopic]);
  });

  async function produce(notes: readonly { id: string; partition: number }[]): Promise<void> {
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({
        topic,
        acks: -1,
        messages: notes.map(({ id, partition }) => ({ key: id, value: id, partition })),
      });
    } finally {
      await producer.disconnect();
    }
  }

  it('given notes on every partition and one the fold refuses, when the processor starts, then every other note is applied once, the refused one is dead-lettered, and the partitions shared transactions', async () => {
    const notes = Array.from({ length: PARTITIONS }, (_, partition) =>
      Array.from({ length: 5 }, (_, i) => ({ id: `p${partition}-n${i}`, partition })),
    ).flat();
    await produce([...notes, { id: 'refused', partition: 2 }, { id: 'after', partition: 2 }]);

    processor = await startProcessor<string>(
      {
        name: 'notes',
        topics: [topic],
        decode: async (message) => message.value?.toString() ?? '',
        apply: async (client, batches) => {
          transactions.push(batches.map((batch) => batch.partition).sort());
          for (const batch of batches)
            for (const record of batch.records) {
              if (record.value === 'refused')
                throw new CareError('CARE_ERR_APPLY', 'a note the fold refuses');
              await client.query('insert into notes (id, partition) values ($1, $2)', [
                record.value,
                batch.partition,
              ]);
            }
        },
      },
      {
        kafka,
        pool,
        groupId: uniqueName('test.group-commit-group'),
        deadLetterTopic,
        metrics: new ProcessorMetrics(registry),
        concurrentTransactions: 1,
        sessionTimeoutMs: 10_000,
      },
    );

    const stored = async () =>
      (
        await pool.query<{ partition: number; next_offset: string }>(
          'select partition, next_offset::text from processor_offsets where processor = $1 order by partition',
          ['notes'],
        )
      ).rows;
    await waitFor(
      'every partition stored at its end',
      async () => (await stored()).map((row) => row.next_offset).join() === '5,5,7,5',
    );
    const { rows } = await pool.query<{ id: string }>('select id from notes order by id');
    expect(rows.map((row) => row.id)).toEqual([...notes.map((note) => note.id), 'after'].sort());
    // A fetch hands over the partitions' batches together: they shared a transaction (the first try of the
    // refused note's group failed, and its batches were then applied one by one).
    expect(transactions.some((partitions) => partitions.length > 1)).toBe(true);
    expect(transactions.filter((partitions) => partitions.includes(2)).at(-1)).toEqual([2]);
    // The same, as operators see it: more partition batches than transactions.
    const exposition = await registry.metrics();
    const total = (suffix: 'sum' | 'count') =>
      Number(
        new RegExp(
          `^carestream_processor_transaction_batches_${suffix}\\{processor="notes"\\} (\\d+)$`,
          'm',
        ).exec(exposition)?.[1] ?? 0,
      );
    expect(total('count')).toBeGreaterThan(0);
    expect(total('sum')).toBeGreaterThan(total('count'));

    const reader = kafka.consumer({ groupId: uniqueName('test.group-commit-dlq') });
    await reader.connect();
    await reader.subscribe({ topic: deadLetterTopic, fromBeginning: true });
    const dead: string[] = [];
    await reader.run({
      eachMessage: async ({ message }) => {
        dead.push(message.value?.toString() ?? '');
      },
    });
    await waitFor('the refused note dead-lettered', async () => dead.length >= 1);
    await reader.disconnect();
    expect(dead).toEqual(['refused']);
  });
});
