import type { Channel, MentionKind } from '@carestream/contract';
import { CareError } from '@carestream/errors';

// The simulator's model as data. Every figure that comes from a published study names it; the ones marked
// "assumption" have no published figure behind them and were chosen to look like ordinary social care traffic.
// The published figures are what a week of traffic shows when read back (`carestream simulate --mode backfill
// --days 7`, then the API's 7d window): week-readback.test.ts checks them on the simulator's ground truth of a
// week for 120 brands, from several weekdays; calibration.test.ts checks the long run (200,000 mentions).

export interface IndustryCalibration {
  readonly industry: string;
  /** Share of needing-response mentions a human answers (answered / needingResponse) in a week read back. */
  readonly responseRate: number;
  /** Share of all social complaints this industry draws. The shares over all industries sum to 1. */
  readonly complaintShare: number;
  /** Share of this industry's mentions that are complaints. */
  readonly complaintProbability: number;
  /** Words for fictional brand names: "Northwind Grocers". */
  readonly brandNoun: string;
  /** Whether the brands keep business hours (replies wait for opening time). */
  readonly keepsBusinessHours: boolean;
  /** The SLA target the brands set, seconds. */
  readonly slaTargetSeconds: number;
}

/**
 * Industries, in the order brands are allocated to them (the ones with published figures first).
 *
 * Response rates: legal and real estate answer the most, 29% (Sprout Social Index 2020); sports the least,
 * 7% (Sprout Social Index 2020). The others sit in between and are set so that over all the traffic brands
 * answer about 1 message in 10 (Sprout Social Index 2016 Q2: 11%; Sprout Social Index 2017 Q3: ~9 in 10
 * get no reply). Their spread, 9–12%, is an assumption; none is under 9%, so that sports stays the lowest by
 * more than a week's noise (at 8%, media came out under sports on some seeds). A week of government, which
 * keeps business hours, reads about a quarter low when it ends on a Monday morning (the weekend's mentions
 * still wait), so its rate is set higher.
 *
 * Business hours: only government offices keep them (Mon–Fri 09:00–18:00 local); the other industries staff
 * their inbox every day (assumption). A week read back on a Monday morning holds none of the weekend answers
 * of brands closed at weekends, a week read back midweek all of them, their longest: the more answers such
 * brands give, the more a week's mean response time depends on the weekday it ends on. With government alone
 * (1 answer in 7) it moves by 1.2 h; with six industries keeping business hours it moved by 3.9 h.
 *
 * Complaint shares: consumer goods draw 19% of social complaints, retail 17%, government 15% (Sprout Social
 * Index 2017 Q3). The remaining 49% is spread over the other industries (assumption), with banking/finance and
 * healthcare, the industries customers most want better social care from (Sprout Social Index 2017 Q3), the
 * largest of them.
 *
 * SLA targets: 40% of consumers expect an answer within 1 hour (Sprout Social Index 2020), 32% within 30
 * minutes (Martech Zone 2024), "most people" within 4 hours (Sprout Social Index 2016 Q2); brands pick one
 * of those.
 */
export const INDUSTRIES: readonly IndustryCalibration[] = [
  {
    industry: 'consumer-goods',
    responseRate: 0.09,
    complaintShare: 0.19,
    complaintProbability: 0.34,
    brandNoun: 'Foods',
    keepsBusinessHours: false,
    slaTargetSeconds: 3_600,
  },
  {
    industry: 'retail',
    responseRate: 0.09,
    complaintShare: 0.17,
    complaintProbability: 0.32,
    brandNoun: 'Stores',
    keepsBusinessHours: false,
    slaTargetSeconds: 3_600,
  },
  {
    industry: 'government',
    responseRate: 0.115,
    complaintShare: 0.15,
    complaintProbability: 0.4,
    brandNoun: 'Council',
    keepsBusinessHours: true,
    slaTargetSeconds: 14_400,
  },
  {
    industry: 'legal',
    responseRate: 0.29,
    complaintShare: 0.02,
    complaintProbability: 0.2,
    brandNoun: 'Law',
    keepsBusinessHours: false,
    slaTargetSeconds: 14_400,
  },
  {
    industry: 'real-estate',
    responseRate: 0.29,
    complaintShare: 0.02,
    complaintProbability: 0.2,
    brandNoun: 'Realty',
    keepsBusinessHours: false,
    slaTargetSeconds: 3_600,
  },
  {
    industry: 'sports',
    responseRate: 0.07,
    complaintShare: 0.06,
    complaintProbability: 0.22,
    brandNoun: 'FC',
    keepsBusinessHours: false,
    slaTargetSeconds: 14_400,
  },
  {
    industry: 'banking',
    responseRate: 0.1,
    complaintShare: 0.08,
    complaintProbability: 0.36,
    brandNoun: 'Bank',
    keepsBusinessHours: false,
    slaTargetSeconds: 3_600,
  },
  {
    industry: 'healthcare',
    responseRate: 0.1,
    complaintShare: 0.07,
    complaintProbability: 0.3,
    brandNoun: 'Health',
    keepsBusinessHours: false,
    slaTargetSeconds: 3_600,
  },
  {
    industry: 'telecom',
    responseRate: 0.1,
    complaintShare: 0.08,
    complaintProbability: 0.42,
    brandNoun: 'Mobile',
    keepsBusinessHours: false,
    slaTargetSeconds: 1_800,
  },
  {
    industry: 'travel',
    responseRate: 0.1,
    complaintShare: 0.07,
    complaintProbability: 0.36,
    brandNoun: 'Airways',
    keepsBusinessHours: false,
    slaTargetSeconds: 1_800,
  },
  {
    industry: 'media',
    responseRate: 0.09,
    complaintShare: 0.06,
    complaintProbability: 0.24,
    brandNoun: 'News',
    keepsBusinessHours: false,
    slaTargetSeconds: 14_400,
  },
  {
    industry: 'nonprofit',
    responseRate: 0.12,
    complaintShare: 0.03,
    complaintProbability: 0.15,
    brandNoun: 'Foundation',
    keepsBusinessHours: false,
    slaTargetSeconds: 14_400,
  },
];

