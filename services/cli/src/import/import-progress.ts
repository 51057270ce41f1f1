import cliProgress from 'cli-progress';

export interface ProgressCounts {
  readonly bytes: number;
  readonly items: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly status?: string;
}

/** Shows how far an import is; the plain variant shows nothing (the summary line follows at the end). */
export interface ImportProgress {
  update(counts: ProgressCounts): void;
  stop(): void;
}

export const silentProgress: ImportProgress = { update: () => undefined, stop: () => undefined };

const MB = 1024 * 1024;

/** A bar by bytes read, with items/s and the accepted and rejected counts beside it. */
export function barProgress(
  stream: NodeJS.WritableStream,
  totalBytes: number,
  initial: ProgressCounts,
  clock: () => number = Date.now,
): ImportProgress {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format:
        '{bar} {percentage}% | {doneMb}/{totalMb} MB | {rate} items/s | accepted {accepted} | rejected {rejected} | ETA {eta_formatted}{status}',
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  const startedAt = clock();
  const payload = (counts: ProgressCounts) => {
    const seconds = Math.max((clock() - startedAt) / 1000, 0.001);
    return {
      doneMb: (counts.bytes / MB).toFixed(1),
      totalMb: (totalBytes / MB).toFixed(1),
      rate: Math.round(counts.items / seconds).toLocaleString('en-US'),
      accepted: counts.accepted.toLocaleString('en-US'),
      rejected: counts.rejected.toLocaleString('en-US'),
      status: counts.status ? ` | ${counts.status}` : '',
    };
  };
  bar.start(Math.max(totalBytes, 1), initial.bytes, payload(initial));
  return {
    update: (counts) => bar.update(counts.bytes, payload(counts)),
    stop: () => bar.stop(),
  };
}
