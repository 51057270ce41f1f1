import { DDSketch } from '@datadog/sketches-js';

/** Percentiles are promised within 1% relative error (docs/definitions.md, "Figures over a window"). */
export const SKETCH_RELATIVE_ACCURACY = 0.01;

/**
 * The stored form of a sketch: plain JSON, small enough for a jsonb column.
 * `k` holds the bin keys in ascending order, the first absolute and the rest as deltas from the previous key
 * (response times cluster, so deltas are small numbers); `c` holds each bin's count; `z` counts zero values.
 */
export interface SerializedResponseTimeSketch {
  readonly v: 1;
  readonly z: number;
  readonly k: readonly number[];
  readonly c: readonly number[];
}

// The library's logarithmic mapping is what gives the 1% guarantee: value(key(x)) is within 1% of x. We take the
// mapping from a DDSketch rather than its stores because the library's `accept` rejects negative weights, and its
// dense stores and min/max statistics cannot forget a value; a retraction (weight -1) must undo an add exactly.
const mapping = new DDSketch({ relativeAccuracy: SKETCH_RELATIVE_ACCURACY }).mapping;

/**
 * A mergeable percentile sketch of response times in seconds (a DDSketch with a sparse, signed store).
 *
 * - `add(value, 1)` records a value and `add(value, -1)` retracts one recorded before; the bins hold signed
 *   counts so that a bucket of deltas (with retractions) can be merged into a stored bucket later.
 * - Merging is exact: merge(a, b) has the same bins as a sketch fed the union of both inputs.
 * - The exact sum is not kept here (callers keep it beside the sketch: mean = sum / count).
 */
export class ResponseTimeSketch {
  private readonly bins = new Map<number, number>();
  private zeroCount = 0;
  private total = 0;

  /** Records `value` (seconds, >= 0) with `weight`; a negative weight retracts earlier adds. */
  add(value: number, weight = 1): this {
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`response time must be a finite number >= 0 seconds, got ${value}`);
    }
    if (!Number.isInteger(weight) || weight === 0) {
      throw new RangeError(`weight must be a non-zero integer, got ${weight}`);
    }
    if (value <= mapping.minPossible) {
      this.zeroCount += weight;
    } else {
      this.addToBin(mapping.key(value), weight);
    }
    this.total += weight;
    return this;
  }

  /** Adds every bin of `other` into this sketch (mutates this one). */
  merge(other: ResponseTimeSketch): this {
    for (const [key, count] of other.bins) this.addToBin(key, count);
    this.zeroCount += other.zeroCount;
    this.total += other.total;
    return this;
  }

  /** The net number of values recorded (adds minus retractions). */
  get count(): number {
    return this.total;
  }

  isEmpty(): boolean {
    return this.total === 0 && this.zeroCount === 0 && this.bins.size === 0;
  }

  /**
   * The value at quantile q (0..1), within 1% relative error, or null when the sketch holds nothing.
   * Same rank rule as DDSketch: rank = q × (count − 1), answer the first bin whose running count exceeds it.
   * Only meaningful when no bin is negative (a delta bucket with retractions is for merging, not reading).
   */
  quantile(q: number): number | null {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be within 0..1, got ${q}`);
    if (this.total <= 0) return null;
    const rank = q * (this.total - 1);
    let running = this.zeroCount;
    if (running > rank) return 0;
    const keys = [...this.bins.keys()].sort((a, b) => a - b);
    for (const key of keys) {
      running += this.bins.get(key) ?? 0;
      if (running > rank) return mapping.value(key);
    }
    const last = keys.at(-1);
    return last === undefined ? 0 : mapping.value(last);
  }

  clone(): ResponseTimeSketch {
    return new ResponseTimeSketch().merge(this);
  }

  /** Same bins and counts: what merge(a, b) versus a sketch of the union should give. */
  equals(other: ResponseTimeSketch): boolean {
    if (this.zeroCount !== other.zeroCount || this.total !== other.total) return false;
    if (this.bins.size !== other.bins.size) return false;
    for (const [key, count] of this.bins) if (other.bins.get(key) !== count) return false;
    return true;
  }

  toJSON(): SerializedResponseTimeSketch {
    const keys = [...this.bins.keys()].sort((a, b) => a - b);
    const k: number[] = [];
    const c: number[] = [];
    let previous = 0;
    keys.forEach((key, index) => {
      k.push(index === 0 ? key : key - previous);
      c.push(this.bins.get(key) ?? 0);
      previous = key;
    });
    return { v: 1, z: this.zeroCount, k, c };
  }

  static fromJSON(json: SerializedResponseTimeSketch): ResponseTimeSketch {
    if (json.v !== 1 || json.k.length !== json.c.length) {
      throw new RangeError('not a serialized response-time sketch (version 1)');
    }
    const sketch = new ResponseTimeSketch();
    sketch.zeroCount = json.z;
    sketch.total = json.z;
    let key = 0;
    json.k.forEach((delta, index) => {
      key = index === 0 ? delta : key + delta;
      const count = json.c[index] ?? 0;
      sketch.addToBin(key, count);
      sketch.total += count;
    });
    return sketch;
  }

  /** A new sketch holding a and b (neither is changed). */
  static merged(a: ResponseTimeSketch, b: ResponseTimeSketch): ResponseTimeSketch {
    return a.clone().merge(b);
  }

  private addToBin(key: number, weight: number): void {
    const next = (this.bins.get(key) ?? 0) + weight;
    // Dropping empty bins keeps an add-then-retract sketch identical to an empty one, and the stored form small.
    if (next === 0) this.bins.delete(key);
    else this.bins.set(key, next);
  }
}
