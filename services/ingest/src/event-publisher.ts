import { messageKeyFor, topicFor, type CareEvent, type TopicNames } from '@carestream/contract';
import { CareError } from '@carestream/errors';
import type { EventCodec } from '@carestream/kafka';
import type { Producer, TopicMessages } from 'kafkajs';

/**
 * Publishes facts to their topics, keyed so that a conversation's events share a partition. Resolves only
 * when every message is acknowledged by all in-sync replicas (acks=all); otherwise throws a retriable
 * CARE_ERR_KAFKA_UNAVAILABLE and the caller reports nothing as accepted.
 */
export class EventPublisher {
  constructor(
    private readonly producer: Producer,
    private readonly codec: EventCodec,
    private readonly topics: TopicNames,
  ) {}

  async publish(events: readonly CareEvent[]): Promise<void> {
    if (events.length === 0) return;
    const byTopic = new Map<string, TopicMessages>();
    for (const event of events) {
      const topic = topicFor(event, this.topics);
      const entry = byTopic.get(topic) ?? { topic, messages: [] };
      entry.messages.push({ key: messageKeyFor(event), value: await this.codec.encode(event) });
      byTopic.set(topic, entry);
    }
    try {
      await this.producer.sendBatch({ acks: -1, topicMessages: [...byTopic.values()] });
    } catch (error) {
      throw new CareError(
        'CARE_ERR_KAFKA_UNAVAILABLE',
        'Kafka did not acknowledge the events; nothing was accepted, retry later',
        {
          retriable: true,
          cause: error,
        },
      );
    }
  }
}
