import { ResponseTimeSketch } from '@carestream/domain';
import { describe, expect, it } from 'vitest';
import { sumSketches } from './sketch-sum.ts';

const sketch = (adds: readonly (readonly [value: number, weight: number])[]) => {
  const s = new ResponseTimeSketch();
  for (const [value, weight] of adds) s.add(value, weight);
  return s;
};

const mergedOneByOne = (sketches: readonly ResponseTimeSketch[]) => {
  const merged = new ResponseTimeSketch();
  for (const s of sketches) merged.merge(ResponseTimeSketch.fromJSON(s.toJSON()));
  return merged;
};

describe('sumSketches', () => {
  it('gives nothing for no sketches', () => {
    const sum = sumSketches([]);
    expect(sum.isEmpty()).toBe(true);
    expect(sum.toJSON()).toEqual(new ResponseTimeSketch().toJSON());
  });

  it('gives one sketch back as stored', () => {
    const one = sketch([
      [0, 1],
      [12, 2],
      [3_600, 1],
    ]);
    expect(sumSketches([one.toJSON()]).equals(one)).toBe(true);
  });

  it('equals merging the sketches one by one: overlapping bins, zeros, and retractions that cancel', () => {
    const sketches = [
      sketch([
        [0, 1],
        [5, 1],
        [60, 3],
      ]),
      sketch([
        [60, 1],
        [61, 1],
        [86_400, 1],
      ]),
      // A delta bucket: retracts a 5 s answer (the bin sums to 0 and must disappear) and a zero.
      sketch([
        [5, -1],
        [0, -1],
        [120, 2],
      ]),
      new ResponseTimeSketch(),
    ];
    const sum = sumSketches(sketches.map((s) => s.toJSON()));
    const expected = mergedOneByOne(sketches);
    expect(sum.equals(expected)).toBe(true);
    expect(sum.toJSON()).toEqual(expected.toJSON());
    expect(sum.count).toBe(expected.count);
    expect(sum.quantile(0.5)).toBe(expected.quantile(0.5));
  });

  it('equals merging for many random sketches', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    const sketches = Array.from({ length: 50 }, () =>
      sketch(Array.from({ length: 20 }, () => [Math.floor(random() * 100_000) / 10, 1] as const)),
    );
    const sum = sumSketches(sketches.map((s) => s.toJSON()));
    expect(sum.toJSON()).toEqual(mergedOneByOne(sketches).toJSON());
  });

  it('refuses what is not a stored sketch', () => {
    expect(() =>
      sumSketches([
        { v: 1, z: 0, k: [1, 2], c: [1] },
        { v: 1, z: 0, k: [], c: [] },
      ]),
    ).toThrow(RangeError);
  });
});

describe('sumSketches with keys no mapping gives', () => {
  it('still sums keys a million apart, as merging does', () => {
    const far = [
      { v: 1 as const, z: 1, k: [-5, 1_000_000], c: [2, 3] },
      { v: 1 as const, z: 0, k: [-5], c: [1] },
    ];
    const expected = new ResponseTimeSketch()
      .merge(ResponseTimeSketch.fromJSON(far[0]!))
      .merge(ResponseTimeSketch.fromJSON(far[1]!));
    expect(sumSketches(far).toJSON()).toEqual(expected.toJSON());
  });
});
