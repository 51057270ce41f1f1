import type {
  BrandPostPublished,
  BrandProfileSet,
  Channel,
  MentionKind,
  MentionReceived,
  ReplySent,
} from '@carestream/contract';
import { computeGroundTruth, type GroundTruth } from './ground-truth.ts';
import { SeededRandom } from '@carestream/domain';

export interface ScenarioOptions {
  readonly seed: number;
  readonly conversations: number;
  readonly brands?: number;
  /** First event time (ms). */
  readonly startMs: number;
  /** Events fall within [startMs, startMs + spanMs]. */
  readonly spanMs: number;
  readonly horizonMs: number;
  /** Probability that a sent event is sent again later (same eventId): tests idempotence. */
  readonly duplicateRate?: number;
  /** Probability that a reply is sent (to ingest) before the mention it answers. */
  readonly reorderRate?: number;
}

export interface Scenario {
  readonly profiles: BrandProfileSet[];
  /** In the order to send them (roughly by time, with the reorderings and duplicates the options ask for). */
  readonly events: (MentionReceived | ReplySent | BrandPostPublished)[];
  readonly truth: GroundTruth;
  /** The last event time: after it, each partition's watermark is here (closing events are spread wide). */
  readonly watermarkMs: number;
}

const CHANNELS: readonly Channel[] = ['x', 'facebook', 'instagram'];
const KINDS: readonly MentionKind[] = ['question', 'complaint', 'complaint', 'praise', 'other'];
const INDUSTRIES = ['retail', 'banking', 'telecom', 'sports', 'legal'];

/**
 * A seeded scenario for exactness tests: conversations with several mentions, human and automated replies
 * (some before the mention they answer, some late, some never), brand posts, the brand's own accounts
 * mentioning themselves, duplicates, and closing events at the end so every partition's watermark reaches
 * the same time. The ground truth is computed by brute force (ground-truth.ts).
 */
