// Rewrites the tables in docs/benchmarks.md from docs/benchmarks.json without measuring again (after a change to
// the report's layout): `node --import tsx bench/rewrite-report.ts`.
import { readFile } from 'node:fs/promises';
import { loadBenchOptions } from './options.ts';
import { writeReport, type BenchResults } from './report.ts';

const options = loadBenchOptions({
  KAFKA_BROKERS: '-',
  SCHEMA_REGISTRY_URL: '-',
  DATABASE_URL: '-',
  ...process.env,
});
const results = JSON.parse(await readFile(options.outputJson, 'utf8')) as BenchResults;
const settings = results.settings as { events?: number } | undefined;
await writeReport(results, { ...options, events: settings?.events ?? options.events });
