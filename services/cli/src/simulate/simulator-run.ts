import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CareError } from '@carestream/errors';
import {
  backfillRate,
  brandProfiles,
  calibration,
  generateBrands,
  groundTruthOf,
  simulateTraffic,
  toIngestItem,
  truthReport,
  type SimBrand,
  type TimedEvent,
  type TrafficEvent,
} from '@carestream/simulator';
import { IngestClient, type RetryNotice } from '../import/ingest-client.ts';

export const SIMULATE_MODES = ['realtime', 'fast', 'backfill'] as const;
export type SimulateMode = (typeof SIMULATE_MODES)[number];

const DAY_MS = 86_400_000;

export interface SimulateOptions {
  readonly seed: number;
  readonly brands: number;
  /**
   * realtime: event time is now, paced at `rate` events/s. fast: event times from `startMs`, sent as fast as
   * ingest takes them until they catch up with now, then paced. backfill: `days` of history ending now, as
   * fast as possible, then stop.
   */
  readonly mode: SimulateMode;
  /** Events per second of event time (backfill with `events`: spread over the days instead). */
  readonly rate: number;
  /** Stop after this many events (profiles not counted). */
  readonly events?: number | undefined;
  /** Stop after this many seconds of running. */
  readonly durationSeconds?: number | undefined;
  /** fast: the first event time (default: a day ago). */
  readonly startMs?: number | undefined;
  /** backfill: how many days of history (default 1). */
  readonly days?: number | undefined;
  readonly url: string;
  readonly apiKey: string;
  /** Where to write the exact ground truth of what was sent (JSON). */
  readonly truthFile?: string | undefined;
  readonly batchSize: number;
  readonly maxRetries: number;
  readonly timeoutMs?: number | undefined;
  /** Print progress lines (a refreshed line on a terminal). */
  readonly progress: boolean;
  readonly progressIntervalMs?: number | undefined;
  /** Prefix of every id (default: from the seed and the first event time). */
  readonly runId?: string | undefined;
}

export interface SimulateIo {
  readonly stdout: NodeJS.WritableStream & { readonly isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream;
  /** Aborted (Ctrl-C): the run sends what it has gathered, writes the truth and stops. */
  readonly signal?: AbortSignal | undefined;
  readonly fetch?: typeof fetch;
  readonly clock?: () => number;
  readonly backoffMs?: (attempt: number) => number;
}

export type StopReason = 'events' | 'duration' | 'end' | 'interrupted';

export interface SimulateSummary {
  readonly mode: SimulateMode;
  readonly seed: number;
  readonly brands: number;
  readonly stoppedBecause: StopReason;
  readonly profiles: number;
  /** Events sent (profiles not counted). */
  readonly sent: number;
  readonly accepted: number;
  readonly duplicates: number;
  readonly rejected: number;
  readonly batches: number;
  readonly seconds: number;
  /** Event time of the first and last event sent (ms), null when none was. */
  readonly firstEventMs: number | null;
  readonly lastEventMs: number | null;
  readonly truthFile: string | null;
}

/** How long a realtime batch may gather events before it goes out. */
const MAX_BATCH_WAIT_MS = 1000;

function interruptibleSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((done) => {
    const finish = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', finish);
      done();
    };
    const timer = setTimeout(finish, Math.max(0, ms));
    signal?.addEventListener('abort', finish, { once: true });
  });
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');

/**
 * `carestream simulate`: sends the brand profiles, then simulated traffic in time order, in NDJSON batches
 * through the ingest client (retries with backoff). No event is sent before its time, so no event is ever
 * in the future. Optionally writes the exact ground truth of what ingest accepted.
 */
