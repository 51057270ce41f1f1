import { compareIds, type Channel } from '@carestream/contract';
import type { Static } from '@sinclair/typebox';
import {
  countedDaysByChannel,
  benchmarkOverDays,
  churnRisk,
  groupBenchmarkDays,
  percentileRank,
  rankBacklog,
  slaFigures,
  type BenchmarkDay,
  type BrandAggregate,
  type ChurnSignal,
  type DayBlockBenchmark,
  type ResponseTimeFigures,
  type SlaBucket,
} from '@carestream/domain';
import type { OpenMention, SeriesBucket } from './projection-reader.ts';
import type {
  AgentItemSchema,
  BacklogItemSchema,
  BenchmarkItemSchema,
  ChurnItemSchema,
  SlaFiguresSchema,
  TimeseriesItemSchema,
} from './schemas.ts';
import { DAY_MS, HOUR_MS, type Granularity, type Period } from './query-params.ts';

/**
 * Turns summed SLA buckets and projection rows into the answers of the query routes (no I/O here). The answers'
 * types are those of their schemas (schemas.ts), which also document them in /openapi.json and serialize them.
 */

const iso = (ms: number) => new Date(ms).toISOString();

export type SlaFiguresAnswer = Static<typeof SlaFiguresSchema>;

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

export type TimeseriesItem = Static<typeof TimeseriesItemSchema>;

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
  byBucket: ReadonlyMap<number, SeriesBucket>,
  period: Period,
  granularity: Granularity,
): TimeseriesItem[] {
  const nothing: SeriesBucket = { needingResponse: 0, answered: 0, p50: null, p90: null };
  return bucketStarts(period, granularity).map((start) => {
    const bucket = byBucket.get(start) ?? nothing;
    return {
      bucketStart: iso(start),
      needingResponse: bucket.needingResponse,
      answered: bucket.answered,
      responseRate: bucket.needingResponse > 0 ? bucket.answered / bucket.needingResponse : null,
      responseTimeSeconds: { p50: bucket.p50, p90: bucket.p90 },
    };
  });
}

export type AgentItem = Static<typeof AgentItemSchema>;

/**
 * Agents by answers, most first (then by id, for a stable order across pages). An id with neither an answer
 * nor a human reply in the period is no agent of it: a bot's automated replies, or credit that moved away.
 */
export function agentItems(byAgent: ReadonlyMap<string, SlaBucket>): AgentItem[] {
  return [...byAgent]
    .filter(([, bucket]) => bucket.answered !== 0 || bucket.humanReplies !== 0)
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
    .sort((a, b) => b.answered - a.answered || compareIds(a.agentId, b.agentId));
}

export type BacklogItem = Static<typeof BacklogItemSchema>;

/** The open mentions, most urgent first (domain urgency; ties: older first, then by id). */
export function backlogItems(
  mentions: readonly OpenMention[],
  nowMs: number,
  slaTargetMsAt: (receivedAtMs: number) => number,
): BacklogItem[] {
  const byId = [...mentions].sort((a, b) => compareIds(a.mentionEventId, b.mentionEventId));
  return rankBacklog(byId, nowMs, slaTargetMsAt).map(({ mention, urgency }) => {
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
      pastTarget: ageMs >= slaTargetMsAt(mention.receivedAt),
      score: urgency.score,
      reasons: [...urgency.reasons],
    };
  });
}

export type ChurnItem = Static<typeof ChurnItemSchema>;

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
    .sort((a, b) => b.score - a.score || compareIds(a.authorId, b.authorId));
}

// ---- benchmarks ----

export type BenchmarkItem = Static<typeof BenchmarkItemSchema>;

export interface BrandChannelDayBucket {
  readonly brandId: string;
  readonly channel: Channel;
  /** Start of the UTC day (epoch ms). */
  readonly dayMs: number;
  readonly bucket: SlaBucket;
}

/** One industry's brands per channel ('' = all channels) and UTC day: the same for every caller, so cached. */
export interface IndustryDays {
  readonly industry: string;
  readonly channels: ReadonlyMap<string, ChannelDays>;
}

/**
 * One industry × channel's days, and its benchmarks summed over the sets of days callers were shown. Most callers
 * are shown the same days (all of those with 5 brands), so a sum is worked out once per set while the days are
 * cached, rather than for every request.
 */
export class ChannelDays {
  private readonly sums = new Map<string, DayBlockBenchmark>();

