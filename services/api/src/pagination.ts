import { createHash } from 'node:crypto';
import { CareError } from '@carestream/errors';

/**
 * Opaque cursors: base64url JSON holding the offset of the next page and a fingerprint of the query it belongs
 * to, so a cursor sent with another brand, filter or route is refused (400) rather than silently paging something
 * else. Lists are ranked at request time (urgency and churn scores move with the clock), so an offset is the
 * honest position: a page may repeat or skip an item whose rank changed between requests.
 */

interface CursorBody {
  readonly v: 1;
  readonly o: number;
  readonly q: string;
}

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}

/** A short, stable fingerprint of the query a cursor belongs to (route, brand, filters; not limit or cursor). */
export function queryFingerprint(parts: readonly (string | null)[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 12);
}

export function encodeCursor(offset: number, fingerprint: string): string {
  const body: CursorBody = { v: 1, o: offset, q: fingerprint };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

/** The offset a cursor points at; a 400 naming `cursor` when it is malformed or belongs to another query. */
export function decodeCursor(cursor: string, fingerprint: string): number {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    body = undefined;
  }
  const candidate = body as Partial<CursorBody> | undefined;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    candidate.v !== 1 ||
    typeof candidate.o !== 'number' ||
    !Number.isInteger(candidate.o) ||
    candidate.o < 0 ||
    typeof candidate.q !== 'string'
  ) {
    throw new CareError(
      'CARE_ERR_VALIDATION',
      'is not a cursor this API gave out; pass nextCursor from the previous page as is',
      { field: 'cursor' },
    );
  }
  if (candidate.q !== fingerprint) {
    throw new CareError(
      'CARE_ERR_VALIDATION',
      'belongs to a different query; keep the same route, brand and filters while paging, or drop the cursor',
      { field: 'cursor' },
    );
  }
  return candidate.o;
}

/** One page of an already ordered list. */
export function pageOf<T>(
  ordered: readonly T[],
  options: { readonly limit: number; readonly cursor: string | null; readonly fingerprint: string },
): Page<T> {
  const offset = options.cursor === null ? 0 : decodeCursor(options.cursor, options.fingerprint);
  const end = offset + options.limit;
  return {
    items: ordered.slice(offset, end),
    nextCursor: end < ordered.length ? encodeCursor(end, options.fingerprint) : null,
  };
}
