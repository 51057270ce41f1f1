// Section 4: the processors' sustained events/s over a preloaded log, with one and with two instances (child
// processes sharing the partitions), each run with a database and consumer groups of its own. The clock
// stops when the SLA processor's stored offsets reach the topics' ends (churn signals are written in the same
// transactions).
import { randomUUID } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { topicNames } from '@carestream/contract';
import { migrate } from '@carestream/postgres';
import { waitForCatchUp, type CatchUp } from '../catch-up.ts';
import { coresUsed, cpuSnapshot, type CpuSnapshot } from '../cpu.ts';
import { summarizeProfile, type ProfileSummary } from '../cpu-profile.ts';
import type { BenchDatabase } from '../isolation.ts';
import { sampleLockWaits, type LockWaits } from '../lock-waits.ts';
import { startService, type ServiceProcess } from '../services.ts';
import { log } from '../stats.ts';

export interface ProcessorsRun extends CatchUp {
  readonly instances: number;
  readonly peakRssMiB: readonly number[];
  /** Cores used per process group while the SLA processor caught up. */
  readonly cores: Record<string, number>;
  /** CPU time per 1,000 events of the processors (all instances) and of Postgres: work, not waiting. */
  readonly cpuMsPerThousandEvents: { processors: number; postgres: number };
  /** RSS samples (MiB, one a second) of the first instance. */
  readonly rssSamples: readonly number[];
  /** How often the processors' PostgreSQL sessions waited on a lock while they caught up. */
  readonly lockWaits: LockWaits;
}

export interface ProcessorsRunOptions {
  readonly brokers: string;
  readonly registryUrl: string;
  readonly database: BenchDatabase;
  readonly prefix: string;
  readonly partitions: number;
  readonly instances: number;
  readonly logDir: string;
  readonly label: string;
  /** Runs the (first) instance under node --cpu-prof, written here. */
  readonly cpuProfileDir?: string;
  readonly timeoutMs?: number;
}

export function processorsEnv(options: {
  brokers: string;
  registryUrl: string;
  databaseUrl: string;
  prefix: string;
  partitions: number;
  groupPrefix: string;
}): Record<string, string> {
  return {
    KAFKA_BROKERS: options.brokers,
    SCHEMA_REGISTRY_URL: options.registryUrl,
    DATABASE_URL: options.databaseUrl,
    CARESTREAM_TOPIC_PREFIX: options.prefix,
    CARESTREAM_PARTITIONS: String(options.partitions),
    CARESTREAM_GROUP_PREFIX: options.groupPrefix,
    PROCESSORS: 'profiles,sla',
    // Settings under test (PROCESSORS_TRANSACTION_MAX_EVENTS=10000 npm run bench …) reach every instance.
    ...Object.fromEntries(
      Object.entries(process.env).filter(
        (entry): entry is [string, string] =>
          /^PROCESSORS_[A-Z_]+$/.test(entry[0]) && entry[0] !== 'PROCESSORS_PORT' && entry[1] !== undefined,
      ),
    ),
    ...(process.env.NODE_OPTIONS ? { NODE_OPTIONS: process.env.NODE_OPTIONS } : {}),
  };
}

