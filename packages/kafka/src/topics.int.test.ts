import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { MENTION_RECEIVED_SCHEMA, subjectName, topicNames, topicSpecs } from '@carestream/contract';
import { leftBehind, testServices, uniqueName } from '@carestream/test-support';
import { ConfigResourceTypes } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createKafka } from './kafka-client.ts';
import { EventCodec } from './event-codec.ts';
import { deleteTopics, ensureTopics } from './topics.ts';

describe('ensureTopics on the real broker', () => {
  const services = testServices();
  const kafka = createKafka({ brokers: services.kafkaBrokers, clientId: 'ensure-topics-test' });

  it('fits the replication to the cluster: on one broker, one replica and a write needing the leader alone', async () => {
    const prefix = `${uniqueName('fit-cluster')}.`;
    const names = Object.values(topicNames(prefix));
    await ensureTopics(kafka, topicSpecs({ partitions: 2, prefix }));
    const admin = kafka.admin();
    await admin.connect();
    try {
      const brokers = (await admin.describeCluster()).brokers.length;
      expect(brokers).toBe(1);
      const metadata = await admin.fetchTopicMetadata({ topics: names });
      for (const topic of metadata.topics)
        for (const partition of topic.partitions) expect(partition.replicas).toHaveLength(1);
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: names.map((name) => ({
          type: ConfigResourceTypes.TOPIC,
          name,
          configNames: ['min.insync.replicas'],
        })),
      });
      expect(configs.resources.map((resource) => resource.configEntries[0]?.configValue)).toEqual(
        names.map(() => '1'),
      );
    } finally {
      await admin.disconnect();
      await deleteTopics(kafka, services.schemaRegistryUrl, names);
    }
  });
});

describe('deleteTopics on the real broker and registry', () => {
  const services = testServices();
  const kafka = createKafka({ brokers: services.kafkaBrokers, clientId: 'delete-topics-test' });
  const registry = new SchemaRegistry({ host: services.schemaRegistryUrl });

  it("deletes the topics and every subject of theirs, soft-deleted ones too, and none of a neighbour's", async () => {
    const prefix = `${uniqueName('teardown')}.`;
    const names = topicNames(prefix);
    await ensureTopics(kafka, topicSpecs({ partitions: 1, prefix }));
    await EventCodec.register(registry, names);
    // A neighbour whose topic name only extends one of ours: its subject starts with `<our topic>-` too.
    const neighbour = `${names.interactions}-extra`;
    const neighbourSubject = subjectName(neighbour, 'MentionReceived');
    await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(MENTION_RECEIVED_SCHEMA) },
      { subject: neighbourSubject },
    );
    // A cleanup interrupted between its two steps: soft-deleted, hidden from the list, still stored.
    const halfDeleted = subjectName(names.interactions, 'ReplySent');
    const soft = await fetch(`${services.schemaRegistryUrl}/subjects/${encodeURIComponent(halfDeleted)}`, {
      method: 'DELETE',
    });
    expect(soft.status).toBe(200);
    const before = await leftBehind(prefix);
    expect(before.topics).toEqual(Object.values(names).sort());
    expect(before.subjects).toHaveLength(5); // four facts, the neighbour's
    expect(before.subjects).toContain(halfDeleted);

    await deleteTopics(kafka, services.schemaRegistryUrl, Object.values(names));

    expect(await leftBehind(prefix)).toEqual({ topics: [], subjects: [neighbourSubject] });
    await deleteTopics(kafka, services.schemaRegistryUrl, [neighbour]);
    expect(await leftBehind(prefix)).toEqual({ topics: [], subjects: [] });
  });

  it('deletes the subjects of topics that were never created, and does nothing twice', async () => {
    const prefix = `${uniqueName('registered-only')}.`;
    const names = topicNames(prefix);
    await EventCodec.register(registry, names);
    expect((await leftBehind(prefix)).subjects).toHaveLength(4); // the four facts
    await deleteTopics(kafka, services.schemaRegistryUrl, Object.values(names));
    await deleteTopics(kafka, services.schemaRegistryUrl, Object.values(names));
    expect(await leftBehind(prefix)).toEqual({ topics: [], subjects: [] });
  });
});
