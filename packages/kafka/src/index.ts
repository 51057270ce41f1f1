export { createKafka, parseBrokers, type KafkaClientOptions } from './kafka-client.ts';
export { deleteTopics, ensureTopics } from './topics.ts';
export { EventCodec } from './event-codec.ts';
export { readTopicToEnd, type ReadToEndOptions } from './read-to-end.ts';
