import { CHANNELS, parseIsoTimestamp, printableId, type Channel } from '@carestream/contract';
import type { ChurnLevel } from '@carestream/domain';
import { CareError } from '@carestream/errors';
import { singleQueryValues } from '@carestream/service-kit';
import { Type, type TSchema, type TUnsafe } from '@sinclair/typebox';
import { StringEnum } from './string-enum.ts';

/**
 * Query parameters shared by the routes, defined once as schemas (QUERY_PARAMETERS: /openapi.json documents
 * them) and read by readers compiled from those schemas, rather than by fastify's JSON-schema validator, so that
 * every 400 names the parameter and says what to send instead (ajv's would coerce, strip and say "must be
 * equal to one of the allowed values").
 *
 * Figures are stored per UTC hour, so a period is widened to whole hours: `from` down to its hour, `to` up to its
 * hour; the answer echoes the period actually counted. `window` ends at the end of the current hour.
 */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export const WINDOWS = { '1h': HOUR_MS, '24h': DAY_MS, '7d': 7 * DAY_MS, '30d': 30 * DAY_MS } as const;
export type WindowName = keyof typeof WINDOWS;
export const DEFAULT_WINDOW: WindowName = '24h';

export const GRANULARITIES = ['hour', 'day'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

export const CHURN_LEVEL_NAMES = ['low', 'medium', 'high'] as const satisfies readonly ChurnLevel[];

/** The longest period one request may count: a bound on the rows a request reads. */
export const MAX_PERIOD_MS = 400 * DAY_MS;
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;
/** What a cursor this API gives out looks like (base64url), and how long one may be. */
export const CURSOR_PATTERN = '^[A-Za-z0-9_-]+$';
export const MAX_CURSOR_LENGTH = 512;

/** Each query parameter's schema: what /openapi.json says of it and what its reader is compiled from. */
const QUERY_PARAMETERS = {
  from: Type.String({
    format: 'date-time',
    description: 'Start, ISO 8601 with offset (inclusive; rounded down to the hour). Use with to.',
  }),
  to: Type.String({
    format: 'date-time',
    description: 'End, ISO 8601 with offset (exclusive; rounded up to the hour). Use with from.',
  }),
  window: StringEnum(Object.keys(WINDOWS) as WindowName[], {
    default: DEFAULT_WINDOW,
    description: 'Back from now (to the end of the current hour). Not with from/to.',
  }),
  channel: StringEnum(CHANNELS, { description: 'Only this channel; all channels when omitted.' }),
  granularity: StringEnum(GRANULARITIES, { default: 'hour', description: 'Bucket size; days are UTC days.' }),
  limit: Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT, description: 'Page size.' }),
  cursor: Type.String({
    pattern: CURSOR_PATTERN,
    maxLength: MAX_CURSOR_LENGTH,
    description: 'nextCursor of the previous page.',
  }),
  level: StringEnum(CHURN_LEVEL_NAMES, { description: 'Only customers at this churn-risk level.' }),
} as const satisfies Record<string, TSchema>;

export type QueryParamName = keyof typeof QUERY_PARAMETERS;

/** The querystring schema of a route that takes `names` (no other parameter). */
export function querySchema(names: readonly QueryParamName[]) {
  return Type.Object(Object.fromEntries(names.map((name) => [name, Type.Optional(QUERY_PARAMETERS[name])])), {
    additionalProperties: false,
  });
}

/** `[fromMs, toMs)`, whole UTC hours. */
export interface Period {
  readonly fromMs: number;
  readonly toMs: number;
}

export interface ParsedQuery {
  readonly period: Period;
  readonly channel: Channel | null;
  readonly granularity: Granularity;
  readonly limit: number;
  /** The raw cursor; decoded against the query it belongs to by `pageOf`. */
  readonly cursor: string | null;
  readonly level: ChurnLevel | null;
  /** The parameters as sent, minus limit and cursor, in a canonical order: what a cursor is bound to. */
  readonly filters: string;
}

