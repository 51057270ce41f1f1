import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, pageOf, queryFingerprint } from './pagination.ts';

describe('cursor pagination', () => {
  const items = Array.from({ length: 5 }, (_, index) => index);
  const fingerprint = queryFingerprint(['backlog', 'acme', '[]']);

  it('walks a list page by page and ends with a null cursor', () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { items: number[]; nextCursor: string | null } = pageOf(items, {
        limit: 2,
        cursor,
        fingerprint,
      });
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null);
    expect(seen).toEqual(items);
    expect(pages).toBe(3);
  });

  it('gives an opaque base64url cursor', () => {
    expect(encodeCursor(10, fingerprint)).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(encodeCursor(10, fingerprint), fingerprint)).toBe(10);
  });

  it('refuses a malformed cursor or one of another query, naming cursor', () => {
    const other = queryFingerprint(['backlog', 'globex', '[]']);
    for (const bad of ['bm9wZQ', 'e30', Buffer.from('{"v":1,"o":-1,"q":"x"}').toString('base64url')]) {
      expect(() => decodeCursor(bad, fingerprint)).toThrow(expect.objectContaining({ field: 'cursor' }));
    }
    expect(() => decodeCursor(encodeCursor(2, other), fingerprint)).toThrow(/different query/);
  });

  it('answers an empty page past the end', () => {
    expect(pageOf(items, { limit: 2, cursor: encodeCursor(9, fingerprint), fingerprint })).toEqual({
      items: [],
      nextCursor: null,
    });
  });
});
