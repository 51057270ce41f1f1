import { ResponseTimeSketch, type SerializedResponseTimeSketch } from '@carestream/domain';

/**
 * The sum of stored sketches as one sketch: what `ResponseTimeSketch.fromJSON` of each, merged one into the
 * next, gives (same bins, counts and zero count), without building a sketch (and its map) per stored one.
 * Bin keys are small integers (the sketch's logarithmic mapping: about 70 keys per decade of seconds), so the
 * bins are summed in one dense array spanning the smallest to the largest key seen (a map per bin cost ~half of
 * the API's CPU on a month's question); bins whose sum is 0 are dropped, as a merge drops them.
 */
/** Keys from 1 ms to a year span ~2,500 at 1% accuracy; anything wider is merged the sketch's own way. */
const MAX_DENSE_KEYS = 1 << 16;

export function sumSketches(sketches: readonly SerializedResponseTimeSketch[]): ResponseTimeSketch {
  if (sketches.length === 1) return ResponseTimeSketch.fromJSON(sketches[0]!);
  let zeros = 0;
  let low = Infinity;
  let high = -Infinity;
  for (const sketch of sketches) {
    if (sketch.v !== 1 || sketch.k.length !== sketch.c.length) {
      throw new RangeError('not a serialized response-time sketch (version 1)');
    }
    zeros += sketch.z;
    const { k } = sketch;
    if (k.length === 0) continue;
    // Keys ascend: the first is the smallest, the running sum at the end the largest.
    let key = k[0]!;
    for (let i = 1; i < k.length; i += 1) key += k[i]!;
    if (k[0]! < low) low = k[0]!;
    if (key > high) high = key;
  }
  if (low > high) return ResponseTimeSketch.fromJSON({ v: 1, z: zeros, k: [], c: [] });
  if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high) || high - low > MAX_DENSE_KEYS) {
    // Not what the sketch's mapping gives; merge as the sketch itself does rather than size an array by it.
    const merged = new ResponseTimeSketch();
    for (const sketch of sketches) merged.merge(ResponseTimeSketch.fromJSON(sketch));
    return merged;
  }
  const counts = new Float64Array(high - low + 1);
  for (const sketch of sketches) {
    const { k, c } = sketch;
    let key = 0;
    for (let i = 0; i < k.length; i += 1) {
      key = i === 0 ? k[0]! : key + k[i]!;
      counts[key - low]! += c[i]!;
    }
  }
  const k: number[] = [];
  const c: number[] = [];
  let previous = 0;
  for (let index = 0; index < counts.length; index += 1) {
    const count = counts[index]!;
    if (count === 0) continue;
    const key = index + low;
    k.push(k.length === 0 ? key : key - previous);
    c.push(count);
    previous = key;
  }
  return ResponseTimeSketch.fromJSON({ v: 1, z: zeros, k, c });
}
