import type { Channel } from '@carestream/contract';
import {
  benchmarkRow,
  churnRisk,
  emptySlaBucket,
  mergeBuckets,
  percentileRank,
  rankBacklog,
  slaFigures,
  type BrandAggregate,
  type ChurnSignal,
  type ResponseTimeFigures,
  type SlaBucket,
  type WithinTargetFigures,
} from '@carestream/domain';
import type { OpenMention } from './projection-reader.ts';
import { DAY_MS, HOUR_MS, type Granularity, type Period } from './query-params.ts';

/** Turns summed SLA buckets and projection rows into the answers of the query routes (no I/O here). */

const iso = (ms: number) => new Date(ms).toISOString();

export interface SlaFiguresAnswer {
  readonly from: string;
  readonly to: string;
  readonly needingResponse: number;
  readonly answered: number;
  readonly open: number;
  readonly expired: number;
  readonly complaints: number;
  readonly responseRate: number | null;
  readonly responseTimeSeconds: ResponseTimeFigures;
  readonly withinTarget: WithinTargetFigures;
  readonly businessHours: {
    readonly answered: number;
    readonly responseTimeSeconds: ResponseTimeFigures;
    readonly withinTarget: WithinTargetFigures;
  } | null;
  readonly targetBreaches: number;
  readonly humanReplies: number;
  readonly automatedReplies: number;
  readonly brandPosts: number;
  readonly postsPerReply: number | null;
}

const NO_TIMES: ResponseTimeFigures = { mean: null, p50: null, p90: null, p99: null, min: null, max: null };

/**
 * The figures of one period. `open` comes from the backlog (mentions of the period still open now), not from
 * needingResponse − answered − expired, so it is right even while a retraction is on its way.
 * Business-hours figures are shown for brands that keep business hours, and null for those that do not.
 */
export function slaFiguresAnswer(
  bucket: SlaBucket,
  open: number,
  period: Period,
  keepsBusinessHours: boolean,
): SlaFiguresAnswer {
  const figures = slaFigures([bucket]);
  const share = (count: number) => (bucket.needingResponse > 0 ? count / bucket.needingResponse : null);
  return {
    from: iso(period.fromMs),
    to: iso(period.toMs),
    needingResponse: figures.needingResponse,
    answered: figures.answered,
    open,
    expired: figures.expired,
    complaints: figures.complaints,
    responseRate: figures.responseRate,
    responseTimeSeconds: figures.responseTimeSeconds,
    withinTarget: figures.withinTarget,
    businessHours: keepsBusinessHours
      ? (figures.businessHours ?? {
          answered: 0,
          responseTimeSeconds: NO_TIMES,
          withinTarget: {
            '30m': share(bucket.businessWithin30m),
            '1h': share(bucket.businessWithin1h),
            '4h': share(bucket.businessWithin4h),
            '24h': share(bucket.businessWithin24h),
          },
        })
      : null,
    targetBreaches: figures.targetBreaches,
    humanReplies: figures.humanReplies,
    automatedReplies: figures.automatedReplies,
    brandPosts: figures.brandPosts,
    postsPerReply: figures.postsPerReply,
  };
}

export interface TimeseriesItem {
  readonly bucketStart: string;
  readonly needingResponse: number;
  readonly answered: number;
  readonly responseRate: number | null;
  readonly responseTimeSeconds: { readonly p50: number | null; readonly p90: number | null };
}

/** The start of every bucket that overlaps `period` (UTC hours or UTC days). */
export function bucketStarts(period: Period, granularity: Granularity): number[] {
  const size = granularity === 'hour' ? HOUR_MS : DAY_MS;
  const starts: number[] = [];
  for (let start = Math.floor(period.fromMs / size) * size; start < period.toMs; start += size)
    starts.push(start);
  return starts;
}

/** Every bucket of the period, zero-filled where nothing happened. */
export function timeseriesItems(
  byBucket: ReadonlyMap<number, SlaBucket>,
  period: Period,
  granularity: Granularity,
): TimeseriesItem[] {
  return bucketStarts(period, granularity).map((start) => {
    const bucket = byBucket.get(start) ?? emptySlaBucket();
    return {
      bucketStart: iso(start),
      needingResponse: bucket.needingResponse,
      answered: bucket.answered,
      responseRate: bucket.needingResponse > 0 ? bucket.answered / bucket.needingResponse : null,
      responseTimeSeconds: {
        p50: bucket.responseSketch.quantile(0.5),
        p90: bucket.responseSketch.quantile(0.9),
      },
    };
  });
}

