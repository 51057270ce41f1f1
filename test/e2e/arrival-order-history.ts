// The history the arrival-order tests feed (test/e2e/arrival-order.test.ts, and `carestream import` in
// services/cli/src/import-arrival-order.int.test.ts): the simulator's 45 days for 30 brands from a fixed start,
// closing mentions so every partition's watermark ends at the same instant, and the exact ground truth.
import type { MentionReceived } from '@carestream/contract';
import {
  brandProfiles,
  generateBrands,
  groundTruthOf,
  simulateTraffic,
  type TrafficEvent,
} from '@carestream/simulator';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** The default answer horizon (7 days): the pipelines run with it. */
export const HORIZON_MS = 7 * DAY;
export const HISTORY_START = Date.UTC(2026, 8, 1);
export const HISTORY_DAYS = 45;
/** The simulated traffic ends before HISTORY_END; the closing mentions are at HISTORY_END. */
export const HISTORY_END = HISTORY_START + HISTORY_DAYS * DAY;
/** ≈ 11,700 events over the 45 days (brand posts ≈ 60%, mentions ≈ 35%, replies ≈ 5%). */
const RATE_PER_SECOND = 0.003;

/** 30 brands: six industries of five, so industry benchmarks are published. */
export const brands = generateBrands(30);
export const profiles = brandProfiles(brands, HISTORY_START - 60_000);

const traffic = [
  ...simulateTraffic({
    seed: 4545,
    brands,
    startMs: HISTORY_START,
    endMs: HISTORY_END,
    ratePerSecond: RATE_PER_SECOND,
    runId: 'order',
  }),
].map((timed) => timed.event);

/**
 * Closing mentions (no response needed) at HISTORY_END in many conversations, so that every partition's
 * event-time watermark ends at HISTORY_END: expiries are measured against each partition's watermark, the ground
 * truth against one (as generateScenario's closing events do for the ground-truth test).
 */
const closing: MentionReceived[] = Array.from({ length: 64 }, (_, k) => {
  const brand = brands[k % brands.length];
  if (!brand) throw new Error('no brands');
  return {
    type: 'MentionReceived',
    eventId: `order-closing-${k}`,
    brandId: brand.profile.brandId,
    channel: 'x',
    conversationId: `order-closing-${k}`,
    messageId: `order-closing-msg-${k}`,
    authorId: `cust-closing-${k}`,
    receivedAt: HISTORY_END,
    kind: 'praise',
    needsResponse: false,
    sentiment: 0.8,
    authorFollowers: null,
    private: false,
    text: null,
  };
});

/** Every event once, in event-time order. */
export const timeOrdered: readonly TrafficEvent[] = [...traffic, ...closing];

/** The exact figures of the history: horizon 7 days, watermark HISTORY_END, own accounts from the profiles. */
export const truth = groundTruthOf(timeOrdered, brands, { watermarkMs: HISTORY_END, horizonMs: HORIZON_MS });

export const eventTime = (event: TrafficEvent): number =>
  event.type === 'MentionReceived'
    ? event.receivedAt
    : event.type === 'ReplySent'
      ? event.sentAt
      : event.publishedAt;

export type TruthCount =
  'needingResponse' | 'answered' | 'expired' | 'open' | 'humanReplies' | 'automatedReplies' | 'brandPosts';

/** A brand's exact figures: counts over its channels, and its sorted response times (seconds). */
export function brandTruth(brandId: string): {
  counts: Record<TruthCount, number>;
  responseSeconds: number[];
} {
  const parts = [...truth.byBrandChannel].filter(([key]) => key.startsWith(`${brandId}|`)).map(([, t]) => t);
  const sum = (name: TruthCount) => parts.reduce((n, t) => n + t[name], 0);
  return {
    counts: {
      needingResponse: sum('needingResponse'),
      answered: sum('answered'),
      expired: sum('expired'),
      open: sum('open'),
      humanReplies: sum('humanReplies'),
      automatedReplies: sum('automatedReplies'),
      brandPosts: sum('brandPosts'),
    },
    responseSeconds: parts.flatMap((t) => t.responseSeconds).sort((a, b) => a - b),
  };
}
