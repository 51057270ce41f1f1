import type {
  BrandPostPublished,
  BrandProfileSet,
  Channel,
  MentionKind,
  MentionReceived,
  ReplySent,
} from '@carestream/contract';
import { nextBusinessInstant } from '@carestream/domain';
import { CareError } from '@carestream/errors';
import {
  AUTOMATED_REPLY,
  BRAND_VOLUME_SIGMA,
  BUSINESS_HOURS,
  CHANNEL_MIX,
  CUSTOMERS,
  DEFAULT_HORIZON_MS,
  FOLLOWERS,
  FOLLOW_UP_AFTER_NO_REPLY,
  INDUSTRIES,
  NON_COMPLAINT_KINDS,
  OWN_ACCOUNT_MENTION_SHARE,
  POSTS_PER_HUMAN_REPLY,
  REPLY_DELAY,
  RESPONSE_RATE_SPREAD,
  SENTIMENT,
  THANKS_AFTER_ANSWER,
  TIMEZONES,
  WEEK_ANSWERED_SHARE,
  conversationAnswerProbability,
  type IndustryCalibration,
} from './calibration.ts';
import { computeGroundTruth, type GroundTruth } from './ground-truth.ts';
import { SeededRandom } from '@carestream/domain';

export type TrafficEvent = MentionReceived | ReplySent | BrandPostPublished;

/** One event and the time it happens (its receivedAt, sentAt or publishedAt). */
export interface TimedEvent {
  readonly at: number;
  readonly event: TrafficEvent;
}

export type ReplySpeed = 'fast' | 'typical';

/** A simulated brand: its profile (sent first) and the traffic parameters behind it. */
export interface SimBrand {
  readonly profile: Omit<BrandProfileSet, 'setAt' | 'eventId' | 'type'>;
  readonly calibration: IndustryCalibration;
  /** Relative share of conversations (within all brands). */
  readonly volumeWeight: number;
  /**
   * This brand's answer rate per needing-response mention as drawn: its industry's × 1 ± RESPONSE_RATE_SPREAD.
   * trafficModel scales an industry's brands so that together they answer at the industry's rate.
   */
  readonly responseRate: number;
  readonly speed: ReplySpeed;
  readonly agentIds: readonly string[];
  readonly botId: string;
}

const PREFIXES = [
  'Northwind',
  'Bluepeak',
  'Harbor',
  'Silverleaf',
  'Redwood',
  'Brightwell',
  'Kestrel',
  'Lumen',
  'Oakridge',
  'Crescent',
  'Summit',
  'Meridian',
  'Juniper',
  'Fairhaven',
  'Copperline',
  'Stonebridge',
];

const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/** FNV-1a: a stable number from a string, for attributes that must not depend on the seed. */
export function stableHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * `count` brands across industries, the same on every run and for every seed (a brand keeps its id, industry,
 * time zone and business hours across runs, so a second run adds to the first). Brands are dealt to industries
 * in groups (5 at a time from 30 brands on, so industry benchmarks, which need 5 brands, are published), the
 * industries with published figures first: 30 brands cover consumer goods, retail, government, legal, real
 * estate and sports; 60 cover all twelve.
 */
export function generateBrands(count: number): SimBrand[] {
  if (!Number.isInteger(count) || count < 1) {
    throw new CareError('CARE_ERR_VALIDATION', 'brands must be a whole number ≥ 1', { field: 'brands' });
  }
  const group = Math.max(1, Math.min(5, Math.floor(count / 6)));
  const perIndustry = new Map<string, number>();
  const brands: SimBrand[] = [];
  for (let i = 0; i < count; i += 1) {
    const calibration = INDUSTRIES[Math.floor(i / group) % INDUSTRIES.length] ?? INDUSTRIES[0];
    if (!calibration) throw new CareError('CARE_ERR_INTERNAL', 'no industries');
    const k = perIndustry.get(calibration.industry) ?? 0;
    perIndustry.set(calibration.industry, k + 1);
    const prefix = PREFIXES[k % PREFIXES.length] ?? 'Brand';
    const round = Math.floor(k / PREFIXES.length);
    const name = `${prefix} ${calibration.brandNoun}${round > 0 ? ` ${round + 1}` : ''}`;
    const brandId = `sim-${slug(calibration.industry)}-${slug(name)}`;
    const random = new SeededRandom(stableHash(brandId));
    const timezone = TIMEZONES[stableHash(`${brandId}|tz`) % TIMEZONES.length] ?? 'UTC';
    const businessHours = calibration.keepsBusinessHours
      ? BUSINESS_HOURS.weekdays.map((weekday) => ({
          weekday,
          open: BUSINESS_HOURS.open,
          close: BUSINESS_HOURS.close,
        }))
      : null;
    const agentCount = random.int(2, 6);
    brands.push({
      profile: {
        brandId,
        name,
        industry: calibration.industry,
        timezone,
        businessHours,
        slaTargetSeconds: calibration.slaTargetSeconds,
        customerValue: Math.round(random.logNormal(120, 0.8)),
        ownAccountIds: [`${brandId}-official`, `${brandId}-support`],
      },
      calibration,
      volumeWeight: random.logNormal(1, BRAND_VOLUME_SIGMA),
      responseRate:
        calibration.responseRate * (1 - RESPONSE_RATE_SPREAD + 2 * RESPONSE_RATE_SPREAD * random.next()),
      // One brand in five is a fast responder (REPLY_DELAY.fastBrandShare).
      speed: i % Math.round(1 / REPLY_DELAY.fastBrandShare) === 1 ? 'fast' : 'typical',
      agentIds: Array.from({ length: agentCount }, (_, a) => `${brandId}-agent-${a + 1}`),
      botId: `${brandId}-bot`,
    });
  }
  return brands;
}

