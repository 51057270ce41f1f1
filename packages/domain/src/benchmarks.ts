import { ResponseTimeSketch } from './response-time-sketch.ts';
import { ALL_CHANNELS } from './sla-figures.ts';

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

/** One UTC day of an industry × channel: each brand's aggregate that day. */
export interface BenchmarkDay {
  /** Start of the UTC day (epoch ms). */
  readonly dayMs: number;
  readonly brands: readonly BrandAggregate[];
}

/** One brand's figures for one channel on one UTC day, with its industry: what benchmarks are grouped from. */
export interface BrandChannelDay {
  readonly industry: string;
  readonly channel: string;
  /** Start of the UTC day (epoch ms). */
  readonly dayMs: number;
  readonly brand: BrandAggregate;
}

/** Benchmarks' days, per industry, then per channel ('' = all channels). */
export type IndustryChannelDays = Map<string, Map<string, BenchmarkDay[]>>;

/**
 * The one grouping of benchmarks (the processors' industry_benchmarks rows, the API's per-caller answers): each
 * brand's figures per industry × channel × UTC day, and again under channel '' (all channels), a brand's rows of
 * one group summed. Days and brands keep the order they first appear in.
 */
export function groupBenchmarkDays(rows: Iterable<BrandChannelDay>): IndustryChannelDays {
  const grouped = new Map<string, Map<string, Map<number, Map<string, BrandAggregate>>>>();
  for (const row of rows) {
    const byChannel =
      grouped.get(row.industry) ?? new Map<string, Map<number, Map<string, BrandAggregate>>>();
    grouped.set(row.industry, byChannel);
    for (const channel of [row.channel, '']) {
      const byDay = byChannel.get(channel) ?? new Map<number, Map<string, BrandAggregate>>();
      byChannel.set(channel, byDay);
      const byBrand = byDay.get(row.dayMs) ?? new Map<string, BrandAggregate>();
      byDay.set(row.dayMs, byBrand);
      const known = byBrand.get(row.brand.brandId);
      byBrand.set(row.brand.brandId, known === undefined ? row.brand : summed(known, row.brand));
    }
  }
  return new Map(
    [...grouped].map(([industry, byChannel]) => [
      industry,
      new Map(
        [...byChannel].map(([channel, byDay]) => [
          channel,
          [...byDay].map(([dayMs, byBrand]) => ({ dayMs, brands: [...byBrand.values()] })),
        ]),
      ),
    ]),
  );
}

/** Two aggregates of one brand added up (a new sketch: the days' and groups' own are never changed). */
function summed(a: BrandAggregate, b: BrandAggregate): BrandAggregate {
  return {
    brandId: a.brandId,
    needingResponse: a.needingResponse + b.needingResponse,
    answered: a.answered + b.answered,
    ...(a.complaints === undefined || b.complaints === undefined
      ? {}
      : { complaints: a.complaints + b.complaints }),
    responseSketch: ResponseTimeSketch.merged(a.responseSketch, b.responseSketch),
  };
}

/** A benchmark over whole UTC days. */
export interface DayBlockBenchmark {
  /** The row over the days; null when there are none. */
  readonly row: BenchmarkRow | null;
  /** The start of each UTC day counted, in order. */
  readonly days: readonly number[];
  /** Each brand's aggregate over the days (percentile ranks); never shown as is. */
  readonly brands: readonly BrandAggregate[];
}

/**
 * The days a benchmark shown to one caller may count, in order, so that it cannot be differenced: whole UTC days,
 * each of which has on its own at least MIN_BRANDS_FOR_BENCHMARK contributing brands that the caller cannot read;
 * the other days are left out whole. Brands the caller can read do not count toward that minimum: it knows their
 * figures and could subtract them.
 *
 * Why days, each on its own: a rule over the period alone is beaten by two overlapping periods (days 1–10 and days
 * 1–11, where on day 11 one other brand contributed): both pass, and their difference is that brand's day 11. Two
 * answers summed from passing days differ by whole passing days, so any difference is again an aggregate of at
 * least five brands the caller does not know.
 */
