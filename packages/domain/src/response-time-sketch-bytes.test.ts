import { describe, expect, it } from 'vitest';
import { ResponseTimeSketch, STORED_SKETCH_FORMAT } from './response-time-sketch.ts';
import { SeededRandom } from './seeded-random.ts';

const sketch = (adds: readonly (readonly [value: number, weight: number])[]) => {
  const s = new ResponseTimeSketch();
  for (const [value, weight] of adds) s.add(value, weight);
  return s;
};

/** What PostgreSQL's string_agg(sketch, '') gives for these stored sketches. */
const concatenated = (sketches: readonly ResponseTimeSketch[]) =>
  Buffer.concat(sketches.map((s) => s.toBytes()));

const mergedOneByOne = (sketches: readonly ResponseTimeSketch[]) => {
  const merged = new ResponseTimeSketch();
  for (const s of sketches) merged.merge(ResponseTimeSketch.fromBytes(s.toBytes()));
  return merged;
};

describe('ResponseTimeSketch stored form', () => {
  it('given 3,000 response times and zeros, when stored and read back, then the sketch is equal and small', () => {
    const random = new SeededRandom(5);
    const stored = new ResponseTimeSketch();
    for (let i = 0; i < 3_000; i += 1) stored.add(Math.exp(random.next() * Math.log(7 * 24 * 3600)));
    stored.add(0).add(0);
    const bytes = stored.toBytes();
    const back = ResponseTimeSketch.fromBytes(bytes);
    expect(back.equals(stored)).toBe(true);
    expect(back.count).toBe(3_002);
    expect(back.quantile(0.5)).toBe(stored.quantile(0.5));
    // ~800 bins at 2–3 bytes each; the JSON form of the same sketch is over 5,000 characters.
    expect(bytes.length).toBeLessThan(2_500);
    expect(JSON.stringify(stored).length).toBeGreaterThan(bytes.length * 2);
  });

  it('given an empty sketch, when stored, then it is three bytes that read back empty', () => {
    const bytes = new ResponseTimeSketch().toBytes();
    expect([...bytes]).toEqual([STORED_SKETCH_FORMAT, 0, 0]);
    expect(ResponseTimeSketch.fromBytes(bytes).isEmpty()).toBe(true);
  });

  it('given a delta with retractions and counts past 2^31, when stored and read back, then the signs and sizes hold', () => {
    const delta = sketch([
      [5, -1],
      [0, -3],
      [120, 2],
    ]).merge(sketch([[3_600, 2 ** 40]]));
    const back = ResponseTimeSketch.fromBytes(delta.toBytes());
    expect(back.equals(delta)).toBe(true);
    expect(back.count).toBe(delta.count);
  });

  it('given no stored sketches, when summed, then the sum is empty', () => {
    expect(ResponseTimeSketch.sumEncoded(new Uint8Array(0)).isEmpty()).toBe(true);
  });

  it('given stored sketches one after the other, when summed, then it equals merging them one by one', () => {
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
    const sum = ResponseTimeSketch.sumEncoded(concatenated(sketches));
    const expected = mergedOneByOne(sketches);
    // Written back straight from its dense sum: the bytes of the merged sketch.
    expect([...ResponseTimeSketch.sumEncoded(concatenated(sketches)).toBytes()]).toEqual([
      ...expected.toBytes(),
    ]);
    expect(sum.equals(expected)).toBe(true);
    expect(sum.toJSON()).toEqual(expected.toJSON());
    expect(sum.count).toBe(expected.count);
    expect(sum.quantile(0.5)).toBe(expected.quantile(0.5));
  });

  it('given 50 random sketches, when summed, then it equals merging them', () => {
    const random = new SeededRandom(7);
    const sketches = Array.from({ length: 50 }, () =>
      sketch(Array.from({ length: 20 }, () => [Math.floor(random.next() * 100_000) / 10, 1] as const)),
    );
    const sum = ResponseTimeSketch.sumEncoded(concatenated(sketches));
    expect([...sum.toBytes()]).toEqual([...mergedOneByOne(sketches).toBytes()]);
    expect(sum.toJSON()).toEqual(mergedOneByOne(sketches).toJSON());
    expect(sum.count).toBe(1_000);
  });

  it('given bin keys a million apart (no response time maps there), when summed, then it still equals merging', () => {
    const far = ResponseTimeSketch.fromJSON({ v: 1, z: 1, k: [-5, 1_000_000], c: [2, 3] });
    const near = ResponseTimeSketch.fromJSON({ v: 1, z: 0, k: [-5], c: [1] });
    const sum = ResponseTimeSketch.sumEncoded(concatenated([far, near]));
    expect(sum.toJSON()).toEqual(mergedOneByOne([far, near]).toJSON());
  });

  it('given bytes that are not a stored sketch, when read, then it is refused with a RangeError', () => {
    const good = sketch([
      [10, 1],
      [20, 1],
    ]).toBytes();
    expect(() => ResponseTimeSketch.fromBytes(good.subarray(0, good.length - 1))).toThrow(/ends early/);
    expect(() => ResponseTimeSketch.fromBytes(Uint8Array.of(1, 0, 0))).toThrow(/format byte 1/);
    expect(() => ResponseTimeSketch.fromBytes(Uint8Array.of(...good, 0))).toThrow(/after its end/);
    expect(() => ResponseTimeSketch.sumEncoded(Uint8Array.of(...good, STORED_SKETCH_FORMAT))).toThrow(
      /ends early/,
    );
    expect(() =>
      ResponseTimeSketch.fromBytes(Uint8Array.of(STORED_SKETCH_FORMAT, ...Array(9).fill(0xff), 1)),
    ).toThrow(/varint too long/);
  });
});
