export { createKafka, createSchemaRegistry, parseBrokers, type KafkaClientOptions } from './kafka-client.ts';
export {
  KAFKA_SASL_MECHANISMS,
  KAFKA_SECURITY_PROTOCOLS,
  loadKafkaSecurity,
  loadRegistryAuth,
  PLAINTEXT,
  type KafkaSasl,
  type KafkaSecurity,
  type KafkaTls,
  type RegistryAuth,
} from './connection-security.ts';
export { deleteTopics, ensureTopics } from './topics.ts';
export { EventCodec } from './event-codec.ts';
export { readTopicToEnd, type ReadToEndOptions } from './read-to-end.ts';
