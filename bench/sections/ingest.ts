// Section 3: ingest's accepted events/s over HTTP: NDJSON batches of 1,000 from a few concurrent clients,
// against an ingest child process; acks=all, so "accepted" means Kafka has them.
import { toIngestItem } from '@carestream/simulator';
import { coresUsed, cpuSnapshot } from '../cpu.ts';
import type { BenchDatabase } from '../isolation.ts';
import { startService } from '../services.ts';
import { log, perSecond } from '../stats.ts';
import { workload } from '../workload.ts';

export const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';

export interface IngestResult {
  readonly events: number;
  readonly batchSize: number;
  readonly clients: number;
  readonly eventsPerSecond: number;
  readonly requestP50Ms: number;
  readonly requestP99Ms: number;
  readonly peakRssMiB: number;
  readonly cores: Record<string, number>;
}

export async function measureIngest(options: {
  brokers: string;
  registryUrl: string;
  database: BenchDatabase;
  prefix: string;
  partitions: number;
  events: number;
  clients: number;
  logDir: string;
}): Promise<IngestResult> {
  const batchSize = 1_000;
  const load = workload(options.events);
  const items = [...load.profiles.map(toIngestItem)];
  for (const chunk of load.chunks()) for (const event of chunk) items.push(toIngestItem(event));
  const bodies: string[] = [];
  for (let i = 0; i < items.length; i += batchSize)
    bodies.push(
      items
        .slice(i, i + batchSize)
        .map((item) => JSON.stringify(item))
        .join('\n'),
    );

  const ingest = await startService('ingest', {
    label: 'ingest',
    logDir: options.logDir,
    env: {
      KAFKA_BROKERS: options.brokers,
      SCHEMA_REGISTRY_URL: options.registryUrl,
      DATABASE_URL: options.database.url,
      CARESTREAM_TOPIC_PREFIX: options.prefix,
      CARESTREAM_PARTITIONS: String(options.partitions),
      CARESTREAM_ADMIN_KEY: ADMIN_KEY,
      // The workload is dated from WORKLOAD_START_MS (January 2026) and ingest runs on the real clock: a
      // century's retention window keeps it inside it whatever the date.
      CARESTREAM_RETENTION_DAYS: '36500',
    },
  });
  try {
    const post = async (body: string) => {
      const response = await fetch(`${ingest.url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/x-ndjson' },
        body,
      });
      const answer = (await response.json()) as { accepted: number; duplicates: number; errors: unknown[] };
      if (response.status !== 202 || answer.errors.length > 0)
        throw new Error(`ingest answered ${response.status}: ${JSON.stringify(answer).slice(0, 500)}`);
      return answer.accepted + answer.duplicates;
    };
    // Warm-up: the first batches (JIT, connections, schema ids) are not measured.
    const warmup = bodies.splice(0, Math.min(5, Math.floor(bodies.length / 10)));
    for (const body of warmup) await post(body);

    const before = await cpuSnapshot(new Map([[ingest.pid, 'ingest']]));
    const started = Date.now();
    const latencies: number[] = [];
    let accepted = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: options.clients }, async () => {
        for (let body = bodies[next++]; body !== undefined; body = bodies[next++]) {
          const sent = Date.now();
          // Not `accepted += await …`: that reads `accepted` before the await and loses the other clients' adds.
          const counted = await post(body);
          accepted += counted;
          latencies.push(Date.now() - sent);
        }
      }),
    );
    const elapsed = Date.now() - started;
    const cores = coresUsed(before, await cpuSnapshot(new Map([[ingest.pid, 'ingest']])));
    const eventsPerSecond = perSecond(accepted, elapsed);
    latencies.sort((a, b) => a - b);
    const { peakRssMiB } = await ingest.stop();
    log(
      `ingest: ${eventsPerSecond} events/s accepted (${accepted} in ${elapsed} ms, ${options.clients} clients); CPU ${JSON.stringify(cores)}`,
    );
    return {
      events: accepted,
      batchSize,
      clients: options.clients,
      eventsPerSecond,
      requestP50Ms: latencies[Math.floor(latencies.length * 0.5)] ?? 0,
      requestP99Ms: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? 0,
      peakRssMiB: Math.round(peakRssMiB),
      cores,
    };
  } finally {
    await ingest.stop();
  }
}
