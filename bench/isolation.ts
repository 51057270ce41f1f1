// Each section gets a database and topics of its own (uuid-named), like the tests do, so sections never see
// each other's data; everything is dropped at the end of the run.
import { randomUUID } from 'node:crypto';
import { createKafka } from '@carestream/kafka';
import pg from 'pg';

export interface BenchDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

export async function createDatabase(baseUrl: string, label: string): Promise<BenchDatabase> {
  const name = `cs_bench_${label.replaceAll('-', '_')}_${randomUUID().slice(0, 8)}`;
  await adminQuery(baseUrl, `create database "${name}"`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => adminQuery(baseUrl, `drop database if exists "${name}" with (force)`),
  };
}

async function adminQuery(baseUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A topic prefix of the run's own, e.g. `bench-1a2b3c4d.processors.`. */
export function topicPrefix(label: string): string {
  return `bench-${randomUUID().slice(0, 8)}.${label}.`;
}

/** Deletes every topic whose name starts with one of the prefixes. */
export async function deleteTopics(brokers: string, prefixes: readonly string[]): Promise<number> {
  if (prefixes.length === 0) return 0;
  const admin = createKafka({ brokers, clientId: 'carestream-bench-cleanup' }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((topic) =>
      prefixes.some((prefix) => topic.startsWith(prefix)),
    );
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
    return topics.length;
  } finally {
    await admin.disconnect();
  }
}
