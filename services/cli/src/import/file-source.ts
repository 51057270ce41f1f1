import { createReadStream } from 'node:fs';
import { parse, type CsvError } from 'csv-parse';
import { WHOLE_ITEM_FIELD } from '@carestream/contract';
import { CareError } from '@carestream/errors';
import { checkCsvHeader, csvRowToItem, type RejectReason } from './csv-item.ts';
import type { ImportFormat } from './checkpoint.ts';

/** One record of the input file: an item to send (as one line of JSON) or a line rejected here. */
export type SourceEntry =
  | (EntryPosition & { readonly kind: 'item'; readonly json: string; readonly raw: string })
  | (EntryPosition & { readonly kind: 'reject'; readonly raw: string; readonly reasons: RejectReason[] });

export interface EntryPosition {
  /** The line the record starts on, from 1: what the rejects file names. */
  readonly line: number;
  /** The last line of the record and the byte just after it: where a resume starts. */
  readonly endLine: number;
  readonly endByte: number;
}

/** Where to start reading: byte 0 and line 0, or a checkpoint's `bytesDone` and `linesDone`. */
export interface SourcePosition {
  readonly bytes: number;
  readonly lines: number;
}

export function readEntries(
  file: string,
  format: ImportFormat,
  from: SourcePosition,
): AsyncGenerator<SourceEntry> {
  return format === 'csv' ? readCsv(file, from) : readNdjson(file, from);
}

const NEWLINE = 0x0a;

/**
 * The longest line read whole: one event is a few KiB at most, and ingest takes at most 5 MiB a request. A
 * longer line (a file with no line breaks, a runaway field) is rejected with its first bytes, never held
 * whole in memory, and the import goes on at the next line.
 */
export const MAX_LINE_BYTES = 1024 * 1024;
/** What a rejected overlong line keeps of itself, for the rejects file. */
const OVERLONG_HEAD_BYTES = 200;

/** A line of the file: its text, or for a line past MAX_LINE_BYTES its first bytes and its length. */
export interface FileLine {
  readonly text: string;
  readonly line: number;
  readonly endByte: number;
  readonly overlongBytes?: number;
}

/**
 * Lines of a file with the byte offset just after each, exact to the byte (CRLF included), so that a
 * checkpoint can seek straight to the next line on resume.
 */
export async function* readLines(file: string, from: SourcePosition): AsyncGenerator<FileLine> {
  let offset = from.bytes;
  let line = from.lines;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let overlong = false;
  const lineOf = (bytes: Buffer, length: number): FileLine => {
    offset += length;
    line += 1;
    return overlong || length > MAX_LINE_BYTES
      ? {
          text: decodeLine(bytes.subarray(0, OVERLONG_HEAD_BYTES), line === 1),
          line,
          endByte: offset,
          overlongBytes: length,
        }
      : { text: decodeLine(bytes, line === 1), line, endByte: offset };
  };
  const stream = createReadStream(file, { start: from.bytes, highWaterMark: 256 * 1024 });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let start = 0;
    let newline = chunk.indexOf(NEWLINE, start);
    while (newline >= 0) {
      const piece = chunk.subarray(start, newline);
      const bytes = pending.length > 0 ? Buffer.concat([...pending, piece]) : piece;
      const entry = lineOf(bytes, pendingBytes + piece.length);
      offset += 1; // the line break
      pending = [];
      pendingBytes = 0;
      overlong = false;
      yield { ...entry, endByte: offset };
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      pendingBytes += rest.length;
      if (!overlong) pending.push(rest);
      if (!overlong && pendingBytes > MAX_LINE_BYTES) {
        // Only the head is kept from here to the line's end.
        overlong = true;
        pending = [Buffer.from(Buffer.concat(pending).subarray(0, OVERLONG_HEAD_BYTES))];
      }
    }
  }
  if (pendingBytes > 0) yield lineOf(Buffer.concat(pending), pendingBytes);
}

function decodeLine(bytes: Buffer, first: boolean): string {
  let text = bytes.toString('utf8');
  if (text.endsWith('\r')) text = text.slice(0, -1);
  if (first && text.startsWith('\uFEFF')) text = text.slice(1);
  return text;
}

async function* readNdjson(file: string, from: SourcePosition): AsyncGenerator<SourceEntry> {
  for await (const { text, line, endByte, overlongBytes } of readLines(file, from)) {
    if (overlongBytes !== undefined) {
      yield {
        kind: 'reject',
        line,
        raw: `${text}…`,
        reasons: [
          {
            field: WHOLE_ITEM_FIELD,
            message: `is ${overlongBytes} bytes long; a line may hold at most ${MAX_LINE_BYTES} (one event): put one event on each line`,
          },
        ],
        endLine: line,
        endByte,
      };
      continue;
    }
    if (text.trim() === '') continue;
    try {
      JSON.parse(text);
    } catch (error) {
      yield {
        kind: 'reject',
        line,
        raw: text,
        reasons: [{ field: WHOLE_ITEM_FIELD, message: `is not valid JSON: ${(error as Error).message}` }],
        endLine: line,
        endByte,
      };
      continue;
    }
    // The line goes to ingest as it is: it is valid JSON on one line, and ingest does the validating.
    yield { kind: 'item', line, json: text, raw: text, endLine: line, endByte };
  }
}