/** The overall answer rate the industries above add up to in a week (Sprout Social Index 2016 Q2 / 2017 Q3). */
export const OVERALL_RESPONSE_RATE = 0.1;

/**
 * Promotional posts a brand sends per reply to a consumer: 23 to 1 (Sprout Social Index 2016 Q2). Every brand
 * posts at the pace of an average brand, so brands that answer little (sports) post more per reply than
 * brands that answer a lot (legal), and a week of the whole traffic comes out at 23 : 1.
 */
export const POSTS_PER_HUMAN_REPLY = 23;

/**
 * Brand reply delay, log-normal. The average brand takes 10 hours to answer (Sprout Social Index 2016 Q2;
 * another edition says 11). Some brands are fast: they answer within the hour most consumers expect
 * (Sprout Social Index 2020: 40% expect 1 hour; Martech Zone 2024: 32% expect 30 minutes) and staff their
 * inbox around the clock. The other brands that keep business hours reply in them only, which lengthens their
 * waits overnight and over weekends, so their in-hours delay is shorter. Medians and spreads are chosen
 * (assumption) so that the mean over the answers a week shows comes out at ~10 hours (measured for 120 brands:
 * 9.4–10.6 h whatever the weekday it ends on; 11.2 h over four weeks). A week misses the answers still to come
 * at its end, the long ones most: the typical spread is narrow (few answers take over two days) so that this
 * takes 0.7 h off their mean; at σ 1.2 it took 1.7 h.
 */
export const REPLY_DELAY = {
  /** Share of brands that are fast responders (assumption). */
  fastBrandShare: 0.2,
  fast: { medianMs: 20 * 60_000, sigma: 1.0 },
  typical: { medianMs: 10 * 3_600_000, sigma: 0.75 },
  /** Typical brands that keep business hours: in-hours delay, before waiting for opening time. */
  businessHours: { medianMs: 1.5 * 3_600_000, sigma: 1.2 },
  /** At least this long: a human reads before answering (assumption). */
  minimumMs: 45_000,
} as const;

/** The average brand takes 10 hours to answer (Sprout Social Index 2016 Q2; another edition says 11). */
export const AVERAGE_REPLY_MS = 10 * 3_600_000;

/** A week: the span the published figures are read back over. */
export const WEEK_MS = 7 * 86_400_000;

/**
 * Share of a week's answers sent within it: a mention received t before the week ends is answered in it only
 * if its answer takes less than t, so with answers taking 10 hours on average a week misses about 10 h / 168 h
 * of them. Brands answer 1 / this share times their rate, and post at the pace of the replies a week shows, so
 * a week read back shows the published rates and 23 posts per reply (four weeks show ~7% more answers and 22).
 */
export const WEEK_ANSWERED_SHARE = 1 - AVERAGE_REPLY_MS / WEEK_MS;

/** Brand-to-brand variation of the industry's response rate: × uniform(1 − spread, 1 + spread) (assumption). */
export const RESPONSE_RATE_SPREAD = 0.2;

/**
 * Channel mix of mentions. The studies measured Facebook, Twitter and Instagram (Sprout Social Index 2016 Q2:
 * 2.9 billion messages on those three); the split between them and the small share of other channels is an
 * assumption. `privateShare` is the share of direct messages: Instagram and Facebook carry comments,
 * mentions and DMs (Sprout Social Index 2016 Q2); the shares are assumptions.
 */
