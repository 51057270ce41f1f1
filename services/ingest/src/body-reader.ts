import type { Readable } from 'node:stream';
import split2 from 'split2';
import { CareError } from '@carestream/errors';
import type { FieldError } from '@carestream/contract';

export interface BodyLimits {
  readonly maxItems: number;
  readonly maxBytes: number;
}

export interface ParsedBody {
  /** Items in request order; an unparseable NDJSON line is `undefined` here and reported in `errors`. */
  readonly items: unknown[];
  readonly errors: FieldError[];
  readonly bytes: number;
}

function tooLarge(message: string): CareError {
  return new CareError('CARE_ERR_PAYLOAD_TOO_LARGE', message, { field: 'body' });
}

/**
 * Reads NDJSON as a stream, one item per line as it arrives, stopping as soon as a limit is passed.
 * A line that is not JSON is reported for its index; the other lines still count.
 */
export async function readNdjson(stream: Readable, limits: BodyLimits): Promise<ParsedBody> {
  const items: unknown[] = [];
  const errors: FieldError[] = [];
  let bytes = 0;
  stream.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > limits.maxBytes) stream.destroy(tooLarge(`is larger than ${limits.maxBytes} bytes`));
  });
  const lines = stream.pipe(split2());
  stream.on('error', (error) => lines.destroy(error));
  for await (const line of lines as AsyncIterable<string>) {
    if (line.trim() === '') continue;
    if (items.length >= limits.maxItems) {
      stream.destroy();
      throw tooLarge(`has more than ${limits.maxItems} items; split it into several requests`);
    }
    try {
      items.push(JSON.parse(line));
    } catch (error) {
      errors.push({
        index: items.length,
        field: '',
        message: `line ${items.length + 1} is not valid JSON: ${(error as Error).message}`,
      });
      items.push(undefined);
    }
  }
  return { items, errors, bytes };
}

/** Reads a JSON array, up to the byte limit, then parses it. */
export async function readJsonArray(stream: Readable, limits: BodyLimits): Promise<ParsedBody> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > limits.maxBytes) {
      stream.destroy();
      throw tooLarge(`is larger than ${limits.maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') {
    throw new CareError(
      'CARE_ERR_VALIDATION',
      'is empty; send a JSON array of events or NDJSON (one event per line)',
      { field: 'body' },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CareError('CARE_ERR_VALIDATION', `is not valid JSON: ${(error as Error).message}`, {
      field: 'body',
    });
  }
  if (!Array.isArray(parsed)) {
    throw new CareError(
      'CARE_ERR_VALIDATION',
      'must be a JSON array of events (or NDJSON with Content-Type application/x-ndjson)',
      {
        field: 'body',
      },
    );
  }
  if (parsed.length > limits.maxItems)
    throw tooLarge(`has ${parsed.length} items; at most ${limits.maxItems} are allowed per request`);
  return { items: parsed as unknown[], errors: [], bytes };
}
