import { randomUUID } from 'node:crypto';
import { createKafka, deleteTopics } from '@carestream/kafka';
import pg from 'pg';
import { inject } from 'vitest';
import type { ServiceEndpoints } from './services.ts';

export function testServices(): ServiceEndpoints {
  return inject('services');
}

/** A uuid-suffixed name for a topic, consumer group or key, so test files never see each other's data. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/** Creates an empty database of its own for one test file, on the same server as DATABASE_URL. */
export async function createTestDatabase(baseUrl = testServices().databaseUrl): Promise<TestDatabase> {
  const name = `cs_test_${randomUUID().replaceAll('-', '')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const client = new pg.Client({ connectionString: baseUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * Deletes a test's topics and their schema-registry subjects (`deleteTopics` of @carestream/kafka): a broker
 * that kept every test's partitions would start ever more slowly, and a registry that kept every test's
 * subjects would list hundreds of them. Pass every topic name the test used, created or only registered.
 */
export async function deleteTestTopics(topics: readonly string[]): Promise<void> {
  const services = testServices();
  const kafka = createKafka({ brokers: services.kafkaBrokers, clientId: 'test-cleanup' });
  await deleteTopics(kafka, services.schemaRegistryUrl, topics);
}

/**
 * What is left of a test's names in Kafka and the registry: topics and subjects (soft-deleted ones included,
 * since the registry still holds them) that start with `prefix`. For tests of teardown.
 */
export async function leftBehind(prefix: string): Promise<{ topics: string[]; subjects: string[] }> {
  const services = testServices();
  const admin = createKafka({ brokers: services.kafkaBrokers, clientId: 'test-left-behind' }).admin();
  await admin.connect();
  let topics: string[];
  try {
    topics = await admin.listTopics();
  } finally {
    await admin.disconnect();
  }
  const response = await fetch(`${services.schemaRegistryUrl}/subjects?deleted=true`);
  if (!response.ok) throw new Error(`the registry answered ${response.status}: ${await response.text()}`);
  const subjects = (await response.json()) as string[];
  const ours = (names: string[]) => names.filter((name) => name.startsWith(prefix)).sort();
  return { topics: ours(topics), subjects: ours(subjects) };
}