/** The BrandProfileSet events for the brands, set at `setAt`. */
export function brandProfiles(brands: readonly SimBrand[], setAt: number): BrandProfileSet[] {
  return brands.map((brand) => ({
    type: 'BrandProfileSet',
    eventId: `sim-profile-${brand.profile.brandId}-${setAt.toString(36)}`,
    ...brand.profile,
    setAt,
  }));
}

export interface TrafficOptions {
  readonly seed: number;
  /** A number of brands (generateBrands) or the brands themselves. */
  readonly brands: number | readonly SimBrand[];
  /** Event time of the start (ms). */
  readonly startMs: number;
  /** No event at or after this time (ms); absent: endless. Replies due after it are never emitted. */
  readonly endMs?: number | undefined;
  /** Average events per second of event time, all kinds together. Default 20. */
  readonly ratePerSecond?: number | undefined;
  /** Prefix of every event, message and conversation id. Default: from the seed and the start. */
  readonly runId?: string | undefined;
  /** Size of the customer pool. */
  readonly customers?: number | undefined;
}

interface Queued {
  readonly at: number;
  readonly seq: number;
  readonly event: TrafficEvent;
}

/** A binary min-heap by (at, seq): the time-ordered queue of events due later. */
class EventQueue {
  private readonly items: Queued[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): Queued | undefined {
    return this.items[0];
  }

  push(item: Queued): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent] as Queued;
      if (!before(item, p)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = item;
  }

  pop(): Queued | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child =
        right < items.length && before(items[right] as Queued, items[left] as Queued) ? right : left;
      if (!before(items[child] as Queued, last)) break;
      items[i] = items[child] as Queued;
      i = child;
    }
    items[i] = last;
    return top;
  }
}

const before = (a: Queued, b: Queued) => a.at < b.at || (a.at === b.at && a.seq < b.seq);

const needShare = (c: IndustryCalibration) =>
  c.complaintProbability +
  ((1 - c.complaintProbability) * (NON_COMPLAINT_KINDS.find((k) => k.kind === 'question')?.weight ?? 0)) /
    NON_COMPLAINT_KINDS.reduce((sum, k) => sum + k.weight, 0);

const AUTOMATED_SHARE = CHANNEL_MIX.reduce(
  (sum, c) =>
    sum +
    c.share *
      (c.privateShare * AUTOMATED_REPLY.privateShare + (1 - c.privateShare) * AUTOMATED_REPLY.publicShare),
  0,
);

/** The traffic model for a set of brands, with the derived rates the generator needs. */
export interface TrafficModel {
  readonly brands: readonly SimBrand[];
  /** Conversation share per brand (sums to 1). */
  readonly conversationShare: readonly number[];
  /** Per brand: probability a needing-response conversation gets a human reply. */
  readonly answerProbability: readonly number[];
  /** Per brand: expected brand posts per conversation (23 × the average brand's human replies a week shows). */
  readonly postsPerConversation: readonly number[];
  /** Expected events (all kinds) per conversation, over all brands. */
  readonly eventsPerConversation: number;
}

/**
 * Each industry's share of conversations makes its share of complaints come out as published
 * (industry conversations ∝ complaintShare / complaintProbability), split between its brands by volume.
 */
