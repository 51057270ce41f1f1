// Each section gets a database and topics of its own (uuid-named), like the tests do, so sections never see
// each other's data; everything is dropped at the end of the run.
import { randomUUID } from 'node:crypto';
import { createKafka, deleteTopics } from '@carestream/kafka';
import pg from 'pg';
import { log } from './stats.ts';

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

/**
 * Writes out what earlier writes left dirty (CHECKPOINT), so that a latency measurement does not pay for the
 * write-ahead log of the work before it: run after the processors section, the freshness section's p99 at
 * 10,000 events/s was 4.2 s against 0.5–0.7 s alone. Needs a superuser (or pg_checkpoint); without, it says so
 * and the measurement runs as it is.
 */
export async function checkpoint(baseUrl: string): Promise<void> {
  await adminQuery(baseUrl, 'checkpoint').catch((error: unknown) =>
    log(`checkpoint refused (${String(error)}): measuring with the writes before it still pending`),
  );
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

/** Deletes every topic whose name starts with one of the prefixes, and the topics' registry subjects. */
export async function deleteRunTopics(
  brokers: string,
  schemaRegistryUrl: string,
  prefixes: readonly string[],
): Promise<void> {
  if (prefixes.length === 0) return;
  const kafka = createKafka({ brokers, clientId: 'carestream-bench-cleanup' });
  const admin = kafka.admin();
  await admin.connect();
  let topics: string[];
  try {
    topics = (await admin.listTopics()).filter((topic) =>
      prefixes.some((prefix) => topic.startsWith(prefix)),
    );
  } finally {
    await admin.disconnect();
  }
  await deleteTopics(kafka, schemaRegistryUrl, topics);
}
