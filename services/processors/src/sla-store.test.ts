import { describe, expect, it } from 'vitest';
import { chunksOfSize } from './sla-store.ts';

describe('chunksOfSize', () => {
  it('keeps every item, in order, in groups under the limit; an item longer than the limit goes alone', () => {
    const texts = ['aaaa', 'bb', 'cccccccccc', 'd', 'ee'];
    const chunks = chunksOfSize(texts, (text) => text.length, 8);
    expect(chunks.flat()).toEqual(texts);
    expect(chunks).toEqual([['aaaa', 'bb'], ['cccccccccc'], ['d', 'ee']]);
    expect(chunksOfSize([], (text: string) => text.length, 8)).toEqual([]);
  });
});
