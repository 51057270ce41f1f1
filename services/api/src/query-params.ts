import { CHANNELS, parseIsoTimestamp, type Channel } from '@carestream/contract';
import type { ChurnLevel } from '@carestream/domain';
import { CareError } from '@carestream/errors';

/**
 * Query parameters shared by the routes, parsed by hand rather than by the JSON-schema validator so that every
 * 400 names the parameter and says what to send instead (the route schemas document the same rules).
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
const CURSOR = new RegExp(CURSOR_PATTERN);

export type QueryParamName =
  'from' | 'to' | 'window' | 'channel' | 'granularity' | 'limit' | 'cursor' | 'level';

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
  const raw = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>;
  const values = new Map<QueryParamName, string>();
  for (const [name, value] of Object.entries(raw)) {
    if (!(allowed as readonly string[]).includes(name)) {
      throw invalid(
        name,
        `is not a parameter of this route; it accepts ${allowed.length > 0 ? allowed.join(', ') : 'none'}`,
      );
    }
    if (Array.isArray(value)) throw invalid(name, 'is given more than once; send it once');
    if (typeof value !== 'string') throw invalid(name, 'must be a single value');
    values.set(name as QueryParamName, value);
  }
  return {
    period: parsePeriod(values.get('from'), values.get('to'), values.get('window'), nowMs),
    channel: parseChannel(values.get('channel')),
    granularity: parseGranularity(values.get('granularity')),
    limit: parseLimit(values.get('limit')),
    cursor: parseCursorText(values.get('cursor')),
    level: parseLevel(values.get('level')),
    filters: JSON.stringify(
      [...values]
        .filter(([name]) => name !== 'limit' && name !== 'cursor')
        .sort(([a], [b]) => (a < b ? -1 : 1)),
    ),
  };
}

export function parsePeriod(
  from: string | undefined,
  to: string | undefined,
  window: string | undefined,
  nowMs: number,
): Period {
  if (window !== undefined && (from !== undefined || to !== undefined)) {
    throw invalid('window', 'cannot be combined with from/to; send either window or from and to');
  }
  if (from === undefined && to === undefined) {
    const name = window ?? DEFAULT_WINDOW;
    if (!Object.hasOwn(WINDOWS, name)) {
      throw invalid('window', `must be one of ${Object.keys(WINDOWS).join(', ')}, got "${name}"`);
    }
    const toMs = ceilHour(nowMs + 1);
    return { fromMs: toMs - WINDOWS[name as WindowName], toMs };
  }
  if (from === undefined) throw invalid('from', 'is required with to; send both from and to');
  if (to === undefined) throw invalid('to', 'is required with from; send both from and to');
  const fromMs = timestamp('from', from);
  const toMs = timestamp('to', to);
  if (fromMs >= toMs) throw invalid('from', `must be before to (${to}); the period is [from, to)`);
  const period = { fromMs: floorHour(fromMs), toMs: ceilHour(toMs) };
  if (period.toMs - period.fromMs > MAX_PERIOD_MS) {
    throw invalid('from', `is too far before to: a period spans at most ${MAX_PERIOD_MS / DAY_MS} days`);
  }
  return period;
}

function timestamp(field: string, text: string): number {
  const parsed = parseIsoTimestamp(text);
  if (parsed.ok) return parsed.ms;
  // "+01:00" in a URL arrives as " 01:00" unless the caller encodes the plus sign.
  const hint = text.includes(' ') ? '; encode a "+" offset in the URL as %2B' : '';
  throw invalid(field, `${parsed.message}${hint}`);
}

export function parseChannel(value: string | undefined): Channel | null {
  if (value === undefined) return null;
  if ((CHANNELS as readonly string[]).includes(value)) return value as Channel;
  throw invalid('channel', `must be one of ${CHANNELS.join(', ')}, got "${value}"`);
}

export function parseGranularity(value: string | undefined): Granularity {
  if (value === undefined) return 'hour';
  if ((GRANULARITIES as readonly string[]).includes(value)) return value as Granularity;
  throw invalid('granularity', `must be hour or day, got "${value}"`);
}

export function parseLimit(value: string | undefined): number {
  if (value === undefined) return DEFAULT_LIMIT;
  const limit = /^\d{1,6}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw invalid('limit', `must be a whole number from 1 to ${MAX_LIMIT}, got "${value}"`);
  }
  return limit;
}

function parseCursorText(value: string | undefined): string | null {
  if (value === undefined) return null;
  if (value.length > MAX_CURSOR_LENGTH || !CURSOR.test(value)) {
    throw invalid(
      'cursor',
      'is not a cursor this API gave out; pass nextCursor from the previous page as is',
    );
  }
  return value;
}

export function parseLevel(value: string | undefined): ChurnLevel | null {
  if (value === undefined) return null;
  if ((CHURN_LEVEL_NAMES as readonly string[]).includes(value)) return value as ChurnLevel;
  throw invalid('level', `must be low, medium or high, got "${value}"`);
}
