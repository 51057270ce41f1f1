import { DEFAULT_RETENTION_MS, validateItem } from '@carestream/contract';
import { describe, expect, it } from 'vitest';
import { nextBusinessInstant } from '@carestream/domain';
import { FOLLOW_UP_AFTER_NO_REPLY, INDUSTRIES, WEEK_ANSWERED_SHARE } from './calibration.ts';
import { toIngestItem } from './scenario.ts';
import {
  brandProfiles,
  generateBrands,
  groundTruthOf,
  simulateTraffic,
  trafficModel,
  type TimedEvent,
} from './traffic.ts';
import { truthReport } from './truth-report.ts';

const START = Date.UTC(2026, 2, 2, 6);
const HOUR = 3_600_000;

function take(iterable: Iterable<TimedEvent>, count: number): TimedEvent[] {
  const out: TimedEvent[] = [];
  for (const item of iterable) {
    out.push(item);
    if (out.length >= count) break;
  }
  return out;
}

const timeOf = (item: TimedEvent) =>
  item.event.type === 'MentionReceived'
    ? item.event.receivedAt
    : item.event.type === 'ReplySent'
      ? item.event.sentAt
      : item.event.publishedAt;

describe('simulateTraffic', () => {
  it('gives the same events for the same seed, and different ones for another seed', () => {
    const a = take(simulateTraffic({ seed: 7, brands: 30, startMs: START }), 5000);
    const b = take(simulateTraffic({ seed: 7, brands: 30, startMs: START }), 5000);
    const c = take(simulateTraffic({ seed: 8, brands: 30, startMs: START }), 5000);
    expect(b).toEqual(a);
    expect(c.map((item) => item.event.eventId)).not.toEqual(a.map((item) => item.event.eventId));
  });

  it('yields events in event-time order, each at its own time, with unique ids, within [start, end)', () => {
    const endMs = START + 72 * HOUR;
    const items = [...simulateTraffic({ seed: 3, brands: 12, startMs: START, endMs, ratePerSecond: 1 })];
    let outOfOrder = 0;
    let offTime = 0;
    let outside = 0;
    items.forEach((item, i) => {
      if (i > 0 && item.at < (items[i - 1] as TimedEvent).at) outOfOrder += 1;
      if (timeOf(item) !== item.at) offTime += 1;
      if (item.at <= START || item.at >= endMs) outside += 1;
    });
    expect({ outOfOrder, offTime, outside }).toEqual({ outOfOrder: 0, offTime: 0, outside: 0 });
    expect(new Set(items.map((item) => item.event.eventId)).size).toBe(items.length);
    // Once replies to earlier conversations come in (steady state), the event-time rate is the one asked
    // for, all kinds together, within 5%.
    const lastDay = items.filter((item) => item.at >= endMs - 24 * HOUR).length / (24 * 3600);
    expect(lastDay).toBeGreaterThan(0.95);
    expect(lastDay).toBeLessThan(1.05);
  });

  it('has mentions, human and automated replies, brand posts, follow-ups and own-account mentions', () => {
    const brands = generateBrands(30);
    const events = [
      ...simulateTraffic({ seed: 11, brands, startMs: START, endMs: START + 72 * HOUR, ratePerSecond: 0.5 }),
    ].map((item) => item.event);
    const count = (predicate: (event: (typeof events)[number]) => boolean) => events.filter(predicate).length;
    expect(count((e) => e.type === 'MentionReceived' && e.needsResponse)).toBeGreaterThan(1000);
    expect(count((e) => e.type === 'ReplySent' && !e.automated)).toBeGreaterThan(100);
    expect(count((e) => e.type === 'ReplySent' && e.automated)).toBeGreaterThan(100);
    expect(count((e) => e.type === 'BrandPostPublished')).toBeGreaterThan(1000);
    expect(count((e) => e.type === 'MentionReceived' && e.private)).toBeGreaterThan(100);
    expect(count((e) => e.type === 'MentionReceived' && e.authorId.endsWith('-official'))).toBeGreaterThan(0);
    const channels = new Set(events.map((e) => e.channel));
    expect([...channels]).toEqual(expect.arrayContaining(['x', 'facebook', 'instagram', 'tiktok']));
    // A conversation with two needing-response mentions and no reply: a follow-up.
    const perConversation = new Map<string, number>();
    for (const e of events) {
      if (e.type === 'MentionReceived' && e.needsResponse) {
        perConversation.set(e.conversationId, (perConversation.get(e.conversationId) ?? 0) + 1);
      }
    }
    expect([...perConversation.values()].some((n) => n >= 2)).toBe(true);

    const truth = truthReport(groundTruthOf(events, brands, { watermarkMs: START + 72 * HOUR }));
    expect(truth.total.answered).toBeGreaterThan(0);
    expect(truth.total.open).toBeGreaterThan(0);
    expect(truth.total.responseSeconds.p50).not.toBeNull();
  });

  it('sends only what ingest accepts: every event and profile passes the ingest validation', () => {
    const brands = generateBrands(30);
    const profiles = brandProfiles(brands, START - 60_000);
    const items = take(simulateTraffic({ seed: 5, brands, startMs: START }), 3000);
    const all = [...profiles, ...items.map((item) => item.event)];
    all.forEach((event, index) => {
      const result = validateItem(JSON.parse(JSON.stringify(toIngestItem(event))), index, {
        nowMs: START + 365 * 24 * HOUR,
        maxFutureSkewMs: 0,
        retentionMs: DEFAULT_RETENTION_MS,
      });
      expect(result.ok ? [] : result.errors).toEqual([]);
    });
  });

  it('replies only in business hours for brands that keep them, unless they are fast responders', () => {
    const brands = generateBrands(30);
    const byId = new Map(brands.map((brand) => [brand.profile.brandId, brand]));
    let checked = 0;
    for (const { event } of simulateTraffic({
      seed: 9,
      brands,
      startMs: START,
      endMs: START + 96 * HOUR,
      ratePerSecond: 0.5,
    })) {
      if (event.type !== 'ReplySent' || event.automated) continue;
      const brand = byId.get(event.brandId);
      if (!brand?.profile.businessHours || brand.speed === 'fast') continue;
      expect(nextBusinessInstant(event.sentAt, brand.profile.timezone, brand.profile.businessHours)).toBe(
        event.sentAt,
      );
      checked += 1;
    }
    expect(checked).toBeGreaterThan(20);
  });
});

