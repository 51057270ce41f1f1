import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import './pool.ts';

describe('values read from PostgreSQL', () => {
  const zone = process.env.TZ;
  afterEach(() => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  });

  it('reads a timestamp without time zone as UTC, whatever zone the process runs in', () => {
    const parse = pg.types.getTypeParser(pg.types.builtins.TIMESTAMP);
    for (const tz of ['Asia/Tokyo', 'America/New_York', 'UTC']) {
      process.env.TZ = tz;
      expect((parse('2024-03-28 00:00:00') as Date).getTime()).toBe(Date.UTC(2024, 2, 28));
      expect((parse('2024-03-28 23:30:00.25') as Date).getTime()).toBe(Date.UTC(2024, 2, 28, 23, 30, 0, 250));
    }
  });

  it('reads bigint and numeric as numbers', () => {
    expect(pg.types.getTypeParser(pg.types.builtins.INT8)('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    expect(pg.types.getTypeParser(pg.types.builtins.NUMERIC)('0.25')).toBe(0.25);
  });
});
