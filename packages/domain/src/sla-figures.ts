import type { BrandPostPublished, Channel } from '@carestream/contract';
import type { SlaChange } from './conversation.ts';
import { ResponseTimeSketch, type SerializedResponseTimeSketch } from './response-time-sketch.ts';

/**
 * Hourly SLA buckets and the figures read from them (PRODUCT.md "What is computed").
 *
 * Every field is additive, so a bucket is also a delta: a projection turns each SlaChange into a one-event delta
 * (slaDelta), sums deltas per key in memory (mergeBuckets), then merges the sum into the stored row. Retractions are
 * negative deltas, sketches included, so a moved credit or an undone expiry leaves the row as if it never happened.
 * Mention figures are keyed by the hour of the mention's receivedAt (the window is "by receivedAt"); reply counts
 * by the hour of sentAt; brand posts by the hour of publishedAt. Hours are UTC hours (epoch ms / 3 600 000).
 */

const HOUR_MS = 3_600_000;

/** The response-time thresholds PRODUCT.md names; "within" means responseMs <= threshold. */
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
  /** 'target-breached' observations (never retracted; for alerting, not part of the order-independent figures). */
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
  const counters = Object.fromEntries(COUNTER_FIELDS.map((field) => [field, 0])) as Record<
    CounterField,
    number
  >;
  return { ...counters, responseSketch: new ResponseTimeSketch(), businessSketch: new ResponseTimeSketch() };
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

/** The bucket key and the additive delta of one change. */
export function slaDelta(change: SlaChange): SlaBucketUpdate {
  if (change.type === 'reply-counted') {
    return {
      key: {
        hourStartMs: hourStart(change.sentAt),
        brandId: change.brandId,
        channel: change.channel,
        agentId: change.agentId,
      },
      delta: withCounters(change.automated ? { automatedReplies: 1 } : { humanReplies: 1 }),
    };
  }
  const { mention } = change;
  const answerAgent =
    change.type === 'mention-answered' || change.type === 'answer-retracted' ? change.agentId : null;
  const key: SlaBucketKey = {
    hourStartMs: hourStart(mention.receivedAt),
    brandId: mention.brandId,
    channel: mention.channel,
    agentId: answerAgent,
  };
  switch (change.type) {
    case 'mention-counted':
      return {
        key,
        delta: withCounters({ needingResponse: 1, complaints: mention.kind === 'complaint' ? 1 : 0 }),
      };
    case 'mention-expired':
      return { key, delta: withCounters({ expired: 1 }) };
    case 'expiry-retracted':
      return { key, delta: withCounters({ expired: -1 }) };
    case 'target-breached':
      return { key, delta: withCounters({ targetBreaches: 1 }) };
    case 'mention-answered':
    case 'answer-retracted': {
      const sign = change.type === 'mention-answered' ? 1 : -1;
      const seconds = change.responseMs / 1000;
      const business = change.businessResponseMs;
      const within = (ms: number | null, limit: number) => (ms !== null && ms <= limit ? sign : 0);
      const responseSketch = new ResponseTimeSketch().add(seconds, sign);
      const businessSketch =
        business === null ? new ResponseTimeSketch() : new ResponseTimeSketch().add(business / 1000, sign);
      return {
        key,
        delta: {
          ...withCounters({
            answered: sign,
            within30m: within(change.responseMs, WITHIN_TARGETS_MS['30m']),
            within1h: within(change.responseMs, WITHIN_TARGETS_MS['1h']),
            within4h: within(change.responseMs, WITHIN_TARGETS_MS['4h']),
            within24h: within(change.responseMs, WITHIN_TARGETS_MS['24h']),
            // Sums in whole milliseconds: integer addition is exact in any order, so a replay with other batch
            // boundaries gives the same totals to the last digit.
            responseSumMs: sign * change.responseMs,
            businessSumMs: business === null ? 0 : sign * business,
            businessWithin30m: within(business, WITHIN_TARGETS_MS['30m']),
            businessWithin1h: within(business, WITHIN_TARGETS_MS['1h']),
            businessWithin4h: within(business, WITHIN_TARGETS_MS['4h']),
            businessWithin24h: within(business, WITHIN_TARGETS_MS['24h']),
          }),
          responseSketch,
          businessSketch,
        },
      };
    }
  }
}

/** A brand post counts toward posts-per-reply, in the hour it was published. */
export function brandPostDelta(event: BrandPostPublished): SlaBucketUpdate {
  return {
    key: {
      hourStartMs: hourStart(event.publishedAt),
      brandId: event.brandId,
      channel: event.channel,
      agentId: null,
    },
    delta: withCounters({ brandPosts: 1 }),
  };
}

/**
 * Applies one change to `bucket` (which the caller picked by slaDelta(change).key) and returns the new bucket.
 * Convenience for small folds; projections that batch should sum deltas with mergeBuckets instead.
 */
export function applyChange(bucket: SlaBucket, change: SlaChange): SlaBucket {
  return mergeBuckets(bucket, slaDelta(change).delta);
}

function withCounters(values: Partial<Record<CounterField, number>>): SlaBucket {
  return { ...emptySlaBucket(), ...values };
}

// ---- storage form ----

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
