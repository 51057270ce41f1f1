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
 * Encoded bytes per send. A send puts each partition's messages in one record batch, which a broker refuses
 * past `message.max.bytes` (1 MiB by default) as a whole: a request's events for one conversation or one
 * brand's posts (one partition) could be several MiB. Half the default leaves room for the batch's framing.
 */
export const MAX_SEND_BYTES = 512 * 1024;
/** A record's framing in a batch (lengths, offsets, timestamps: varints), counted generously. */
const RECORD_OVERHEAD_BYTES = 32;

/**
 * Publishes facts to their topics, keyed so that a conversation's events share a partition. Resolves only
 * when every message is acknowledged by all in-sync replicas (acks=all); otherwise, or when the
 * acknowledgement takes longer than `ackTimeoutMs`, throws a retriable CARE_ERR_KAFKA_UNAVAILABLE and the
 * caller reports nothing as accepted. A send that timed out may still land later, and a request of several
 * sends may have landed in part: the client sends again, and the eventId makes the second copy count once.
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
    const sends: TopicMessages[][] = [];
    let byTopic = new Map<string, TopicMessages>();
    let bytes = 0;
    for (const event of events) {
      const topic = topicFor(event, this.topics);
      const key = messageKeyFor(event);
      const value = await this.codec.encode(event);
      const size = Buffer.byteLength(key) + value.length + RECORD_OVERHEAD_BYTES;
      if (bytes > 0 && bytes + size > MAX_SEND_BYTES) {
        sends.push([...byTopic.values()]);
        byTopic = new Map();
        bytes = 0;
      }
      const entry = byTopic.get(topic) ?? { topic, messages: [] };
      entry.messages.push({ key, value });
      byTopic.set(topic, entry);
      bytes += size;
    }
    sends.push([...byTopic.values()]);
    const { ackTimeoutMs } = this.options;
    // One after the other: the producer sends one request at a time anyway (idempotent, one in flight). Once
    // the caller has been answered (the deadline passed) no further send starts.
    let answered = false;
    const sent = (async () => {
      for (const topicMessages of sends) {
        if (answered) return;
        await this.producer.sendBatch({ acks: -1, timeout: ackTimeoutMs, topicMessages });
      }
    })();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timed out'>((resolve) => {
      timer = setTimeout(() => {
        answered = true;
        resolve('timed out');
      }, ackTimeoutMs);
    });
    let outcome: unknown;
    try {
      // The race also handles a late failure of the send nobody awaits any more (no unhandled rejection).
      outcome = await Promise.race([sent, deadline]);
    } catch (error) {
      throw new CareError(
        'CARE_ERR_KAFKA_UNAVAILABLE',
        'Kafka did not acknowledge the events; nothing is reported accepted, retry later ' +
          '(resending the same eventIds is safe: each counts once)',
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
