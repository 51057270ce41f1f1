import type { CareEvent, TopicNames } from '@carestream/contract';
import type { IdentityVault } from '@carestream/erasure';
import type { EventCodec } from '@carestream/kafka';
import type { Producer } from 'kafkajs';
import { EventPublisher, type EventPublisherOptions } from './event-publisher.ts';

/**
 * What ingest publishes: every event with its personal values replaced by references and its text sealed
 * (@carestream/erasure), so that no author id, message id or text reaches Kafka in clear and an erasure can
 * destroy them for good. The references are created before the send: an event whose send fails and is sent
 * again gets the same ones.
 */
export class PseudonymizingPublisher extends EventPublisher {
  constructor(
    private readonly identities: IdentityVault,
    producer: Producer,
    codec: EventCodec,
    topics: TopicNames,
    options: EventPublisherOptions,
  ) {
    super(producer, codec, topics, options);
  }

  override async publish(events: readonly CareEvent[]): Promise<void> {
    if (events.length === 0) return;
    await super.publish(await this.identities.pseudonymize(events));
  }
}