export interface AgentItem {
  readonly agentId: string;
  readonly answered: number;
  readonly humanReplies: number;
  readonly responseTimeSeconds: {
    readonly mean: number | null;
    readonly p50: number | null;
    readonly p90: number | null;
  };
}

/** Agents by answers, most first (then by id, for a stable order across pages). */
export function agentItems(byAgent: ReadonlyMap<string, SlaBucket>): AgentItem[] {
  return [...byAgent]
    .map(([agentId, bucket]) => {
      const count = bucket.responseSketch.count;
      return {
        agentId,
        answered: bucket.answered,
        humanReplies: bucket.humanReplies,
        responseTimeSeconds: {
          mean: count > 0 ? bucket.responseSumMs / 1000 / count : null,
          p50: bucket.responseSketch.quantile(0.5),
          p90: bucket.responseSketch.quantile(0.9),
        },
      };
    })
    .sort((a, b) => b.answered - a.answered || compareText(a.agentId, b.agentId));
}

export interface BacklogItem {
  readonly mentionEventId: string;
  readonly conversationId: string;
  readonly messageId: string;
  readonly authorId: string;
  readonly channel: Channel;
  readonly kind: OpenMention['kind'];
  readonly sentiment: number | null;
  readonly followers: number | null;
  readonly receivedAt: string;
  readonly ageSeconds: number;
  readonly pastTarget: boolean;
  readonly score: number;
  readonly reasons: readonly string[];
}

/** The open mentions, most urgent first (domain urgency; ties: older first, then by id). */
export function backlogItems(
  mentions: readonly OpenMention[],
  nowMs: number,
  slaTargetSeconds: number,
): BacklogItem[] {
  const targetMs = slaTargetSeconds * 1000;
  const byId = [...mentions].sort((a, b) => compareText(a.mentionEventId, b.mentionEventId));
  return rankBacklog(byId, nowMs, targetMs).map(({ mention, urgency }) => {
    const ageMs = Math.max(0, nowMs - mention.receivedAt);
    return {
      mentionEventId: mention.mentionEventId,
      conversationId: mention.conversationId,
      messageId: mention.messageId,
      authorId: mention.authorId,
      channel: mention.channel,
      kind: mention.kind,
      sentiment: mention.sentiment,
      followers: mention.followers,
      receivedAt: iso(mention.receivedAt),
      ageSeconds: Math.floor(ageMs / 1000),
      pastTarget: ageMs >= targetMs,
      score: urgency.score,
      reasons: urgency.reasons,
    };
  });
}

export interface ChurnItem {
  readonly authorId: string;
  readonly score: number;
  readonly level: 'low' | 'medium' | 'high';
  readonly reasons: readonly {
    readonly signal: ChurnSignal['kind'];
    readonly weight: number;
    readonly contribution: number;
    readonly mentionEventId: string;
    readonly messageId: string;
    readonly at: string;
  }[];
}

/** Every customer's churn risk now, highest first (ties by author id). */
export function churnItems(
  signalsByAuthor: ReadonlyMap<string, readonly ChurnSignal[]>,
  nowMs: number,
): ChurnItem[] {
  return [...signalsByAuthor]
    .map(([authorId, signals]) => {
      const risk = churnRisk(signals, nowMs);
      return {
        authorId,
        score: risk.score,
        level: risk.level,
        reasons: risk.reasons.map((reason) => ({
          signal: reason.signal,
          weight: reason.weight,
          contribution: reason.contribution,
          mentionEventId: reason.evidence.mentionEventId,
          messageId: reason.evidence.messageId,
          at: iso(reason.evidence.at),
        })),
      };
    })
    .sort((a, b) => b.score - a.score || compareText(a.authorId, b.authorId));
}

// ---- benchmarks ----

export interface BenchmarkItem {
  readonly industry: string;
  readonly channel: Channel | null;
  readonly brands: number;
  readonly needingResponse: number;
  readonly answered: number;
  readonly responseRate: number | null;
  readonly complaintShare: number | null;
  readonly responseTimeSeconds: { readonly p50: number | null; readonly p90: number | null };
}

export interface BrandChannelBucket {
  readonly brandId: string;
  readonly channel: Channel;
  readonly bucket: SlaBucket;
}

