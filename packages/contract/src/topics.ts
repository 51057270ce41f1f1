// Every Kafka topic carestream uses, in one place: names, keys and settings.
import { CareError } from '@carestream/errors';
import { conversationKey, type CareEvent } from './events.ts';
import { DAY_MS } from './iso-timestamp.ts';

export const TOPIC_NAMES = {
  /** MentionReceived and ReplySent, keyed by `brandId:conversationId` so a conversation stays in order. */
  interactions: 'carestream.interactions',
  /** BrandPostPublished, keyed by brandId. */
  brandPosts: 'carestream.brand-posts',
  /** BrandProfileSet, keyed by brandId, log-compacted: the latest profile per brand wins. */
  brandProfiles: 'carestream.brand-profiles',
  /** Messages that could not be decoded or processed, with the reason in their headers. */
  deadLetters: 'carestream.dead-letters',
} as const;

export type TopicRole = keyof typeof TOPIC_NAMES;
export type TopicNames = { readonly [R in TopicRole]: string };

export const DEFAULT_PARTITIONS = 12;

/**
 * Replication that fits the cluster the topic is created on (ensureTopics asks the brokers how many they are):
 * see replicationFor.
 */
export const FIT_CLUSTER = 'fit-cluster';

/**
 * A topic to create, with every setting explicit: structurally kafkajs' ITopicConfig, except that the replication
 * may be FIT_CLUSTER (then min.insync.replicas is chosen with it).
 */
export interface TopicSpec {
  readonly topic: string;
  readonly numPartitions: number;
  readonly replicationFactor: number | typeof FIT_CLUSTER;
  readonly configEntries: readonly { readonly name: string; readonly value: string }[];
}

export interface TopicSpecOptions {
  /** Partitions of every topic; default 12. Keys map to partitions, so never change it on a live topic. */
  readonly partitions?: number;
  /** Prepended verbatim to every name, e.g. `t-<uuid>.` so that a test gets topics of its own. */
  readonly prefix?: string;
}

export interface Replication {
  readonly replicationFactor: number;
  /** With acks=all a write waits for this many in-sync replicas, and is refused while fewer are in sync. */
  readonly minInsyncReplicas: number;
}

/**
 * carestream's topics on a cluster of `brokers` brokers: three replicas (fewer when there are fewer brokers), and
 * two of them in sync for a write once there are three, so that one broker may be lost (or restarted) without
 * losing an acknowledged event or refusing a write. On one or two brokers a write needs the leader alone.
 */
export function replicationFor(brokers: number): Replication {
  const count = positiveInteger(brokers, 'brokers');
  return { replicationFactor: Math.min(3, count), minInsyncReplicas: count >= 3 ? 2 : 1 };
}

const TOPIC_CHARS = /^[a-zA-Z0-9._-]*$/;
const MAX_TOPIC_LENGTH = 249;

export function topicNames(prefix = ''): TopicNames {
  if (!TOPIC_CHARS.test(prefix)) {
    throw new CareError(
      'CARE_ERR_CONFIG',
      `topic prefix "${prefix}" may only use letters, digits, '.', '_' and '-'`,
      {
        field: 'prefix',
      },
    );
  }
  const names = {
    interactions: `${prefix}${TOPIC_NAMES.interactions}`,
    brandPosts: `${prefix}${TOPIC_NAMES.brandPosts}`,
    brandProfiles: `${prefix}${TOPIC_NAMES.brandProfiles}`,
    deadLetters: `${prefix}${TOPIC_NAMES.deadLetters}`,
  };
  for (const name of Object.values(names)) {
    if (name.length > MAX_TOPIC_LENGTH) {
      throw new CareError(
        'CARE_ERR_CONFIG',
        `topic name ${name} is longer than ${MAX_TOPIC_LENGTH} characters`,
        {
          field: 'prefix',
        },
      );
    }
  }
  return names;
}

function positiveInteger(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new CareError('CARE_ERR_CONFIG', `${field} must be a positive integer, got ${String(value)}`, {
      field,
    });
  }
  return value;
}

/** The topics to create, with every setting explicit rather than left to broker defaults (replication: the cluster's). */
export function topicSpecs(options: TopicSpecOptions = {}): TopicSpec[] {
  const names = topicNames(options.prefix ?? '');
  const numPartitions = positiveInteger(options.partitions ?? DEFAULT_PARTITIONS, 'partitions');
  const common = [
    // Timestamps are the producer's (ingest time), not the broker's append time.
    { name: 'message.timestamp.type', value: 'CreateTime' },
  ];
  // Kafka is the source of truth and projections are rebuilt by replaying it, so the facts are kept forever.
  const keepForever = [
    { name: 'cleanup.policy', value: 'delete' },
    { name: 'retention.ms', value: '-1' },
    { name: 'retention.bytes', value: '-1' },
  ];
  const spec = (topic: string, configEntries: { name: string; value: string }[]): TopicSpec => ({
    topic,
    numPartitions,
    replicationFactor: FIT_CLUSTER,
    configEntries: [...configEntries, ...common],
  });
  return [
    spec(names.interactions, keepForever),
    spec(names.brandPosts, keepForever),
    spec(names.brandProfiles, [
      { name: 'cleanup.policy', value: 'compact' },
      // Roll segments hourly so compaction can act on closed segments within a day, and keep tombstones
      // (a brand's deletion) long enough for every consumer to see them.
      { name: 'segment.ms', value: String(DAY_MS / 24) },
      { name: 'min.cleanable.dirty.ratio', value: '0.1' },
      { name: 'delete.retention.ms', value: String(DAY_MS) },
    ]),
    // A month for an operator to look at a dead letter, fix the cause and replay it.
    spec(names.deadLetters, [
      { name: 'cleanup.policy', value: 'delete' },
      { name: 'retention.ms', value: String(30 * DAY_MS) },
    ]),
  ];
}

/** The topic a fact is published to. */
export function topicFor(event: Pick<CareEvent, 'type'>, names: TopicNames = TOPIC_NAMES): string {
  switch (event.type) {
    case 'MentionReceived':
    case 'ReplySent':
      return names.interactions;
    case 'BrandPostPublished':
      return names.brandPosts;
    case 'BrandProfileSet':
      return names.brandProfiles;
  }
}

/**
 * The message key: a conversation's events share one partition, and so are read in order. A profile version
 * is keyed by brand, time and id, so that the compacted profiles topic keeps every version (figures judge each
 * event by the version in force at its time, also in a replay) while dropping re-deliveries of the same one.
 */
export function messageKeyFor(event: CareEvent): string {
  switch (event.type) {
    case 'MentionReceived':
    case 'ReplySent':
      return conversationKey(event);
    case 'BrandPostPublished':
      return event.brandId;
    case 'BrandProfileSet':
      return `${event.brandId}:${event.setAt}:${event.eventId}`;
  }
}
