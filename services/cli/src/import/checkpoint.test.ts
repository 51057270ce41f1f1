import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkpointPathFor,
  parseCheckpoint,
  readCheckpoint,
  removeCheckpoint,
  resumeProblem,
  writeCheckpoint,
  type ImportCheckpoint,
} from './checkpoint.ts';

const checkpoint: ImportCheckpoint = {
  version: 1,
  file: '/data/events.ndjson',
  format: 'ndjson',
  size: 52_000,
  mtimeMs: 1_767_225_600_123.456,
  linesDone: 2000,
  bytesDone: 41_000,
  accepted: 1990,
  duplicates: 2,
  rejected: 8,
  rejectsFile: '/data/events.ndjson.rejects.ndjson',
  rejectsBytes: 1234,
  updatedAt: '2026-01-01T00:00:00.000Z',
};

describe('import checkpoint', () => {
  const directories: string[] = [];
  afterAll(async () => {
    for (const directory of directories) await rm(directory, { recursive: true, force: true });
  });

  it('sits beside the file it imports', () => {
    expect(checkpointPathFor('/data/events.csv')).toBe('/data/events.csv.import-state.json');
  });

  it('resumes the same file, unchanged', () => {
    expect(resumeProblem(checkpoint, { size: 52_000, mtimeMs: 1_767_225_600_123.456 }, 'ndjson')).toBe(
      undefined,
    );
  });

  it('refuses a file whose size or modification time changed, or another format', () => {
    expect(resumeProblem(checkpoint, { size: 52_001, mtimeMs: checkpoint.mtimeMs }, 'ndjson')).toMatch(
      /changed.*size 52000 → 52001/,
    );
    expect(resumeProblem(checkpoint, { size: 52_000, mtimeMs: checkpoint.mtimeMs + 1 }, 'ndjson')).toMatch(
      /changed/,
    );
    expect(resumeProblem(checkpoint, { size: 52_000, mtimeMs: checkpoint.mtimeMs }, 'csv')).toMatch(/ndjson/);
    expect(
      resumeProblem(
        { ...checkpoint, bytesDone: 60_000 },
        { size: 52_000, mtimeMs: checkpoint.mtimeMs },
        'ndjson',
      ),
    ).toMatch(/past the end/);
  });

  it('reads back what it wrote, exactly (the mtime to the fraction of a millisecond)', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'cs-checkpoint-'));
    directories.push(directory);
    const path = join(directory, 'events.ndjson.import-state.json');
    expect(await readCheckpoint(path)).toBeUndefined();
    await writeCheckpoint(path, checkpoint);
    await writeCheckpoint(path, { ...checkpoint, linesDone: 3000 });
    expect(await readCheckpoint(path)).toEqual({ ...checkpoint, linesDone: 3000 });
    // Written through a temporary file and a rename: nothing else is left behind.
    expect(await readdir(directory)).toEqual(['events.ndjson.import-state.json']);
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ linesDone: 3000, bytesDone: 41_000 });
    await removeCheckpoint(path);
    await removeCheckpoint(path);
    expect(await readCheckpoint(path)).toBeUndefined();
  });

  it('says what is wrong with a damaged checkpoint', () => {
    expect(parseCheckpoint('{"version": 1')).toMatchObject({ error: expect.stringMatching(/not JSON/) });
    expect(parseCheckpoint('[]')).toMatchObject({ error: expect.stringMatching(/version/) });
    expect(parseCheckpoint(JSON.stringify({ ...checkpoint, linesDone: -1 }))).toMatchObject({
      error: expect.stringMatching(/linesDone/),
    });
    expect(parseCheckpoint(JSON.stringify({ ...checkpoint, format: 'xml' }))).toMatchObject({
      error: expect.stringMatching(/format/),
    });
    expect(parseCheckpoint(JSON.stringify(checkpoint))).toEqual(checkpoint);
  });
});
