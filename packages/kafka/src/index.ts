export { createKafka, parseBrokers, type KafkaClientOptions } from './kafka-client.ts';
export { deleteTopics, ensureTopics, type TopicSpec } from './topics.ts';
export { EventCodec, type CodecEvent } from './event-codec.ts';
