// What one `npm run bench` measures and how big, from the environment. The defaults finish in about
// 15 minutes on a 2-core machine with the whole stack on it; the full sizes (1M → 10M events) are
// BENCH_EVENTS=1000000 BENCH_SCALE=10, which takes hours there.

export const SECTION_NAMES = [
  'ceiling',
  'client-ceiling',
  'ingest',
  'processors',
  'freshness',
  'replay',
  'api',
  'memory',
] as const;
export type SectionName = (typeof SECTION_NAMES)[number];

export interface BenchOptions {
  readonly kafkaBrokers: string;
  readonly schemaRegistryUrl: string;
  readonly databaseUrl: string;
  /** Events preloaded into Kafka for the processors, replay and API sections. */
  readonly events: number;
  /** The memory section preloads events × scale and runs one processors instance over them (1 = skipped). */
  readonly scale: number;
  /** Messages for Kafka's own tools and for the raw kafkajs client. */
  readonly rawMessages: number;
  /** Events sent to ingest over HTTP. */
  readonly ingestEvents: number;
  readonly ingestClients: number;
  readonly partitions: number;
  /** Processors runs: how many instances each (default 1 and 2). */
  readonly processorInstances: readonly number[];
  readonly freshnessRates: readonly number[];
  readonly freshnessSeconds: number;
  readonly apiRates: readonly number[];
  readonly apiSeconds: number;
  /** Adds a processors run under --cpu-prof and lists its hottest functions. */
  readonly profile: boolean;
  readonly sections: ReadonlySet<SectionName>;
  readonly outputJson: string;
  readonly outputMarkdown: string;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 1): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replaceAll('_', ''));
  if (!Number.isSafeInteger(value) || value < min)
    throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return value;
}

function integers(env: NodeJS.ProcessEnv, name: string, fallback: readonly number[]): readonly number[] {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const values = raw.split(',').map((part) => Number(part.trim()));
  if (values.some((value) => !Number.isSafeInteger(value) || value < 1))
    throw new Error(`${name} must be a comma-separated list of positive integers, got "${raw}"`);
  return values;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set: run through bench/run.sh, which starts the local stack`);
  return value;
}

export function loadBenchOptions(env: NodeJS.ProcessEnv): BenchOptions {
  const events = integer(env, 'BENCH_EVENTS', 200_000, 1_000);
  const sections = env.BENCH_SECTIONS
    ? env.BENCH_SECTIONS.split(',').map((name) => name.trim())
    : [...SECTION_NAMES];
  for (const name of sections) {
    if (!(SECTION_NAMES as readonly string[]).includes(name))
      throw new Error(`BENCH_SECTIONS names "${name}"; choose from ${SECTION_NAMES.join(', ')}`);
  }
  return {
    kafkaBrokers: required(env, 'KAFKA_BROKERS'),
    schemaRegistryUrl: required(env, 'SCHEMA_REGISTRY_URL'),
    databaseUrl: required(env, 'DATABASE_URL'),
    events,
    scale: integer(env, 'BENCH_SCALE', 5),
    rawMessages: integer(env, 'BENCH_RAW_MESSAGES', Math.max(500_000, events), 1_000),
    ingestEvents: integer(env, 'BENCH_INGEST_EVENTS', Math.min(events, 100_000), 1_000),
    ingestClients: integer(env, 'BENCH_INGEST_CLIENTS', 4),
    partitions: integer(env, 'BENCH_PARTITIONS', 12),
    processorInstances: integers(env, 'BENCH_PROCESSOR_INSTANCES', [1, 2]),
    freshnessRates: integers(env, 'BENCH_FRESHNESS_RATES', [2_000, 5_000, 10_000]),
    freshnessSeconds: integer(env, 'BENCH_FRESHNESS_SECONDS', 20, 5),
    apiRates: integers(env, 'BENCH_API_RATES', [50, 200, 1_000]),
    apiSeconds: integer(env, 'BENCH_API_SECONDS', 15, 3),
    profile: (env.BENCH_PROFILE ?? '1') !== '0',
    sections: new Set(sections as SectionName[]),
    outputJson: env.BENCH_OUTPUT_JSON ?? 'docs/benchmarks.json',
    outputMarkdown: env.BENCH_OUTPUT_MARKDOWN ?? 'docs/benchmarks.md',
  };
}
