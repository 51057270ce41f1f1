import type { Channel } from '@carestream/contract';
import type { ApiMetrics } from './api-metrics.ts';
import { industryBenchmarks, type IndustryBenchmark } from './figures.ts';
import type { ProjectionReader } from './projection-reader.ts';
import type { Period } from './query-params.ts';

/**
 * Industry benchmarks over a period, computed from the SLA buckets of every profiled brand of the industry
 * (domain benchmarkRow), so the "at least 5 brands" rule holds for exactly the period asked and percentiles are
 * pooled exactly rather than averaged from daily rows. They are the same for every caller, so each answer is kept
 * for a short while: a dashboard refreshing many panels costs one computation.
 */
export class BenchmarkCache {
  private readonly entries = new Map<
    string,
    { until: number; value: Promise<Map<string, IndustryBenchmark>> }
  >();

  constructor(
    private readonly reader: ProjectionReader,
    private readonly options: {
      readonly ttlMs: number;
      readonly clock: () => number;
      readonly metrics: ApiMetrics;
    },
  ) {}

  /** Benchmarks of one industry (or every industry when null) over `period`, for one channel or all. */
  async get(
    industry: string | null,
    period: Period,
    channel: Channel | null,
  ): Promise<Map<string, IndustryBenchmark>> {
    const key = JSON.stringify([industry, period.fromMs, period.toMs, channel]);
    const now = this.options.clock();
    const cached = this.entries.get(key);
    if (cached && cached.until > now) {
      this.options.metrics.benchmarkCache.inc({ result: 'hit' });
      return cached.value;
    }
    this.options.metrics.benchmarkCache.inc({ result: 'miss' });
    const value = this.compute(industry, period, channel);
    if (this.options.ttlMs > 0) {
      if (this.entries.size > 1_000) this.entries.clear();
      this.entries.set(key, { until: now + this.options.ttlMs, value });
      // A failed computation must not be served from the cache.
      void value.catch(() => this.entries.delete(key));
    }
    return value;
  }

  private async compute(
    industry: string | null,
    period: Period,
    channel: Channel | null,
  ): Promise<Map<string, IndustryBenchmark>> {
    return this.reader.read(async (snapshot) => {
      const industryOf = await snapshot.industries(industry);
      const rows = await snapshot.slaByBrandChannel([...industryOf.keys()], { period, channel });
      return industryBenchmarks(rows, industryOf);
    });
  }
}
