import { describe, expect, it } from 'vitest';
import {
  benchmarkDays,
  benchmarkOverDays,
  benchmarkRow,
  countedDaysByChannel,
  groupBenchmarkDays,
  MIN_BRANDS_FOR_BENCHMARK,
  percentileRank,
  type BenchmarkDay,
  type BrandAggregate,
} from './benchmarks.ts';
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

describe('benchmarks in whole days: benchmarkDays, benchmarkOverDays', () => {
  const DAY = 86_400_000;
  const D1 = Date.UTC(2026, 1, 1);
  const others = ['b1', 'b2', 'b3', 'b4', 'b5'];
  /** Day i (from 0): every brand listed has i + 10 mentions needing a response, answers half of them. */
  const day = (i: number, brandIds: readonly string[]): BenchmarkDay => ({
    dayMs: D1 + i * DAY,
    brands: brandIds.map((id, k) =>
      brand(id, 10 + i + k, Math.floor((10 + i + k) / 2), [60 * (i + 1) * (k + 1)], k),
    ),
  });
  const ownKey = (brandId: string) => brandId === 'me';
  const noKey = () => false;
  const benchmarkFor = (days: readonly BenchmarkDay[], knownToCaller: (brandId: string) => boolean) =>
    benchmarkOverDays(benchmarkDays(days, knownToCaller));
  const tenDays = Array.from({ length: 10 }, (_, i) => day(i, ['me', ...others]));

  it('given two periods differing by a day on which one other brand contributed, when benchmarked, then both answers are equal', () => {
    const periodA = tenDays; // days 1–10
    const periodB = [...tenDays, day(10, ['me', 'b1'])]; // days 1–11: on day 11 only b1 besides the caller
    const a = benchmarkFor(periodA, ownKey);
    const b = benchmarkFor(periodB, ownKey);
    expect(a.row).not.toBeNull();
    expect(b.days).toEqual(a.days);
    expect(b.days).toHaveLength(10);
    expect(b.row).toEqual(a.row);
    // A rule over the whole period alone would publish B too, and B − A would be b1's (and the caller's) day 11.
    const wholePeriod = (days: readonly BenchmarkDay[]) =>
      benchmarkRow(
        others.concat('me').map((id) => {
          const rows = days.flatMap((d) => d.brands.filter((x) => x.brandId === id));
          return brand(
            id,
            rows.reduce((n, x) => n + x.needingResponse, 0),
            rows.reduce((n, x) => n + x.answered, 0),
            [],
          );
        }),
      );
    const leaked =
      (wholePeriod(periodB)?.needingResponse ?? 0) - (wholePeriod(periodA)?.needingResponse ?? 0);
    expect(leaked).toBe(day(10, ['me', 'b1']).brands.reduce((n, x) => n + x.needingResponse, 0));
  });

  it('given a day of exactly five brands, when the caller can read one of them, then that day is left out for it alone', () => {
    const fiveWithMe = day(3, ['me', 'b1', 'b2', 'b3', 'b4']);
    expect(benchmarkFor([fiveWithMe], noKey).days).toEqual([fiveWithMe.dayMs]);
    expect(benchmarkFor([fiveWithMe], ownKey)).toEqual({ row: null, days: [], brands: [] });
    // Nor does a brand with nothing to answer count toward the five.
    const idle = { ...fiveWithMe, brands: [...day(3, others.slice(0, 4)).brands, brand('b5', 0, 0, [])] };
    expect(benchmarkFor([idle], noKey).days).toEqual([]);
  });

  it('given counted days, when benchmarked, then the row and each brand are the sums of those days', () => {
    const days = [day(0, ['me', ...others]), day(1, others.slice(0, 3)), day(2, ['me', ...others])];
    const result = benchmarkFor(days, ownKey);
    expect(result.days).toEqual([D1, D1 + 2 * DAY]);
    const counted = [days[0], days[2]].flatMap((d) => d?.brands ?? []);
    expect(result.row).toMatchObject({
      brands: 6,
      needingResponse: counted.reduce((n, x) => n + x.needingResponse, 0),
      answered: counted.reduce((n, x) => n + x.answered, 0),
    });
    expect(result.row?.complaintShare).toBeCloseTo(
      counted.reduce((n, x) => n + (x.complaints ?? 0), 0) / (result.row?.needingResponse ?? 1),
    );
    const me = result.brands.find((x) => x.brandId === 'me');
    expect(me?.needingResponse).toBe(10 + 12);
    expect(me?.responseSketch.count).toBe(2);
    // The days' own sketches are left as they were.
    expect(days[0]?.brands[0]?.responseSketch.count).toBe(1);
  });
});

