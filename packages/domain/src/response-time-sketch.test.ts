import { DDSketch } from '@datadog/sketches-js';
import { describe, expect, it } from 'vitest';
import { ResponseTimeSketch } from './response-time-sketch.ts';
import { SeededRandom } from './seeded-random.ts';

function exactQuantile(sorted: readonly number[], q: number): number {
  // The same rank rule the sketch uses (lower value at rank q × (n − 1)).
  return sorted[Math.floor(q * (sorted.length - 1))] ?? Number.NaN;
}

function randomResponseTimes(seed: number, n: number): number[] {
  const random = new SeededRandom(seed);
  // Log-uniform between 1 second and 7 days: response times span several orders of magnitude.
  return Array.from({ length: n }, () => Math.exp(random.next() * Math.log(7 * 24 * 3600)));
}

describe('ResponseTimeSketch', () => {
  it('given 10k random response times, when asked for percentiles, then each is within 1% of the exact value', () => {
    const values = randomResponseTimes(42, 10_000);
    const sketch = new ResponseTimeSketch();
    for (const v of values) sketch.add(v);
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1]) {
      const exact = exactQuantile(sorted, q);
      const estimate = sketch.quantile(q) ?? Number.NaN;
      expect(Math.abs(estimate - exact) / exact).toBeLessThanOrEqual(0.01);
    }
    expect(sketch.count).toBe(10_000);
  });

  it('given the same values, when compared with the library DDSketch, then the quantiles agree', () => {
    const values = randomResponseTimes(7, 2_000);
    const ours = new ResponseTimeSketch();
    const theirs = new DDSketch({ relativeAccuracy: 0.01 });
    for (const v of values) {
      ours.add(v);
      theirs.accept(v);
    }
    for (const q of [0.1, 0.5, 0.9, 0.99]) {
      expect(ours.quantile(q)).toBeCloseTo(theirs.getValueAtQuantile(q), 9);
    }
  });

  it('given values added, when each is retracted, then the sketch equals an empty one', () => {
    const values = randomResponseTimes(3, 500);
    const sketch = new ResponseTimeSketch();
    for (const v of values) sketch.add(v);
    sketch.add(0);
    for (const v of values) sketch.add(v, -1);
    sketch.add(0, -1);
    expect(sketch.equals(new ResponseTimeSketch())).toBe(true);
    expect(sketch.isEmpty()).toBe(true);
    expect(sketch.count).toBe(0);
    expect(sketch.quantile(0.5)).toBeNull();
  });

  it('given a sketch, when one value is retracted, then it equals the sketch of the remaining values', () => {
    const sketch = new ResponseTimeSketch().add(10).add(20).add(30).add(20, -1);
    expect(sketch.equals(new ResponseTimeSketch().add(10).add(30))).toBe(true);
  });

  it('given two sketches, when merged, then the result equals the sketch of the union', () => {
    const a = randomResponseTimes(11, 1_000);
    const b = randomResponseTimes(12, 1_500);
    const sa = new ResponseTimeSketch();
    const sb = new ResponseTimeSketch();
    const union = new ResponseTimeSketch();
    for (const v of a) sa.add(v);
    for (const v of b) sb.add(v);
    for (const v of [...a, ...b]) union.add(v);
    const merged = ResponseTimeSketch.merged(sa, sb);
    expect(merged.equals(union)).toBe(true);
    expect(sa.count).toBe(1_000); // merged() leaves its inputs alone
    expect(merged.quantile(0.9)).toBe(union.quantile(0.9));
  });

  it('given a delta with retractions, when merged into a stored sketch, then the retracted value is gone', () => {
    const stored = new ResponseTimeSketch().add(60).add(120);
    const delta = new ResponseTimeSketch().add(120, -1).add(90);
    expect(stored.merge(delta).equals(new ResponseTimeSketch().add(60).add(90))).toBe(true);
  });

  it('given a sketch, when serialized to JSON text and back, then it is equal and answers the same', () => {
    const sketch = new ResponseTimeSketch();
    for (const v of randomResponseTimes(5, 3_000)) sketch.add(v);
    sketch.add(0).add(0);
    const text = JSON.stringify(sketch);
    const back = ResponseTimeSketch.fromJSON(JSON.parse(text));
    expect(back.equals(sketch)).toBe(true);
    expect(back.quantile(0.5)).toBe(sketch.quantile(0.5));
    expect(back.count).toBe(3_002);
    expect(text.length).toBeLessThan(8_000);
  });

  it("given values added in descending order, when asked for quantiles, then they are the ascending order's", () => {
    const descending = new ResponseTimeSketch().add(3_600).add(600).add(10);
    const ascending = new ResponseTimeSketch().add(10).add(600).add(3_600);
    for (const q of [0, 0.5, 1]) expect(descending.quantile(q)).toBe(ascending.quantile(q));
    expect(descending.quantile(0)).toBeCloseTo(10, -1);
    expect([...descending.toBytes()]).toEqual([...ascending.toBytes()]);
  });

  it('given zero response times, when asked for the median, then it answers 0', () => {
    const sketch = new ResponseTimeSketch().add(0).add(0).add(100);
    expect(sketch.quantile(0.5)).toBe(0);
    expect(sketch.quantile(1)).toBeCloseTo(100, -1);
  });

  it('given a negative or non-finite value, when added, then it is refused', () => {
    expect(() => new ResponseTimeSketch().add(-1)).toThrow(RangeError);
    expect(() => new ResponseTimeSketch().add(Number.NaN)).toThrow(RangeError);
    expect(() => new ResponseTimeSketch().add(1, 0.5)).toThrow(RangeError);
  });
});
