import { describe, expect, it } from 'vitest';
import type { BrandProfileSet, MentionReceived } from './events.ts';
import {
  DEFAULT_PARTITIONS,
  FIT_CLUSTER,
  TOPIC_NAMES,
  messageKeyFor,
  replicationFor,
  topicFor,
  topicNames,
  topicSpecs,
} from './topics.ts';

const config = (spec: {
  configEntries: readonly { name: string; value: string }[];
}): Record<string, string> =>
  Object.fromEntries(spec.configEntries.map((entry) => [entry.name, entry.value]));

describe('topics', () => {
  it('are named in one place', () => {
    expect(TOPIC_NAMES).toEqual({
      interactions: 'carestream.interactions',
      brandPosts: 'carestream.brand-posts',
      brandProfiles: 'carestream.brand-profiles',
      deadLetters: 'carestream.dead-letters',
    });
  });

  it('specify every topic with explicit settings, 12 partitions by default', () => {
    const specs = topicSpecs();
    expect(specs.map((spec) => spec.topic)).toEqual(Object.values(TOPIC_NAMES));
    for (const spec of specs) {
      expect(spec.numPartitions).toBe(DEFAULT_PARTITIONS);
      // Chosen with min.insync.replicas by ensureTopics, from the cluster's size.
      expect(spec.replicationFactor).toBe(FIT_CLUSTER);
      expect(config(spec)['min.insync.replicas']).toBeUndefined();
      expect(config(spec)['cleanup.policy']).toMatch(/^(delete|compact)$/);
    }
    const byName = Object.fromEntries(specs.map((spec) => [spec.topic, config(spec)]));
    expect(byName['carestream.interactions']).toMatchObject({
      'cleanup.policy': 'delete',
      'retention.ms': '-1',
    });
    expect(byName['carestream.brand-posts']).toMatchObject({ 'retention.ms': '-1' });
    expect(byName['carestream.brand-profiles']).toMatchObject({ 'cleanup.policy': 'compact' });
    expect(byName['carestream.dead-letters']?.['retention.ms']).toBe(String(30 * 86_400_000));
  });

  it('take a partition count and a prefix for uuid-named test topics', () => {
    const specs = topicSpecs({ partitions: 3, prefix: 'test-6f1c2a9e-' });
    expect(specs.map((spec) => spec.topic)).toContain('test-6f1c2a9e-carestream.interactions');
    expect(specs.every((spec) => spec.numPartitions === 3)).toBe(true);
    expect(topicNames('t.').deadLetters).toBe('t.carestream.dead-letters');
  });

  it('refuse settings that cannot work', () => {
    expect(() => topicSpecs({ partitions: 0 })).toThrow(/partitions must be a positive integer/);
    expect(() => topicSpecs({ partitions: 1.5 })).toThrow(/partitions/);
    expect(() => topicSpecs({ prefix: 'bad prefix/' })).toThrow(/may only use/);
    expect(() => topicSpecs({ prefix: 'x'.repeat(240) })).toThrow(/longer than 249/);
    expect(() => topicSpecs({ partitions: 0 })).toThrow(
      expect.objectContaining({ code: 'CARE_ERR_CONFIG', field: 'partitions' }),
    );
  });

  it('are replicated three times on three brokers or more, a write needing two in sync; on fewer, by each broker with the leader alone', () => {
    expect(replicationFor(1)).toEqual({ replicationFactor: 1, minInsyncReplicas: 1 });
    expect(replicationFor(2)).toEqual({ replicationFactor: 2, minInsyncReplicas: 1 });
    expect(replicationFor(3)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
    expect(replicationFor(5)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
    expect(() => replicationFor(0)).toThrow(expect.objectContaining({ field: 'brokers' }));
  });

  it('route each fact to its topic and key', () => {
    const mention = { type: 'MentionReceived', brandId: 'acme', conversationId: 'c-9' } as MentionReceived;
    const profile = {
      type: 'BrandProfileSet',
      brandId: 'acme',
      setAt: 1000,
      eventId: 'p-1',
    } as BrandProfileSet;
    expect(topicFor(mention)).toBe('carestream.interactions');
    expect(topicFor({ type: 'ReplySent' }, topicNames('p-'))).toBe('p-carestream.interactions');
    expect(topicFor({ type: 'BrandPostPublished' })).toBe('carestream.brand-posts');
    expect(topicFor(profile)).toBe('carestream.brand-profiles');
    expect(messageKeyFor(mention)).toBe('acme:c-9');
    // Every version its own key, so compaction keeps the history and drops only re-deliveries.
    expect(messageKeyFor(profile)).toBe('acme:1000:p-1');
    expect(messageKeyFor({ ...profile, setAt: 2000 })).not.toBe(messageKeyFor(profile));
  });
});
