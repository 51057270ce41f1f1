// Section 1: the broker's own limits, measured by Kafka's ProducerPerformance and ConsumerPerformance (run
// from the stack's jars) at carestream's average Avro message size.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createKafka } from '@carestream/kafka';
import { log, round } from '../stats.ts';

const run = promisify(execFile);
const STACK = path.resolve(import.meta.dirname, '../../infra/local-stack/stack.sh');

export interface CeilingResult {
  readonly messages: number;
  readonly recordBytes: number;
  readonly partitions: number;
  readonly produce: { eventsPerSecond: number; mbPerSecond: number; p50Ms: number; p99Ms: number };
  /** nMsg.sec over the whole run, and fetch.nMsg.sec (without the group join). */
  readonly consume: { eventsPerSecond: number; fetchEventsPerSecond: number; mbPerSecond: number };
}

async function kafkaClass(args: readonly string[]): Promise<string> {
  const { stdout } = await run('bash', [STACK, 'kafka-class', ...args], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

export async function measureCeiling(options: {
  brokers: string;
  prefix: string;
  messages: number;
  recordBytes: number;
  partitions: number;
}): Promise<CeilingResult> {
  const topic = `${options.prefix}raw`;
  const admin = createKafka({ brokers: options.brokers, clientId: 'carestream-bench' }).admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: options.partitions, replicationFactor: 1 }],
  });
  await admin.disconnect();
  const bootstrap = options.brokers.split(',')[0] ?? '127.0.0.1:9092';
  // acks=all, as ingest produces; otherwise the tool's defaults (batch.size 16 KiB, linger 0 ms in 3.9).
  const produced = await kafkaClass([
    'org.apache.kafka.tools.ProducerPerformance',
    '--topic',
    topic,
    '--num-records',
    String(options.messages),
    '--record-size',
    String(options.recordBytes),
    '--throughput',
    '-1',
    '--producer-props',
    `bootstrap.servers=${bootstrap}`,
    'acks=all',
  ]);
  // "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, P50 ms 50th, … P99 ms 99th, …"
  const summary =
    /records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\).*?(\d+) ms 50th.*?(\d+) ms 99th/.exec(produced);
  if (!summary) throw new Error(`cannot read ProducerPerformance output:\n${produced.slice(-2000)}`);
  const produce = {
    eventsPerSecond: round(Number(summary[1])),
    mbPerSecond: round(Number(summary[2]), 1),
    p50Ms: Number(summary[3]),
    p99Ms: Number(summary[4]),
  };
  log(`ceiling: ProducerPerformance ${produce.eventsPerSecond} records/s (${produce.mbPerSecond} MB/s)`);

  const consumed = await kafkaClass([
    'org.apache.kafka.tools.ConsumerPerformance',
    '--bootstrap-server',
    bootstrap,
    '--topic',
    topic,
    '--messages',
    String(options.messages),
    '--timeout',
    '60000',
  ]);
  // header: start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,
  //         rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
  const line = consumed
    .trim()
    .split('\n')
    .reverse()
    .find((row) => /^\d{4}-/.test(row));
  const fields = line?.split(',').map((field) => field.trim()) ?? [];
  if (fields.length < 10)
    throw new Error(`cannot read ConsumerPerformance output:\n${consumed.slice(-2000)}`);
  const consume = {
    eventsPerSecond: round(Number(fields[5])),
    fetchEventsPerSecond: round(Number(fields[9])),
    mbPerSecond: round(Number(fields[3]), 1),
  };
  log(
    `ceiling: ConsumerPerformance ${consume.eventsPerSecond} records/s (${consume.fetchEventsPerSecond} without the group join)`,
  );
  return {
    messages: options.messages,
    recordBytes: options.recordBytes,
    partitions: options.partitions,
    produce,
    consume,
  };
}
