// How a service reads a request body: as sent (no Content-Encoding), UTF-8 only, within a byte limit; a JSON
// body also unambiguous (no key given twice, no key that names a part of every JavaScript object). Ingest reads
// its bodies itself (NDJSON, webhooks' raw bytes) with the same byte rules; the query API with acceptJsonBodies.
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { printableId } from '@carestream/contract';
import { CareError } from '@carestream/errors';
import { readAtMost } from './body-stream.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Why a Content-Type's charset is refused, or undefined: bodies are read as UTF-8 (JSON's own encoding, RFC
 * 8259), so a body declared in another charset would be misread, not converted. No charset means UTF-8.
 */
export function unsupportedCharset(contentType: string | undefined): CareError | undefined {
  for (const parameter of (contentType ?? '').split(';').slice(1)) {
    const equals = parameter.indexOf('=');
    if (equals < 0 || parameter.slice(0, equals).trim().toLowerCase() !== 'charset') continue;
    const charset = parameter
      .slice(equals + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
    if (charset === 'utf-8' || charset === 'utf8') continue;
    return new CareError(
      'CARE_ERR_UNSUPPORTED_MEDIA_TYPE',
      `declares charset=${printableId(charset, 40)}; bodies are read as UTF-8 only: send UTF-8, with charset=utf-8 or no charset`,
      { field: 'content-type' },
    );
  }
  return undefined;
}

/**
 * The offset of the first byte of `bytes` that does not belong to a well-formed UTF-8 sequence (RFC 3629:
 * overlong forms, surrogates and code points above U+10FFFF are ill-formed), or undefined when there is none.
 */
export function invalidUtf8Offset(bytes: Uint8Array): number | undefined {
  if (isUtf8(bytes)) return undefined;
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] ?? 0;
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    // The length of the sequence and the range of its second byte (Table 3-7 of the Unicode standard).
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) low = 0xa0;
      if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) low = 0x90;
      if (lead === 0xf4) high = 0x8f;
    } else return i;
    const second = bytes[i + 1];
    if (second === undefined || second < low || second > high) return i;
    for (let k = 2; k < length; k += 1) {
      const next = bytes[i + k];
      if (next === undefined || next < 0x80 || next > 0xbf) return i;
    }
    i += length;
  }
  return undefined;
}

/**
 * Refuses a body sent with a Content-Encoding other than `identity` (none is identity): bodies are read as
 * sent, never decompressed, because a few KiB of gzip can inflate past every limit before one is checked. A
 * compressed body would otherwise be misread as bad UTF-8, and a plain one labelled gzip taken on trust.
 * Accept-Encoding on the 415 tells the client which coding would do (RFC 9110, section 15.5.16).
 */
export function refuseContentEncoding(request: FastifyRequest, reply: FastifyReply): void {
  const header = request.headers['content-encoding'];
  // A list (`gzip, identity`, or repeated headers, which node joins with commas); empty elements are allowed.
  const coding = (header ?? '')
    .split(',')
    .map((part) => part.trim().toLowerCase())
    .find((part) => part !== '' && part !== 'identity');
  if (coding === undefined) return;
  void reply.header('accept-encoding', 'identity');
  throw new CareError(
    'CARE_ERR_UNSUPPORTED_MEDIA_TYPE',
    `is "${printableId(coding, 40)}"; bodies are read as sent, not decompressed: send the body uncompressed, without Content-Encoding (or with identity)`,
    { field: 'content-encoding' },
  );
}

/**
 * JSON text without the byte order mark some Windows tools write before it: RFC 8259 (section 8.1) lets a
 * parser ignore one, and `carestream import` does. Only one, and only at the very start of the body.
 */
