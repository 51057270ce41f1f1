import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { CareError } from '@carestream/errors';
import {
  ambiguousKeyField,
  ambiguousKeyMessage,
  ambiguousKeys,
  invalidUtf8Offset,
  readAtMost,
  readChunks,
  withoutBom,
} from '@carestream/service-kit';
import { printableId, WHOLE_ITEM_FIELD, type FieldError } from '@carestream/contract';
import type { FastifyRequest } from 'fastify';

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

const tooManyBytes = (maxBytes: number): CareError =>
  tooLarge(`is larger than ${maxBytes} bytes, the limit (INGEST_MAX_BYTES); split it into several requests`);

const tooManyItems = (maxItems: number, got: string): CareError =>
  tooLarge(
    `has ${got} items; at most ${maxItems} are allowed per request (INGEST_MAX_ITEMS); split it into several requests`,
  );

/**
 * Refuses a Content-Type header fastify cannot read as one media type (`application/json, text/plain`, a lone
 * `;`, a NUL), before fastify refuses it itself with a 415 that cannot say what this route reads (`accepted`).
 * GET and HEAD are let through: they carry no body, and fastify reads no type for them.
 */
export function refuseUnreadableContentType(request: FastifyRequest, accepted: string): void {
  const header = request.headers['content-type'];
  if (request.method === 'GET' || request.method === 'HEAD') return;
  if (header === undefined || request.mediaType !== undefined) return;
  throw new CareError(
    'CARE_ERR_UNSUPPORTED_MEDIA_TYPE',
    `is not one media type (got "${printableId(header, 80)}"); send ${accepted}`,
    { field: 'content-type' },
  );
}

/** A declared Content-Length above the limit is refused before a byte of the body is read. */
export function refuseDeclaredLength(contentLength: string | undefined, maxBytes: number): void {
  if (contentLength !== undefined && Number(contentLength) > maxBytes) throw tooManyBytes(maxBytes);
}

function notUtf8(where: string): CareError {
  return new CareError(
    'CARE_ERR_VALIDATION',
    `is not valid UTF-8: ${where} starts no well-formed UTF-8 character; send the body encoded in UTF-8`,
    { field: 'body' },
  );
}

/** Text of a chunk of the body, which must be UTF-8; `where` names the chunk's first byte for the error. */
function utf8Text(bytes: Buffer, where: (offset: number) => string): string {
  const invalid = invalidUtf8Offset(bytes);
  if (invalid !== undefined) throw notUtf8(where(invalid));
  return bytes.toString('utf8');
}

/** The whole body, up to `maxBytes` (CARE_ERR_PAYLOAD_TOO_LARGE beyond, as soon as the limit is passed). */
export function readBytes(stream: Readable, maxBytes: number): Promise<Buffer> {
  return readAtMost(stream, maxBytes, () => tooManyBytes(maxBytes));
}

/**
 * Reads NDJSON as a stream, one item per line as it arrives, stopping as soon as a limit is passed.
 * A line that is not JSON is reported for its index; the other lines still count. A body that is not UTF-8
 * is refused whole, naming the line and byte: bytes in another encoding would be misread, not converted.
 */
