import { describe, expect, it } from 'vitest';
import { singleQueryValues } from './query-string.ts';

describe('singleQueryValues', () => {
  it('gives each allowed name its one value, and nothing for names not sent', () => {
    const values = singleQueryValues({ from: '2026-01-01T00:00:00Z', channel: 'x' }, [
      'from',
      'to',
      'channel',
    ]);
    expect([...values]).toEqual([
      ['from', '2026-01-01T00:00:00Z'],
      ['channel', 'x'],
    ]);
    expect(singleQueryValues(undefined, ['atomic']).size).toBe(0);
  });

  it('refuses a name the route does not take, naming it (escaped) and the names it does', () => {
    expect(() => singleQueryValues({ atomc: 'true' }, ['atomic'])).toThrow(
      expect.objectContaining({
        code: 'CARE_ERR_VALIDATION',
        field: 'atomc',
        message: 'is not a parameter of this route; it accepts atomic',
      }),
    );
    expect(() => singleQueryValues({ 'a\nb': '1' }, [])).toThrow(
      expect.objectContaining({
        field: 'a\\u{A}b',
        message: 'is not a parameter of this route; it accepts none',
      }),
    );
  });

  it('refuses a parameter without a name, naming the query string (an empty field says nothing)', () => {
    for (const query of [{ '': 'x' }, { '': '' }, { '': ['x', 'y'] }]) {
      expect(() => singleQueryValues(query, ['from', 'to'])).toThrow(
        expect.objectContaining({
          code: 'CARE_ERR_VALIDATION',
          field: 'query',
          message: 'has a parameter without a name ("=value"); send name=value, the name one of from, to',
        }),
      );
    }
    expect(() => singleQueryValues({ '': 'x' }, [])).toThrow(
      expect.objectContaining({
        field: 'query',
        message: 'has a parameter without a name ("=value"); this route takes no parameters',
      }),
    );
  });

  it('refuses a name given twice, or a value that is not a string', () => {
    expect(() => singleQueryValues({ atomic: ['true', 'false'] }, ['atomic'])).toThrow(
      expect.objectContaining({ field: 'atomic', message: 'is given more than once; send it once' }),
    );
    expect(() => singleQueryValues({ limit: { a: '1' } }, ['limit'])).toThrow(
      expect.objectContaining({ field: 'limit', message: 'must be a single value' }),
    );
  });
});
