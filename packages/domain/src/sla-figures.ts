import type { BrandPostPublished, Channel } from '@carestream/contract';
import type { SlaChange } from './conversation.ts';
import { ResponseTimeSketch, type SerializedResponseTimeSketch } from './response-time-sketch.ts';

/**
 * Hourly SLA buckets and the figures read from them (docs/definitions.md).
 *
 * Every field is additive, so a bucket is also a delta: a projection adds each SlaChange to an in-memory bucket per
 * key (slaBucketKey, addChange), then merges that sum into the stored row. Retractions are
 * negative deltas, sketches included, so a moved credit or an undone expiry leaves the row as if it never happened.
 * Mention figures are keyed by the hour of the mention's receivedAt (the window is "by receivedAt"); reply counts
 * by the hour of sentAt; brand posts by the hour of publishedAt. Hours are UTC hours (epoch ms / 3 600 000).
 */

const HOUR_MS = 3_600_000;

/** The response-time thresholds of the definitions; "within" means responseMs <= threshold. */
export const WITHIN_TARGETS_MS = {
  '30m': 30 * 60_000,
  '1h': HOUR_MS,
  '4h': 4 * HOUR_MS,
  '24h': 24 * HOUR_MS,
} as const;
export type WithinTarget = keyof typeof WITHIN_TARGETS_MS;

export interface SlaBucket {
  readonly needingResponse: number;
  readonly complaints: number;
  readonly answered: number;
  readonly expired: number;
  /** Mentions answered later than the SLA target, or unanswered once the watermark passed it. */
  readonly targetBreaches: number;
  readonly within30m: number;
  readonly within1h: number;
  readonly within4h: number;
  readonly within24h: number;
  readonly responseSumMs: number;
  readonly responseSketch: ResponseTimeSketch;
  /** Business-hours response times: only answers for brands that keep business hours. */
  readonly businessSumMs: number;
  readonly businessSketch: ResponseTimeSketch;
  readonly businessWithin30m: number;
  readonly businessWithin1h: number;
  readonly businessWithin4h: number;
  readonly businessWithin24h: number;
  readonly humanReplies: number;
  readonly automatedReplies: number;
  readonly brandPosts: number;
}

type CounterField = Exclude<keyof SlaBucket, 'responseSketch' | 'businessSketch'>;

const COUNTER_FIELDS: readonly CounterField[] = [
  'needingResponse',
  'complaints',
  'answered',
  'expired',
  'targetBreaches',
  'within30m',
  'within1h',
  'within4h',
  'within24h',
  'responseSumMs',
  'businessSumMs',
  'businessWithin30m',
  'businessWithin1h',
  'businessWithin4h',
  'businessWithin24h',
  'humanReplies',
  'automatedReplies',
  'brandPosts',
];

export function emptySlaBucket(): SlaBucket {
  return emptyAccumulator();
}

/**
 * A bucket a fold owns and adds changes to in place (addChange): one per key and batch, instead of a new
 * one-event bucket with two new sketches per change, which is what a busy processor would otherwise allocate.
 */
export type SlaBucketAccumulator = { -readonly [K in keyof SlaBucket]: SlaBucket[K] };

export function emptyAccumulator(): SlaBucketAccumulator {
  return {
    needingResponse: 0,
    complaints: 0,
    answered: 0,
    expired: 0,
    targetBreaches: 0,
    within30m: 0,
    within1h: 0,
    within4h: 0,
    within24h: 0,
    responseSumMs: 0,
    businessSumMs: 0,
    businessWithin30m: 0,
    businessWithin1h: 0,
    businessWithin4h: 0,
    businessWithin24h: 0,
    humanReplies: 0,
    automatedReplies: 0,
    brandPosts: 0,
    responseSketch: new ResponseTimeSketch(),
    businessSketch: new ResponseTimeSketch(),
  };
}

/** a + b, field by field (neither is changed). */
export function mergeBuckets(a: SlaBucket, b: SlaBucket): SlaBucket {
  const counters = Object.fromEntries(COUNTER_FIELDS.map((field) => [field, a[field] + b[field]])) as Record<
    CounterField,
    number
  >;
  return {
    ...counters,
    responseSketch: ResponseTimeSketch.merged(a.responseSketch, b.responseSketch),
    businessSketch: ResponseTimeSketch.merged(a.businessSketch, b.businessSketch),
  };
}

/** Where a delta goes: the hour, brand, channel, and the agent credited (answers and replies only). */
export interface SlaBucketKey {
  readonly hourStartMs: number;
  readonly brandId: string;
  readonly channel: Channel;
  /** The replier for 'mention-answered', 'answer-retracted' and 'reply-counted'; null otherwise. */
  readonly agentId: string | null;
}

export interface SlaBucketUpdate {
  readonly key: SlaBucketKey;
  readonly delta: SlaBucket;
}