export async function readNdjson(stream: Readable, limits: BodyLimits): Promise<ParsedBody> {
  const items: unknown[] = [];
  const errors: FieldError[] = [];
  let bytes = 0;
  let pending: Buffer[] = [];
  let line = 0;
  let lineStart = 0;
  const takeLine = (raw: Buffer) => {
    line += 1;
    const number = line;
    const start = lineStart;
    lineStart += raw.length + 1;
    const decoded = utf8Text(
      raw,
      (offset) => `byte ${offset + 1} of line ${number} (byte ${start + offset + 1} of the body)`,
    );
    const text = number === 1 ? withoutBom(decoded) : decoded;
    if (text.trim() === '') return;
    if (items.length >= limits.maxItems) throw tooManyItems(limits.maxItems, `more than ${limits.maxItems}`);
    try {
      const item: unknown = JSON.parse(text);
      const [ambiguous] = ambiguousKeys(text);
      if (ambiguous !== undefined) {
        errors.push({
          index: items.length,
          field: ambiguousKeyField(ambiguous.path),
          message: ambiguousKeyMessage(ambiguous),
        });
        items.push(undefined);
      } else items.push(item);
    } catch (error) {
      errors.push({
        index: items.length,
        field: WHOLE_ITEM_FIELD,
        message: `is not valid JSON (line ${number}): ${(error as Error).message}`,
      });
      items.push(undefined);
    }
  };
  await readChunks(stream, (chunk) => {
    bytes += chunk.length;
    if (bytes > limits.maxBytes) throw tooManyBytes(limits.maxBytes);
    let from = 0;
    let newline = chunk.indexOf(0x0a, from);
    while (newline >= 0) {
      const piece = chunk.subarray(from, newline);
      takeLine(pending.length > 0 ? Buffer.concat([...pending, piece]) : piece);
      pending = [];
      from = newline + 1;
      newline = chunk.indexOf(0x0a, from);
    }
    if (from < chunk.length) pending.push(chunk.subarray(from));
  });
  if (pending.length > 0) takeLine(Buffer.concat(pending));
  return { items, errors, bytes };
}

/** Reads a JSON array, up to the byte limit, then parses it. */
export async function readJsonArray(stream: Readable, limits: BodyLimits): Promise<ParsedBody> {
  const body = await readBytes(stream, limits.maxBytes);
  const text = withoutBom(utf8Text(body, (offset) => `byte ${offset + 1}`));
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
  if (parsed.length > limits.maxItems) throw tooManyItems(limits.maxItems, String(parsed.length));
  // An item that gives a key twice (which value was meant?) is an error of that item, as a line of NDJSON.
  const errors: FieldError[] = [];
  for (const ambiguous of ambiguousKeys(text)) {
    const [index, ...path] = ambiguous.path;
    if (typeof index === 'number')
      errors.push({ index, field: ambiguousKeyField(path), message: ambiguousKeyMessage(ambiguous) });
  }
  return { items: parsed as unknown[], errors, bytes: body.length };
}

/** A webhook body: bytes within the limit, UTF-8 (the signature is checked over these very bytes). */
export async function readUtf8Body(stream: Readable, maxBytes: number): Promise<Buffer> {
  const body = await readBytes(stream, maxBytes);
  utf8Text(body, (offset) => `byte ${offset + 1}`);
  return body;
}

/** How much of an unread body is read and thrown away after an early answer, and for how long at most. */
export const DRAIN_LIMITS: { readonly maxBytes: number; readonly maxMs: number } = {
  maxBytes: 256 * 1024 * 1024,
  maxMs: 30_000,
};

/**
 * Called as an answer goes out: when the request's body has not been read to its end (the answer came early: a
 * limit passed, bytes that are not UTF-8, a declared length too large), the rest is read and thrown away, so
 * that the client, still sending, reads the answer. Closing the connection instead would make the client's
 * TCP stack receive a reset while it writes, and most clients then report the reset and lose the 413 that was
 * already on its way. Past DRAIN_LIMITS (bytes or time) the connection is closed after all: the client had the
 * answer long before, and a body without end must not hold the connection.
 */
export function drainUnreadBody(raw: IncomingMessage, limits = DRAIN_LIMITS): void {
  // readableEnded: a body read to its end by a reader that is not node's HTTP parser (fastify's inject).
  if (raw.complete || raw.readableEnded || raw.destroyed) return;
  let drained = 0;
  const close = () => raw.socket?.destroy();
  const timer = setTimeout(close, limits.maxMs);
  timer.unref();
  const done = () => clearTimeout(timer);
  raw.removeAllListeners('data');
  raw.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > limits.maxBytes) {
      done();
      close();
    }
  });
  raw.once('end', done);
  raw.once('close', done);
  raw.resume();
}
