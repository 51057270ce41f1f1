import { randomUUID } from 'node:crypto';
import type { BrandProfileSet } from '@carestream/contract';
import { readTopicToEnd, type EventCodec } from '@carestream/kafka';
import { withTransaction, type Pool } from '@carestream/postgres';
import { logLine } from '@carestream/processor-runtime';
import type { Kafka } from 'kafkajs';
import type { SlaProcessor } from './sla-processor.ts';

/**
 * Applies the brand profiles topic, as it is now, before the SLA processor starts on the facts. Any order of
 * arrival gives the same figures (a profile read after its brand's interactions revises them), but a revision
 * rereads and rewrites every conversation of the brand under the brand's exclusive lock: started on a backlog,
 * the processor would otherwise fold interactions of brands whose profiles sit a few partitions away, then
 * fold them all again. The group's own consumer still reads the topic; what is applied here is then known
 * and changes nothing. Messages that cannot be decoded are left to that consumer (it dead-letters them).
 */
export async function applyProfilesFirst(options: {
  readonly kafka: Kafka;
  readonly pool: Pool;
  readonly codec: EventCodec;
  readonly topic: string;
  readonly sla: SlaProcessor;
  readonly groupPrefix: string;
  readonly timeoutMs?: number;
}): Promise<number> {
  const started = performance.now();
  const read = await readTopicToEnd(options.kafka, {
    topic: options.topic,
    groupId: `${options.groupPrefix}.profiles-first.${randomUUID()}`,
    timeoutMs: options.timeoutMs ?? 60_000,
    onBatch: async (messages) => {
      const profiles: BrandProfileSet[] = [];
      for (const message of messages) {
        const event = await options.codec.decode(message.value).catch(() => null);
        if (event?.type === 'BrandProfileSet') profiles.push(event);
      }
      if (profiles.length === 0) return;
      await withTransaction(options.pool, async (client) => {
        await options.sla.prepareTransaction?.(client);
        await options.sla.applyProfiles(client, profiles);
      });
    },
  });
  logLine({
    level: 'info',
    processor: options.sla.name,
    message: 'brand profiles applied before the facts',
    messages: read,
    ms: Math.round(performance.now() - started),
  });
  return read;
}
