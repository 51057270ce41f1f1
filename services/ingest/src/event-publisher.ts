import { messageKeyFor, topicFor, type CareEvent, type TopicNames } from '@carestream/contract';
import { CareError } from '@carestream/errors';
import type { EventCodec } from '@carestream/kafka';
import type { Producer, TopicMessages } from 'kafkajs';

export interface EventPublisherOptions {
  /**
   * How long a request waits for Kafka's acknowledgement (INGEST_KAFKA_TIMEOUT_MS). A frozen broker holds
   * requests open for as long as the client lets it; past this the caller gets a retriable 503 instead.
   */
  readonly ackTimeoutMs: number;
}

/**
 * Publishes facts to their topics, keyed so that a conversation's events share a partition. Resolves only
 * when every message is acknowledged by all in-sync replicas (acks=all); otherwise, or when the
 * acknowledgement takes longer than `ackTimeoutMs`, throws a retriable CARE_ERR_KAFKA_UNAVAILABLE and the
 * caller reports nothing as accepted. A send that timed out may still land later: the client sends again,
 * and the eventId makes the second copy count once.
 */
export class EventPublisher {
  constructor(
    private readonly producer: Producer,
    private readonly codec: EventCodec,
    private readonly topics: TopicNames,
    private readonly options: EventPublisherOptions,
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
    const { ackTimeoutMs } = this.options;
    const sent = this.producer.sendBatch({
      acks: -1,
      timeout: ackTimeoutMs,
      topicMessages: [...byTopic.values()],
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timed out'>((resolve) => {
      timer = setTimeout(() => resolve('timed out'), ackTimeoutMs);
    });
    let outcome: unknown;
    try {
      // The race also handles a late failure of the send nobody awaits any more (no unhandled rejection).
      outcome = await Promise.race([sent, deadline]);
    } catch (error) {
      throw new CareError(
        'CARE_ERR_KAFKA_UNAVAILABLE',
        'Kafka did not acknowledge the events; nothing was accepted, retry later',
        { retriable: true, cause: error },
      );
    } finally {
      clearTimeout(timer);
    }
    if (outcome === 'timed out') {
      throw new CareError(
        'CARE_ERR_KAFKA_UNAVAILABLE',
        `Kafka did not acknowledge the events within ${ackTimeoutMs} ms; nothing is reported accepted, ` +
          'retry later (resending the same eventIds is safe: each counts once)',
        { retriable: true },
      );
    }
  }
}
