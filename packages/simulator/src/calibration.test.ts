import { describe, expect, it } from 'vitest';
import {
  conversationAnswerProbability,
  DEFAULT_HORIZON_MS,
  INDUSTRIES,
  POSTS_PER_HUMAN_REPLY,
  WEEK_ANSWERED_SHARE,
} from './calibration.ts';
import { generateBrands, groundTruthOf, simulateTraffic, type TrafficEvent } from './traffic.ts';

const DAY = 86_400_000;

/**
 * The long run: 200,000+ mentions over 60 days (seed fixed), measured on the mentions old enough to be settled
 * (received more than the 7-day horizon before the end). The published figures are what a week shows
 * (week-readback.test.ts); a week misses the answers still to come at its end, so the long run has brands
 * answer 1 / WEEK_ANSWERED_SHARE times the published rates, post that much less per reply, and take longer.
 */
describe('the simulator is calibrated on the published figures', () => {
  const brands = generateBrands(30);
  const startMs = Date.UTC(2026, 0, 5);
  const endMs = startMs + 60 * DAY;
  const settledBefore = endMs - DEFAULT_HORIZON_MS - DAY;
  const events: TrafficEvent[] = [];
  for (const { event } of simulateTraffic({ seed: 20260105, brands, startMs, endMs, ratePerSecond: 0.12 })) {
    events.push(event);
  }
  const truth = groundTruthOf(events, brands, { watermarkMs: endMs });
  const byId = new Map(events.map((event) => [event.eventId, event]));
  const industryOf = new Map(brands.map((brand) => [brand.profile.brandId, brand.profile.industry]));

  const perIndustry = new Map<string, { needing: number; answered: number; complaints: number }>();
  let needing = 0;
  let answered = 0;
  let responseSeconds = 0;
  let complaints = 0;
  for (const [eventId, status] of truth.mentionStatus) {
    const mention = byId.get(eventId);
    if (mention?.type !== 'MentionReceived' || mention.receivedAt >= settledBefore) continue;
    const industry = industryOf.get(mention.brandId) ?? '?';
    const figures = perIndustry.get(industry) ?? { needing: 0, answered: 0, complaints: 0 };
    perIndustry.set(industry, figures);
    figures.needing += 1;
    needing += 1;
    if (mention.kind === 'complaint') {
      figures.complaints += 1;
      complaints += 1;
    }
    if (status.status === 'answered') {
      const reply = byId.get(status.replyEventId ?? '');
      if (reply?.type !== 'ReplySent') throw new Error('an answer without its reply');
      figures.answered += 1;
      answered += 1;
      responseSeconds += (reply.sentAt - mention.receivedAt) / 1000;
    }
  }
  const rate = (industry: string) => {
    const figures = perIndustry.get(industry);
    return figures ? figures.answered / figures.needing : NaN;
  };
  const complaintShare = (industry: string) => (perIndustry.get(industry)?.complaints ?? 0) / complaints;
  const settled = (at: number) => at < settledBefore;
  const humanReplies = events.filter(
    (e) => e.type === 'ReplySent' && !e.automated && settled(e.sentAt),
  ).length;
  const posts = events.filter((e) => e.type === 'BrandPostPublished' && settled(e.publishedAt)).length;
  const mentions = events.filter((e) => e.type === 'MentionReceived').length;

  const measured = {
    mentions,
    answerRate: answered / needing,
    legal: rate('legal'),
    realEstate: rate('real-estate'),
    sports: rate('sports'),
    meanReplyHours: responseSeconds / answered / 3600,
    postsPerHumanReply: posts / humanReplies,
    complaintShares: Object.fromEntries([...perIndustry.keys()].map((i) => [i, complaintShare(i)])),
  };
  console.info(`calibration measured: ${JSON.stringify(measured, null, 1)}`);

  it('simulates over 200,000 mentions', () => {
    expect(mentions).toBeGreaterThan(200_000);
  });

  it('answers about 1 message in 10 overall (Sprout Social Index 2016 Q2, 2017 Q3)', () => {
    expect(measured.answerRate).toBeGreaterThan(0.07);
    expect(measured.answerRate).toBeLessThan(0.13);
  });

  it('answers a little over 29% in legal and real estate, 7% in sports (Sprout Social Index 2020)', () => {
    expect(Math.abs(measured.legal - 0.29 / WEEK_ANSWERED_SHARE)).toBeLessThan(0.05);
    expect(Math.abs(measured.realEstate - 0.29 / WEEK_ANSWERED_SHARE)).toBeLessThan(0.05);
    expect(Math.abs(measured.sports - 0.07 / WEEK_ANSWERED_SHARE)).toBeLessThan(0.03);
  });

  it('takes ~11 hours on average to answer: 10–11 h (Sprout Social Index) and what a week misses', () => {
    expect(Math.abs(measured.meanReplyHours - 11)).toBeLessThan(1.5);
  });

  it('publishes ~23 posts per reply a week shows (Sprout Social Index 2016 Q2), fewer in the long run', () => {
    expect(Math.abs(measured.postsPerHumanReply - POSTS_PER_HUMAN_REPLY * WEEK_ANSWERED_SHARE)).toBeLessThan(
      3,
    );
  });

  it('draws the most complaints to consumer goods, then retail, then government (Sprout Social Index 2017 Q3)', () => {
    const others = [...perIndustry.keys()].filter(
      (industry) => !['consumer-goods', 'retail', 'government'].includes(industry),
    );
    const othersAverage = others.reduce((sum, industry) => sum + complaintShare(industry), 0) / others.length;
    expect(complaintShare('consumer-goods')).toBeGreaterThan(complaintShare('retail'));
    expect(complaintShare('retail')).toBeGreaterThan(complaintShare('government'));
    expect(complaintShare('government')).toBeGreaterThan(othersAverage);
  });

  it('covers every industry with all twelve shares of complaints summing to 1, and 60 brands', () => {
    expect(INDUSTRIES.reduce((sum, industry) => sum + industry.complaintShare, 0)).toBeCloseTo(1, 10);
    expect(new Set(generateBrands(60).map((brand) => brand.profile.industry)).size).toBe(INDUSTRIES.length);
  });

  it('turns a per-mention answer rate into a per-conversation probability given ignored follow-ups', () => {
    const p = conversationAnswerProbability(0.1);
    expect(p / (p + (1 - p) * 1.18)).toBeCloseTo(0.1, 10);
  });
});
