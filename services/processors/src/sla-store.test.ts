import { describe, expect, it } from 'vitest';
import { chunksOfSize } from './sla-store.ts';

describe('chunksOfSize', () => {
  it('keeps every text, in order, in groups under the limit; a text longer than the limit goes alone', () => {
    const texts = ['aaaa', 'bb', 'cccccccccc', 'd', 'ee'];
    const chunks = chunksOfSize(texts, 8);
    expect(chunks.flat()).toEqual(texts);
    expect(chunks).toEqual([['aaaa', 'bb'], ['cccccccccc'], ['d', 'ee']]);
    expect(chunksOfSize([], 8)).toEqual([]);
  });
});
