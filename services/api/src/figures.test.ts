import { ResponseTimeSketch, type BenchmarkDay } from '@carestream/domain';
import { describe, expect, it } from 'vitest';
import { ChannelDays } from './figures.ts';

const DAY = 86_400_000;
const D1 = Date.UTC(2026, 1, 1);
const day = (i: number, brandIds: readonly string[]): BenchmarkDay => ({
  dayMs: D1 + i * DAY,
  brands: brandIds.map((brandId, k) => ({
    brandId,
    needingResponse: 10 + k,
    answered: 5,
    responseSketch: new ResponseTimeSketch().add(60 * (k + 1)),
  })),
});

describe('ChannelDays', () => {
  // Day 1: six brands; day 2: five, t1 among them.
  const days = [day(0, ['t1', 't2', 't3', 't4', 't5', 't6']), day(1, ['t1', 't2', 't3', 't4', 't5'])];

  it('given callers shown the same days, when asked, then the sum is worked out once and shared', () => {
    const channel = new ChannelDays(days);
    const admin = channel.benchmarkFor(() => false);
    expect(admin.days).toEqual([D1, D1 + DAY]);
    expect(channel.benchmarkFor((brandId) => brandId === 't6')).toBe(admin);
  });

  it('given a caller shown fewer days, when asked after another, then it gets its own sum, never the other’s', () => {
    const channel = new ChannelDays(days);
    const wide = channel.benchmarkFor(() => false);
    const narrow = channel.benchmarkFor((brandId) => brandId === 't1');
    expect(narrow.days).toEqual([D1]);
    expect(narrow.row?.needingResponse).toBe(10 + 11 + 12 + 13 + 14 + 15);
    expect(wide.row?.needingResponse).toBe((narrow.row?.needingResponse ?? 0) + 10 + 11 + 12 + 13 + 14);
    expect(channel.benchmarkFor(() => false)).toBe(wide);
  });
});
