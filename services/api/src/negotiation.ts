import type { TSchema } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { csvColumns, toCsv } from './csv.ts';

/**
 * CSV when the caller prefers it: `Accept: text/csv` with a quality at least that of an explicit
 * application/json. Anything else (no Accept, *\/*, a browser's text/html) gets JSON.
 */
export function wantsCsv(accept: string | undefined): boolean {
  if (!accept) return false;
  let csv = 0;
  let json = 0;
  for (const range of accept.split(',')) {
    const [type = '', ...parameters] = range.split(';').map((part) => part.trim().toLowerCase());
    const qParameter = parameters.find((parameter) => parameter.startsWith('q='));
    const q = qParameter === undefined ? 1 : Number(qParameter.slice(2));
    const quality = Number.isFinite(q) ? q : 0;
    if (type === 'text/csv') csv = Math.max(csv, quality);
    else if (type === 'application/json') json = Math.max(json, quality);
  }
  return csv > 0 && csv >= json;
}

const columnsCache = new WeakMap<TSchema, string[]>();

/**
 * Sends `body` as JSON, or `rows` as CSV with the columns of `rowSchema`. For lists, nextCursor travels in the
 * `x-next-cursor` header of a CSV answer (a CSV has no place for it).
 */
export function respond(
  request: FastifyRequest,
  reply: FastifyReply,
  body: object,
  csv: { readonly rows: readonly object[]; readonly schema: TSchema; readonly nextCursor?: string | null },
): FastifyReply {
  void reply.header('vary', 'accept');
  if (!wantsCsv(request.headers.accept)) return reply.send(body);
  let columns = columnsCache.get(csv.schema);
  if (!columns) {
    columns = csvColumns(csv.schema);
    columnsCache.set(csv.schema, columns);
  }
  if (csv.nextCursor) void reply.header('x-next-cursor', csv.nextCursor);
  return reply.type('text/csv; charset=utf-8').send(toCsv(csv.rows, columns));
}
