import type { Kafka, KafkaMessage } from 'kafkajs';

export interface ReadToEndOptions {
  readonly topic: string;
  /** A group of its own: it commits nothing, and Kafka forgets it once it is empty. */
  readonly groupId: string;
  /** Gives up (resolving with what was read) after this long; the caller's own consumer still reads the rest. */
  readonly timeoutMs: number;
  readonly onBatch: (messages: readonly KafkaMessage[]) => Promise<void>;
}

/**
 * Reads a topic from its beginning to its end as it is when called, batch by batch, in order per partition:
 * a compacted reference topic loaded before a processor starts on the facts, as Kafka Streams restores a
 * global table before it processes a stream. Resolves with the messages read.
 */
export async function readTopicToEnd(kafka: Kafka, options: ReadToEndOptions): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<number, bigint>();
  try {
    for (const { partition, high, low } of await admin.fetchTopicOffsets(options.topic))
      if (BigInt(high) > BigInt(low)) ends.set(partition, BigInt(high));
  } finally {
    await admin.disconnect();
  }
  if (ends.size === 0) return 0;

  // No retries of its own: a failure (of onBatch, or of Kafka) ends the read with the error.
  const consumer = kafka.consumer({
    groupId: options.groupId,
    retry: { retries: 0, restartOnFailure: async () => false },
  });
  let read = 0;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: options.topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, options.timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        resolve();
      };
      const fail = (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      };
      consumer.on(consumer.events.CRASH, ({ payload }) => fail(payload.error));
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const end = ends.get(batch.partition);
            if (end === undefined) return;
            const messages = batch.messages.filter((message) => BigInt(message.offset) < end);
            if (messages.length > 0) await options.onBatch(messages);
            read += messages.length;
            // The last record of a partition is never compacted away (the active segment is not cleaned).
            if (BigInt(batch.lastOffset()) + 1n >= end) ends.delete(batch.partition);
            if (ends.size === 0) finish();
          },
        })
        .catch(fail);
    });
    return read;
  } finally {
    await consumer.disconnect();
  }
}