export async function runSimulation(options: SimulateOptions, io: SimulateIo): Promise<SimulateSummary> {
  const clock = io.clock ?? Date.now;
  const startedAt = clock();
  const brands = generateBrands(options.brands);
  const window = timeWindow(options, startedAt, brands);
  const profiles = brandProfiles(brands, window.startMs - 60_000);
  const isTty = io.stdout.isTTY === true;

  let retryStatus = '';
  const client = new IngestClient({
    url: options.url,
    apiKey: options.apiKey,
    maxRetries: options.maxRetries,
    clock,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(io.fetch ? { fetch: io.fetch } : {}),
    ...(io.backoffMs ? { backoffMs: io.backoffMs } : {}),
    onRetry: (notice: RetryNotice) => {
      retryStatus = `${notice.reason}; retry ${notice.attempt}/${notice.maxRetries} in ${(notice.delayMs / 1000).toFixed(1)}s`;
      io.stderr.write(`${isTty ? '\n' : ''}${retryStatus}\n`);
    },
  });

  const profileAnswer = await client.sendBatch(
    profiles.map((profile) => JSON.stringify(toIngestItem(profile))),
  );
  if (profileAnswer.errors.length > 0) {
    const first = profileAnswer.errors[0];
    throw new CareError(
      'CARE_ERR_VALIDATION',
      `the ingest service refused ${profileAnswer.errors.length} of ${profiles.length} brand profiles ` +
        `(first: ${first?.field ?? ''} ${first?.message ?? ''}); a key scoped to some brands cannot write the ` +
        'simulated ones: use an admin key (CARESTREAM_ADMIN_KEY)',
      { field: first?.field ?? '' },
    );
  }

  const traffic = simulateTraffic({
    seed: options.seed,
    brands,
    startMs: window.startMs,
    endMs: window.endMs,
    ratePerSecond: window.rate,
    runId: options.runId,
  })[Symbol.iterator]();
  const nextEvent = (): TimedEvent | undefined => {
    const step = traffic.next();
    return step.done ? undefined : step.value;
  };

  const keep: TrafficEvent[] | undefined = options.truthFile ? [] : undefined;
  let sent = 0;
  let accepted = 0;
  let duplicates = 0;
  let rejected = 0;
  let batches = 0;
  let firstEventMs: number | null = null;
  let lastEventMs: number | null = null;
  let batch: TimedEvent[] = [];
  let batchOpenedAt = 0;
  const deadline =
    options.durationSeconds === undefined ? Infinity : startedAt + options.durationSeconds * 1000;
  const limit = options.events ?? Infinity;
  const progressEvery = Math.max(50, options.progressIntervalMs ?? (isTty ? 1000 : 5000));
  let nextProgressAt = startedAt + progressEvery;
  let reportedErrors = 0;

  const progressLine = () => {
    const seconds = Math.max((clock() - startedAt) / 1000, 0.001);
    const eventTime = lastEventMs === null ? '' : `, event time ${new Date(lastEventMs).toISOString()}`;
    return `simulate ${options.mode}: ${count(sent)} events sent (${count(accepted)} accepted), ${count(sent / seconds)} events/s${eventTime}`;
  };
  const showProgress = (now: number) => {
    if (!options.progress || now < nextProgressAt) return;
    nextProgressAt = now + progressEvery;
    if (isTty) io.stdout.write(`\r\x1b[2K${progressLine()}`);
    else io.stdout.write(`${progressLine()}\n`);
  };

  const flush = async () => {
    if (batch.length === 0) return;
    const items = batch;
    batch = [];
    const answer = await client.sendBatch(items.map((item) => JSON.stringify(toIngestItem(item.event))));
    retryStatus = '';
    batches += 1;
    sent += items.length;
    accepted += answer.accepted;
    duplicates += answer.duplicates;
    const refused = new Set(answer.errors.map((error) => error.index));
    rejected += refused.size;
    for (const error of answer.errors) {
      if (reportedErrors >= 10) break;
      reportedErrors += 1;
      io.stderr.write(
        `${isTty ? '\n' : ''}the ingest service rejected ${items[error.index]?.event.eventId ?? `item ${error.index}`}: ${error.field} ${error.message}\n`,
      );
    }
    if (refused.size === items.length && accepted === 0) {
      throw new CareError(
        'CARE_ERR_VALIDATION',
        'the ingest service rejected every event of the first batch',
      );
    }
    items.forEach((item, index) => {
      if (refused.has(index)) return;
      keep?.push(item.event);
      firstEventMs ??= item.at;
      lastEventMs = item.at;
    });
  };

  let pending = nextEvent();
  let stoppedBecause: StopReason;
  for (;;) {
    const now = clock();
    if (io.signal?.aborted) {
      stoppedBecause = 'interrupted';
      break;
    }
    if (sent + batch.length >= limit) {
      stoppedBecause = 'events';
      break;
    }
    if (now >= deadline) {
      stoppedBecause = 'duration';
      break;
    }
    if (!pending) {
      stoppedBecause = 'end';
      break;
    }
    if (pending.at <= now) {
      if (batch.length === 0) batchOpenedAt = now;
      batch.push(pending);
      pending = nextEvent();
      if (batch.length >= options.batchSize) {
        await flush();
        showProgress(clock());
      }
      continue;
    }
    // The next event is not due yet: send what was gathered once it has waited long enough, else sleep.
    if (batch.length > 0 && now - batchOpenedAt >= MAX_BATCH_WAIT_MS) {
      await flush();
      showProgress(clock());
      continue;
    }
    const wakeAt = Math.min(
      pending.at,
      batch.length > 0 ? batchOpenedAt + MAX_BATCH_WAIT_MS : Infinity,
      deadline,
      options.progress ? nextProgressAt : Infinity,
    );
    await interruptibleSleep(wakeAt - now, io.signal);
    showProgress(clock());
  }
  await flush();
  if (options.progress && isTty) io.stdout.write(`\r\x1b[2K${progressLine()}\n`);

  let truthFile: string | null = null;
  if (options.truthFile && keep) {
    truthFile = resolve(options.truthFile);
    const watermarkMs = lastEventMs ?? window.startMs;
    const report = truthReport(
      groundTruthOf(keep, brands, { watermarkMs, horizonMs: calibration.DEFAULT_HORIZON_MS }),
    );
    const kinds = (type: TrafficEvent['type']) => keep.filter((event) => event.type === type).length;
    const document = {
      generator: 'carestream simulate',
      seed: options.seed,
      mode: options.mode,
      brandCount: brands.length,
      firstEventAt: firstEventMs === null ? null : new Date(firstEventMs).toISOString(),
      watermark: new Date(watermarkMs).toISOString(),
      horizonSeconds: calibration.DEFAULT_HORIZON_MS / 1000,
      sent: {
        profiles: profiles.length,
        events: keep.length,
        mentions: kinds('MentionReceived'),
        replies: kinds('ReplySent'),
        brandPosts: kinds('BrandPostPublished'),
      },
      brands: profiles.map(({ type: _type, eventId: _eventId, setAt: _setAt, ...profile }) => profile),
      total: report.total,
      byBrand: report.byBrand,
      byBrandChannel: report.byBrandChannel,
      byAgent: report.byAgent,
    };
    await mkdir(dirname(truthFile), { recursive: true });
    await writeFile(truthFile, `${JSON.stringify(document, null, 2)}\n`);
  }

  return {
    mode: options.mode,
    seed: options.seed,
    brands: brands.length,
    stoppedBecause,
    profiles: profiles.length,
    sent,
    accepted,
    duplicates,
    rejected,
    batches,
    seconds: (clock() - startedAt) / 1000,
    firstEventMs,
    lastEventMs,
    truthFile,
  };
}

