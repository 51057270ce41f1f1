import type { Kafka } from 'kafkajs';

export interface TopicSpec {
  readonly topic: string;
  readonly numPartitions: number;
  readonly replicationFactor: number;
  readonly configEntries: readonly { readonly name: string; readonly value: string }[];
}

/**
 * Creates the topics that do not exist yet, with their explicit settings; existing ones are left alone
 * (their partition count is checked, since keys map to partitions and must not move silently).
 */
export async function ensureTopics(kafka: Kafka, specs: readonly TopicSpec[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((spec) => !existing.has(spec.topic));
    if (missing.length > 0) {
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((spec) => ({
            topic: spec.topic,
            numPartitions: spec.numPartitions,
            replicationFactor: spec.replicationFactor,
            configEntries: spec.configEntries.map((entry) => ({ ...entry })),
          })),
        });
      } catch (error) {
        // Another instance may have created them between our list and create: that is fine.
        if (!(error instanceof Error && /already exists/i.test(error.message))) throw error;
      }
    }
    const metadata = await admin.fetchTopicMetadata({ topics: specs.map((spec) => spec.topic) });
    for (const spec of specs) {
      const found = metadata.topics.find((topic) => topic.name === spec.topic);
      if (found && found.partitions.length !== spec.numPartitions) {
        process.stderr.write(
          `${JSON.stringify({
            level: 'warn',
            message: `topic ${spec.topic} has ${found.partitions.length} partitions, configuration asks for ${spec.numPartitions}; keeping the existing count`,
          })}\n`,
        );
      }
    }
  } finally {
    await admin.disconnect();
  }
}
