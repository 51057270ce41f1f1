import { describe, expect, it } from 'vitest';
import { arrayLiteral, packBytes, timestampColumn } from './bulk-parameters.ts';

describe('arrayLiteral', () => {
  it('quotes every string, escapes quotes and backslashes only, and writes NULL, numbers and booleans bare', () => {
    expect(arrayLiteral(['plain', 'a"b', 'c\\d', '', 'NULL', '{x,y}', null, 42, -1.5, true, false])).toBe(
      '{"plain","a\\"b","c\\\\d","","NULL","{x,y}",NULL,42,-1.5,true,false}',
    );
  });

  it('is an empty array for no values', () => {
    expect(arrayLiteral([])).toBe('{}');
  });
});

describe('timestampColumn', () => {
  it('writes epoch milliseconds as quoted ISO 8601 UTC instants, and null as NULL', () => {
    const rows = [{ at: 0 }, { at: null }, { at: 1_700_000_000_123 }, { at: -1 }];
    expect(timestampColumn(rows, (row) => row.at)).toBe(
      '{"1970-01-01T00:00:00.000Z",NULL,"2023-11-14T22:13:20.123Z","1969-12-31T23:59:59.999Z"}',
    );
  });
});

describe('packBytes', () => {
  it('concatenates the items and says where each starts (from 1) and how long it is, NULL for a null item', () => {
    const packed = packBytes([Uint8Array.of(1, 2), null, Uint8Array.of(), Uint8Array.of(3)]);
    expect([...packed.bytes]).toEqual([1, 2, 3]);
    expect(packed.starts).toBe('{1,3,3,3}');
    expect(packed.lengths).toBe('{2,NULL,0,1}');
  });
});