export function generateScenario(options: ScenarioOptions): Scenario {
  const random = new SeededRandom(options.seed);
  const brandCount = options.brands ?? 6;
  const end = options.startMs + options.spanMs;
  const profiles: BrandProfileSet[] = Array.from({ length: brandCount }, (_, i) => ({
    type: 'BrandProfileSet',
    eventId: `profile-${options.seed}-${i}`,
    brandId: `brand-${i}`,
    name: `Brand ${i}`,
    industry: INDUSTRIES[i % INDUSTRIES.length] ?? 'retail',
    timezone: 'UTC',
    businessHours: null,
    slaTargetSeconds: 3600,
    customerValue: null,
    ownAccountIds: [`brand-${i}-official`],
    setAt: options.startMs - 60_000,
  }));
  const answerRate = profiles.map(() => 0.3 + random.next() * 0.6);
  const timed: { at: number; event: MentionReceived | ReplySent | BrandPostPublished }[] = [];
  let sequence = 0;
  const id = (prefix: string) => `${prefix}-${options.seed}-${(sequence += 1)}`;

  for (let c = 0; c < options.conversations; c += 1) {
    const brandIndex = random.int(0, brandCount - 1);
    const brandId = `brand-${brandIndex}`;
    const channel = random.pick(CHANNELS);
    const conversationId = `conv-${options.seed}-${c}`;
    const authorId = random.chance(0.03)
      ? `${brandId}-official`
      : `customer-${random.int(1, Math.max(10, options.conversations / 3))}`;
    let at = options.startMs + Math.floor(random.next() * options.spanMs * 0.9);
    const mentionCount = random.int(1, 3);
    for (let m = 0; m < mentionCount; m += 1) {
      const kind = random.pick(KINDS);
      const mention: MentionReceived = {
        type: 'MentionReceived',
        eventId: id('mention'),
        brandId,
        channel,
        conversationId,
        messageId: id('msg'),
        authorId,
        receivedAt: at,
        kind,
        needsResponse: kind === 'question' || kind === 'complaint',
        sentiment: kind === 'complaint' ? -random.next() : null,
        authorFollowers: random.int(0, 5000),
        private: random.chance(0.2),
        text: null,
      };
      timed.push({ at, event: mention });
      if (random.chance(0.15)) {
        timed.push({
          at: at + 1000,
          event: reply(brandId, channel, conversationId, `bot-${brandIndex}`, at + 1000, true),
        });
      }
      if (random.chance(answerRate[brandIndex] ?? 0.5)) {
        // Median 40 minutes, wide: some within 30 m, some beyond the horizon.
        const delay = Math.max(1000, Math.round(random.logNormal(40 * 60_000, 1.6)));
        const sentAt = Math.min(end, at + delay);
        const agentId = `agent-${brandIndex}-${random.int(1, 4)}`;
        const answer = reply(brandId, channel, conversationId, agentId, sentAt, false);
        // Sometimes a quick reply reaches ingest before its mention (the platform delivered the mention late).
        // Disorder stays within the domain's bound: an event may arrive at most one horizon late.
        const early = sentAt - at < options.horizonMs / 2 && random.chance(options.reorderRate ?? 0.05);
        timed.push({ at: early ? at - 1 : sentAt, event: answer });
      }
      at += random.int(1, 20) * 60_000;
      if (at > end) break;
    }
  }
  for (let b = 0; b < brandCount; b += 1) {
    const posts = random.int(5, 30);
    for (let p = 0; p < posts; p += 1) {
      const publishedAt = options.startMs + Math.floor(random.next() * options.spanMs);
      const post: BrandPostPublished = {
        type: 'BrandPostPublished',
        eventId: id('post'),
        brandId: `brand-${b}`,
        channel: random.pick(CHANNELS),
        postId: id('post-id'),
        publishedAt,
      };
      timed.push({ at: publishedAt, event: post });
    }
  }
  // Closing events: praise in many conversations at the end, so every partition's watermark reaches `end`.
  for (let k = 0; k < 64; k += 1) {
    const closing: MentionReceived = {
      type: 'MentionReceived',
      eventId: id('closing'),
      brandId: `brand-${k % brandCount}`,
      channel: 'x',
      conversationId: `closing-${options.seed}-${k}`,
      messageId: id('msg'),
      authorId: `customer-closing-${k}`,
      receivedAt: end,
      kind: 'praise',
      needsResponse: false,
      sentiment: 0.8,
      authorFollowers: null,
      private: false,
      text: null,
    };
    timed.push({ at: end + 1, event: closing });
  }

  timed.sort((a, b) => a.at - b.at);
  const events = timed.map((entry) => entry.event);
  const duplicates = events.filter(() => random.chance(options.duplicateRate ?? 0.02));
  const sent = [
    ...events,
    ...duplicates.filter((event) => event.type !== 'MentionReceived' || !event.eventId.startsWith('closing')),
  ];
  const ownAccountIds = new Map(profiles.map((profile) => [profile.brandId, new Set(profile.ownAccountIds)]));
  return {
    profiles,
    events: sent,
    truth: computeGroundTruth(sent, { horizonMs: options.horizonMs, watermarkMs: end, ownAccountIds }),
    watermarkMs: end,
  };

  function reply(
    brandId: string,
    channel: Channel,
    conversationId: string,
    agentId: string,
    sentAt: number,
    automated: boolean,
  ): ReplySent {
    return {
      type: 'ReplySent',
      eventId: id('reply'),
      brandId,
      channel,
      conversationId,
      messageId: id('msg'),
      inReplyTo: null,
      agentId,
      sentAt,
      automated,
      private: false,
    };
  }
}

/** The JSON the ingest API takes for an event (ISO timestamps, `type` as the API names it). */
export function toIngestItem(
  event: MentionReceived | ReplySent | BrandPostPublished | BrandProfileSet,
): Record<string, unknown> {
  switch (event.type) {
    case 'MentionReceived': {
      const { type: _type, receivedAt, ...rest } = event;
      return { type: 'mention', ...dropNulls(rest), receivedAt: new Date(receivedAt).toISOString() };
    }
    case 'ReplySent': {
      const { type: _type, sentAt, ...rest } = event;
      return { type: 'reply', ...dropNulls(rest), sentAt: new Date(sentAt).toISOString() };
    }
    case 'BrandPostPublished': {
      const { type: _type, publishedAt, ...rest } = event;
      return { type: 'brand_post', ...rest, publishedAt: new Date(publishedAt).toISOString() };
    }
    case 'BrandProfileSet': {
      const { type: _type, setAt, ...rest } = event;
      return { type: 'brand_profile', ...dropNulls(rest), setAt: new Date(setAt).toISOString() };
    }
  }
}

function dropNulls(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== null));
}
