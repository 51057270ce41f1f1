import { ResponseTimeSketch } from '@carestream/domain';
import { describe, expect, it } from 'vitest';
import { industryBenchmarkRows, type BrandDayRow } from './benchmark-refresher.ts';

const DAY_1 = new Date(Date.UTC(2026, 2, 1));
const DAY_2 = new Date(Date.UTC(2026, 2, 2));

function row(brand: string, channel: string, day: Date, needing: number, answered: number): BrandDayRow {
  const sketch = new ResponseTimeSketch();
  for (let i = 0; i < answered; i += 1) sketch.add(600);
  return {
    industry: 'retail',
    channel,
    day,
    brand_id: brand,
    needing_response: needing,
    answered,
    complaints: 1,
    sketches: sketch.toBytes(),
  };
}

describe('industryBenchmarkRows: the rows the refresher writes to industry_benchmarks', () => {
  it('a row per channel and for all channels per day, published from five contributing brands', () => {
    const rows = [
      ...['b1', 'b2', 'b3', 'b4', 'b5'].map((brand) => row(brand, 'x', DAY_1, 10, 5)),
      row('b1', 'facebook', DAY_1, 10, 10),
      row('b1', 'x', DAY_2, 4, 1),
      row('b2', 'x', DAY_2, 4, 3),
    ];
    const byKey = new Map(
      industryBenchmarkRows(rows).map((out) => [`${out.channel || 'all'} ${out.day}`, out]),
    );
    expect([...byKey.keys()].sort()).toEqual([
      'all 2026-03-01',
      'all 2026-03-02',
      'facebook 2026-03-01',
      'x 2026-03-01',
      'x 2026-03-02',
    ]);
    expect(byKey.get('x 2026-03-01')).toMatchObject({
      industry: 'retail',
      brands: 5,
      needing_response: 50,
      answered: 25,
      response_rate: 0.5,
      published: true,
    });
    // Counted, but not published: b1 alone on facebook would be all channels minus x.
    expect(byKey.get('all 2026-03-01')).toMatchObject({
      brands: 5,
      needing_response: 60,
      answered: 35,
      response_rate: null,
      published: false,
    });
    expect(byKey.get('facebook 2026-03-01')).toMatchObject({
      brands: 1,
      published: false,
      response_rate: null,
    });
    expect(byKey.get('x 2026-03-02')).toMatchObject({
      brands: 2,
      needing_response: 8,
      answered: 4,
      published: false,
    });
  });

  it('leaves the all-channels row of a day unpublished when it is a lone brand on a channel plus published rows', () => {
    // b5 alone on facebook: all channels minus x would be its facebook day.
    const rows = [
      ...['b1', 'b2', 'b3', 'b4', 'b5'].map((brand) => row(brand, 'x', DAY_1, 10, 5)),
      row('b5', 'facebook', DAY_1, 1, 1),
    ];
    const published = industryBenchmarkRows(rows).map((out) => [out.channel || 'all', out.published]);
    expect(published).toEqual([
      ['x', true],
      ['all', false],
      ['facebook', false],
    ]);
  });
});