  constructor(readonly days: readonly BenchmarkDay[]) {}

  /** The benchmark over `counted`, the days of these a caller may see (domain countedDaysByChannel). */
  benchmarkOver(counted: readonly BenchmarkDay[]): DayBlockBenchmark {
    const key = counted.map((day) => day.dayMs).join(',');
    const known = this.sums.get(key);
    if (known) return known;
    const computed = benchmarkOverDays(counted);
    // Bounded: as many sets as keys with different brands of the industry asked within the cache's lifetime.
    if (this.sums.size >= 64) this.sums.clear();
    this.sums.set(key, computed);
    return computed;
  }
}

/** Each brand's figures per industry, channel ('' = all) and UTC day, from its buckets and its profile's industry. */
export function industryDays(
  rows: readonly BrandChannelDayBucket[],
  industryOf: ReadonlyMap<string, string>,
): Map<string, IndustryDays> {
  const grouped = groupBenchmarkDays(
    rows.flatMap((row) => {
      const industry = industryOf.get(row.brandId);
      if (industry === undefined) return [];
      const { needingResponse, answered, complaints, responseSketch } = row.bucket;
      const brand = { brandId: row.brandId, needingResponse, answered, complaints, responseSketch };
      return [{ industry, channel: row.channel, dayMs: row.dayMs, brand }];
    }),
  );
  return new Map(
    [...grouped].map(([industry, byChannel]) => [
      industry,
      {
        industry,
        channels: new Map([...byChannel].map(([channel, days]) => [channel, new ChannelDays(days)])),
      },
    ]),
  );
}

/** One industry over a period as one caller may see it: its published rows and each brand's aggregate (ranks). */
export interface IndustryBenchmark {
  readonly industry: string;
  /** Published rows only: all channels (null) first, then by channel. */
  readonly items: readonly BenchmarkItem[];
  /** Per channel ('' = all channels): each brand's aggregate over that row's counted days. Never leaves the server. */
  readonly brands: ReadonlyMap<string, readonly BrandAggregate[]>;
}

/**
 * Benchmarks per industry for a caller who can read the brands `knownToCaller` accepts: every row the sum of the
 * whole UTC days on which at least 5 brands it cannot read contributed, and the all-channels row only on days where
 * the channels left out hide no smaller group (domain countedDaysByChannel), so that no answer, nor two, can be
 * differenced into one brand's figures.
 */
export function industryBenchmarks(
  days: ReadonlyMap<string, IndustryDays>,
  knownToCaller: (brandId: string) => boolean,
): Map<string, IndustryBenchmark> {
  const result = new Map<string, IndustryBenchmark>();
  for (const [industry, { channels }] of [...days].sort(([a], [b]) => compareIds(a, b))) {
    const items: BenchmarkItem[] = [];
    const brands = new Map<string, readonly BrandAggregate[]>();
    const counted = countedDaysByChannel(
      new Map([...channels].map(([channel, { days: all }]) => [channel, all])),
      knownToCaller,
    );
    for (const [channel, channelDays] of [...channels].sort(([a], [b]) => compareIds(a, b))) {
      const benchmark = channelDays.benchmarkOver(counted.get(channel) ?? []);
      brands.set(channel, benchmark.brands);
      const { row } = benchmark;
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
        days: benchmark.days.map((dayMs) => iso(dayMs).slice(0, 10)),
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
 * A brand against its industry for one channel (null = all): its own figures over the period, and its percentile
 * ranks among the contributing brands over the days the industry row counted, only when that row is published
 * (fewer peers would expose them) and the brand is one of them.
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
  const ranked = published ? peers.find((peer) => peer.brandId === brandId) : undefined;
  const rankedMedian = ranked?.responseSketch.quantile(0.5) ?? null;
  const medians = peers.map((peer) => peer.responseSketch.quantile(0.5)).filter((value) => value !== null);
  return {
    brand: {
      needingResponse: own.needingResponse,
      answered: own.answered,
      responseRate: own.needingResponse > 0 ? rate(own) : null,
      responseTimeSeconds: {
        p50: own.responseSketch.quantile(0.5),
        p90: own.responseSketch.quantile(0.9),
      },
    },
    percentileRank: {
      responseRate: ranked ? percentileRank(rate(ranked), peers.map(rate), 'higher') : null,
      medianResponseTime: rankedMedian === null ? null : percentileRank(rankedMedian, medians, 'lower'),
    },
    benchmark: published,
  };
}