describe('generateBrands', () => {
  it('is the same on every run: ids, industries, zones and hours do not depend on the seed', () => {
    expect(generateBrands(30)).toEqual(generateBrands(30));
    // From 30 brands on, more brands add to the same ones.
    expect(generateBrands(60).slice(0, 30)).toEqual(generateBrands(30));
  });

  it('deals 30 brands 5 to an industry, with several time zones, some business hours and fast responders', () => {
    const brands = generateBrands(30);
    const perIndustry = new Map<string, number>();
    for (const brand of brands) {
      perIndustry.set(brand.profile.industry, (perIndustry.get(brand.profile.industry) ?? 0) + 1);
    }
    expect([...perIndustry.values()]).toEqual([5, 5, 5, 5, 5, 5]);
    expect(new Set(brands.map((brand) => brand.profile.brandId)).size).toBe(30);
    expect(new Set(brands.map((brand) => brand.profile.timezone)).size).toBeGreaterThanOrEqual(4);
    expect(brands.filter((brand) => brand.profile.businessHours !== null).length).toBeGreaterThan(0);
    expect(brands.filter((brand) => brand.speed === 'fast')).toHaveLength(6);
    const model = trafficModel(brands);
    expect(model.conversationShare.reduce((sum, share) => sum + share, 0)).toBeCloseTo(1, 10);
  });
});

describe('trafficModel', () => {
  it('has an industry’s brands answer at its rate together, whatever they drew (raised for a week)', () => {
    // 120 brands, 10 an industry: their draws alone put media 5% under its rate and real estate 5% over.
    const brands = generateBrands(120);
    const model = trafficModel(brands);
    const perIndustry = new Map<string, { answered: number; share: number }>();
    brands.forEach((brand, i) => {
      const p = model.answerProbability[i] ?? 0;
      // The per-mention rate of a per-conversation probability, ignored customers' follow-ups included.
      const perMention = p / (p + (1 - p) * (1 + FOLLOW_UP_AFTER_NO_REPLY.share));
      const sums = perIndustry.get(brand.profile.industry) ?? { answered: 0, share: 0 };
      perIndustry.set(brand.profile.industry, sums);
      sums.answered += perMention * (model.conversationShare[i] ?? 0);
      sums.share += model.conversationShare[i] ?? 0;
    });
    expect(
      Object.fromEntries([...perIndustry].map(([industry, sums]) => [industry, sums.answered / sums.share])),
    ).toEqual(
      Object.fromEntries(
        INDUSTRIES.map((industry) => [
          industry.industry,
          expect.closeTo(industry.responseRate / WEEK_ANSWERED_SHARE, 6),
        ]),
      ),
    );
  });
});
