import { stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { CareError } from '@carestream/errors';
import { rejectsByLine } from './batch-result.ts';
import {
  checkpointPathFor,
  readCheckpoint,
  removeCheckpoint,
  resumeProblem,
  writeCheckpoint,
  type ImportCheckpoint,
  type ImportFormat,
} from './checkpoint.ts';
import { readEntries, type SourceEntry } from './file-source.ts';
import { barProgress, silentProgress, type ImportProgress } from './import-progress.ts';
import { IngestClient, type RetryNotice } from './ingest-client.ts';
import { RejectsWriter, type RejectedLine } from './rejects-writer.ts';

export interface ImportOptions {
  readonly file: string;
  /** Default: from the extension (.ndjson, .jsonl, .csv). */
  readonly format?: ImportFormat | undefined;
  /** The ingest service's base URL. */
  readonly url: string;
  readonly apiKey: string;
  readonly batchSize: number;
  /** Default: `<file>.rejects.ndjson`. */
  readonly rejectsFile?: string | undefined;
  readonly resume: boolean;
  readonly maxRetries: number;
  /** Show a progress bar (only when stdout is a terminal). */
  readonly progress: boolean;
  readonly timeoutMs?: number;
}

export interface ImportIo {
  readonly stdout: NodeJS.WritableStream & { readonly isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream;
  /** Aborted (Ctrl-C): the import stops after the batch in flight, leaving a checkpoint to resume from. */
  readonly signal?: AbortSignal;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly backoffMs?: (attempt: number) => number;
  readonly clock?: () => number;
}

export interface ImportSummary {
  readonly file: string;
  readonly format: ImportFormat;
  readonly completed: boolean;
  /** The line this run started after (0, or the checkpoint's linesDone on resume). */
  readonly resumedAfterLine: number;
  readonly linesDone: number;
  readonly bytesDone: number;
  /** Totals over the whole import, earlier interrupted runs included. */
  readonly accepted: number;
  readonly duplicates: number;
  readonly rejected: number;
  readonly rejectsFile: string;
  readonly checkpointFile: string;
  /** This run only. */
  readonly batchesSent: number;
  readonly seconds: number;
}

const FORMATS: Readonly<Record<string, ImportFormat>> = {
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.csv': 'csv',
};

export function formatFromExtension(file: string): ImportFormat {
  const format = FORMATS[extname(file).toLowerCase()];
  if (!format) {
    throw new CareError(
      'CARE_ERR_VALIDATION',
      `cannot tell the format of ${file} from its extension; name it .ndjson, .jsonl or .csv, or pass --format`,
      { field: 'format' },
    );
  }
  return format;
}

type Counts = Pick<
  ImportCheckpoint,
  'linesDone' | 'bytesDone' | 'accepted' | 'duplicates' | 'rejected' | 'rejectsBytes'
>;

/**
 * Streams a file of events to the ingest service in batches. After every acknowledged batch, the rejects
 * of that batch are appended to the rejects file and then the checkpoint is rewritten, so a run killed at
 * any moment resumes after the last acknowledged batch and never sends it twice.
 */
export async function runImport(options: ImportOptions, io: ImportIo): Promise<ImportSummary> {
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1)
    throw new CareError('CARE_ERR_VALIDATION', 'must be a whole number of 1 or more', {
      field: 'batch-size',
    });
  const clock = io.clock ?? Date.now;
  const startedAt = clock();
  const file = resolve(options.file);
  const format = options.format ?? formatFromExtension(file);
  const identity = await fileIdentity(file);
  const checkpointFile = checkpointPathFor(file);
  const previous = await readCheckpoint(checkpointFile);

  let counts: Counts = {
    linesDone: 0,
    bytesDone: 0,
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    rejectsBytes: 0,
  };
  let rejects: RejectsWriter;
  if (options.resume) {
    if (!previous) {
      throw new CareError(
        'CARE_ERR_VALIDATION',
        `there is nothing to resume: ${checkpointFile} does not exist (the import finished, or never started)`,
        { field: 'resume' },
      );
    }
    const problem = resumeProblem(previous, identity, format);
    if (problem) throw new CareError('CARE_ERR_VALIDATION', `cannot resume: ${problem}`, { field: 'resume' });
    // The checkpoint names the files it writes: one found next to the file must not point the rejects (which
    // a resume truncates to its count, then appends to) at a file the caller did not choose for this import.
    if (previous.file !== file) {
      throw new CareError(
        'CARE_ERR_VALIDATION',
        `cannot resume: the checkpoint is for ${previous.file}, not ${file}`,
        { field: 'resume' },
      );
    }
    const rejectsFile = resolve(options.rejectsFile ?? `${file}.rejects.ndjson`);
    if (rejectsFile !== previous.rejectsFile) {
      throw new CareError(
        'CARE_ERR_VALIDATION',
        `a resumed import keeps writing its rejects to ${previous.rejectsFile}; pass --rejects with that path`,
        { field: 'rejects' },
      );
    }
    rejects = await RejectsWriter.resumed(previous.rejectsFile, previous.rejectsBytes);
    counts = {
      linesDone: previous.linesDone,
      bytesDone: previous.bytesDone,
      accepted: previous.accepted,
      duplicates: previous.duplicates,
      rejected: previous.rejected,
      rejectsBytes: rejects.bytes,
    };
  } else {
    if (previous) {
      io.stderr.write(
        `note: an earlier import of this file stopped after line ${previous.linesDone}; starting over ` +
          '(pass --resume to continue it instead)\n',
      );
      await removeCheckpoint(checkpointFile);
    }
    rejects = await RejectsWriter.fresh(resolve(options.rejectsFile ?? `${file}.rejects.ndjson`));
  }
  const resumedAfterLine = counts.linesDone;

  const showBar = options.progress && io.stdout.isTTY === true;
  let retryStatus: string | undefined;
  const client = new IngestClient({
    url: options.url,
    apiKey: options.apiKey,
    maxRetries: options.maxRetries,
    clock,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(io.fetch ? { fetch: io.fetch } : {}),
    ...(io.sleep ? { sleep: io.sleep } : {}),
    ...(io.backoffMs ? { backoffMs: io.backoffMs } : {}),
    onRetry: (notice: RetryNotice) => {
      const text = `${notice.reason}; retry ${notice.attempt}/${notice.maxRetries} in ${(notice.delayMs / 1000).toFixed(1)}s`;
      if (showBar) retryStatus = text;
      else io.stderr.write(`${text}\n`);
    },
  });

  let itemsThisRun = 0;
  const progressCounts = (bytes: number) => ({
    bytes,
    items: itemsThisRun,
    accepted: counts.accepted,
    rejected: counts.rejected,
    ...(retryStatus ? { status: retryStatus } : {}),
  });
  const progress: ImportProgress = showBar
    ? barProgress(io.stdout, identity.size, progressCounts(counts.bytesDone), clock)
    : silentProgress;

  let batchesSent = 0;
  let items: Extract<SourceEntry, { kind: 'item' }>[] = [];
  let localRejects: RejectedLine[] = [];
  let last: SourceEntry | undefined;

  const flush = async () => {
    if (!last) return;
    const response =
      items.length > 0
        ? await client.sendBatch(items.map((item) => item.json))
        : { accepted: 0, duplicates: 0, errors: [] };
    if (items.length > 0) batchesSent += 1;
    retryStatus = undefined;
    const raws = new Map(items.map((item) => [item.line, item.raw]));
    const rejected: RejectedLine[] = [
      ...localRejects,
      ...[
        ...rejectsByLine(
          items.map((item) => item.line),
          response.errors,
        ),
      ].map(([line, reasons]) => ({ line, raw: raws.get(line) ?? '', reasons })),
    ].sort((a, b) => a.line - b.line);
    await rejects.write(rejected);
    itemsThisRun += items.length + localRejects.length;
    counts = {
      linesDone: last.endLine,
      bytesDone: last.endByte,
      accepted: counts.accepted + response.accepted,
      duplicates: counts.duplicates + response.duplicates,
      rejected: counts.rejected + rejected.length,
      rejectsBytes: rejects.bytes,
    };
    await writeCheckpoint(checkpointFile, {
      version: 1,
      file,
      format,
      size: identity.size,
      mtimeMs: identity.mtimeMs,
      ...counts,
      rejectsFile: rejects.path,
      updatedAt: new Date(clock()).toISOString(),
    });
    items = [];
    localRejects = [];
    last = undefined;
    progress.update(progressCounts(counts.bytesDone));
  };

  let completed = true;
  try {
    let sinceUpdate = 0;
    for await (const entry of readEntries(file, format, {
      bytes: counts.bytesDone,
      lines: counts.linesDone,
    })) {
      last = entry;
      if (entry.kind === 'item') items.push(entry);
      else localRejects.push({ line: entry.line, raw: entry.raw, reasons: entry.reasons });
      if (items.length >= options.batchSize) {
        await flush();
        sinceUpdate = 0;
        if (io.signal?.aborted) {
          completed = false;
          break;
        }
      } else if (++sinceUpdate >= 500) {
        sinceUpdate = 0;
        progress.update(progressCounts(entry.endByte));
      }
    }
    if (completed) {
      await flush();
      counts = { ...counts, bytesDone: identity.size };
      progress.update(progressCounts(identity.size));
      await removeCheckpoint(checkpointFile);
    }
  } catch (error) {
    if (counts.linesDone === 0 || !(error instanceof CareError)) throw error;
    throw new CareError(
      error.code,
      `${error.message}; the import stopped after line ${counts.linesDone}: once that is fixed, run it again with --resume`,
      {
        retriable: error.retriable,
        cause: error,
        ...(error.field === undefined ? {} : { field: error.field }),
      },
    );
  } finally {
    progress.stop();
    await rejects.close();
  }
  return {
    file,
    format,
    completed,
    resumedAfterLine,
    linesDone: counts.linesDone,
    bytesDone: counts.bytesDone,
    accepted: counts.accepted,
    duplicates: counts.duplicates,
    rejected: counts.rejected,
    rejectsFile: rejects.path,
    checkpointFile,
    batchesSent,
    seconds: (clock() - startedAt) / 1000,
  };
}

async function fileIdentity(file: string): Promise<{ size: number; mtimeMs: number }> {
  try {
    const info = await stat(file);
    if (!info.isFile())
      throw new CareError('CARE_ERR_VALIDATION', `${file} is not a file`, { field: 'file' });
    return { size: info.size, mtimeMs: info.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new CareError('CARE_ERR_VALIDATION', `${file} does not exist`, { field: 'file' });
    throw error;
  }
}

const number = (value: number) => value.toLocaleString('en-US');

/** The line printed when an import ends (and instead of the bar when there is no terminal). */
export function formatSummary(summary: ImportSummary): string {
  const linesThisRun = summary.linesDone - summary.resumedAfterLine;
  const rate = summary.seconds > 0 ? Math.round(linesThisRun / summary.seconds) : linesThisRun;
  const head = summary.completed ? 'imported' : 'interrupted';
  const parts = [
    `${head} ${summary.file}: ${number(summary.accepted)} accepted`,
    `${number(summary.duplicates)} duplicates`,
    `${number(summary.rejected)} rejected${summary.rejected > 0 ? ` (see ${summary.rejectsFile})` : ''}`,
  ];
  const resumed =
    summary.resumedAfterLine > 0 ? `, resumed after line ${number(summary.resumedAfterLine)}` : '';
  const timing = `${number(linesThisRun)} lines in ${summary.seconds.toFixed(1)}s (${number(rate)} lines/s${resumed})`;
  const tail = summary.completed
    ? ''
    : `; stopped after line ${number(summary.linesDone)}, run again with --resume to continue`;
  return `${parts.join(', ')}; ${timing}${tail}`;
}