export function benchmarkDays(
  days: readonly BenchmarkDay[],
  knownToCaller: (brandId: string) => boolean,
): BenchmarkDay[] {
  return days
    .filter((day) => {
      const unknown = day.brands.filter(
        (brand) => brand.needingResponse > 0 && !knownToCaller(brand.brandId),
      );
      return new Set(unknown.map((brand) => brand.brandId)).size >= MIN_BRANDS_FOR_BENCHMARK;
    })
    .sort((a, b) => a.dayMs - b.dayMs);
}

/**
 * The days each channel's row may count for one caller, all channels ('') included. Each channel counts its days
 * by benchmarkDays. An all-channels day counts only where it hides no small group: that day's all-channels
 * figures minus the channel rows counting it are the sum of the channels that do not, so those channels'
 * brands (the ones the caller cannot read, with any figure that day, that the all-channels day adds up) must be
 * none or at least MIN_BRANDS_FOR_BENCHMARK. Otherwise a brand alone on a channel (left out of that channel's
 * row) would be the all-channels row minus the others.
 */
export function countedDaysByChannel(
  byChannel: ReadonlyMap<string, readonly BenchmarkDay[]>,
  knownToCaller: (brandId: string) => boolean,
): Map<string, BenchmarkDay[]> {
  const counted = new Map<string, BenchmarkDay[]>();
  // Per day, the brands of the channel cells that channel's row leaves out.
  const leftOut = new Map<number, BrandAggregate[]>();
  for (const [channel, days] of byChannel) {
    if (channel === ALL_CHANNELS) continue;
    const kept = benchmarkDays(days, knownToCaller);
    counted.set(channel, kept);
    const keptDays = new Set(kept.map((day) => day.dayMs));
    for (const day of days) {
      if (keptDays.has(day.dayMs)) continue;
      const list = leftOut.get(day.dayMs) ?? [];
      list.push(...day.brands);
      leftOut.set(day.dayMs, list);
    }
  }
  const all = byChannel.get(ALL_CHANNELS);
  if (all !== undefined) {
    counted.set(
      ALL_CHANNELS,
      benchmarkDays(all, knownToCaller).filter((day) => {
        // Only brands contributing to the all-channels day are in its figures (benchmarkRow).
        const inRow = new Set(day.brands.filter((b) => b.needingResponse > 0).map((b) => b.brandId));
        const hidden = new Set(
          (leftOut.get(day.dayMs) ?? [])
            .filter((b) => inRow.has(b.brandId) && !knownToCaller(b.brandId) && hasFigures(b))
            .map((b) => b.brandId),
        );
        return hidden.size === 0 || hidden.size >= MIN_BRANDS_FOR_BENCHMARK;
      }),
    );
  }
  return counted;
}

/** Whether an aggregate adds anything to a sum (a brand may have answers on a day with nothing new to answer). */
function hasFigures(brand: BrandAggregate): boolean {
  return (
    brand.needingResponse !== 0 ||
    brand.answered !== 0 ||
    (brand.complaints ?? 0) !== 0 ||
    !brand.responseSketch.isEmpty()
  );
}

/** The benchmark summed over `days` (those benchmarkDays lets a caller see): each brand's sum, then the row. */
export function benchmarkOverDays(days: readonly BenchmarkDay[]): DayBlockBenchmark {
  const byBrand = new Map<string, BrandAggregate>();
  for (const day of days) {
    for (const brand of day.brands) {
      const known = byBrand.get(brand.brandId);
      byBrand.set(brand.brandId, known === undefined ? brand : summed(known, brand));
    }
  }
  const brands = [...byBrand.values()];
  return { row: benchmarkRow(brands), days: days.map((day) => day.dayMs), brands };
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
