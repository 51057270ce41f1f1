import type { Readable } from 'node:stream';
import { canAccessBrand, canWrite, type ApiKeyStore } from '@carestream/api-keys';
import {
  eventIdentity,
  printableId,
  validateItems,
  type CareEvent,
  type FieldError,
} from '@carestream/contract';
import { CareError } from '@carestream/errors';
import {
  authenticateRequest,
  enforceRateLimit,
  refuseContentEncoding,
  singleQueryValues,
  unsupportedCharset,
  type RateLimiter,
} from '@carestream/service-kit';
import type { FastifyInstance } from 'fastify';
import {
  drainUnreadBody,
  readJsonArray,
  readNdjson,
  refuseDeclaredLength,
  refuseUnreadableContentType,
  type BodyLimits,
} from '../body-reader.ts';
import type { EventPublisher } from '../event-publisher.ts';
import type { IngestMetrics } from '../ingest-metrics.ts';

export interface EventsRouteOptions {
  readonly publisher: EventPublisher;
  readonly keys: ApiKeyStore;
  readonly metrics: IngestMetrics;
  readonly limits: BodyLimits;
  /** Items per key and minute; admin keys are not counted. */
  readonly itemsPerKey: RateLimiter;
  readonly maxFutureSkewMs: number;
  readonly retentionMs: number;
  readonly clock: () => number;
}

const NDJSON_TYPES = new Set(['application/x-ndjson', 'application/ndjson', 'application/jsonl']);
const ACCEPTED_TYPES = 'application/json (an array of events) or application/x-ndjson';

