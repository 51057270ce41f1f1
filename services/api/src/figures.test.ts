import { benchmarkDays, emptyAccumulator, ResponseTimeSketch, type BenchmarkDay } from '@carestream/domain';
import { describe, expect, it } from 'vitest';
import { agentItems, ChannelDays } from './figures.ts';

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
    const admin = channel.benchmarkOver(benchmarkDays(days, () => false));
    expect(admin.days).toEqual([D1, D1 + DAY]);
    expect(channel.benchmarkOver(benchmarkDays(days, (brandId) => brandId === 't6'))).toBe(admin);
  });

  it('given a caller shown fewer days, when asked after another, then it gets its own sum, never the other’s', () => {
    const channel = new ChannelDays(days);
    const wide = channel.benchmarkOver(benchmarkDays(days, () => false));
    const narrow = channel.benchmarkOver(benchmarkDays(days, (brandId) => brandId === 't1'));
    expect(narrow.days).toEqual([D1]);
    expect(narrow.row?.needingResponse).toBe(10 + 11 + 12 + 13 + 14 + 15);
    expect(wide.row?.needingResponse).toBe((narrow.row?.needingResponse ?? 0) + 10 + 11 + 12 + 13 + 14);
    expect(channel.benchmarkOver(benchmarkDays(days, () => false))).toBe(wide);
  });
});

describe('agentItems', () => {
  const bucket = (answered: number, humanReplies: number, automatedReplies: number) => {
    const sketch = new ResponseTimeSketch();
    for (let i = 0; i < answered; i += 1) sketch.add(600);
    return {
      ...emptyAccumulator(),
      answered,
      humanReplies,
      automatedReplies,
      responseSumMs: answered * 600_000,
      responseSketch: sketch,
    };
  };

  it('given a bot with automated replies only, when listed, then it is no agent; a replier without a credited answer is', () => {
    const items = agentItems(
      new Map([
        ['b1-bot', bucket(0, 0, 3)],
        ['agent-2', bucket(0, 1, 0)],
        ['agent-1', bucket(1, 1, 0)],
      ]),
    );
    expect(items.map((item) => [item.agentId, item.answered, item.humanReplies])).toEqual([
      ['agent-1', 1, 1],
      ['agent-2', 0, 1],
    ]);
    expect(items[0]?.responseTimeSeconds.mean).toBe(600);
  });
});
