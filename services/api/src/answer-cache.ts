import type { ApiMetrics } from './api-metrics.ts';

/**
 * Answers computed once and shared for a short while. Many callers asking the same thing at once (a dashboard's
 * panels, BI tools polling) then cost one computation: the first starts it, the others wait for the same
 * promise. A failed computation is never served again. Keys must hold everything the answer depends on (route,
 * brand, period, channel); who may see it is checked before the cache is asked.
 */
export class AnswerCache<V> {
  private readonly entries = new Map<string, { until: number; value: Promise<V> }>();

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

  get(key: string, compute: () => Promise<V>): Promise<V> {
    const now = this.options.clock();
    const cached = this.entries.get(key);
    if (cached && cached.until > now) {
      this.options.metrics.cache.inc({ cache: this.options.name, result: 'hit' });
      return cached.value;
    }
    this.options.metrics.cache.inc({ cache: this.options.name, result: 'miss' });
    const value = compute();
    if (this.options.ttlMs > 0) {
      this.evictExpired(now);
      this.entries.set(key, { until: now + this.options.ttlMs, value });
      value.catch(() => {
        if (this.entries.get(key)?.value === value) this.entries.delete(key);
      });
    }
    return value;
  }

  /** Bounds the memory: expired entries go once the cache is full, and everything if they were not enough. */
  private evictExpired(now: number): void {
    const max = this.options.maxEntries ?? 10_000;
    if (this.entries.size < max) return;
    for (const [key, entry] of this.entries) if (entry.until <= now) this.entries.delete(key);
    if (this.entries.size >= max) this.entries.clear();
  }
}
