import { ResponseTimeSketch, type SerializedResponseTimeSketch } from '@carestream/domain';

/**
 * The sum of stored sketches as one sketch: what `ResponseTimeSketch.fromJSON` of each, merged one into the
 * next, gives (same bins, counts and zero count), without building a sketch (and its map) per stored one.
 * Bins are summed by key into one map; bins whose sum is 0 are dropped, as a merge drops them.
 */
export function sumSketches(sketches: readonly SerializedResponseTimeSketch[]): ResponseTimeSketch {
  if (sketches.length === 1) return ResponseTimeSketch.fromJSON(sketches[0]!);
  const bins = new Map<number, number>();
  let zeros = 0;
  for (const sketch of sketches) {
    if (sketch.v !== 1 || sketch.k.length !== sketch.c.length) {
      throw new RangeError('not a serialized response-time sketch (version 1)');
    }
    zeros += sketch.z;
    const { k, c } = sketch;
    let key = 0;
    for (let i = 0; i < k.length; i += 1) {
      key = i === 0 ? k[0]! : key + k[i]!;
      bins.set(key, (bins.get(key) ?? 0) + c[i]!);
    }
  }
  const keys = [...bins.keys()].sort((a, b) => a - b);
  const k: number[] = [];
  const c: number[] = [];
  let previous = 0;
  for (const key of keys) {
    const count = bins.get(key)!;
    if (count === 0) continue;
    k.push(k.length === 0 ? key : key - previous);
    c.push(count);
    previous = key;
  }
  return ResponseTimeSketch.fromJSON({ v: 1, z: zeros, k, c });
}