/** One industry over a period: its published rows and each brand's aggregate (for percentile ranks). */
export interface IndustryBenchmark {
  readonly industry: string;
  /** Published rows only (at least MIN_BRANDS_FOR_BENCHMARK brands): all channels (null) first, then by channel. */
  readonly items: readonly BenchmarkItem[];
  /** Per channel ('' = all channels): each contributing brand's aggregate. Never leaves the server as is. */
  readonly brands: ReadonlyMap<string, readonly BrandAggregate[]>;
}

/** Benchmarks per industry from each brand's buckets (domain benchmarkRow: pooled, published from 5 brands). */
export function industryBenchmarks(
  rows: readonly BrandChannelBucket[],
  industryOf: ReadonlyMap<string, string>,
): Map<string, IndustryBenchmark> {
  // industry → channel ('' = all) → brand → summed bucket
  const sums = new Map<string, Map<string, Map<string, SlaBucket>>>();
  for (const row of rows) {
    const industry = industryOf.get(row.brandId);
    if (industry === undefined) continue;
    const byChannel = sums.get(industry) ?? new Map<string, Map<string, SlaBucket>>();
    sums.set(industry, byChannel);
    for (const channel of [row.channel, '']) {
      const byBrand = byChannel.get(channel) ?? new Map<string, SlaBucket>();
      byChannel.set(channel, byBrand);
      const previous = byBrand.get(row.brandId);
      byBrand.set(row.brandId, previous ? mergeBuckets(previous, row.bucket) : row.bucket);
    }
  }
  const result = new Map<string, IndustryBenchmark>();
  for (const [industry, byChannel] of [...sums].sort(([a], [b]) => compareText(a, b))) {
    const items: BenchmarkItem[] = [];
    const brands = new Map<string, BrandAggregate[]>();
    for (const [channel, byBrand] of [...byChannel].sort(([a], [b]) => compareText(a, b))) {
      const aggregates = [...byBrand].map(([brandId, bucket]) => ({
        brandId,
        needingResponse: bucket.needingResponse,
        answered: bucket.answered,
        complaints: bucket.complaints,
        responseSketch: bucket.responseSketch,
      }));
      brands.set(channel, aggregates);
      const row = benchmarkRow(aggregates);
      if (row === null) continue;
      items.push({
        industry,
        channel: channel === '' ? null : (channel as Channel),
        brands: row.brands,
        needingResponse: row.needingResponse,
        answered: row.answered,
        responseRate: row.responseRate,
        complaintShare: row.complaintShare,
        responseTimeSeconds: { p50: row.p50Seconds, p90: row.p90Seconds },
      });
    }
    result.set(industry, { industry, items, brands });
  }
  return result;
}

export interface BrandRanks {
  readonly brand: {
    readonly needingResponse: number;
    readonly answered: number;
    readonly responseRate: number | null;
    readonly responseTimeSeconds: { readonly p50: number | null; readonly p90: number | null };
  };
  readonly percentileRank: {
    readonly responseRate: number | null;
    readonly medianResponseTime: number | null;
  };
  readonly benchmark: BenchmarkItem | null;
}

/**
 * A brand against its industry for one channel (null = all): its own figures, and its percentile ranks among the
 * contributing brands, only when the industry row is published (fewer peers would expose them) and the brand is
 * one of them.
 */
export function brandRanks(
  benchmark: IndustryBenchmark | undefined,
  brandId: string,
  own: SlaBucket,
  channel: Channel | null,
): BrandRanks {
  const key = channel ?? '';
  const peers = benchmark?.brands.get(key)?.filter((brand) => brand.needingResponse > 0) ?? [];
  const published = benchmark?.items.find((item) => item.channel === channel) ?? null;
  const rate = (brand: { needingResponse: number; answered: number }) =>
    brand.answered / brand.needingResponse;
  const ownRate = own.needingResponse > 0 ? rate(own) : null;
  const ownMedian = own.responseSketch.quantile(0.5);
  const contributes = peers.some((peer) => peer.brandId === brandId);
  const medians = peers.map((peer) => peer.responseSketch.quantile(0.5)).filter((value) => value !== null);
  return {
    brand: {
      needingResponse: own.needingResponse,
      answered: own.answered,
      responseRate: ownRate,
      responseTimeSeconds: { p50: ownMedian, p90: own.responseSketch.quantile(0.9) },
    },
    percentileRank: {
      responseRate:
        published && contributes && ownRate !== null
          ? percentileRank(ownRate, peers.map(rate), 'higher')
          : null,
      medianResponseTime:
        published && contributes && ownMedian !== null ? percentileRank(ownMedian, medians, 'lower') : null,
    },
    benchmark: published,
  };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