/** The event-time window and rate of a mode, from the time the run starts. */
export function timeWindow(
  options: Pick<SimulateOptions, 'mode' | 'rate' | 'events' | 'startMs' | 'days' | 'seed' | 'runId'>,
  nowMs: number,
  brands: readonly SimBrand[],
): { startMs: number; endMs: number | undefined; rate: number } {
  switch (options.mode) {
    case 'realtime':
      return { startMs: nowMs, endMs: undefined, rate: options.rate };
    case 'fast': {
      const startMs = options.startMs ?? nowMs - DAY_MS;
      if (startMs > nowMs) {
        throw new CareError('CARE_ERR_VALIDATION', '--start must not be in the future', { field: 'start' });
      }
      return { startMs, endMs: undefined, rate: options.rate };
    }
    case 'backfill': {
      const startMs = nowMs - (options.days ?? 1) * DAY_MS;
      // With an event count, the events spread over the whole window at the rate that puts that many in it
      // (whatever weekdays and hours it covers), rather than coming at `rate`.
      const rate =
        options.events === undefined
          ? options.rate
          : backfillRate({
              seed: options.seed,
              brands,
              startMs,
              endMs: nowMs,
              events: options.events,
              runId: options.runId,
            });
      return { startMs, endMs: nowMs, rate };
    }
  }
}

const REASONS: Readonly<Record<StopReason, string>> = {
  events: 'the event limit was reached',
  duration: 'the duration was reached',
  end: 'the backfill reached now',
  interrupted: 'interrupted',
};

export function formatSimulateSummary(summary: SimulateSummary): string {
  const rate = summary.sent / Math.max(summary.seconds, 0.001);
  const window =
    summary.firstEventMs === null || summary.lastEventMs === null
      ? ''
      : `, event times ${new Date(summary.firstEventMs).toISOString()} .. ${new Date(summary.lastEventMs).toISOString()}`;
  return [
    `simulated ${count(summary.sent)} events for ${summary.brands} brands (seed ${summary.seed}, ${summary.mode}): ` +
      `${count(summary.accepted)} accepted, ${count(summary.duplicates)} duplicates, ${count(summary.rejected)} rejected ` +
      `in ${summary.seconds.toFixed(1)}s (${count(rate)} events/s)${window}; stopped: ${REASONS[summary.stoppedBecause]}`,
    ...(summary.truthFile ? [`ground truth written to ${summary.truthFile}`] : []),
  ].join('\n');
}
