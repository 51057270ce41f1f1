import { CareError } from '@carestream/errors';
import { describe, expect, it } from 'vitest';
import { parseQuery, previousPeriod, type QueryParamName } from './query-params.ts';

const NOW = Date.parse('2026-03-10T12:30:00Z');
const ALL: QueryParamName[] = ['from', 'to', 'window', 'channel', 'granularity', 'limit', 'cursor', 'level'];

function fieldOf(query: Record<string, unknown>, allowed: QueryParamName[] = ALL): string | undefined {
  try {
    parseQuery(query, allowed, NOW);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(CareError);
    expect((error as CareError).code).toBe('CARE_ERR_VALIDATION');
    return (error as CareError).field;
  }
}

describe('parseQuery', () => {
  it('defaults to 24 hours ending with the current hour, all channels, hourly, 50 a page', () => {
    const query = parseQuery({}, ALL, NOW);
    expect(query.period).toEqual({
      fromMs: Date.parse('2026-03-09T13:00:00Z'),
      toMs: Date.parse('2026-03-10T13:00:00Z'),
    });
    expect(query).toMatchObject({ channel: null, granularity: 'hour', limit: 50, cursor: null, level: null });
  });

  it('reads each window back from the end of the current hour', () => {
    const end = Date.parse('2026-03-10T13:00:00Z');
    for (const [window, hours] of [
      ['1h', 1],
      ['24h', 24],
      ['7d', 168],
      ['30d', 720],
    ] as const) {
      expect(parseQuery({ window }, ALL, NOW).period).toEqual({ fromMs: end - hours * 3_600_000, toMs: end });
    }
    // Exactly on the hour, the hour that just began is the current one.
    const onTheHour = Date.parse('2026-03-10T12:00:00Z');
    expect(parseQuery({ window: '1h' }, ALL, onTheHour).period.toMs).toBe(Date.parse('2026-03-10T13:00:00Z'));
  });

  it('widens from/to to whole hours and honours offsets', () => {
    const query = parseQuery({ from: '2026-03-10T10:15:00+01:00', to: '2026-03-10T11:00:00Z' }, ALL, NOW);
    expect(query.period).toEqual({
      fromMs: Date.parse('2026-03-10T09:00:00Z'),
      toMs: Date.parse('2026-03-10T11:00:00Z'),
    });
  });

  it('takes 400 days asked from a half hour, widened to whole hours, and refuses a millisecond more', () => {
    const from = '2025-02-03T00:30:00Z';
    const to = new Date(Date.parse(from) + 400 * 86_400_000).toISOString();
    expect(parseQuery({ from, to }, ALL, NOW).period).toEqual({
      fromMs: Date.parse('2025-02-03T00:00:00Z'),
      toMs: Date.parse(to) + 30 * 60_000,
    });
    const longer = new Date(Date.parse(to) + 1).toISOString();
    expect(fieldOf({ from, to: longer })).toBe('from');
  });

  it('gives the equal period before', () => {
    expect(previousPeriod({ fromMs: 100, toMs: 160 })).toEqual({ fromMs: 40, toMs: 100 });
  });

  it('names the parameter at fault', () => {
    expect(fieldOf({ from: 'nope', to: '2026-03-10T00:00:00Z' })).toBe('from');
    expect(fieldOf({ from: '2026-03-10', to: '2026-03-11T00:00:00Z' })).toBe('from');
    expect(fieldOf({ from: '2026-03-10T00:00:00', to: '2026-03-11T00:00:00Z' })).toBe('from');
    expect(fieldOf({ from: '2026-03-10T00:00:00Z' })).toBe('to');
    expect(fieldOf({ to: '2026-03-10T00:00:00Z' })).toBe('from');
    expect(fieldOf({ from: '2026-03-10T00:00:00Z', to: '2026-03-10T00:00:00Z' })).toBe('from');
    expect(fieldOf({ window: '24h', from: '2026-03-10T00:00:00Z', to: '2026-03-11T00:00:00Z' })).toBe(
      'window',
    );
    expect(fieldOf({ window: '2w' })).toBe('window');
    expect(fieldOf({ window: 'toString' })).toBe('window');
    expect(fieldOf({ channel: 'X' })).toBe('channel');
    expect(fieldOf({ granularity: 'minute' })).toBe('granularity');
    expect(fieldOf({ limit: '0' })).toBe('limit');
    expect(fieldOf({ limit: '1.5' })).toBe('limit');
    expect(fieldOf({ limit: '501' })).toBe('limit');
    expect(fieldOf({ cursor: 'a b' })).toBe('cursor');
    expect(fieldOf({ level: 'severe' })).toBe('level');
    expect(fieldOf({ channel: ['x', 'email'] })).toBe('channel');
    expect(fieldOf({ unknown: '1' })).toBe('unknown');
    // `?=x`: a parameter without a name; the query string is the field (an empty one tells the client nothing).
    expect(fieldOf({ '': 'x' })).toBe('query');
    expect(fieldOf({ granularity: 'day' }, ['from', 'to'])).toBe('granularity');
    expect(fieldOf({ from: '2020-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' })).toBe('from');
  });

  it('quotes what the caller sent at most 64 characters long, control characters escaped', () => {
    const refusal = (query: Record<string, unknown>) => {
      try {
        parseQuery(query, ALL, NOW);
      } catch (error) {
        return error as CareError;
      }
      throw new Error('accepted');
    };
    expect(refusal({ ['y'.repeat(10_000)]: '1' }).field).toBe(`${'y'.repeat(64)}…`);
    expect(refusal({ channel: `x${'z'.repeat(10_000)}` }).message).toMatch(/, got "xz{63}…"$/);
    expect(refusal({ limit: '\u0000' + '9'.repeat(100) }).message).toMatch(/got "\\u\{0\}9{63}…"$/);
  });

  it('accepts every good value', () => {
    const query = parseQuery(
      { channel: 'instagram', granularity: 'day', limit: '500', cursor: 'abc_-1', level: 'high' },
      ALL,
      NOW,
    );
    expect(query).toMatchObject({
      channel: 'instagram',
      granularity: 'day',
      limit: 500,
      cursor: 'abc_-1',
      level: 'high',
    });
  });

  it('binds a cursor to the filters, not to the page size or position', () => {
    const a = parseQuery({ channel: 'x', window: '7d', limit: '10' }, ALL, NOW);
    const b = parseQuery({ window: '7d', channel: 'x', cursor: 'abc' }, ALL, NOW);
    const c = parseQuery({ window: '7d' }, ALL, NOW);
    expect(a.filters).toBe(b.filters);
    expect(a.filters).not.toBe(c.filters);
  });
});

