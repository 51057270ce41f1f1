import { describe, expect, it } from 'vitest';
import { arrayLiteral, packBytes } from './bulk-parameters.ts';

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

describe('packBytes', () => {
  it('concatenates the items and says where each starts (from 1) and how long it is, NULL for a null item', () => {
    const packed = packBytes([Uint8Array.of(1, 2), null, Uint8Array.of(), Uint8Array.of(3)]);
    expect([...packed.bytes]).toEqual([1, 2, 3]);
    expect(packed.starts).toBe('{1,3,3,3}');
    expect(packed.lengths).toBe('{2,NULL,0,1}');
  });
});