/** `POST /v1/events`: a JSON array or NDJSON of events; per-item errors; 202 only after Kafka has them. */
export async function eventsRoute(app: FastifyInstance, options: EventsRouteOptions): Promise<void> {
  // The body stays a stream: NDJSON is parsed line by line while it arrives, within the limits.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  app.addHook('onRequest', async (request) => refuseUnreadableContentType(request, ACCEPTED_TYPES));
  // An answer sent before the body was read to its end (413, 415, bad bytes) must reach the client: see there.
  app.addHook('onSend', async (request, _reply, payload) => {
    drainUnreadBody(request.raw);
    return payload;
  });

  app.post<{ Querystring: Record<string, unknown> }>('/v1/events', async (request, reply) => {
    const principal = await authenticateRequest(request, options.keys);
    if (!canWrite(principal)) {
      throw new CareError(
        'CARE_ERR_FORBIDDEN',
        `belongs to a ${principal.scope} key, which cannot write events`,
        {
          field: 'authorization',
        },
      );
    }
    // Admin keys are the operator's (the simulator, benchmarks, bulk imports): their traffic is planned, not capped.
    const counted = principal.scope !== 'admin';
    const perMinute = `${options.itemsPerKey.limit} items per minute (INGEST_RATE_LIMIT_ITEMS_PER_MINUTE)`;
    // A key with nothing left is refused before its body is read.
    if (counted) {
      enforceRateLimit(
        reply,
        options.itemsPerKey.peek(principal.keyId),
        `is a key that has sent its ${perMinute}`,
      );
    }
    const atomic = parseAtomic(request.query);
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const stream = request.body as Readable | undefined;
    if (!stream)
      throw new CareError('CARE_ERR_VALIDATION', 'is empty; send a JSON array or NDJSON', { field: 'body' });
    const ndjson = NDJSON_TYPES.has(contentType);
    if (!ndjson && contentType !== 'application/json') {
      throw new CareError(
        'CARE_ERR_UNSUPPORTED_MEDIA_TYPE',
        `must be ${ACCEPTED_TYPES}, got "${contentType.slice(0, 80) || 'none'}"`,
        { field: 'content-type' },
      );
    }
    const charset = unsupportedCharset(request.headers['content-type']);
    if (charset !== undefined) throw charset;
    refuseContentEncoding(request, reply);
    refuseDeclaredLength(request.headers['content-length'], options.limits.maxBytes);
    const parsed = ndjson
      ? await readNdjson(stream, options.limits)
      : await readJsonArray(stream, options.limits);
    options.metrics.bodyBytes.observe({ route: '/v1/events' }, parsed.bytes);
    if (parsed.items.length === 0) {
      throw new CareError('CARE_ERR_VALIDATION', 'holds no events; send at least one', { field: 'body' });
    }
    // Items, not requests: a batch of 10,000 is one request but 10,000 events to validate, encode and publish.
    if (counted) {
      const budget = options.itemsPerKey.take(principal.keyId, parsed.items.length);
      enforceRateLimit(
        reply,
        budget,
        `is a key with ${budget.remaining} left of its ${perMinute}; this request has ${parsed.items.length}`,
      );
    }

    const unparsed = new Set(parsed.errors.map((error) => error.index));
    const validation = validateItems(
      parsed.items.map((item, index) => (unparsed.has(index) ? UNPARSED : item)),
      {
        nowMs: options.clock(),
        maxFutureSkewMs: options.maxFutureSkewMs,
        retentionMs: options.retentionMs,
      },
    );
    const errors: FieldError[] = [
      ...parsed.errors,
      ...validation.errors.filter((error) => !unparsed.has(error.index)),
    ];

    const candidates: { event: CareEvent; index: number }[] = [];
    // Each fact's first item, by eventIdentity.
    const seen = new Map<string, { index: number; event: CareEvent }>();
    let duplicates = 0;
    validation.events.forEach((event, position) => {
      const index = validation.indexes[position] ?? -1;
      if (!canAccessBrand(principal, event.brandId)) {
        errors.push({
          index,
          field: 'brandId',
          message: `"${event.brandId}" is not a brand this API key may write`,
        });
        return;
      }
      const identity = eventIdentity(event);
      const first = seen.get(identity);
      if (first === undefined) {
        seen.set(identity, { index, event });
        candidates.push({ event, index });
      } else if (canonicalJson(first.event) === canonicalJson(event)) {
        duplicates += 1; // the same fact twice counts once: publish it once
      } else {
        // The fold could not tell the two apart if they named one conversation, and would count both if not.
        errors.push({
          index,
          field: 'eventId',
          message: `is also the eventId of item ${first.index}, which says something else; an eventId names one fact`,
        });
      }
    });
    // What names an erased author or message is published without storing it again (the publisher's
    // IdentityVault), so a mention that reaches carestream after its author's erasure still counts.
    const accepted = candidates.map(({ event }) => event);
    errors.sort((a, b) => a.index - b.index);
    const rejected = new Set(errors.map((error) => error.index)).size;

    if (errors.length > 0 && (atomic || accepted.length === 0)) {
      // Every item of the request was refused, the valid ones of an atomic request too.
      options.metrics.events.inc({ result: 'rejected', channel: 'unknown' }, parsed.items.length);
      throw new CareError(
        'CARE_ERR_VALIDATION',
        atomic
          ? `${rejected} of ${parsed.items.length} items are invalid; with atomic=true nothing was accepted`
          : `all ${parsed.items.length} items are invalid`,
        { field: 'body', details: { accepted: 0, rejected, errors } },
      );
    }

    const stopTimer = options.metrics.publishDuration.startTimer();
    await options.publisher.publish(accepted);
    stopTimer();
    options.metrics.countAccepted(accepted);
    options.metrics.events.inc({ result: 'rejected', channel: 'unknown' }, rejected);
    options.metrics.events.inc({ result: 'duplicate', channel: 'unknown' }, duplicates);
    return reply.code(202).send({ accepted: accepted.length, duplicates, rejected, errors });
  });
}

/**
 * A value as JSON with every object's keys in sorted order: two items that say the same thing in another key order
 * (an event keeps the order its item was written in) give the same text.
 */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

// A placeholder for an NDJSON line that did not parse: its error is already reported.
const UNPARSED = Symbol('unparsed line');

/**
 * The one query parameter, `atomic`; any other (a typo such as `atomc`) is refused, not ignored. Exactly `true`
 * or `false`, as JSON spells them: `?atomic`, `1`, `yes` or `TRUE` are refused rather than guessed at, because a
 * wrong guess either publishes a batch the caller wanted all-or-nothing or refuses one it did not.
 */
function parseAtomic(query: unknown): boolean {
  const value = singleQueryValues(query, ['atomic']).get('atomic');
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new CareError(
    'CARE_ERR_VALIDATION',
    `must be true or false (lowercase), got "${printableId(value, 40)}"`,
    { field: 'atomic' },
  );
}
