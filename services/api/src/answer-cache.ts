import type { ApiMetrics } from './api-metrics.ts';

interface Entry<V> {
  /** When the answer stops being served: set once it is computed (null while computing). */
  until: number | null;
  readonly value: Promise<V>;
}

/**
 * Answers computed once and shared for a short while. Many callers asking the same thing at once (a dashboard's
 * panels, BI tools polling) then cost one computation: the first starts it, the others wait for the same
 * promise, however long it takes; the answer is then kept for `ttlMs` from when it was ready. A failed
 * computation is never served again. Keys must hold everything the answer depends on (route, brand, period,
 * channel); who may see it is checked before the cache is asked.
 *
 * Memory stays bounded: expired answers are dropped on every look-up (the map is kept in insertion order, and
 * with one lifetime per cache the oldest expire first), and beyond `maxEntries` the oldest go first.
 */
export class AnswerCache<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(
    private readonly options: {
      /** The `cache` label of carestream_api_cache_total. */
      readonly name: string;
      /** How long an answer is reused (0 = never). */
      readonly ttlMs: number;
      readonly clock: () => number;
      readonly metrics: ApiMetrics;
      readonly maxEntries?: number;
    },
  ) {}

  /** Answers kept or being computed now. */
  get size(): number {
    return this.entries.size;
  }

  get(key: string, compute: () => Promise<V>): Promise<V> {
    const now = this.options.clock();
    this.dropExpired(now);
    const cached = this.entries.get(key);
    if (cached && (cached.until === null || cached.until > now)) {
      this.options.metrics.cache.inc({ cache: this.options.name, result: 'hit' });
      return cached.value;
    }
    this.options.metrics.cache.inc({ cache: this.options.name, result: 'miss' });
    const value = compute();
    if (this.options.ttlMs > 0) {
      const entry: Entry<V> = { until: null, value };
      this.entries.delete(key); // re-inserted at the end, so that the map stays oldest first
      this.entries.set(key, entry);
      value.then(
        () => {
          entry.until = this.options.clock() + this.options.ttlMs;
        },
        () => {
          if (this.entries.get(key) === entry) this.entries.delete(key);
        },
      );
      const max = this.options.maxEntries ?? 1_000;
      for (const oldest of this.entries.keys()) {
        if (this.entries.size <= max) break;
        this.entries.delete(oldest);
      }
    }
    return value;
  }

  /** Drops expired answers from the oldest end, up to the first one still good. */
  private dropExpired(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.until === null) continue; // still computing
      if (entry.until > now) return;
      this.entries.delete(key);
    }
  }
}