describe('groupBenchmarkDays: the one grouping of benchmarks', () => {
  const DAY = 86_400_000;
  it('groups per industry, channel and day, again under all channels, summing a brand within a group', () => {
    const grouped = groupBenchmarkDays([
      { industry: 'retail', channel: 'x', dayMs: 0, brand: brand('b1', 10, 5, [60], 2) },
      { industry: 'retail', channel: 'facebook', dayMs: 0, brand: brand('b1', 4, 4, [120], 1) },
      { industry: 'retail', channel: 'x', dayMs: DAY, brand: brand('b2', 3, 1, [30], 0) },
      { industry: 'legal', channel: 'x', dayMs: 0, brand: brand('b3', 1, 1, [10], 0) },
    ]);
    expect([...grouped.keys()]).toEqual(['retail', 'legal']);
    const retail = grouped.get('retail');
    expect([...(retail?.keys() ?? [])]).toEqual(['x', '', 'facebook']);
    const summary = (days: readonly BenchmarkDay[] | undefined) =>
      days?.map((day) => ({
        dayMs: day.dayMs,
        brands: day.brands.map((b) => [
          b.brandId,
          b.needingResponse,
          b.answered,
          b.complaints,
          b.responseSketch.count,
        ]),
      }));
    expect(summary(retail?.get('x'))).toEqual([
      { dayMs: 0, brands: [['b1', 10, 5, 2, 1]] },
      { dayMs: DAY, brands: [['b2', 3, 1, 0, 1]] },
    ]);
    expect(summary(retail?.get(''))).toEqual([
      { dayMs: 0, brands: [['b1', 14, 9, 3, 2]] },
      { dayMs: DAY, brands: [['b2', 3, 1, 0, 1]] },
    ]);
    expect(summary(grouped.get('legal')?.get(''))).toEqual([{ dayMs: 0, brands: [['b3', 1, 1, 0, 1]] }]);
  });
});

describe('countedDaysByChannel: no channel left out can be read off the all-channels row', () => {
  const D = Date.UTC(2026, 10, 27);
  const noKey = () => false;
  /** One industry's days per channel, from (channel, brand) cells of day D. */
  const industry = (cells: readonly [channel: string, aggregate: BrandAggregate][]) =>
    groupBenchmarkDays(
      cells.map(([channel, b]) => ({ industry: 'retail', channel, dayMs: D, brand: b })),
    ).get('retail') ?? new Map<string, BenchmarkDay[]>();
  const onX = ['r1', 'r2', 'r3', 'r4', 'r5'].map(
    (id) => ['x', brand(id, 4, 0, [])] as [string, BrandAggregate],
  );
  const days = (counted: Map<string, BenchmarkDay[]>) =>
    Object.fromEntries([...counted].map(([channel, list]) => [channel, list.map((d) => d.dayMs)]));

  it('given five brands on x and one of them alone on facebook, when counted, then the all-channels day is left out', () => {
    // Before: all channels (12 needing, 1 answered in 424 s) minus x (11, 0) was r5's facebook day.
    const byChannel = industry([...onX, ['facebook', brand('r5', 1, 1, [424])]]);
    expect(days(countedDaysByChannel(byChannel, noKey))).toEqual({ x: [D], facebook: [], '': [] });
  });

  it('given the brand alone on a channel is the caller own, when counted, then the all-channels day counts', () => {
    const byChannel = industry([...onX, ['facebook', brand('me', 3, 1, [60])]]);
    expect(days(countedDaysByChannel(byChannel, (id) => id === 'me'))['']).toEqual([D]);
  });

  it('given answers but nothing new to answer on the lone channel, when counted, then the day is still left out', () => {
    // r5's facebook answers add to its all-channels figures although it had no new mention there.
    const byChannel = industry([...onX, ['facebook', brand('r5', 0, 1, [424])]]);
    expect(days(countedDaysByChannel(byChannel, noKey))['']).toEqual([]);
    // A cell with no figure at all hides nothing.
    const empty = industry([...onX, ['facebook', brand('r5', 0, 0, [])]]);
    expect(days(countedDaysByChannel(empty, noKey))['']).toEqual([D]);
  });

  it('given small channels whose brands together are five or more, when counted, then the all-channels day counts', () => {
    const small: [string, BrandAggregate][] = [
      ['facebook', brand('r1', 2, 1, [30])],
      ['facebook', brand('r2', 2, 1, [40])],
      ['instagram', brand('r3', 2, 1, [50])],
      ['instagram', brand('r4', 2, 1, [60])],
    ];
    expect(days(countedDaysByChannel(industry([...onX, ...small]), noKey))['']).toEqual([]);
    const five = industry([...onX, ...small, ['instagram', brand('r5', 2, 1, [70])]]);
    expect(days(countedDaysByChannel(five, noKey))).toEqual({ x: [D], '': [D], facebook: [], instagram: [] });
  });

  it('given every channel counted, when counted, then every day counts as benchmarkDays says', () => {
    const byChannel = industry([
      ...onX,
      ...['r1', 'r2', 'r3', 'r4', 'r5'].map(
        (id) => ['facebook', brand(id, 1, 1, [90])] as [string, BrandAggregate],
      ),
    ]);
    expect(days(countedDaysByChannel(byChannel, noKey))).toEqual({ x: [D], facebook: [D], '': [D] });
  });
});
