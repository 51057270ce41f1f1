export { createKafka, parseBrokers, type KafkaClientOptions } from './kafka-client.ts';
export { deleteTopics, ensureTopics } from './topics.ts';
export { EventCodec, type CodecEvent } from './event-codec.ts';
