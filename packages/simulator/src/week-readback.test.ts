import { beforeAll, describe, expect, it } from 'vitest';
import { WEEK_MS } from './calibration.ts';
import { generateBrands, groundTruthOf, simulateTraffic, type TrafficEvent } from './traffic.ts';

/**
 * A week of traffic for 120 brands read back the way the API reads it (the simulator's ground truth with the
 * default 7-day horizon: answered / needing response, the mean response time of the answered mentions, brand
 * posts per human reply) shows the published figures, whatever weekday and hour the week starts on. The
 * starts cover a week ending on a Monday morning (the weekend's mentions of brands closed at weekends still
 * wait), midweek (all of a weekend's answers in it), on a Saturday afternoon and across Europe/Paris springing
 * forward (29 March 2026, 01:00 UTC).
 */
const STARTS = [
  { name: 'a Monday 00:00 UTC', at: '2026-03-02T00:00:00Z' },
  { name: 'a Thursday 12:00 UTC', at: '2026-03-05T12:00:00Z' },
  { name: 'a Saturday 14:00 UTC', at: '2026-03-07T14:00:00Z' },
  { name: 'the Sunday 23:30 UTC before Europe/Paris springs forward', at: '2026-03-22T23:30:00Z' },
];

interface WeekFigures {
  /** answered / needingResponse per industry. */
  readonly rates: Map<string, number>;
  readonly overall: number;
  readonly meanResponseHours: number;
  readonly postsPerHumanReply: number;
}

function readBackWeek(startMs: number): WeekFigures {
  const brands = generateBrands(120);
  const endMs = startMs + WEEK_MS;
  const events: TrafficEvent[] = [];
  // 0.5 event/s: ~300,000 events, ~2,000 needing a response in the smallest industry.
  for (const { event } of simulateTraffic({ seed: 1, brands, startMs, endMs, ratePerSecond: 0.5 })) {
    events.push(event);
  }
  const truth = groundTruthOf(events, brands, { watermarkMs: endMs });
  const industryOf = new Map(brands.map((brand) => [brand.profile.brandId, brand.profile.industry]));
  const perIndustry = new Map<string, { needing: number; answered: number }>();
  let needing = 0;
  let answered = 0;
  let responseSeconds = 0;
  let humanReplies = 0;
  let brandPosts = 0;
  for (const [key, figures] of truth.byBrandChannel) {
    const industry = industryOf.get(key.slice(0, key.lastIndexOf('|'))) ?? '?';
    const sums = perIndustry.get(industry) ?? { needing: 0, answered: 0 };
    perIndustry.set(industry, sums);
    sums.needing += figures.needingResponse;
    sums.answered += figures.answered;
    needing += figures.needingResponse;
    answered += figures.answered;
    responseSeconds += figures.responseSeconds.reduce((sum, seconds) => sum + seconds, 0);
    humanReplies += figures.humanReplies;
    brandPosts += figures.brandPosts;
  }
  return {
    rates: new Map([...perIndustry].map(([industry, sums]) => [industry, sums.answered / sums.needing])),
    overall: answered / needing,
    meanResponseHours: responseSeconds / answered / 3600,
    postsPerHumanReply: brandPosts / humanReplies,
  };
}

describe.each(STARTS)('a week of 120 brands read back, starting on $name', ({ at }) => {
  let week: WeekFigures;
  beforeAll(() => {
    week = readBackWeek(Date.parse(at));
    const rates = Object.fromEntries(
      [...week.rates].map(([industry, rate]) => [industry, +(rate * 100).toFixed(1)]),
    );
    console.info(`week from ${at}: ${JSON.stringify({ ...week, rates, overall: week.overall * 100 })}`);
  }, 60_000);

  const rate = (industry: string) => week.rates.get(industry) ?? NaN;
  const others = (...industries: string[]) =>
    [...week.rates.keys()].filter((industry) => !industries.includes(industry)).map(rate);

  it('has sports answer the least, ~7% (Sprout Social Index 2020)', () => {
    expect(week.rates.size).toBe(12);
    expect(rate('sports')).toBeGreaterThanOrEqual(0.06);
    expect(rate('sports')).toBeLessThanOrEqual(0.085);
    expect(Math.min(...others('sports'))).toBeGreaterThan(rate('sports'));
  });

  it('has legal and real estate answer the most, ~29% each (Sprout Social Index 2020)', () => {
    for (const industry of ['legal', 'real-estate']) {
      expect(rate(industry)).toBeGreaterThanOrEqual(0.26);
      expect(rate(industry)).toBeLessThanOrEqual(0.32);
    }
    expect(Math.max(...others('legal', 'real-estate'))).toBeLessThan(
      Math.min(rate('legal'), rate('real-estate')),
    );
  });

  it('answers about 1 message in 10 (Sprout Social Index 2016 Q2: 11%; 2017 Q3: ~9 in 10 unanswered)', () => {
    expect(week.overall).toBeGreaterThanOrEqual(0.085);
    expect(week.overall).toBeLessThanOrEqual(0.12);
  });

  it('takes ~10 hours on average to answer (Sprout Social Index 2016 Q2)', () => {
    expect(week.meanResponseHours).toBeGreaterThanOrEqual(9);
    expect(week.meanResponseHours).toBeLessThanOrEqual(11);
  });

  it('publishes ~23 posts per human reply (Sprout Social Index 2016 Q2)', () => {
    expect(week.postsPerHumanReply).toBeGreaterThanOrEqual(20);
    expect(week.postsPerHumanReply).toBeLessThanOrEqual(26);
  });
});