export function floorHour(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

export function ceilHour(ms: number): number {
  return Math.ceil(ms / HOUR_MS) * HOUR_MS;
}

/** `period` widened to whole UTC days: `from` down to its midnight, `to` up to the next one (if not one already). */
export function wholeUtcDays(period: Period): Period {
  return {
    fromMs: Math.floor(period.fromMs / DAY_MS) * DAY_MS,
    toMs: Math.ceil(period.toMs / DAY_MS) * DAY_MS,
  };
}

/** The period of equal length just before `period`. */
export function previousPeriod(period: Period): Period {
  return { fromMs: 2 * period.fromMs - period.toMs, toMs: period.fromMs };
}

function invalid(field: string, message: string): CareError {
  return new CareError('CARE_ERR_VALIDATION', message, { field });
}

/**
 * Parses `query` (fastify's parsed querystring) allowing only `allowed`; anything else is a 400 naming it.
 * `nowMs` anchors `window`.
 */
export function parseQuery(query: unknown, allowed: readonly QueryParamName[], nowMs: number): ParsedQuery {
  const values = singleQueryValues(query, allowed);
  return {
    period: parsePeriod(values.get('from'), values.get('to'), values.get('window'), nowMs),
    channel: readChannel(values.get('channel')),
    granularity: defaulted(readGranularity(values.get('granularity'))),
    limit: readLimit(values.get('limit')),
    cursor: readCursor(values.get('cursor')),
    level: readLevel(values.get('level')),
    filters: JSON.stringify(
      [...values]
        .filter(([name]) => name !== 'limit' && name !== 'cursor')
        .sort(([a], [b]) => (a < b ? -1 : 1)),
    ),
  };
}

function parsePeriod(
  from: string | undefined,
  to: string | undefined,
  window: string | undefined,
  nowMs: number,
): Period {
  if (window !== undefined && (from !== undefined || to !== undefined)) {
    throw invalid('window', 'cannot be combined with from/to; send either window or from and to');
  }
  if (from === undefined && to === undefined) {
    const name = defaulted(readWindow(window));
    const toMs = ceilHour(nowMs + 1);
    return { fromMs: toMs - WINDOWS[name], toMs };
  }
  if (from === undefined) throw invalid('from', 'is required with to; send both from and to');
  if (to === undefined) throw invalid('to', 'is required with from; send both from and to');
  const fromMs = timestamp('from', from);
  const toMs = timestamp('to', to);
  if (fromMs >= toMs) throw invalid('from', `must be before to (${to}); the period is [from, to)`);
  // The span asked for, before widening to whole hours: 400 days from 00:30 is a period the caller may ask for.
  if (toMs - fromMs > MAX_PERIOD_MS) {
    throw invalid('from', `is too far before to: a period spans at most ${MAX_PERIOD_MS / DAY_MS} days`);
  }
  return { fromMs: floorHour(fromMs), toMs: ceilHour(toMs) };
}

function timestamp(field: string, text: string): number {
  const parsed = parseIsoTimestamp(text);
  if (parsed.ok) return parsed.ms;
  // "+01:00" in a URL arrives as " 01:00" unless the caller encodes the plus sign.
  const hint = text.includes(' ') ? '; encode a "+" offset in the URL as %2B' : '';
  throw invalid(field, `${parsed.message}${hint}`);
}

// ---- readers compiled from QUERY_PARAMETERS ----

/** How a 400 lists allowed values: "hour or day", "low, medium or high", "one of x, facebook, …". */
function allowedValues(values: readonly string[]): string {
  if (values.length > 3) return `one of ${values.join(', ')}`;
  return `${values.slice(0, -1).join(', ')} or ${values.at(-1) ?? ''}`;
}

/** The reader of an enumerated parameter: the values and the default are its schema's. */
function enumReader<T extends string>(name: QueryParamName, schema: TUnsafe<T>) {
  const { enum: values, default: fallback } = schema as unknown as { enum: readonly T[]; default?: T };
  const allowed = new Set<string>(values);
  const listed = allowedValues(values);
  return (value: string | undefined): T | null => {
    if (value === undefined) return fallback ?? null;
    if (allowed.has(value)) return value as T;
    throw invalid(name, `must be ${listed}, got "${printableId(value)}"`);
  };
}

/** The value of a parameter whose schema has a default: never null. */
function defaulted<T>(value: T | null): T {
  if (value === null)
    throw new CareError('CARE_ERR_INTERNAL', 'a query parameter read as defaulted has no default');
  return value;
}

const readWindow = enumReader('window', QUERY_PARAMETERS.window);
const readChannel = enumReader('channel', QUERY_PARAMETERS.channel);
const readGranularity = enumReader('granularity', QUERY_PARAMETERS.granularity);
const readLevel = enumReader('level', QUERY_PARAMETERS.level);

const readLimit = (() => {
  const {
    minimum,
    maximum,
    default: fallback,
  } = QUERY_PARAMETERS.limit as {
    minimum: number;
    maximum: number;
    default: number;
  };
  return (value: string | undefined): number => {
    if (value === undefined) return fallback;
    const limit = /^\d{1,6}$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isInteger(limit) || limit < minimum || limit > maximum) {
      throw invalid(
        'limit',
        `must be a whole number from ${minimum} to ${maximum}, got "${printableId(value)}"`,
      );
    }
    return limit;
  };
})();

const readCursor = (() => {
  const { pattern, maxLength } = QUERY_PARAMETERS.cursor as { pattern: string; maxLength: number };
  const cursor = new RegExp(pattern);
  return (value: string | undefined): string | null => {
    if (value === undefined) return null;
    if (value.length > maxLength || !cursor.test(value)) {
      throw invalid(
        'cursor',
        'is not a cursor this API gave out; pass nextCursor from the previous page as is',
      );
    }
    return value;
  };
})();
