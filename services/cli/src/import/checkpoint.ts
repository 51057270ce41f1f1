import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { CareError } from '@carestream/errors';

export type ImportFormat = 'ndjson' | 'csv';

/**
 * What an import has done, written after every batch the ingest service acknowledged: a later `--resume`
 * starts after `linesDone` (at byte `bytesDone`) and never sends those lines again.
 */
export interface ImportCheckpoint {
  readonly version: 1;
  readonly file: string;
  readonly format: ImportFormat;
  /** The input file's size and modification time: a resume refuses a file that changed since. */
  readonly size: number;
  readonly mtimeMs: number;
  readonly linesDone: number;
  readonly bytesDone: number;
  readonly accepted: number;
  readonly duplicates: number;
  readonly rejected: number;
  /** The rejects file, and its length when the checkpoint was written: a resume cuts it back to this. */
  readonly rejectsFile: string;
  readonly rejectsBytes: number;
  readonly updatedAt: string;
}

export interface FileIdentity {
  readonly size: number;
  readonly mtimeMs: number;
}

export function checkpointPathFor(file: string): string {
  return `${file}.import-state.json`;
}

const COUNTS = ['size', 'mtimeMs', 'linesDone', 'bytesDone', 'accepted', 'duplicates', 'rejected'] as const;

/** Reads a checkpoint's JSON, or says what is wrong with it. */
export function parseCheckpoint(text: string): ImportCheckpoint | { readonly error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: `is not JSON: ${(error as Error).message}` };
  }
  if (typeof value !== 'object' || value === null) return { error: 'is not a JSON object' };
  const record = value as Record<string, unknown>;
  if (record.version !== 1) return { error: `has version ${String(record.version)}, expected 1` };
  for (const key of COUNTS) {
    const count = record[key];
    if (typeof count !== 'number' || !Number.isFinite(count) || count < 0)
      return { error: `has no valid "${key}"` };
  }
  if (record.format !== 'ndjson' && record.format !== 'csv') return { error: 'has no valid "format"' };
  if (typeof record.file !== 'string' || typeof record.rejectsFile !== 'string')
    return { error: 'has no "file" or "rejectsFile"' };
  const rejectsBytes = record.rejectsBytes;
  if (typeof rejectsBytes !== 'number' || !Number.isInteger(rejectsBytes) || rejectsBytes < 0)
    return { error: 'has no valid "rejectsBytes"' };
  return record as unknown as ImportCheckpoint;
}

/** Why a checkpoint cannot continue the import of this file, or undefined when it can. */
export function resumeProblem(
  checkpoint: ImportCheckpoint,
  file: FileIdentity,
  format: ImportFormat,
): string | undefined {
  if (checkpoint.size !== file.size || checkpoint.mtimeMs !== file.mtimeMs) {
    return (
      `the file changed since the checkpoint was written (size ${checkpoint.size} → ${file.size}, ` +
      `modified ${new Date(checkpoint.mtimeMs).toISOString()} → ${new Date(file.mtimeMs).toISOString()}); ` +
      'run without --resume to import it from the start'
    );
  }
  if (checkpoint.format !== format)
    return `the checkpoint is for a ${checkpoint.format} import, not ${format}`;
  if (checkpoint.bytesDone > file.size) return 'the checkpoint is past the end of the file';
  return undefined;
}

export async function readCheckpoint(path: string): Promise<ImportCheckpoint | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = parseCheckpoint(text);
  if ('error' in parsed)
    throw new CareError('CARE_ERR_VALIDATION', `the checkpoint ${path} ${parsed.error}`, { field: 'resume' });
  return parsed;
}

/** Writes the checkpoint whole or not at all (a temporary file renamed over it), so a kill never tears it. */
export async function writeCheckpoint(path: string, checkpoint: ImportCheckpoint): Promise<void> {
  const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, `${JSON.stringify(checkpoint, null, 2)}\n`);
  await rename(temporary, path);
}

export async function removeCheckpoint(path: string): Promise<void> {
  await rm(path, { force: true });
}
