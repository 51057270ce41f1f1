import { ResponseTimeSketch } from './response-time-sketch.ts';

/**
 * Industry benchmarks (docs/definitions.md): per industry and channel, published only where at least 5 brands
 * contribute, so that no single brand's figures can be read off the benchmark; and each brand's percentile rank
 * among peers.
 */

export const MIN_BRANDS_FOR_BENCHMARK = 5;

/** One brand's aggregate over the benchmark window, for one industry × channel. */
export interface BrandAggregate {
  readonly brandId: string;
  readonly needingResponse: number;
  readonly answered: number;
  /** Mentions needing response that were complaints; optional, for the complaint share. */
  readonly complaints?: number;
  readonly responseSketch: ResponseTimeSketch;
}

export interface BenchmarkRow {
  /** Brands that contributed (had at least one mention needing a response). */
  readonly brands: number;
  readonly needingResponse: number;
  readonly answered: number;
  /** Pooled: Σ answered / Σ needingResponse (a big brand weighs more, as its customers do). */
  readonly responseRate: number | null;
  /** complaints / needingResponse over the brands; null unless every contributing brand reported complaints. */
  readonly complaintShare: number | null;
  /** Seconds, from the merged sketches (within 1%). */
  readonly p50Seconds: number | null;
  readonly p90Seconds: number | null;
}

/** The published row, or null when fewer than MIN_BRANDS_FOR_BENCHMARK brands contribute. */
export function benchmarkRow(brands: readonly BrandAggregate[]): BenchmarkRow | null {
  const contributing = brands.filter((brand) => brand.needingResponse > 0);
  if (new Set(contributing.map((brand) => brand.brandId)).size < MIN_BRANDS_FOR_BENCHMARK) return null;
  const merged = new ResponseTimeSketch();
  let needingResponse = 0;
  let answered = 0;
  let complaints: number | null = 0;
  for (const brand of contributing) {
    merged.merge(brand.responseSketch);
    needingResponse += brand.needingResponse;
    answered += brand.answered;
    complaints = complaints === null || brand.complaints === undefined ? null : complaints + brand.complaints;
  }
  return {
    brands: new Set(contributing.map((brand) => brand.brandId)).size,
    needingResponse,
    answered,
    responseRate: needingResponse > 0 ? answered / needingResponse : null,
    complaintShare: complaints === null ? null : complaints / needingResponse,
    p50Seconds: merged.quantile(0.5),
    p90Seconds: merged.quantile(0.9),
  };
}

export type Better = 'higher' | 'lower';

/**
 * A brand's percentile rank among its peers, 0..100: the share of peers it does better than, counting ties as
 * half ("mid-rank" definition: 100 × (worse + ½ × equal) / n). `peers` includes the brand's own value, so a brand
 * alone scores 50, the best of n distinct values 100 × (n − ½) / n, and the worst 100 × ½ / n.
 * Use better = 'higher' for response rate and 'lower' for median response time. null without peers.
 */
export function percentileRank(
  value: number,
  peers: readonly number[],
  better: Better = 'higher',
): number | null {
  if (peers.length === 0) return null;
  let worse = 0;
  let equal = 0;
  for (const peer of peers) {
    if (peer === value) equal++;
    else if (better === 'higher' ? peer < value : peer > value) worse++;
  }
  return (100 * (worse + equal / 2)) / peers.length;
}
