// Section 6: rebuilding the projections from the preloaded log with `replayProjection` (what `carestream
// replay` runs), into a fresh generation, swapped in at the end; the processors are stopped meanwhile, so
// the replay has the machine to itself.
import { randomUUID } from 'node:crypto';
import type { BenchDatabase } from '../isolation.ts';
import { runScript } from '../services.ts';
import { log, round } from '../stats.ts';
import { processorsEnv } from './processors.ts';

export interface ReplayResult {
  readonly projections: readonly {
    projection: string;
    events: number;
    seconds: number;
    /** Events over the whole replay: new generation, group join, catch-up and swap. */
    eventsPerSecond: number;
    /** Events per second while catching up (between the first and the last progress report). */
    sustainedEventsPerSecond: number | null;
  }[];
  readonly peakRssMiB: number;
}

export async function measureReplay(options: {
  brokers: string;
  registryUrl: string;
  database: BenchDatabase;
  prefix: string;
  partitions: number;
  logDir: string;
}): Promise<ReplayResult> {
  const { result, peakRssMiB } = await runScript('bench/replay-child.ts', {
    label: 'replay',
    logDir: options.logDir,
    env: processorsEnv({
      brokers: options.brokers,
      registryUrl: options.registryUrl,
      databaseUrl: options.database.url,
      prefix: options.prefix,
      partitions: options.partitions,
      groupPrefix: `bench-${randomUUID().slice(0, 8)}`,
    }),
  });
  const results = (
    result as {
      results: {
        projection: string;
        events: number;
        seconds: number;
        sustainedEventsPerSecond: number | null;
      }[];
    }
  ).results;
  const projections = results.map((r) => ({
    projection: r.projection,
    events: r.events,
    seconds: round(r.seconds, 1),
    eventsPerSecond: round(r.events / r.seconds),
    sustainedEventsPerSecond: r.sustainedEventsPerSecond === null ? null : round(r.sustainedEventsPerSecond),
  }));
  for (const p of projections)
    log(
      `replay ${p.projection}: ${p.events} events in ${p.seconds} s = ${p.eventsPerSecond} events/s overall, ${p.sustainedEventsPerSecond ?? '?'} events/s while catching up`,
    );
  log(`replay: peak RSS ${peakRssMiB} MiB`);
  return { projections, peakRssMiB };
}
