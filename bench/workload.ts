// The events a run uses: seeded scenarios from @carestream/simulator, generated a day at a time so that
// millions of events never sit in memory at once, Avro-encoded with the project's own codec and produced
// straight to Kafka (the preload) or sent to ingest as NDJSON.
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import {
  messageKeyFor,
  topicFor,
  topicNames,
  topicSpecs,
  type BrandPostPublished,
  type BrandProfileSet,
  type MentionReceived,
  type ReplySent,
} from '@carestream/contract';
import { createKafka, ensureTopics, EventCodec } from '@carestream/kafka';
import { generateScenario } from '@carestream/simulator';
import type { Message } from 'kafkajs';

export type WorkloadEvent = MentionReceived | ReplySent | BrandPostPublished;

const DAY_MS = 86_400_000;
export const BRANDS = 20;
/** Roughly 3.5 events per conversation; a day's chunk is about 70,000 events. */
const CONVERSATIONS_PER_DAY = 20_000;
/** The first day of the data: in the past, so nothing is "from the future" for ingest. */
export const WORKLOAD_START_MS = Date.UTC(2026, 0, 5);

export interface Workload {
  readonly profiles: BrandProfileSet[];
  /** Days of data: events fall in [WORKLOAD_START_MS, WORKLOAD_START_MS + days × 1 day]. */
  readonly days: number;
  /** The first `total` events, in chunks of one day, in the order to send them. */
  chunks(): Generator<WorkloadEvent[]>;
}

export function workload(total: number): Workload {
  const days = Math.max(1, Math.ceil(total / (CONVERSATIONS_PER_DAY * 3.4)));
  const first = day(0, Math.min(CONVERSATIONS_PER_DAY, Math.ceil(total / 3)));
  return {
    profiles: first.profiles,
    days,
    *chunks() {
      let left = total;
      for (let d = 0; left > 0; d += 1) {
        const events = d === 0 ? first.events : day(d, CONVERSATIONS_PER_DAY).events;
        const taken = events.length > left ? events.slice(0, left) : events;
        left -= taken.length;
        yield taken;
      }
    },
  };
}

function day(index: number, conversations: number) {
  return generateScenario({
    seed: 1_000 + index,
    conversations,
    brands: BRANDS,
    startMs: WORKLOAD_START_MS + index * DAY_MS,
    spanMs: DAY_MS,
    horizonMs: 7 * DAY_MS,
    duplicateRate: 0.01,
    reorderRate: 0.02,
  });
}

export interface KafkaTarget {
  readonly brokers: string;
  readonly registryUrl: string;
  readonly prefix: string;
  readonly partitions: number;
}

/** Creates the topics and registers the schemas, as ingest would; returns a codec that encodes. */
export async function prepareTopics(target: KafkaTarget): Promise<EventCodec> {
  const kafka = createKafka({ brokers: target.brokers, clientId: 'carestream-bench' });
  await ensureTopics(kafka, topicSpecs({ partitions: target.partitions, prefix: target.prefix }));
  return EventCodec.register(new SchemaRegistry({ host: target.registryUrl }), topicNames(target.prefix));
}

/** Average Avro message size (wire format, with the 5-byte header) over the first chunk of a workload. */
export async function averageMessageBytes(
  codec: EventCodec,
  events: readonly WorkloadEvent[],
): Promise<{ valueBytes: number; keyBytes: number }> {
  let value = 0;
  let key = 0;
  for (const event of events) {
    value += (await codec.encode(event)).length;
    key += Buffer.byteLength(messageKeyFor(event));
  }
  return { valueBytes: value / events.length, keyBytes: key / events.length };
}

/**
 * Produces the workload's profiles and events straight to Kafka (no ingest), as ingest would encode and key
 * them; returns how many messages each topic got.
 */
export async function preload(
  target: KafkaTarget,
  codec: EventCodec,
  load: Workload,
  onProgress?: (sent: number) => void,
): Promise<Map<string, number>> {
  const names = topicNames(target.prefix);
  const kafka = createKafka({ brokers: target.brokers, clientId: 'carestream-bench-preload' });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const counts = new Map<string, number>();
  try {
    const send = async (events: readonly (WorkloadEvent | BrandProfileSet)[]) => {
      const byTopic = new Map<string, Message[]>();
      for (const event of events) {
        const topic = topicFor(event, names);
        const messages = byTopic.get(topic) ?? [];
        messages.push({ key: messageKeyFor(event), value: await codec.encode(event) });
        byTopic.set(topic, messages);
        counts.set(topic, (counts.get(topic) ?? 0) + 1);
      }
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    };
    await send(load.profiles);
    let sent = 0;
    for (const chunk of load.chunks()) {
      for (let i = 0; i < chunk.length; i += 5_000) {
        await send(chunk.slice(i, i + 5_000));
        sent += Math.min(5_000, chunk.length - i);
      }
      onProgress?.(sent);
    }
  } finally {
    await producer.disconnect();
  }
  return counts;
}
