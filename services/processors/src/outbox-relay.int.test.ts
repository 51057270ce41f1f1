// The outbox is written by several transactions at once (instances, and partitions within one), which take ids
// in one order and commit in another. The relay must never delete a row it has not published.
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { topicNames, topicSpecs, type SlaChangeDerived } from '@carestream/contract';
import { createKafka, ensureTopics, EventCodec } from '@carestream/kafka';
import { createPool, migrate, type Pool } from '@carestream/postgres';
import {
  createTestDatabase,
  deleteTestTopics,
  testServices,
  uniqueName,
  type TestDatabase,
} from '@carestream/test-support';
import type { Producer } from 'kafkajs';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOutboxRelay } from './outbox-relay.ts';

function derived(mentionEventId: string): SlaChangeDerived {
  return {
    type: 'SlaChangeDerived',
    eventId: `${mentionEventId}:mention-counted`,
    changeType: 'mention-counted',
    brandId: 'brand-1',
    channel: 'x',
    conversationId: 'conversation-1',
    mentionEventId,
    messageId: `message-${mentionEventId}`,
    authorId: 'customer-1',
    kind: 'question',
    sentiment: null,
    followers: null,
    private: false,
    receivedAt: Date.UTC(2026, 10, 26, 9),
    at: Date.UTC(2026, 10, 26, 9),
    replyEventId: null,
    agentId: null,
    responseMs: null,
    businessResponseMs: null,
    slaTargetMs: 3_600_000,
  };
}

describe('outbox relay against real PostgreSQL and Kafka', () => {
  const services = testServices();
  const prefix = `${uniqueName('relay')}.`;
  const names = topicNames(prefix);
  const kafka = createKafka({ brokers: services.kafkaBrokers, clientId: 'relay-test' });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  let database: TestDatabase;
  let pool: Pool;
  let codec: EventCodec;

  beforeAll(async () => {
    database = await createTestDatabase();
    await migrate(database.url);
    pool = createPool({ connectionString: database.url, max: 4 });
    await ensureTopics(kafka, topicSpecs({ partitions: 1, prefix }));
    codec = await EventCodec.register(new SchemaRegistry({ host: services.schemaRegistryUrl }), names);
    await producer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await pool?.end();
    await database?.drop();
    await deleteTestTopics(Object.values(names));
  });

  async function insert(client: { query: Pool['query'] }, mentionEventId: string): Promise<void> {
    await client.query('insert into sla_g1.derived_outbox (message_key, payload) values ($1, $2::jsonb)', [
      'brand-1:conversation-1',
      JSON.stringify(derived(mentionEventId)),
    ]);
  }

  async function outboxIds(): Promise<string[]> {
    const { rows } = await pool.query<{ mention: string }>(
      "select payload->>'mentionEventId' as mention from sla_g1.derived_outbox order by id",
    );
    return rows.map((row) => row.mention);
  }

  async function publishedMentionIds(): Promise<string[]> {
    const consumer = kafka.consumer({ groupId: uniqueName('relay-test-reader') });
    const seen: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: names.slaDerived, fromBeginning: true });
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          const event = await codec.decode(message.value);
          if (event.type === 'SlaChangeDerived') seen.push(event.mentionEventId);
          if (seen.length === 2) resolve();
        },
      });
    });
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 20_000))]);
    await consumer.disconnect();
    return seen.sort();
  }

  it('keeps a row whose transaction took an earlier id but committed while the relay was publishing', async () => {
    const early = await pool.connect();
    await early.query('begin');
    await insert(early, 'mention-early'); // takes the lower id, and stays uncommitted for now
    await insert(pool, 'mention-late'); // takes the higher id, committed at once

    // A real producer: the older transaction commits while the relay's first send is in flight.
    let sends = 0;
    const committingProducer = {
      send: async (record: Parameters<Producer['send']>[0]) => {
        sends += 1;
        if (sends === 1) await early.query('commit');
        return producer.send(record);
      },
    } as Producer;
    const relay = startOutboxRelay({
      pool,
      producer: committingProducer,
      codec,
      topic: names.slaDerived,
      registry: new Registry(),
      intervalMs: 3_600_000,
    });
    try {
      expect(await relay.flush()).toBe(1);
      early.release();
      expect(await outboxIds()).toEqual(['mention-early']);
      expect(await relay.flush()).toBe(1);
      expect(await outboxIds()).toEqual([]);
    } finally {
      await relay.stop();
    }
    expect(await publishedMentionIds()).toEqual(['mention-early', 'mention-late']);
  });
});
