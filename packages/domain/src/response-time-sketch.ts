import { DDSketch } from '@datadog/sketches-js';

/** Percentiles are promised within 1% relative error (docs/definitions.md, "Figures over a window"). */
export const SKETCH_RELATIVE_ACCURACY = 0.01;

/**
 * A sketch as JSON, for people and tests (stored sketches are bytes: `toBytes`; until migration 0009 they were
 * this JSON, which the migration converts). `k` holds the bin keys in ascending order, the first absolute and the rest as deltas from the previous key
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
  private binsMap: Map<number, number> | null = new Map();
  /**
   * A sum read from storage (`sumEncoded`) keeps its bins as it summed them, in a dense array from key `low`, until
   * something changes it: quantiles, merges into another sketch and clones read the array, with no map to build
   * (an API question sums several groups of stored sketches). Never written in place, so clones share it.
   */
  private dense: { readonly low: number; readonly counts: Float64Array; readonly size: number } | null = null;
  private zeroCount = 0;
  private total = 0;
  /** The largest key added so far, while keys were added in ascending order (the map then iterates sorted). */
  private ascendingUpTo: number | null = -Infinity;

  /** The bins as a map (a dense sum becomes one here, before it is changed or compared). */
  private get bins(): Map<number, number> {
    if (this.binsMap === null) {
      const map = new Map<number, number>();
      const { low, counts } = this.dense!;
      for (let index = 0; index < counts.length; index += 1) {
        if (counts[index] !== 0) map.set(low + index, counts[index]!);
      }
      this.binsMap = map;
      this.dense = null;
      this.ascendingUpTo = map.size === 0 ? -Infinity : low + counts.length - 1;
    }
    return this.binsMap;
  }

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
    if (other.dense !== null) {
      const { low, counts } = other.dense;
      if (this.dense === null && this.binsMap!.size === 0) {
        this.dense = other.dense;
        this.binsMap = null;
      } else {
        for (let index = 0; index < counts.length; index += 1) {
          if (counts[index] !== 0) this.addToBin(low + index, counts[index]!);
        }
      }
    } else {
      for (const [key, count] of other.bins) this.addToBin(key, count);
    }
    this.zeroCount += other.zeroCount;
    this.total += other.total;
    return this;
  }

  /** The net number of values recorded (adds minus retractions). */
  get count(): number {
    return this.total;
  }

  isEmpty(): boolean {
    const bins = this.dense === null ? this.binsMap!.size : this.dense.size;
    return this.total === 0 && this.zeroCount === 0 && bins === 0;
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
    let last: number | undefined;
    if (this.dense !== null) {
      const { low, counts } = this.dense;
      for (let index = 0; index < counts.length; index += 1) {
        if (counts[index] === 0) continue;
        running += counts[index]!;
        last = low + index;
        if (running > rank) return mapping.value(last);
      }
      return last === undefined ? 0 : mapping.value(last);
    }
    for (const key of this.sortedKeys()) {
      running += this.bins.get(key) ?? 0;
      if (running > rank) return mapping.value(key);
      last = key;
    }
    return last === undefined ? 0 : mapping.value(last);
  }

  /** The bin keys in ascending order: the map's own order when keys came in ascending (a sum, a stored sketch). */
  private sortedKeys(): Iterable<number> {
    return this.ascendingUpTo === null ? [...this.bins.keys()].sort((a, b) => a - b) : this.bins.keys();
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

  /**
   * The stored form (bytea columns): self-delimiting, so stored sketches concatenated (PostgreSQL's
   * `string_agg(sketch, '')`) read back as their sum with `sumEncoded`. Layout, every integer an unsigned LEB128
   * varint, signed ones zigzag-mapped first:
   * `STORED_SKETCH_FORMAT`, zero count (signed), bin count, then per bin in ascending key order: the key (the first
   * signed and absolute, the others as the gap from the previous key) and the bin's count (signed).
   * About 2–3 bytes a bin (keys are dense, counts small), against ~7 characters in JSON; reading it needs no parser.
   */
  toBytes(): Uint8Array {
    if (this.dense !== null) return this.denseBytes(this.dense);
    const keys = [...this.sortedKeys()];
    const out = new VarintWriter(3 + keys.length * 4);
    out.byte(STORED_SKETCH_FORMAT);
    out.signed(this.zeroCount);
    out.unsigned(keys.length);
    let previous = 0;
    keys.forEach((key, index) => {
      if (index === 0) out.signed(key);
      else out.unsigned(key - previous);
      out.signed(this.bins.get(key) ?? 0);
      previous = key;
    });
    return out.bytes();
  }

  /** toBytes of a sum still held as a dense array: the same bytes, with no map built on the way. */
  private denseBytes({ low, counts, size }: NonNullable<ResponseTimeSketch['dense']>): Uint8Array {
    const out = new VarintWriter(3 + size * 4);
    out.byte(STORED_SKETCH_FORMAT);
    out.signed(this.zeroCount);
    out.unsigned(size);
    let previous: number | null = null;
    for (let index = 0; index < counts.length; index += 1) {
      const count = counts[index]!;
      if (count === 0) continue;
      const key = low + index;
      if (previous === null) out.signed(key);
      else out.unsigned(key - previous);
      out.signed(count);
      previous = key;
    }
    return out.bytes();
  }

  /** One stored sketch (`toBytes`). */
  static fromBytes(bytes: Uint8Array): ResponseTimeSketch {
    return ResponseTimeSketch.decode(bytes, true);
  }

  /**
   * The sum of stored sketches written one after the other (PostgreSQL's `string_agg(sketch, '')`), as one
   * sketch: the same bins, counts and zero count as merging each one's `fromBytes`. The bins are summed in one
   * dense array over the keys response times map to (a map update per bin cost half of the API's CPU on a
   * month's question), then put in the sketch in ascending order, so its quantiles need no sort.
   */
  static sumEncoded(bytes: Uint8Array): ResponseTimeSketch {
    return ResponseTimeSketch.decode(bytes, false);
  }

  private static decode(bytes: Uint8Array, single: boolean): ResponseTimeSketch {
    const sum = new ResponseTimeSketch();
    const reader = new VarintReader(bytes);
    if (!single && reader.done()) return sum; // no sketches: their sum is empty
    const counts = DENSE_COUNTS;
    let low = counts.length;
    let high = -1;
    try {
      do {
        const format = reader.byte();
        if (format !== STORED_SKETCH_FORMAT) {
          throw new RangeError(`not a stored response-time sketch (format byte ${format})`);
        }
        sum.zeroCount += reader.signed();
        const bins = reader.unsigned();
        let key = 0;
        for (let bin = 0; bin < bins; bin += 1) {
          key = bin === 0 ? reader.signed() : key + reader.unsigned();
          const count = reader.signed();
          const index = key - DENSE_LOW_KEY;
          if (index >= 0 && index < counts.length) {
            counts[index]! += count;
            if (index < low) low = index;
            if (index > high) high = index;
          } else {
            sum.addToBin(key, count); // not a key a response time maps to: kept all the same
          }
        }
        if (single && !reader.done()) {
          throw new RangeError('a stored response-time sketch has bytes after its end');
        }
      } while (!reader.done());
      let total = sum.zeroCount;
      if (sum.binsMap!.size === 0 && low <= high) {
        const summed = new Float64Array(high - low + 1);
        let size = 0;
        for (let index = low; index <= high; index += 1) {
          const count = counts[index]!;
          if (count === 0) continue;
          summed[index - low] = count;
          counts[index] = 0;
          size += 1;
          total += count;
        }
        sum.dense = { low: low + DENSE_LOW_KEY, counts: summed, size };
        sum.binsMap = null;
      } else {
        for (const count of sum.binsMap!.values()) total += count;
        for (let index = low; index <= high; index += 1) {
          const count = counts[index]!;
          if (count === 0) continue;
          sum.addToBin(index + DENSE_LOW_KEY, count);
          counts[index] = 0;
          total += count;
        }
      }
      sum.total = total;
      low = counts.length; // every used count is back to zero
    } finally {
      // Left as found for the next sum when the bytes were refused half way.
      if (low <= high) counts.fill(0, low, high + 1);
    }
    return sum;
  }

  /** A new sketch holding a and b (neither is changed). */
  static merged(a: ResponseTimeSketch, b: ResponseTimeSketch): ResponseTimeSketch {
    return a.clone().merge(b);
  }

  private addToBin(key: number, weight: number): void {
    const stored = this.bins.get(key);
    const next = (stored ?? 0) + weight;
    // Dropping empty bins keeps an add-then-retract sketch identical to an empty one, and the stored form small.
    if (next === 0) this.bins.delete(key);
    else this.bins.set(key, next);
    if (stored === undefined && next !== 0 && this.ascendingUpTo !== null) {
      this.ascendingUpTo = key > this.ascendingUpTo ? key : null;
    }
  }
}