describe('readers compiled from the parameter schemas', () => {
  const messageOf = (query: Record<string, unknown>): string => {
    try {
      parseQuery(query, ALL, NOW);
      return 'no error';
    } catch (error) {
      return (error as CareError).message;
    }
  };

  it('list the allowed values as the schemas give them, in words', () => {
    expect(messageOf({ granularity: 'week' })).toBe('must be hour or day, got "week"');
    expect(messageOf({ level: 'extreme' })).toBe('must be low, medium or high, got "extreme"');
    expect(messageOf({ window: '2h' })).toBe('must be one of 1h, 24h, 7d, 30d, got "2h"');
    expect(messageOf({ channel: 'fax' })).toBe(
      'must be one of x, facebook, instagram, tiktok, youtube, linkedin, email, other, got "fax"',
    );
    expect(messageOf({ limit: '0' })).toBe('must be a whole number from 1 to 500, got "0"');
    expect(messageOf({ cursor: 'x'.repeat(513) })).toMatch(/^is not a cursor this API gave out/);
  });

  it("take the schemas' defaults", () => {
    const query = parseQuery({}, ALL, NOW);
    expect(query.granularity).toBe('hour');
    expect(query.limit).toBe(50);
    expect(query.period.toMs - query.period.fromMs).toBe(24 * 3_600_000);
  });
});