interface CsvRecord {
  readonly record: string[];
  readonly raw: string;
  readonly info: { readonly lines: number; readonly bytes: number };
}

// A record that cannot be parsed (an unclosed quote) is skipped and reported, never a crash; quotes inside
// an unquoted field are kept as text, which is what spreadsheets mean by them.
const CSV_OPTIONS = {
  bom: true,
  info: true,
  raw: true,
  relax_quotes: true,
  relax_column_count: true,
  skip_empty_lines: true,
  skip_records_with_error: true,
  max_record_size: 1024 * 1024,
} as const;

function trimDelimiters(raw: string): string {
  return raw.replace(/^[\r\n]+|[\r\n]+$/g, '');
}

/** The header row: its column names and where the data starts. */
async function readCsvHeader(file: string): Promise<{ columns: string[]; endByte: number; endLine: number }> {
  const parser = createReadStream(file).pipe(parse(CSV_OPTIONS));
  try {
    for await (const entry of parser as AsyncIterable<CsvRecord>) {
      const header = checkCsvHeader(entry.record);
      if ('error' in header) throw new CareError('CARE_ERR_VALIDATION', header.error, { field: 'file' });
      return { columns: header.columns, endByte: entry.info.bytes, endLine: entry.info.lines };
    }
  } finally {
    parser.destroy();
  }
  throw new CareError('CARE_ERR_VALIDATION', 'the CSV file is empty: it needs a header row', {
    field: 'file',
  });
}

/**
 * Counts the newlines of a stream by byte offset as it is read, so that a record's line follows from the
 * byte it ends at (csv-parse's own line count drifts on CRLF inside quoted fields).
 */
class NewlineCounter {
  private offsets: number[] = [];
  private head = 0;
  private counted = 0;

  constructor(
    private readonly startByte: number,
    private readonly startLine: number,
  ) {}

  private position = 0;

  /** Sees every chunk before the parser does. */
  observe(chunk: Buffer): void {
    let index = chunk.indexOf(NEWLINE);
    while (index >= 0) {
      this.offsets.push(this.startByte + this.position + index);
      index = chunk.indexOf(NEWLINE, index + 1);
    }
    this.position += chunk.length;
  }

  /** How many lines end before `offset` (a newline at offset - 1 included), from the start of the file. */
  linesBefore(offset: number): number {
    while (this.head < this.offsets.length && (this.offsets[this.head] ?? Infinity) < offset) {
      this.head += 1;
      this.counted += 1;
    }
    if (this.head > 4096) {
      this.offsets = this.offsets.slice(this.head);
      this.head = 0;
    }
    return this.startLine + this.counted;
  }
}

function innerNewlines(raw: string): number {
  let count = 0;
  for (const char of trimDelimiters(raw)) if (char === '\n') count += 1;
  return count;
}

async function* readCsv(file: string, from: SourcePosition): AsyncGenerator<SourceEntry> {
  const header = await readCsvHeader(file);
  const start = from.bytes > header.endByte ? from : { bytes: header.endByte, lines: header.endLine };
  const newlines = new NewlineCounter(start.bytes, start.lines);
  const skipped: (EntryPosition & { raw: string; message: string })[] = [];
  let lastBytes = start.bytes;
  const input = createReadStream(file, { start: start.bytes, highWaterMark: 256 * 1024 });
  input.on('data', (chunk: string | Buffer) =>
    newlines.observe(typeof chunk === 'string' ? Buffer.from(chunk) : chunk),
  );
  const parser = input.pipe(
    parse({
      ...CSV_OPTIONS,
      bom: false,
      on_skip: (error: CsvError | undefined, raw: string | undefined) => {
        // Where a bad record ends is unknown (an open quote runs on); it starts after the last good one.
        const line = newlines.linesBefore(lastBytes) + 1;
        skipped.push({
          line,
          raw: trimDelimiters(raw ?? ''),
          message: `could not be read as CSV: ${error?.message ?? 'unknown error'}`,
          endLine: line + innerNewlines(raw ?? ''),
          endByte: lastBytes,
        });
      },
    }),
  );
  input.on('error', (error) => parser.destroy(error));
  const skippedBefore = function* (line: number): Generator<SourceEntry> {
    while (skipped.length > 0 && (skipped[0]?.line ?? Infinity) < line) {
      const skip = skipped.shift();
      if (skip)
        yield {
          kind: 'reject',
          line: skip.line,
          raw: skip.raw,
          reasons: [{ field: WHOLE_ITEM_FIELD, message: skip.message }],
          endLine: skip.endLine,
          endByte: skip.endByte,
        };
    }
  };
  for await (const { record, raw, info } of parser as AsyncIterable<CsvRecord>) {
    const endByte = start.bytes + info.bytes;
    // The record's terminator is the newline just before endByte; the last record may have none.
    let endLine = newlines.linesBefore(endByte);
    if (!/[\r\n]$/.test(raw)) endLine += 1;
    const line = endLine - innerNewlines(raw);
    lastBytes = endByte;
    yield* skippedBefore(line);
    const position = { line, endLine, endByte };
    const converted = csvRowToItem(header.columns, record);
    if (converted.ok)
      yield { kind: 'item', json: JSON.stringify(converted.item), raw: trimDelimiters(raw), ...position };
    else yield { kind: 'reject', raw: trimDelimiters(raw), reasons: converted.errors, ...position };
  }
  yield* skippedBefore(Infinity);
}