export function trafficModel(brands: readonly SimBrand[]): TrafficModel {
  const industryWeight = new Map<string, number>();
  for (const brand of brands) {
    industryWeight.set(
      brand.calibration.industry,
      (industryWeight.get(brand.calibration.industry) ?? 0) + brand.volumeWeight,
    );
  }
  const raw = brands.map(
    (brand) =>
      (brand.calibration.complaintShare / brand.calibration.complaintProbability) *
      (brand.volumeWeight / (industryWeight.get(brand.calibration.industry) ?? 1)),
  );
  const total = raw.reduce((sum, value) => sum + value, 0);
  const conversationShare = raw.map((value) => value / total);
  // An industry's brands answer at its rate together, whatever spread they drew: with 10 brands of uneven
  // volume the draws alone moved an industry by up to ±5% (media down, real estate up), enough to swap media
  // and sports.
  const drawn = new Map<string, { rate: number; share: number }>();
  brands.forEach((brand, i) => {
    const industry = drawn.get(brand.calibration.industry) ?? { rate: 0, share: 0 };
    drawn.set(brand.calibration.industry, industry);
    industry.rate += brand.responseRate * (conversationShare[i] ?? 0);
    industry.share += conversationShare[i] ?? 0;
  });
  // A week read back misses the answers still to come at its end (WEEK_ANSWERED_SHARE): brands answer that
  // much more often, so a week shows the published rates.
  const answerProbability = brands.map((brand) => {
    const industry = drawn.get(brand.calibration.industry);
    const scale = industry ? (brand.calibration.responseRate * industry.share) / industry.rate : 1;
    return conversationAnswerProbability((brand.responseRate * scale) / WEEK_ANSWERED_SHARE);
  });
  // Human replies per conversation: one per answered needing-response conversation (own-account ones excluded).
  const repliesPer = brands.map(
    (brand, i) =>
      (1 - OWN_ACCOUNT_MENTION_SHARE) * needShare(brand.calibration) * (answerProbability[i] ?? 0),
  );
  const averageReplies = repliesPer.reduce((sum, value, i) => sum + value * (conversationShare[i] ?? 0), 0);
  // Posts keep pace with the replies a week shows (all of its posts are in it), so a week reads 23 : 1.
  const postsPerConversation = brands.map(() => POSTS_PER_HUMAN_REPLY * averageReplies * WEEK_ANSWERED_SHARE);
  const eventsPerConversation = brands.reduce((sum, brand, i) => {
    const need = needShare(brand.calibration);
    const p = answerProbability[i] ?? 0;
    const customer =
      1 +
      need *
        (p * (1 + THANKS_AFTER_ANSWER.share) + (1 - p) * FOLLOW_UP_AFTER_NO_REPLY.share + AUTOMATED_SHARE);
    const events =
      (1 - OWN_ACCOUNT_MENTION_SHARE) * customer + OWN_ACCOUNT_MENTION_SHARE + (postsPerConversation[i] ?? 0);
    return sum + events * (conversationShare[i] ?? 0);
  }, 0);
  return { brands, conversationShare, answerProbability, postsPerConversation, eventsPerConversation };
}

const TEXTS: Readonly<Record<MentionKind, readonly string[]>> = {
  complaint: [
    'my order never arrived and nobody answers',
    'charged twice this month, please fix',
    'third time asking: where is my refund?',
    'the app keeps crashing since the update',
    'waited 40 minutes on hold, unacceptable',
  ],
  question: [
    'what are your opening hours on Sunday?',
    'can I change my delivery address?',
    'is this available in my size?',
    'how do I reset my password?',
    'do you ship abroad?',
  ],
  praise: ['thanks, that was quick!', 'love the new range', 'great service today', 'you made my day'],
  other: ['saw this on the news', 'anyone else here?', 'tagging a friend', 'interesting'],
};

/**
 * An endless (or, with `endMs`, bounded) stream of events in event-time order, the same for the same options.
 * Conversations arrive as a Poisson process at `ratePerSecond / eventsPerConversation`; each starts with a
 * customer's mention and may get an automated acknowledgement, a human reply after the brand's delay (only
 * in business hours for brands that keep them), a thank-you, or, when ignored, a follow-up mention. Brands
 * post ~23 times per human reply. Events due later wait in a time-ordered queue, so nothing is yielded
 * before its time.
 */