export function withoutBom(text: string): string {
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

/**
 * Keys no body may hold, at any depth. JSON.parse makes them plain own properties, but code that later copies
 * the object with Object.assign or a merge would set the target's prototype from `__proto__` (or reach
 * `constructor.prototype`); refusing them by name is simpler to trust than auditing every copy.
 */
const REFUSED_KEYS = new Set(['__proto__', 'constructor']);

function invalid(field: string, message: string): CareError {
  return new CareError('CARE_ERR_VALIDATION', message, { field });
}

/** Where a key no body may hold is, and why. */
export interface AmbiguousKey {
  /** From the top of the text: array items by index, object members by key, the key itself last. */
  readonly path: readonly (string | number)[];
  /** Given twice in its object, or a name in REFUSED_KEYS. */
  readonly reason: 'duplicate' | 'refused';
}

const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;

/** Whether the quote at `at` is escaped: an odd number of backslashes before it. */
function escapedQuote(text: string, at: number): boolean {
  let backslashes = 0;
  for (let i = at - 1; text.charCodeAt(i) === BACKSLASH; i -= 1) backslashes += 1;
  return backslashes % 2 === 1;
}

function isJsonWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/**
 * The first key given twice in its object, or named in REFUSED_KEYS, of each item of a top-level array (of the
 * body, if it is no array), in `text`, which JSON.parse has already
 * accepted (so it is well-formed). JSON.parse keeps the last of two equal keys without a word, and its reviver
 * sees only the object that results, so the text itself is scanned: each string is skipped whole with indexOf
 * (a quote or a brace inside one is not structure; most of a body is strings), only the few characters between
 * strings are looked at one by one, and a string followed by ':' inside an object is a key (compared decoded:
 * "a\u0062" is "ab"). About 1 µs per event-sized object, against ~10 µs character by character.
 */
export function ambiguousKeys(text: string): AmbiguousKey[] {
  const found: AmbiguousKey[] = [];
  // One entry per open object or array: its keys so far (undefined for an array), and the member being read.
  const keys: (Set<string> | undefined)[] = [];
  const members: (string | number)[] = [];
  for (let i = 0; i < text.length;) {
    let quote = text.indexOf('"', i);
    if (quote < 0) quote = text.length;
    for (let j = i; j < quote; j += 1) {
      const code = text.charCodeAt(j);
      if (code === 0x7b || code === 0x5b) {
        keys.push(code === 0x7b ? new Set() : undefined);
        members.push(code === 0x7b ? '' : 0);
      } else if (code === 0x7d || code === 0x5d) {
        keys.pop();
        members.pop();
      } else if (code === COMMA) {
        const top = members.length - 1;
        const index = members[top];
        if (keys[top] === undefined && typeof index === 'number') members[top] = index + 1;
      }
    }
    if (quote === text.length) break;
    let end = text.indexOf('"', quote + 1);
    while (end > 0 && escapedQuote(text, end)) end = text.indexOf('"', end + 1);
    if (end < 0) break; // a string without its end: not JSON, nothing more to find
    i = end + 1;
    const top = keys.length - 1;
    const objectKeys = keys[top];
    if (objectKeys === undefined) continue;
    let next = end + 1;
    while (isJsonWhitespace(text.charCodeAt(next))) next += 1;
    if (text.charCodeAt(next) !== COLON) continue;
    const raw = text.slice(quote + 1, end);
    const key = raw.includes('\\') ? (JSON.parse(text.slice(quote, end + 1)) as string) : raw;
    members[top] = key;
    i = next + 1;
    const reason = REFUSED_KEYS.has(key) ? 'refused' : objectKeys.has(key) ? 'duplicate' : undefined;
    if (reason === undefined) {
      objectKeys.add(key);
      continue;
    }
    // One finding per item of a top-level array (what a caller reports per item), one for any other body: the
    // paths are copied, and a deep body with many findings would otherwise cost depth × findings.
    if (keys[0] !== undefined) return [{ path: [...members], reason }];
    if (found.at(-1)?.path[0] !== members[0]) found.push({ path: [...members], reason });
  }
  return found;
}

/** The field that names a key's place: dotted, array items by index, an empty key written "" (printable). */
export function ambiguousKeyField(path: readonly (string | number)[]): string {
  return printableId(path.map((segment) => (segment === '' ? '""' : String(segment))).join('.'), 200);
}

/** What is wrong with an ambiguous key, in words a client can act on. */
export function ambiguousKeyMessage(problem: AmbiguousKey): string {
  return problem.reason === 'refused'
    ? `is a key named ${String(problem.path.at(-1))}, which is not accepted in a request body (it names a part of every JavaScript object); remove it`
    : 'is given more than once in its object; send each key once (which value was meant is ambiguous)';
}

/** Refuses the first key `ambiguousKeys` finds in `text`, naming its path. */
export function refuseAmbiguousKeys(text: string): void {
  const [first] = ambiguousKeys(text);
  if (first !== undefined) throw invalid(ambiguousKeyField(first.path), ambiguousKeyMessage(first));
}

/**
 * A JSON body's value: UTF-8 (the first bad byte is named), valid JSON, no key given twice and no refused key.
 * An empty body is undefined, as when no body is sent, so that the route says what it expects.
 */
export function parseJsonBody(bytes: Buffer): unknown {
  const invalidAt = invalidUtf8Offset(bytes);
  if (invalidAt !== undefined) {
    throw invalid(
      'body',
      `is not valid UTF-8: byte ${invalidAt + 1} starts no well-formed UTF-8 character; send the body encoded in UTF-8`,
    );
  }
  if (bytes.length === 0) return undefined;
  const text = withoutBom(bytes.toString('utf8'));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalid('body', `is not valid JSON: ${(error as Error).message}`);
  }
  refuseAmbiguousKeys(text);
  return value;
}

function tooLarge(maxBytes: number): CareError {
  const message = `is larger than ${maxBytes} bytes, the limit of a request body`;
  return new CareError('CARE_ERR_PAYLOAD_TOO_LARGE', message, { field: 'body' });
}

/**
 * Makes `app` (and the routes registered in it afterwards) read request bodies as JSON by parseJsonBody's
 * rules, replacing fastify's parsers: fastify's JSON parser decodes any bytes as UTF-8 whatever the charset
 * (a Latin-1 'é' became U+FFFD and the request went on), keeps the last of two equal keys, answers a
 * `__proto__` key as "not valid JSON", and its text/plain parser let a text body reach the route. Any other
 * media type is a 415 naming content-type; a body over `maxBytes` a 413 naming the limit, refused before a
 * byte is read when Content-Length declares it.
 */
export function acceptJsonBodies(app: FastifyInstance, options: { readonly maxBytes: number }): void {
  app.removeAllContentTypeParsers();
  app.addHook('preParsing', async (request, reply, payload) => {
    refuseContentEncoding(request, reply);
    return payload;
  });
  app.addContentTypeParser('application/json', async (request: FastifyRequest, payload: IncomingMessage) => {
    const charset = unsupportedCharset(request.headers['content-type']);
    if (charset !== undefined) throw charset;
    if (Number(request.headers['content-length']) > options.maxBytes) throw tooLarge(options.maxBytes);
    return parseJsonBody(await readAtMost(payload, options.maxBytes, () => tooLarge(options.maxBytes)));
  });
  app.addContentTypeParser('*', async (request: FastifyRequest) => {
    const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    throw new CareError(
      'CARE_ERR_UNSUPPORTED_MEDIA_TYPE',
      `must be application/json, got "${printableId(type, 80) || 'none'}"`,
      { field: 'content-type' },
    );
  });
}
