import { describe, expect, it } from 'vitest';
import { benchmarkRow, MIN_BRANDS_FOR_BENCHMARK, percentileRank, type BrandAggregate } from './benchmarks.ts';
import { ResponseTimeSketch } from './response-time-sketch.ts';

function brand(
  id: string,
  needingResponse: number,
  answered: number,
  responseSeconds: number[],
  complaints?: number,
): BrandAggregate {
  const responseSketch = new ResponseTimeSketch();
  for (const s of responseSeconds) responseSketch.add(s);
  return complaints === undefined
    ? { brandId: id, needingResponse, answered, responseSketch }
    : { brandId: id, needingResponse, answered, responseSketch, complaints };
}

const five = [
  brand('b1', 100, 10, [600]),
  brand('b2', 100, 20, [1200]),
  brand('b3', 100, 30, [1800]),
  brand('b4', 100, 40, [2400]),
  brand('b5', 100, 50, [3000]),
];

describe('benchmarkRow', () => {
  it('given 4 contributing brands, when benchmarked, then the row is hidden', () => {
    expect(MIN_BRANDS_FOR_BENCHMARK).toBe(5);
    expect(benchmarkRow(five.slice(0, 4))).toBeNull();
  });

  it('given 5 brands, when benchmarked, then the row is shown with pooled figures and merged percentiles', () => {
    const row = benchmarkRow(five);
    expect(row).toMatchObject({
      brands: 5,
      needingResponse: 500,
      answered: 150,
      responseRate: 0.3,
      complaintShare: null,
    });
    expect(Math.abs((row?.p50Seconds ?? 0) - 1800) / 1800).toBeLessThanOrEqual(0.01);
    expect(Math.abs((row?.p90Seconds ?? 0) - 2400) / 2400).toBeLessThanOrEqual(0.01);
  });

  it('given 5 brands of which one had nothing to answer, when benchmarked, then it does not count and the row is hidden', () => {
    expect(benchmarkRow([...five.slice(0, 4), brand('b5', 0, 0, [])])).toBeNull();
  });

  it('given the same brand twice, when benchmarked, then it counts once toward the minimum', () => {
    expect(benchmarkRow([...five.slice(0, 4), brand('b1', 10, 1, [60])])).toBeNull();
  });

  it('given every brand reports complaints, when benchmarked, then the complaint share is pooled', () => {
    const row = benchmarkRow(five.map((b, i) => ({ ...b, complaints: i * 10 })));
    expect(row?.complaintShare).toBeCloseTo(100 / 500);
  });
});

describe('percentileRank', () => {
  it('given distinct peers where higher is better, when ranked, then the best is near 100 and the worst near 0', () => {
    const peers = [0.1, 0.2, 0.3, 0.4, 0.5];
    expect(percentileRank(0.5, peers)).toBe(90);
    expect(percentileRank(0.1, peers)).toBe(10);
    expect(percentileRank(0.3, peers)).toBe(50);
  });

  it('given response times where lower is better, when ranked, then the fastest ranks highest', () => {
    const medians = [600, 1200, 1800, 2400, 3000];
    expect(percentileRank(600, medians, 'lower')).toBe(90);
    expect(percentileRank(3000, medians, 'lower')).toBe(10);
  });

  it('given ties, when ranked, then tied peers count half', () => {
    expect(percentileRank(0.2, [0.1, 0.2, 0.2, 0.3])).toBe((100 * (1 + 1)) / 4);
    expect(percentileRank(0.2, [0.2, 0.2])).toBe(50);
  });

  it('given no peers, when ranked, then there is no rank', () => {
    expect(percentileRank(0.2, [])).toBeNull();
  });
});
