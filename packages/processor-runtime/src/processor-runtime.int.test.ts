import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CONSUMER_SCRIPT = fileURLToPath(new URL('./fixtures/greeting-consumer.ts', import.meta.url));

const greetingSchema = {
  type: 'record',
  name: 'Greeting',
  namespace: 'dev.carestream.test',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'text', type: 'string' },
  ],
};

describe('first event through the real stack, exactly once in Postgres', () => {
  const services = testServices();
  const topic = uniqueName('test.greetings');
  const deadLetterTopic = uniqueName('test.dead-letters');
  const groupId = uniqueName('test.group');
  let database: TestDatabase;
  let pool: Pool;
  let kafka: Kafka;
  let registry: SchemaRegistry;
  let schemaId: number;

  beforeAll(async () => {
    database = await createTestDatabase();
    await migrate(database.url);
    pool = createPool({ connectionString: database.url, max: 2 });
    await pool.query(
      'create table greetings (id text not null, text text not null, kafka_offset bigint not null)',
    );
    kafka = createKafka({ brokers: services.kafkaBrokers, clientId: 'first-event-test' });
    await ensureTopics(kafka, [
      { topic, numPartitions: 1, replicationFactor: 1, configEntries: [] },
      { topic: deadLetterTopic, numPartitions: 1, replicationFactor: 1, configEntries: [] },
    ]);
    registry = new SchemaRegistry({ host: services.schemaRegistryUrl });
    ({ id: schemaId } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(greetingSchema) },
      { subject: `${topic}-dev.carestream.test.Greeting` },
    ));
  });

  afterAll(async () => {
    await pool?.end();
    await database?.drop();
    await deleteTestTopics([topic, deadLetterTopic]);
  });

  async function produce(messages: { key: string; value: Buffer }[]): Promise<void> {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages });
    } finally {
      await producer.disconnect();
    }
  }

  function startConsumer(crashAfterDbCommit: boolean): ChildProcess {
    // One process (node with tsx's loader), so the signal the consumer sends itself is what we observe.
    return spawn(process.execPath, ['--import', 'tsx', CONSUMER_SCRIPT], {
      env: {
        ...process.env,
        KAFKA_BROKERS: services.kafkaBrokers,
        SCHEMA_REGISTRY_URL: services.schemaRegistryUrl,
        DATABASE_URL: database.url,
        TOPIC: topic,
        GROUP_ID: groupId,
        DEAD_LETTER_TOPIC: deadLetterTopic,
        CRASH_AFTER_DB_COMMIT: crashAfterDbCommit ? '1' : '0',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
  }

  async function rowsById(): Promise<Record<string, number>> {
    const { rows } = await pool.query<{ id: string; n: number }>(
      'select id, count(*)::int as n from greetings group by id',
    );
    return Object.fromEntries(rows.map((row) => [row.id, row.n]));
  }

  it('writes the row once although the consumer dies between the Postgres commit and the Kafka commit', async () => {
    await produce([{ key: 'g1', value: await registry.encode(schemaId, { id: 'g1', text: 'hello' }) }]);

    const crashing = startConsumer(true);
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      crashing.on('exit', (code, signal) => resolve({ code, signal })),
    );
    expect(exit.signal).toBe('SIGKILL');
    expect(await rowsById()).toEqual({ g1: 1 });

    // Kafka never heard of the commit: the group has no committed offset, so Kafka alone would re-deliver g1.
    const admin = kafka.admin();
    await admin.connect();
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    await admin.disconnect();
    expect(committed[0]?.partitions[0]?.offset).toBe('-1');

    // A poison message and a new event after the crash: the restarted consumer dead-letters the first,
    // applies the second, and does not apply g1 again.
    await produce([{ key: 'bad', value: Buffer.from('not avro at all') }]);
    await produce([{ key: 'g2', value: await registry.encode(schemaId, { id: 'g2', text: 'again' }) }]);
    const restarted = startConsumer(false);
    try {
      await waitFor('g2 applied', async () => (await rowsById()).g2 === 1);
    } finally {
      restarted.kill('SIGTERM');
      await new Promise((resolve) => restarted.on('exit', resolve));
    }
    expect(await rowsById()).toEqual({ g1: 1, g2: 1 });

    const stored = await pool.query<{ next_offset: number }>(
      'select next_offset from processor_offsets where processor = $1 and topic = $2',
      ['greetings', topic],
    );
    expect(stored.rows[0]?.next_offset).toBe(3);
  });

  it('sent the undecodable message to the dead-letter topic with the reason', async () => {
    const consumer = kafka.consumer({ groupId: uniqueName('test.dlq-reader') });
    await consumer.connect();
    await consumer.subscribe({ topic: deadLetterTopic, fromBeginning: true });
    const received: { value: string; headers: Record<string, string> }[] = [];
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers = Object.fromEntries(
          Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
        );
        received.push({ value: message.value?.toString() ?? '', headers });
      },
    });
    await waitFor('the dead letter read', async () => received.length >= 1);
    await consumer.disconnect();
    expect(received).toHaveLength(1);
    expect(received[0]?.value).toBe('not avro at all');
    expect(received[0]?.headers['carestream-source-offset']).toBe('1');
    expect(received[0]?.headers['carestream-error-reason']).toMatch(/.+/);
  });

  it('dead-letters an event Postgres refuses, between good ones in the same batch, and goes on', async () => {
    // A NUL in a text decodes fine from Avro but PostgreSQL refuses it: before, the partition crash-looped.
    const greeting = async (id: string, text: string) => ({
      key: id,
      value: await registry.encode(schemaId, { id, text }),
    });
    await produce([
      await greeting('g3', 'fine'),
      await greeting('g4', 'nul \u0000 inside'),
      await greeting('g5', 'fine too'),
      await greeting('g6', 'and \u0000 again'),
      await greeting('g7', 'last'),
    ]);
    const consumer = startConsumer(false);
    try {
      await waitFor('g7 applied', async () => (await rowsById()).g7 === 1);
    } finally {
      consumer.kill('SIGTERM');
      await new Promise((resolve) => consumer.on('exit', resolve));
    }
    expect(await rowsById()).toEqual({ g1: 1, g2: 1, g3: 1, g5: 1, g7: 1 });
    const stored = await pool.query<{ next_offset: number }>(
      'select next_offset from processor_offsets where processor = $1 and topic = $2',
      ['greetings', topic],
    );
    expect(stored.rows[0]?.next_offset).toBe(8);

    const reader = kafka.consumer({ groupId: uniqueName('test.dlq-reader') });
    await reader.connect();
    await reader.subscribe({ topic: deadLetterTopic, fromBeginning: true });
    const received: Record<string, string>[] = [];
    await reader.run({
      eachMessage: async ({ message }) => {
        received.push(
          Object.fromEntries(
            Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
          ),
        );
      },
    });
    await waitFor('the dead letters read', async () => received.length >= 3);
    await reader.disconnect();
    const poisoned = received.filter((headers) => headers['carestream-error-code'] === 'CARE_ERR_APPLY');
    expect(poisoned.map((headers) => headers['carestream-source-offset']).sort()).toEqual(['4', '6']);
    expect(poisoned[0]?.['carestream-error-reason']).toMatch(/could not apply: .*(0x00|byte sequence)/);
  });
});