/** The first byte of a stored sketch (`toBytes`): a later layout gets another number. */
export const STORED_SKETCH_FORMAT = 2;

/**
 * The keys of response times from 1 ms to 10 years (~1,450 keys at 1% accuracy): sums add their bins in one
 * reused dense array (decode runs to its end synchronously and zeroes what it used).
 */
const DENSE_LOW_KEY = mapping.key(0.001);
const DENSE_COUNTS = new Float64Array(mapping.key(10 * 365 * 86_400) - DENSE_LOW_KEY + 1);

/** Zigzag: 0, -1, 1, -2, … → 0, 1, 2, 3, … (arithmetic, not bit operations: counts may pass 2^31). */
const zigzag = (value: number) => (value >= 0 ? value * 2 : -value * 2 - 1);
const unzigzag = (value: number) => (value % 2 === 0 ? value / 2 : -(value + 1) / 2);

class VarintWriter {
  private buffer: Uint8Array;
  private length = 0;

  constructor(capacity: number) {
    this.buffer = new Uint8Array(capacity);
  }

  byte(value: number): void {
    if (this.length === this.buffer.length) {
      const grown = new Uint8Array(this.buffer.length * 2);
      grown.set(this.buffer);
      this.buffer = grown;
    }
    this.buffer[this.length++] = value;
  }

  unsigned(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not a varint: ${value}`);
    let rest = value;
    while (rest >= 0x80) {
      this.byte((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    this.byte(rest);
  }

  signed(value: number): void {
    this.unsigned(zigzag(value));
  }

  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}

class VarintReader {
  private offset = 0;

  constructor(private readonly buffer: Uint8Array) {}

  done(): boolean {
    return this.offset >= this.buffer.length;
  }

  byte(): number {
    if (this.offset >= this.buffer.length) throw new RangeError('a stored response-time sketch ends early');
    return this.buffer[this.offset++]!;
  }

  unsigned(): number {
    // Most varints here are one byte (gaps between keys, small counts).
    const first = this.buffer[this.offset];
    if (first !== undefined && first < 0x80) {
      this.offset += 1;
      return first;
    }
    let value = 0;
    let scale = 1;
    for (;;) {
      const byte = this.byte();
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
      if (scale > Number.MAX_SAFE_INTEGER)
        throw new RangeError('a stored response-time sketch has a varint too long');
    }
  }

  signed(): number {
    return unzigzag(this.unsigned());
  }
}
