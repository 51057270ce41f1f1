import { FIT_CLUSTER, replicationFor, topicOfSubject, type TopicSpec } from '@carestream/contract';
import { CareError } from '@carestream/errors';
import type { Admin, ITopicConfig, Kafka } from 'kafkajs';

/**
 * Creates the topics that do not exist yet, with their explicit settings, a FIT_CLUSTER replication made the one
 * replicationFor the brokers the cluster has now; existing ones are left alone (their partition count is
 * checked, since keys map to partitions and must not move silently).
 */
export async function ensureTopics(kafka: Kafka, specs: readonly TopicSpec[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((spec) => !existing.has(spec.topic));
    if (missing.length > 0) {
      // Only when asked for: the tests' specs of their own name their replication and skip the round trip.
      const brokers = missing.some((spec) => spec.replicationFactor === FIT_CLUSTER)
        ? (await admin.describeCluster()).brokers.length
        : 0;
      try {
        await admin.createTopics({
          waitForLeaders: false,
          topics: missing.map((spec) => topicConfig(spec, brokers)),
        });
      } catch (error) {
        // Another instance may have created them between our list and create: that is fine.
        if (!(error instanceof Error && /already exists/i.test(error.message))) throw error;
      }
      await waitForLeaders(
        admin,
        missing.map((spec) => spec.topic),
      );
    }
    const metadata = await topicMetadata(
      admin,
      specs.map((spec) => spec.topic),
    );
    for (const spec of specs) {
      const found = metadata.topics.find((topic) => topic.name === spec.topic);
      if (found && found.partitions.length !== spec.numPartitions) {
        process.stderr.write(
          `${JSON.stringify({
            level: 'warn',
            message: `topic ${spec.topic} has ${found.partitions.length} partitions, configuration asks for ${spec.numPartitions}; keeping the existing count`,
          })}\n`,
        );
      }
    }
  } finally {
    await admin.disconnect();
  }
}

// Errors of a broker that has not heard of a new topic, or of its partitions' leaders, yet.
const NOT_YET = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);
const LEADERS_TIMEOUT_MS = 30_000;

/**
 * The topics' metadata, asked again while the broker that answers has not heard of a topic yet: on a cluster of
 * several brokers, metadata reaches each of them a moment after the controller created the topic, and the next
 * request may go to another broker than the one that said the leaders were there.
 */
async function topicMetadata(admin: Admin, topics: readonly string[]) {
  const deadline = Date.now() + LEADERS_TIMEOUT_MS;
  for (;;) {
    try {
      return await admin.fetchTopicMetadata({ topics: [...topics] });
    } catch (error) {
      if (!NOT_YET.has((error as { type?: string }).type ?? '') || Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Resolves once every partition of `topics` has a leader. kafkajs' own wait (createTopics' waitForLeaders) gives
 * up when the broker it asks does not know a topic yet, which on a cluster of several brokers happens right after
 * the controller created it.
 */
async function waitForLeaders(admin: Admin, topics: readonly string[]): Promise<void> {
  const deadline = Date.now() + LEADERS_TIMEOUT_MS;
  for (;;) {
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: [...topics] });
      const led = metadata.topics.every((topic) =>
        topic.partitions.every((partition) => partition.leader >= 0),
      );
      if (led) return;
    } catch (error) {
      if (!NOT_YET.has((error as { type?: string }).type ?? '')) throw error;
    }
    if (Date.now() > deadline) {
      throw new CareError(
        'CARE_ERR_KAFKA_UNAVAILABLE',
        `the partitions of ${topics.join(', ')} have no leader ${LEADERS_TIMEOUT_MS} ms after they were created`,
        { retriable: true },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** kafkajs' settings for a spec; a FIT_CLUSTER replication becomes replicationFor a cluster of `brokers`. */
function topicConfig(spec: TopicSpec, brokers: number): ITopicConfig {
  const { topic, numPartitions } = spec;
  const configEntries = spec.configEntries.map((entry) => ({ ...entry }));
  if (spec.replicationFactor !== FIT_CLUSTER) {
    return { topic, numPartitions, replicationFactor: spec.replicationFactor, configEntries };
  }
  const { replicationFactor, minInsyncReplicas } = replicationFor(brokers);
  configEntries.push({ name: 'min.insync.replicas', value: String(minInsyncReplicas) });
  return { topic, numPartitions, replicationFactor, configEntries };
}

/**
 * Deletes topics and, for good, the schema-registry subjects of their records (TopicRecordNameStrategy:
 * `<topic>-<record>`): what runs on a shared broker and registry with topics of its own (tests, benchmarks)
 * leaves nothing behind; a registry that kept every run's subjects would list ever more of them. Topics that do
 * not exist are skipped (a run may register schemas without creating topics); subjects of other topics are
 * never touched, even those whose topic name starts with one of these.
 */
export async function deleteTopics(
  kafka: Kafka,
  schemaRegistryUrl: string,
  topics: readonly string[],
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const present = topics.filter((topic) => existing.has(topic));
    if (present.length > 0) await admin.deleteTopics({ topics: present, timeout: 30_000 });
  } finally {
    await admin.disconnect();
  }
  await deleteSubjectsOf(schemaRegistryUrl, new Set(topics));
}

/**
 * The Confluent API deletes in two steps: a soft delete hides a subject, then a permanent one removes it and its
 * schema versions (Apicurio refuses the permanent delete of a subject not soft-deleted first, 40405). A 404 at
 * either step means the subject is already in that state: soft-deleted by a cleanup interrupted between the two
 * steps (which is why soft-deleted subjects are listed too), or gone.
 */
async function deleteSubjectsOf(schemaRegistryUrl: string, topics: ReadonlySet<string>): Promise<void> {
  // Apicurio 3.0.9 ignores `subjectPrefix`, so the whole list is read and filtered here.
  const listed = (await registryRequest(schemaRegistryUrl, 'GET', '/subjects?deleted=true')) as string[];
  for (const subject of listed) {
    const topic = topicOfSubject(subject);
    if (topic === undefined || !topics.has(topic)) continue;
    const path = `/subjects/${encodeURIComponent(subject)}`;
    await registryRequest(schemaRegistryUrl, 'DELETE', path);
    await registryRequest(schemaRegistryUrl, 'DELETE', `${path}?permanent=true`);
  }
}

/** The answer's JSON; null for a DELETE answered 404 (see deleteSubjectsOf); other failures throw, saying why. */
async function registryRequest(baseUrl: string, method: 'GET' | 'DELETE', path: string): Promise<unknown> {
  const url = `${baseUrl}${path}`;
  let response: Response;
  try {
    response = await fetch(url, { method, headers: { accept: 'application/vnd.schemaregistry.v1+json' } });
  } catch (error) {
    throw new CareError('CARE_ERR_REGISTRY_UNAVAILABLE', `schema registry unreachable: ${method} ${url}`, {
      retriable: true,
      cause: error,
    });
  }
  if (response.status === 404 && method === 'DELETE') return null;
  if (!response.ok) {
    throw new CareError(
      response.status >= 500 ? 'CARE_ERR_REGISTRY_UNAVAILABLE' : 'CARE_ERR_INTERNAL',
      `schema registry answered ${response.status} to ${method} ${url}: ${await response.text()}`,
      { retriable: response.status >= 500 },
    );
  }
  return response.json();
}