export async function runProcessors(options: ProcessorsRunOptions): Promise<ProcessorsRun> {
  // Migrated once up front, so that instances starting together do not race on it.
  await migrate(options.database.url);
  const groupPrefix = `bench-${randomUUID().slice(0, 8)}`;
  const env = processorsEnv({
    brokers: options.brokers,
    registryUrl: options.registryUrl,
    databaseUrl: options.database.url,
    prefix: options.prefix,
    partitions: options.partitions,
    groupPrefix,
  });
  const startedAt = Date.now();
  const instances: ServiceProcess[] = [];
  const lockSampler = sampleLockWaits(options.database.url);
  // The offsets are watched from the moment the processes are spawned: two instances can take longer to
  // answer /healthz (start-up and group joins on two busy cores) than the first one takes to start working.
  let before: CpuSnapshot | undefined;
  let appliedBefore = 0;
  let failed = false;
  const watching = waitForCatchUp({
    brokers: options.brokers,
    databaseUrl: options.database.url,
    names: topicNames(options.prefix),
    startedAt,
    timeoutMs: options.timeoutMs ?? 3_600_000,
    slaGroupId: `${groupPrefix}.sla`,
    members: options.instances,
    onProgress: (applied, total) => log(`${options.label}: ${applied}/${total} applied`),
    onFirstProgress: async (applied) => {
      before = await cpuSnapshot();
      appliedBefore = applied;
    },
    cancelled: () => failed,
  });
  // Awaited below; until then a failure must not count as an unhandled rejection.
  watching.catch(() => undefined);
  try {
    const started = await Promise.all(
      Array.from({ length: options.instances }, (_, i) =>
        startService('processors', {
          label: `${options.label}-${i + 1}`,
          logDir: options.logDir,
          env,
          ...(i === 0 && options.cpuProfileDir
            ? { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] }
            : {}),
        }),
      ),
    ).catch((error: unknown) => {
      failed = true;
      throw error;
    });
    instances.push(...started);
    const catchUp = await watching;
    const lockWaits = await lockSampler.stop();
    const named = new Map(instances.map((instance, i) => [instance.pid, `processors-${i + 1}`]));
    const after = await cpuSnapshot(named);
    const cores = before ? coresUsed(before, after) : {};
    const perThousand = (coresBusy: number) =>
      before
        ? Math.round(
            (coresBusy * (after.at - before.at) * 1000) / Math.max(1, catchUp.slaMessages - appliedBefore),
          )
        : 0;
    const cpuMsPerThousandEvents = {
      processors: perThousand(
        Object.entries(cores)
          .filter(([group]) => group.startsWith('processors-'))
          .reduce((sum, [, value]) => sum + value, 0),
      ),
      postgres: perThousand(cores.postgres ?? 0),
    };
    const peaks: number[] = [];
    for (const instance of instances) peaks.push(Math.round((await instance.stop()).peakRssMiB));
    log(
      `${options.label}: ${catchUp.slaEventsPerSecond} events/s sustained (SLA processor, ${options.instances} instance(s); ${catchUp.wallEventsPerSecond}/s from process start); ` +
        `SLA done ${catchUp.slaDoneMs} ms, all done ${catchUp.allDoneMs} ms; peak RSS ${peaks.join(', ')} MiB; CPU ${JSON.stringify(cores)}; ` +
        `CPU ms per 1,000 events: processors ${cpuMsPerThousandEvents.processors}, Postgres ${cpuMsPerThousandEvents.postgres}; ` +
        `lock waits: in ${lockWaits.samplesWithWaitShare} of ${lockWaits.samples} samples, ${lockWaits.activeSessionsWaitingShare} of active sessions`,
    );
    return {
      ...catchUp,
      instances: options.instances,
      peakRssMiB: peaks,
      cores,
      cpuMsPerThousandEvents,
      rssSamples: instances[0]?.rssSamples.map((value) => Math.round(value)) ?? [],
      lockWaits,
    };
  } finally {
    await lockSampler.stop();
    for (const instance of instances) await instance.stop();
  }
}

/** The profile the --cpu-prof run wrote, summarized. */
export async function readCpuProfile(dir: string): Promise<ProfileSummary & { file: string }> {
  // One profile per thread (tsx's loader has a worker): the main thread's is the big one.
  const files = await Promise.all(
    (await readdir(dir))
      .filter((file) => file.endsWith('.cpuprofile'))
      .map(async (file) => ({ file, size: (await stat(path.join(dir, file))).size })),
  );
  const file = files.sort((a, b) => b.size - a.size)[0]?.file;
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  return { ...(await summarizeProfile(path.join(dir, file))), file: path.join(dir, file) };
}
