// `npm run bench` (through bench/run.sh): every section in one run, in order, each with a database and
// topics of its own; numbers are printed as they come and the report is rewritten after every section, so
// an interrupted run still leaves what it measured.
import { mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { checkpoint, createDatabase, deleteRunTopics, topicPrefix, type BenchDatabase } from './isolation.ts';
import { describeMachine } from './machine.ts';
import { loadBenchOptions, type SectionName } from './options.ts';
import { ratios, writeReport, type BenchResults } from './report.ts';
import { measureApi } from './sections/api.ts';
import { measureCeiling } from './sections/ceiling.ts';
import { measureClientCeiling } from './sections/client-ceiling.ts';
import { measureFreshness } from './sections/freshness.ts';
import { measureIngest } from './sections/ingest.ts';
import { readCpuProfile, runProcessors } from './sections/processors.ts';
import { measureReplay } from './sections/replay.ts';
import { log, round } from './stats.ts';
import { averageMessageBytes, preload, prepareTopics, workload } from './workload.ts';

const options = loadBenchOptions(process.env);
const started = Date.now();
const logDir = await mkdtemp(path.join(os.tmpdir(), 'carestream-bench-'));
const results: BenchResults = { startedAt: new Date(started).toISOString() };
const databases: BenchDatabase[] = [];
const prefixes: string[] = [];
const want = (section: SectionName) => options.sections.has(section);

const database = async (label: string) => {
  const created = await createDatabase(options.databaseUrl, label);
  databases.push(created);
  return created;
};
const keepDatabases = process.env.BENCH_KEEP_DATABASES === '1';
// A section's database goes as soon as no later section reads it: left behind, its tables' autovacuum would
// run in the middle of the later sections' measurements.
const release = async (db: BenchDatabase | undefined) => {
  const at = db ? databases.indexOf(db) : -1;
  if (!db || at < 0 || keepDatabases) return;
  databases.splice(at, 1);
  await db.drop().catch((error: unknown) => log(`drop ${db.name}: ${String(error)}`));
};
const prefix = (label: string) => {
  const created = topicPrefix(label);
  prefixes.push(created);
  return created;
};
const save = async () => {
  results.ratios = ratios(results);
  results.durationSeconds = Math.round((Date.now() - started) / 1000);
  await writeReport(results, options);
};
const target = (topicsPrefix: string) => ({
  brokers: options.kafkaBrokers,
  registryUrl: options.schemaRegistryUrl,
  prefix: topicsPrefix,
  partitions: options.partitions,
});

log(`logs of the services in ${logDir}`);
try {
  results.machine = await describeMachine(options.databaseUrl);
  results.settings = {
    events: options.events,
    scale: options.scale,
    rawMessages: options.rawMessages,
    ingestEvents: options.ingestEvents,
    ingestClients: options.ingestClients,
    partitions: options.partitions,
    freshnessRates: options.freshnessRates,
    freshnessSeconds: options.freshnessSeconds,
    apiRates: options.apiRates,
    apiSeconds: options.apiSeconds,
    sections: [...options.sections],
  };
  log(`machine: ${JSON.stringify(results.machine)}`);

  // The preloaded log, shared by the processors, replay and API sections; its first day gives the average
  // message size the ceilings are measured at.
  const mainPrefix = prefix('log');
  const codec = await prepareTopics(target(mainPrefix));
  const load = workload(options.events);
  const [firstDay = []] = load.chunks();
  results.messageSize = await averageMessageBytes(codec, firstDay);
  const recordBytes = Math.round(results.messageSize.valueBytes);
  log(`average Avro message: ${recordBytes} bytes, key ${round(results.messageSize.keyBytes)} bytes`);

  if (want('ceiling')) {
    results.ceiling = await measureCeiling({
      brokers: options.kafkaBrokers,
      prefix: prefix('ceiling'),
      messages: options.rawMessages,
      recordBytes,
      partitions: options.partitions,
    });
    await save();
  }
  if (want('client-ceiling')) {
    results.clientCeiling = await measureClientCeiling({
      brokers: options.kafkaBrokers,
      prefix: prefix('client'),
      messages: options.rawMessages,
      recordBytes,
      keyBytes: Math.round(results.messageSize.keyBytes),
      partitions: options.partitions,
      batchSize: 1_000,
      concurrency: options.ingestClients,
    });
    await save();
  }
  if (want('ingest')) {
    const ingestDatabase = await database('ingest');
    results.ingest = await measureIngest({
      brokers: options.kafkaBrokers,
      registryUrl: options.schemaRegistryUrl,
      database: ingestDatabase,
      prefix: prefix('ingest'),
      partitions: options.partitions,
      events: options.ingestEvents,
      clients: options.ingestClients,
      logDir,
    });
    await release(ingestDatabase);
    await save();
  }

  // Each processors run reads a log of its own (same events, own topics), so that no run's consumer groups,
  // dead letters or topic state can touch another's.
  const preloadLog = async (label: string, events: number) => {
    const runPrefix = label === 'processors-x1' ? mainPrefix : prefix(label);
    const runCodec = runPrefix === mainPrefix ? codec : await prepareTopics(target(runPrefix));
    const preloadStart = Date.now();
    await preload(target(runPrefix), runCodec, events === options.events ? load : workload(events), (sent) =>
      log(`${label} preload: ${sent} events`),
    );
    const seconds = round((Date.now() - preloadStart) / 1000, 1);
    log(`${label} preload: ${events} events in ${seconds} s`);
    return { runPrefix, seconds };
  };

  let oneInstance: { database: BenchDatabase; prefix: string } | undefined;
  let twoInstances: { database: BenchDatabase; prefix: string } | undefined;
  if (want('processors') || want('replay') || want('api')) {
    results.processors = { events: options.events, preloadSeconds: 0, runs: [] };
    for (const instances of want('processors') ? options.processorInstances : [1]) {
      const label = `processors-x${instances}`;
      const { runPrefix, seconds } = await preloadLog(label, options.events);
      results.processors.preloadSeconds = seconds;
      const db = await database(label);
      // A repeated instance count's earlier database is read by no later section.
      if (instances === 1) {
        await release(oneInstance?.database);
        oneInstance = { database: db, prefix: runPrefix };
      } else {
        await release(twoInstances?.database);
        twoInstances = { database: db, prefix: runPrefix };
      }
      results.processors.runs.push(
        await runProcessors({ ...target(runPrefix), database: db, instances, logDir, label }),
      );
      await save();
    }
    if (want('processors') && options.profile) {
      const profileDir = path.join(logDir, 'cpu-profile');
      await mkdir(profileDir, { recursive: true });
      const { runPrefix } = await preloadLog('processors-profiled', options.events);
      const profileDatabase = await database('profile');
      const run = await runProcessors({
        ...target(runPrefix),
        database: profileDatabase,
        instances: 1,
        logDir,
        label: 'processors-profiled',
        cpuProfileDir: profileDir,
      });
      await release(profileDatabase);
      results.profile = { ...(await readCpuProfile(profileDir)), run };
      log(`profile: ${results.profile.file}`);
      for (const area of results.profile.byArea.slice(0, 8))
        log(`  ${area.area}: ${area.selfPercent}% of busy time`);
      await save();
    }
  }

  if (want('freshness')) {
    // Nothing the sections before it wrote left for PostgreSQL to write out during the measured rates.
    await checkpoint(options.databaseUrl);
    const freshnessDatabase = await database('freshness');
    results.freshness = await measureFreshness({
      brokers: options.kafkaBrokers,
      registryUrl: options.schemaRegistryUrl,
      database: freshnessDatabase,
      prefix: prefix('freshness'),
      partitions: options.partitions,
      rates: options.freshnessRates,
      seconds: options.freshnessSeconds,
      logDir,
    });
    await release(freshnessDatabase);
    await save();
  }
  if (want('replay')) {
    const source = twoInstances ?? oneInstance;
    if (source)
      results.replay = await measureReplay({ ...target(source.prefix), database: source.database, logDir });
    await save();
  }
  await release(twoInstances?.database);
  if (want('api') && oneInstance) {
    results.api = await measureApi({
      database: oneInstance.database,
      days: load.days,
      rates: options.apiRates,
      seconds: options.apiSeconds,
      logDir,
    });
    await save();
  }
  await release(oneInstance?.database);
  if (want('memory') && options.scale > 1) {
    const events = options.events * options.scale;
    const { runPrefix: memoryPrefix, seconds: preloadSeconds } = await preloadLog(
      `processors-x1-${options.scale}x`,
      events,
    );
    const run = await runProcessors({
      ...target(memoryPrefix),
      database: await database('memory'),
      instances: 1,
      logDir,
      label: `processors-x1-${options.scale}x`,
    });
    const baseline = results.processors?.runs.find((r) => r.instances === 1)?.peakRssMiB[0] ?? 0;
    results.memory = { events, scale: options.scale, preloadSeconds, run, baselinePeakRssMiB: baseline };
    log(
      `memory: peak RSS ${baseline} MiB at ${options.events} events, ${run.peakRssMiB[0]} MiB at ${events}`,
    );
    await save();
  }
} finally {
  log('cleaning up: databases, topics and schema subjects of this run');
  // BENCH_KEEP_DATABASES=1 leaves them for a look afterwards (psql, EXPLAIN); topics and subjects still go.
  for (const db of [...databases]) await release(db);
  await deleteRunTopics(options.kafkaBrokers, options.schemaRegistryUrl, prefixes).catch((error: unknown) =>
    log(`topics: ${String(error)}`),
  );
  await save();
  log(
    `done in ${round((Date.now() - started) / 60_000, 1)} minutes; wrote ${options.outputJson} and ${options.outputMarkdown}`,
  );
}
process.exit(0);