export const CHANNEL_MIX: readonly { channel: Channel; share: number; privateShare: number }[] = [
  { channel: 'x', share: 0.4, privateShare: 0.15 },
  { channel: 'facebook', share: 0.3, privateShare: 0.35 },
  { channel: 'instagram', share: 0.22, privateShare: 0.3 },
  { channel: 'tiktok', share: 0.03, privateShare: 0.05 },
  { channel: 'youtube', share: 0.02, privateShare: 0 },
  { channel: 'linkedin', share: 0.01, privateShare: 0.2 },
  { channel: 'email', share: 0.01, privateShare: 1 },
  { channel: 'other', share: 0.01, privateShare: 0.5 },
];

/**
 * Mention kinds apart from complaints (whose probability is per industry): the rest splits into questions,
 * praise and other in these proportions (assumption). Questions and complaints need a response.
 */
export const NON_COMPLAINT_KINDS: readonly { kind: Exclude<MentionKind, 'complaint'>; weight: number }[] = [
  { kind: 'question', weight: 0.5 },
  { kind: 'praise', weight: 0.3 },
  { kind: 'other', weight: 0.2 },
];

/**
 * Sentiment by kind, uniform in [min, max] (assumption; over 73% of consumers had a negative experience with
 * a brand on social, Sprout Social Index 2016 Q2, so complaints are clearly negative). A share of mentions
 * carries no sentiment score at all.
 */
export const SENTIMENT: Readonly<Record<MentionKind, { min: number; max: number }>> & {
  readonly missingShare: number;
} = {
  complaint: { min: -1, max: -0.2 },
  question: { min: -0.3, max: 0.3 },
  praise: { min: 0.4, max: 1 },
  other: { min: -0.2, max: 0.4 },
  missingShare: 0.1,
};

/**
 * Automated replies (bots, auto-acknowledgements) to needing-response mentions: common on DMs, rare in
 * public (assumption). They never count as answers.
 */
export const AUTOMATED_REPLY = {
  privateShare: 0.4,
  publicShare: 0.05,
  delay: { medianMs: 20_000, sigma: 0.8 },
} as const;

/**
 * After no reply, 18% of customers post again on social (Sprout Social Index 2017 Q3); the follow-up comes
 * hours later (assumption) and, like the first mention, is ignored.
 */
export const FOLLOW_UP_AFTER_NO_REPLY = {
  share: 0.18,
  delay: { medianMs: 6 * 3_600_000, sigma: 0.8 },
} as const;

/**
 * After a human answer some customers thank the brand (praise, needs no response): 75% share a positive
 * experience (Sprout Social Index 2016 Q2); a smaller share says so in the same thread (assumption).
 */
export const THANKS_AFTER_ANSWER = { share: 0.25, delay: { medianMs: 30 * 60_000, sigma: 1.0 } } as const;

/** The brand's own accounts mention themselves now and then: such mentions never need a response. */
export const OWN_ACCOUNT_MENTION_SHARE = 0.01;

/**
 * Follower counts of customers: heavy-tailed, Pareto with this minimum and shape (assumption; a shape near 1.16
 * gives the 80/20 rule), capped. The same customer always has the same count.
 */
export const FOLLOWERS = { minimum: 20, shape: 1.16, cap: 20_000_000 } as const;

/**
 * Customers: a pool shared by all brands; a few customers write often (they are the ones churn risk follows),
 * most write once. The pick is index = ⌊pool × u^skew⌋ (assumption).
 */
export const CUSTOMERS = { pool: 50_000, skew: 2.5 } as const;

/** Brand volume within an industry: log-normal multiplier (assumption). */
export const BRAND_VOLUME_SIGMA = 0.6;

/** Time zones brands are spread over, with business hours in local time. */
export const TIMEZONES: readonly string[] = [
  'America/New_York',
  'Europe/London',
  'Europe/Paris',
  'America/Los_Angeles',
  'Asia/Tokyo',
  'Australia/Sydney',
  'Asia/Kolkata',
];

/** Business hours of brands that keep them: Monday to Friday, 09:00–18:00 local. */
export const BUSINESS_HOURS = { weekdays: [1, 2, 3, 4, 5], open: '09:00', close: '18:00' } as const;

/** The answer horizon the figures are computed with (the product's default: 7 days). */
export const DEFAULT_HORIZON_MS = 7 * 86_400_000;

/** Per-conversation answer probability giving a per-mention answer rate `rate`, given ignored follow-ups. */
export function conversationAnswerProbability(rate: number): number {
  const f = FOLLOW_UP_AFTER_NO_REPLY.share;
  // rate = p / (p + (1 − p)(1 + f))  ⇔  p = rate (1 + f) / (1 + f · rate)
  return (rate * (1 + f)) / (1 + f * rate);
}

export function industryCalibration(industry: string): IndustryCalibration {
  const found = INDUSTRIES.find((entry) => entry.industry === industry);
  if (!found) {
    throw new CareError('CARE_ERR_VALIDATION', `no calibration for industry ${industry}`, {
      field: 'industry',
    });
  }
  return found;
}
