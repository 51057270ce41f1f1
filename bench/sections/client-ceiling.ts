// Section 2: the client's own limits: kafkajs producing and consuming raw bytes of the same size with no
// work, with the producer settings ingest uses (idempotent, one request in flight, acks=all) and the consumer
// settings of the processor runtime (eachBatch, 4 MiB per partition).
import { randomBytes } from 'node:crypto';
import { createKafka } from '@carestream/kafka';
import type { Message } from 'kafkajs';
import { log, perSecond } from '../stats.ts';

export interface ClientCeilingResult {
  readonly messages: number;
  readonly recordBytes: number;
  readonly batchSize: number;
  readonly concurrency: number;
  readonly produceEventsPerSecond: number;
  readonly consumeEventsPerSecond: number;
  /** From subscribing to the first batch (group join, excluded from the consume rate). */
  readonly consumeJoinMs: number;
}

export async function measureClientCeiling(options: {
  brokers: string;
  prefix: string;
  messages: number;
  recordBytes: number;
  keyBytes: number;
  partitions: number;
  batchSize: number;
  concurrency: number;
}): Promise<ClientCeilingResult> {
  const kafka = createKafka({ brokers: options.brokers, clientId: 'carestream-bench-raw' });
  const topic = `${options.prefix}raw`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: options.partitions, replicationFactor: 1 }],
  });
  await admin.disconnect();

  // Distinct random payloads (a pool, reused): no work beyond handing bytes to the client.
  const payloads = Array.from({ length: 1_024 }, () => randomBytes(options.recordBytes));
  const batches: Message[][] = [];
  for (let i = 0; i < options.messages; i += options.batchSize) {
    const size = Math.min(options.batchSize, options.messages - i);
    batches.push(
      Array.from({ length: size }, (_, j) => ({
        key: `brand-${(i + j) % 20}:conversation-${i + j}`.padEnd(options.keyBytes, '-'),
        value: payloads[(i + j) % payloads.length] ?? Buffer.alloc(0),
      })),
    );
  }

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const produceStart = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      for (let batch = batches[next++]; batch; batch = batches[next++])
        await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages: batch }] });
    }),
  );
  const produceMs = Date.now() - produceStart;
  await producer.disconnect();
  const produceEventsPerSecond = perSecond(options.messages, produceMs);
  log(`client ceiling: kafkajs produce ${produceEventsPerSecond} events/s`);

  const consumer = kafka.consumer({
    groupId: `${options.prefix}raw-consumer`,
    maxBytesPerPartition: 4 * 1024 * 1024,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const subscribed = Date.now();
  // The clock starts when the group is joined: the join's fixed cost is not the client's throughput.
  let joinedAt = 0;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joinedAt = Date.now();
  });
  let firstAt = 0;
  let seen = 0;
  const done = new Promise<number>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        if (firstAt === 0) firstAt = Date.now();
        seen += batch.messages.length;
        resolveOffset(batch.lastOffset());
        await heartbeat();
        if (seen >= options.messages) resolve(Date.now());
      },
    });
  });
  const finished = await done;
  await consumer.disconnect();
  const consumeEventsPerSecond = perSecond(options.messages, finished - (joinedAt || subscribed));
  log(`client ceiling: kafkajs consume ${consumeEventsPerSecond} events/s (eachBatch, no work)`);
  return {
    messages: options.messages,
    recordBytes: options.recordBytes,
    batchSize: options.batchSize,
    concurrency: options.concurrency,
    produceEventsPerSecond,
    consumeEventsPerSecond,
    consumeJoinMs: firstAt - subscribed,
  };
}