export function hourStart(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

/** The bucket a change goes to: the mention's hour (the reply's for reply counts), and the agent credited. */
export function slaBucketKey(change: SlaChange): SlaBucketKey {
  if (change.type === 'reply-counted') {
    return {
      hourStartMs: hourStart(change.sentAt),
      brandId: change.brandId,
      channel: change.channel,
      agentId: change.agentId,
    };
  }
  const { mention } = change;
  return {
    hourStartMs: hourStart(mention.receivedAt),
    brandId: mention.brandId,
    channel: mention.channel,
    agentId: change.type === 'mention-answered' || change.type === 'answer-retracted' ? change.agentId : null,
  };
}

/** Adds one change to `into` (the bucket of slaBucketKey(change)), in place. */
export function addChange(into: SlaBucketAccumulator, change: SlaChange): void {
  switch (change.type) {
    case 'reply-counted':
      if (change.automated) into.automatedReplies += 1;
      else into.humanReplies += 1;
      return;
    case 'mention-counted':
    case 'mention-uncounted': {
      const sign = change.type === 'mention-counted' ? 1 : -1;
      into.needingResponse += sign;
      if (change.mention.kind === 'complaint') into.complaints += sign;
      return;
    }
    case 'mention-expired':
      into.expired += 1;
      return;
    case 'expiry-retracted':
      into.expired -= 1;
      return;
    case 'target-breached':
      into.targetBreaches += 1;
      return;
    case 'breach-retracted':
      into.targetBreaches -= 1;
      return;
    case 'mention-answered':
    case 'answer-retracted': {
      const sign = change.type === 'mention-answered' ? 1 : -1;
      const response = change.responseMs;
      into.answered += sign;
      // Sums in whole milliseconds: integer addition is exact in any order, so a replay with other batch
      // boundaries gives the same totals to the last digit.
      into.responseSumMs += sign * response;
      if (response <= WITHIN_TARGETS_MS['30m']) into.within30m += sign;
      if (response <= WITHIN_TARGETS_MS['1h']) into.within1h += sign;
      if (response <= WITHIN_TARGETS_MS['4h']) into.within4h += sign;
      if (response <= WITHIN_TARGETS_MS['24h']) into.within24h += sign;
      into.responseSketch.add(response / 1000, sign);
      const business = change.businessResponseMs;
      if (business === null) return;
      into.businessSumMs += sign * business;
      if (business <= WITHIN_TARGETS_MS['30m']) into.businessWithin30m += sign;
      if (business <= WITHIN_TARGETS_MS['1h']) into.businessWithin1h += sign;
      if (business <= WITHIN_TARGETS_MS['4h']) into.businessWithin4h += sign;
      if (business <= WITHIN_TARGETS_MS['24h']) into.businessWithin24h += sign;
      into.businessSketch.add(business / 1000, sign);
      return;
    }
  }
}

/** The bucket key and the additive delta of one change, on their own (addChange accumulates many). */
export function slaDelta(change: SlaChange): SlaBucketUpdate {
  const delta = emptyAccumulator();
  addChange(delta, change);
  return { key: slaBucketKey(change), delta };
}

/** The bucket a brand post counts in toward posts-per-reply: the hour it was published. */
export function brandPostKey(event: BrandPostPublished): SlaBucketKey {
  return {
    hourStartMs: hourStart(event.publishedAt),
    brandId: event.brandId,
    channel: event.channel,
    agentId: null,
  };
}

/** A brand post as a delta on its own (see brandPostKey). */
export function brandPostDelta(event: BrandPostPublished): SlaBucketUpdate {
  const delta = emptyAccumulator();
  delta.brandPosts = 1;
  return { key: brandPostKey(event), delta };
}

/**
 * Applies one change to `bucket` (which the caller picked by slaDelta(change).key) and returns the new bucket.
 * Convenience for small folds; projections that batch accumulate with addChange instead.
 */
export function applyChange(bucket: SlaBucket, change: SlaChange): SlaBucket {
  return mergeBuckets(bucket, slaDelta(change).delta);
}

// ---- storage form ----

/** The channel of a brand's totals row that sums all of its channels (sla_daily_totals, sla_weekly_totals). */
export const ALL_CHANNELS = '';

const WEEK_MS = 7 * 86_400_000;
/** 1970-01-05, the first Monday of the epoch: UTC weeks start on Mondays at 00:00 UTC. */
const FIRST_MONDAY_MS = 4 * 86_400_000;

/** The start of the UTC week (Monday 00:00 UTC) holding `ms`. */
export function utcWeekStart(ms: number): number {
  return ms - ((((ms - FIRST_MONDAY_MS) % WEEK_MS) + WEEK_MS) % WEEK_MS);
}

/** The start of the first UTC week that starts at or after `ms`. */
export function nextUtcWeekStart(ms: number): number {
  const start = utcWeekStart(ms);
  return start === ms ? ms : start + WEEK_MS;
}

/** Each counter and its column in the hourly table: the field in snake_case (within30m → within_30m). */
export const SLA_COUNTER_COLUMNS: readonly (readonly [field: CounterField, column: string])[] =
  COUNTER_FIELDS.map(
    (field) => [field, field.replace(/[A-Z]|\d+/g, (part) => `_${part.toLowerCase()}`)] as const,
  );

export type SerializedSlaBucket = Record<CounterField, number> & {
  readonly responseSketch: SerializedResponseTimeSketch;
  readonly businessSketch: SerializedResponseTimeSketch;
};

export function slaBucketToJSON(bucket: SlaBucket): SerializedSlaBucket {
  const counters = Object.fromEntries(COUNTER_FIELDS.map((field) => [field, bucket[field]])) as Record<
    CounterField,
    number
  >;
  return {
    ...counters,
    responseSketch: bucket.responseSketch.toJSON(),
    businessSketch: bucket.businessSketch.toJSON(),
  };
}

export function slaBucketFromJSON(json: SerializedSlaBucket): SlaBucket {
  const counters = Object.fromEntries(COUNTER_FIELDS.map((field) => [field, json[field] ?? 0])) as Record<
    CounterField,
    number
  >;
  return {
    ...counters,
    responseSketch: ResponseTimeSketch.fromJSON(json.responseSketch),
    businessSketch: ResponseTimeSketch.fromJSON(json.businessSketch),
  };
}

// ---- figures ----

export interface ResponseTimeFigures {
  readonly mean: number | null;
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
  readonly min: number | null;
  readonly max: number | null;
}

export type WithinTargetFigures = Readonly<Record<WithinTarget, number | null>>;

export interface BusinessHoursFigures {
  readonly answered: number;
  readonly responseTimeSeconds: ResponseTimeFigures;
  readonly withinTarget: WithinTargetFigures;
}

export interface SlaFigures {
  readonly needingResponse: number;
  readonly answered: number;
  readonly expired: number;
  /** Neither answered nor expired yet. */
  readonly open: number;
  readonly complaints: number;
  /** answered / needingResponse; null when nothing needed a response. */
  readonly responseRate: number | null;
  /** Seconds. Percentiles within 1% relative error. */
  readonly responseTimeSeconds: ResponseTimeFigures;
  /** Share of needingResponse answered within each time (null when nothing needed a response). */
  readonly withinTarget: WithinTargetFigures;
  /** The same counting business hours only; null when no answer in the window had business hours to count. */
  readonly businessHours: BusinessHoursFigures | null;
  readonly targetBreaches: number;
  readonly humanReplies: number;
  readonly automatedReplies: number;
  readonly brandPosts: number;
  /** brandPosts / humanReplies (the studies' "posts per reply to a consumer"); null without human replies. */
  readonly postsPerReply: number | null;
}

/** The figures over a window: pass the buckets whose hours fall inside it. */
export function slaFigures(buckets: Iterable<SlaBucket>): SlaFigures {
  let total = emptySlaBucket();
  for (const bucket of buckets) total = mergeBuckets(total, bucket);
  const share = (count: number) => (total.needingResponse > 0 ? count / total.needingResponse : null);
  const businessAnswered = total.businessSketch.count;
  return {
    needingResponse: total.needingResponse,
    answered: total.answered,
    expired: total.expired,
    open: total.needingResponse - total.answered - total.expired,
    complaints: total.complaints,
    responseRate: share(total.answered),
    responseTimeSeconds: responseTimeFigures(total.responseSketch, total.responseSumMs),
    withinTarget: {
      '30m': share(total.within30m),
      '1h': share(total.within1h),
      '4h': share(total.within4h),
      '24h': share(total.within24h),
    },
    businessHours:
      businessAnswered > 0
        ? {
            answered: businessAnswered,
            responseTimeSeconds: responseTimeFigures(total.businessSketch, total.businessSumMs),
            withinTarget: {
              '30m': share(total.businessWithin30m),
              '1h': share(total.businessWithin1h),
              '4h': share(total.businessWithin4h),
              '24h': share(total.businessWithin24h),
            },
          }
        : null,
    targetBreaches: total.targetBreaches,
    humanReplies: total.humanReplies,
    automatedReplies: total.automatedReplies,
    brandPosts: total.brandPosts,
    postsPerReply: total.humanReplies > 0 ? total.brandPosts / total.humanReplies : null,
  };
}

function responseTimeFigures(sketch: ResponseTimeSketch, sumMs: number): ResponseTimeFigures {
  const count = sketch.count;
  if (count <= 0) return { mean: null, p50: null, p90: null, p99: null, min: null, max: null };
  return {
    mean: sumMs / 1000 / count,
    p50: sketch.quantile(0.5),
    p90: sketch.quantile(0.9),
    p99: sketch.quantile(0.99),
    // min and max come from the sketch (quantiles 0 and 1), so they too are within 1%: an exact min/max could not
    // be kept under retractions or merged across buckets without keeping every value.
    min: sketch.quantile(0),
    max: sketch.quantile(1),
  };
}
