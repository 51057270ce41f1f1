import { randomUUID } from 'node:crypto';
import { createKafka } from '@carestream/kafka';
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

/** Deletes a test's topics: a broker that kept every test's partitions would start ever more slowly. */
export async function deleteTestTopics(
  topics: readonly string[],
  brokers = testServices().kafkaBrokers,
): Promise<void> {
  const admin = createKafka({ brokers, clientId: 'test-cleanup' }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const present = topics.filter((topic) => existing.has(topic));
    if (present.length > 0) await admin.deleteTopics({ topics: present });
  } finally {
    await admin.disconnect();
  }
}