export function* simulateTraffic(options: TrafficOptions): Generator<TimedEvent, void, undefined> {
  const brands = typeof options.brands === 'number' ? generateBrands(options.brands) : options.brands;
  if (brands.length === 0) {
    throw new CareError('CARE_ERR_VALIDATION', 'no brands to simulate', { field: 'brands' });
  }
  const model = trafficModel(brands);
  const rate = options.ratePerSecond ?? 20;
  if (!(rate > 0)) {
    throw new CareError('CARE_ERR_VALIDATION', 'ratePerSecond must be positive', { field: 'ratePerSecond' });
  }
  const conversationsPerMs = rate / model.eventsPerConversation / 1000;
  const random = new SeededRandom(options.seed);
  const runId = options.runId ?? `sim${options.seed}-${options.startMs.toString(36)}`;
  const pool = options.customers ?? CUSTOMERS.pool;
  const cumulative: number[] = [];
  let acc = 0;
  for (const share of model.conversationShare) cumulative.push((acc += share));
  const queue = new EventQueue();
  let seq = 0;
  let conversationNumber = 0;
  const push = (at: number, event: TrafficEvent) => queue.push({ at, seq: (seq += 1), event });
  const nextId = () => (seq + 1).toString(36);
  const gap = () => Math.max(1, Math.round(-Math.log(1 - random.next()) / conversationsPerMs));

  let nextArrival = options.startMs + gap();
  for (;;) {
    const top = queue.peek();
    if (top && top.at <= nextArrival) {
      queue.pop();
      if (options.endMs !== undefined && top.at >= options.endMs) return;
      yield { at: top.at, event: top.event };
      continue;
    }
    if (options.endMs !== undefined && nextArrival >= options.endMs) {
      // No more conversations start; what is still queued before the end comes out in order.
      const last = queue.pop();
      if (!last || last.at >= options.endMs) return;
      yield { at: last.at, event: last.event };
      continue;
    }
    conversation(nextArrival);
    nextArrival += gap();
  }

  function pickBrand(): number {
    const u = random.next();
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((cumulative[mid] ?? 1) < u) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  function pickChannel(): { channel: Channel; privateShare: number } {
    let u = random.next();
    for (const entry of CHANNEL_MIX) {
      if ((u -= entry.share) < 0) return entry;
    }
    return CHANNEL_MIX[0] ?? { channel: 'x', privateShare: 0 };
  }

  function pickKind(calibration: IndustryCalibration): MentionKind {
    if (random.chance(calibration.complaintProbability)) return 'complaint';
    const total = NON_COMPLAINT_KINDS.reduce((sum, k) => sum + k.weight, 0);
    let u = random.next() * total;
    for (const entry of NON_COMPLAINT_KINDS) {
      if ((u -= entry.weight) < 0) return entry.kind;
    }
    return 'other';
  }

  function sentiment(kind: MentionKind): number | null {
    if (random.chance(SENTIMENT.missingShare)) return null;
    const { min, max } = SENTIMENT[kind];
    return Math.round((min + (max - min) * random.next()) * 100) / 100;
  }

  function mention(
    brand: SimBrand,
    channel: Channel,
    conversationId: string,
    authorId: string,
    followers: number | null,
    at: number,
    kind: MentionKind,
    isPrivate: boolean,
  ): MentionReceived {
    const id = nextId();
    return {
      type: 'MentionReceived',
      eventId: `${runId}-e${id}`,
      brandId: brand.profile.brandId,
      channel,
      conversationId,
      messageId: `${runId}-m${id}`,
      authorId,
      receivedAt: at,
      kind,
      needsResponse: kind === 'question' || kind === 'complaint',
      sentiment: sentiment(kind),
      authorFollowers: followers,
      private: isPrivate,
      text: random.pick(TEXTS[kind]),
    };
  }

  function reply(
    brand: SimBrand,
    to: MentionReceived,
    agentId: string,
    sentAt: number,
    automated: boolean,
  ): ReplySent {
    const id = nextId();
    return {
      type: 'ReplySent',
      eventId: `${runId}-e${id}`,
      brandId: brand.profile.brandId,
      channel: to.channel,
      conversationId: to.conversationId,
      messageId: `${runId}-m${id}`,
      inReplyTo: to.messageId,
      agentId,
      sentAt,
      automated,
      private: to.private,
    };
  }

  function humanDelay(brand: SimBrand): number {
    const shape =
      brand.speed === 'fast'
        ? REPLY_DELAY.fast
        : brand.profile.businessHours
          ? REPLY_DELAY.businessHours
          : REPLY_DELAY.typical;
    return Math.max(REPLY_DELAY.minimumMs, Math.round(random.logNormal(shape.medianMs, shape.sigma)));
  }

  function conversation(at: number): void {
    const brandIndex = pickBrand();
    const brand = brands[brandIndex] as SimBrand;
    const { channel, privateShare } = pickChannel();
    const conversationId = `${runId}-c${(conversationNumber += 1).toString(36)}`;
    // Posts: the brand's broadcast pace, spread over the next two hours.
    const posts = model.postsPerConversation[brandIndex] ?? 0;
    const postCount = Math.floor(posts) + (random.chance(posts - Math.floor(posts)) ? 1 : 0);
    for (let p = 0; p < postCount; p += 1) {
      const publishedAt = at + Math.floor(random.next() * 2 * 3_600_000);
      const id = nextId();
      push(publishedAt, {
        type: 'BrandPostPublished',
        eventId: `${runId}-e${id}`,
        brandId: brand.profile.brandId,
        channel: pickChannel().channel,
        postId: `${runId}-p${id}`,
        publishedAt,
      });
    }

    if (random.chance(OWN_ACCOUNT_MENTION_SHARE)) {
      const own = random.pick(brand.profile.ownAccountIds);
      push(
        at,
        mention(brand, channel, conversationId, own, null, at, random.pick(['other', 'question']), false),
      );
      return;
    }
    const customer = Math.floor(pool * random.next() ** CUSTOMERS.skew);
    const authorId = `cust-${customer}`;
    const followerUnit = new SeededRandom(stableHash(authorId)).next();
    const followers = Math.min(
      FOLLOWERS.cap,
      Math.floor(FOLLOWERS.minimum / Math.max(1 - followerUnit, 1e-9) ** (1 / FOLLOWERS.shape)),
    );
    const isPrivate = random.chance(privateShare);
    const kind = pickKind(brand.calibration);
    const first = mention(brand, channel, conversationId, authorId, followers, at, kind, isPrivate);
    push(at, first);
    if (!first.needsResponse) return;

    const automatedShare = isPrivate ? AUTOMATED_REPLY.privateShare : AUTOMATED_REPLY.publicShare;
    if (random.chance(automatedShare)) {
      const delay = Math.max(
        1000,
        Math.round(random.logNormal(AUTOMATED_REPLY.delay.medianMs, AUTOMATED_REPLY.delay.sigma)),
      );
      push(at + delay, reply(brand, first, brand.botId, at + delay, true));
    }
    if (random.chance(model.answerProbability[brandIndex] ?? 0)) {
      let sentAt = at + humanDelay(brand);
      // Fast responders staff their inbox around the clock; the others wait for opening time.
      if (brand.profile.businessHours && brand.speed !== 'fast') {
        const opening = nextBusinessInstant(sentAt, brand.profile.timezone, brand.profile.businessHours);
        // Replies waiting for opening time go out over the first hour and a half.
        if (opening !== sentAt) sentAt = opening + Math.floor(random.next() * 90 * 60_000);
      }
      const agentId =
        brand.agentIds[Math.floor(brand.agentIds.length * random.next() ** 1.5)] ??
        brand.agentIds[0] ??
        'agent';
      push(sentAt, reply(brand, first, agentId, sentAt, false));
      if (random.chance(THANKS_AFTER_ANSWER.share)) {
        const thanksAt =
          sentAt +
          Math.max(
            1000,
            Math.round(random.logNormal(THANKS_AFTER_ANSWER.delay.medianMs, THANKS_AFTER_ANSWER.delay.sigma)),
          );
        push(
          thanksAt,
          mention(brand, channel, conversationId, authorId, followers, thanksAt, 'praise', isPrivate),
        );
      }
    } else if (random.chance(FOLLOW_UP_AFTER_NO_REPLY.share)) {
      const followAt =
        at +
        Math.max(
          60_000,
          Math.round(
            random.logNormal(FOLLOW_UP_AFTER_NO_REPLY.delay.medianMs, FOLLOW_UP_AFTER_NO_REPLY.delay.sigma),
          ),
        );
      const followKind = kind === 'complaint' ? 'complaint' : 'question';
      push(
        followAt,
        mention(brand, channel, conversationId, authorId, followers, followAt, followKind, isPrivate),
      );
    }
  }
}

/** The brands' own account ids, as computeGroundTruth takes them. */
export function ownAccountIdsOf(
  brands: readonly {
    readonly profile: { readonly brandId: string; readonly ownAccountIds: readonly string[] };
  }[],
): Map<string, Set<string>> {
  return new Map(brands.map((brand) => [brand.profile.brandId, new Set(brand.profile.ownAccountIds)]));
}

/** The exact ground truth of simulated events (computeGroundTruth, with the brands' own accounts). */
export function groundTruthOf(
  events: readonly TrafficEvent[],
  brands: readonly SimBrand[],
  options: { readonly watermarkMs: number; readonly horizonMs?: number },
): GroundTruth {
  return computeGroundTruth(events, {
    horizonMs: options.horizonMs ?? DEFAULT_HORIZON_MS,
    watermarkMs: options.watermarkMs,
    ownAccountIds: ownAccountIdsOf(brands),
  });
}
