import type { InteractionEvent } from '@carestream/contract';
import { describe, expect, it } from 'vitest';
import {
  evolveConversation,
  expireDue,
  initialConversationState,
  type ConversationContext,
  type SlaChange,
} from './conversation.ts';
import type { BrandRules } from './brand-rules.ts';
import { mention, reply } from './interaction.fixture.ts';
import {
  addChange,
  applyChange,
  brandPostDelta,
  emptyAccumulator,
  emptySlaBucket,
  mergeBuckets,
  slaBucketFromJSON,
  slaBucketToJSON,
  slaBucketKey,
  slaDelta,
  slaFigures,
  type SlaBucket,
  nextUtcWeekStart,
  utcWeekStart,
} from './sla-figures.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 2, 2, 9, 0);

const rules: BrandRules = { slaTargetMs: HOUR, ownAccountIds: new Set(), businessHours: null };
const context: ConversationContext = { horizonMs: 7 * DAY, retentionMs: 400 * DAY, rulesAt: () => rules };

function changesOf(events: readonly InteractionEvent[], expireAt: number, ctx = context): SlaChange[] {
  let state = initialConversationState();
  const changes: SlaChange[] = [];
  for (const event of events) {
    const step = evolveConversation(state, event, ctx);
    state = step.state;
    changes.push(...step.changes);
  }
  changes.push(...expireDue(state, expireAt, ctx).changes);
  return changes;
}

/** What a projection does: one bucket per key (brand-level here: the agent is ignored). */
function project(changes: readonly SlaChange[]): Map<number, SlaBucket> {
  const buckets = new Map<number, SlaBucket>();
  for (const change of changes) {
    const { key } = slaDelta(change);
    buckets.set(key.hourStartMs, applyChange(buckets.get(key.hourStartMs) ?? emptySlaBucket(), change));
  }
  return buckets;
}

describe('slaFigures', () => {
  it('given no buckets, when reading figures, then rates and times are null rather than zero', () => {
    const figures = slaFigures([]);
    expect(figures.needingResponse).toBe(0);
    expect(figures.responseRate).toBeNull();
    expect(figures.responseTimeSeconds).toEqual({
      mean: null,
      p50: null,
      p90: null,
      p99: null,
      min: null,
      max: null,
    });
    expect(figures.withinTarget).toEqual({ '30m': null, '1h': null, '4h': null, '24h': null });
    expect(figures.businessHours).toBeNull();
    expect(figures.postsPerReply).toBeNull();
  });

  it('given answered, late and ignored mentions, when projected hourly and read, then the figures follow the definitions', () => {
    const changes = changesOf(
      [
        mention({ eventId: 'm1', receivedAt: T0, kind: 'complaint' }),
        reply({ eventId: 'r1', sentAt: T0 + 20 * MINUTE }), // m1: 20 minutes
        mention({ eventId: 'm2', receivedAt: T0 + 2 * HOUR }),
        reply({ eventId: 'r2', sentAt: T0 + 5 * HOUR }), // m2: 3 hours
        mention({ eventId: 'm3', receivedAt: T0 + 6 * HOUR }), // never answered
        reply({ eventId: 'bot', sentAt: T0 + 6 * HOUR + MINUTE, automated: true }),
      ],
      T0 + 8 * DAY,
    );
    const figures = slaFigures(project(changes).values());
    expect(figures).toMatchObject({
      needingResponse: 3,
      complaints: 1,
      answered: 2,
      expired: 1,
      open: 0,
      humanReplies: 2,
      automatedReplies: 1,
      // m2 was answered after the 1-hour target and m3 never: both breached it, whenever time was read.
      targetBreaches: 2,
    });
    expect(figures.responseRate).toBeCloseTo(2 / 3);
    expect(figures.withinTarget).toEqual({ '30m': 1 / 3, '1h': 1 / 3, '4h': 2 / 3, '24h': 2 / 3 });
    expect(figures.responseTimeSeconds.mean).toBeCloseTo((20 * 60 + 3 * 3600) / 2);
    expect(figures.responseTimeSeconds.min).toBeCloseTo(1200, -1);
    expect(Math.abs((figures.responseTimeSeconds.max ?? 0) - 10_800) / 10_800).toBeLessThan(0.01);
  });

  it('given a credit that moved to an earlier reply, when projected, then the buckets equal those of the in-order fold', () => {
    const events = [
      mention({ eventId: 'm1', receivedAt: T0 }),
      reply({ eventId: 'r-late', sentAt: T0 + 5 * HOUR, agentId: 'bob' }),
      reply({ eventId: 'r-early', sentAt: T0 + 10 * MINUTE, agentId: 'alice' }),
    ];
    const outOfOrder = project(changesOf(events, T0 + 5 * HOUR));
    const inOrder = project(
      changesOf([events[0], events[2], events[1]] as InteractionEvent[], T0 + 5 * HOUR),
    );
    const asJson = (buckets: Map<number, SlaBucket>) =>
      [...buckets.entries()]
        .sort(([a], [b]) => a - b)
        .map(([hour, bucket]) => [hour, slaBucketToJSON(bucket)]);
    expect(asJson(outOfOrder)).toEqual(asJson(inOrder));
  });

  it('given a moved credit, when deltas are keyed by agent, then the first agent is left with nothing', () => {
    const changes = changesOf(
      [
        mention({ eventId: 'm1', receivedAt: T0 }),
        reply({ eventId: 'r-late', sentAt: T0 + 5 * HOUR, agentId: 'bob' }),
        reply({ eventId: 'r-early', sentAt: T0 + 10 * MINUTE, agentId: 'alice' }),
      ],
      T0,
    );
    const byAgent = new Map<string, SlaBucket>();
    for (const change of changes) {
      const { key, delta } = slaDelta(change);
      if (key.agentId === null || change.type === 'reply-counted') continue;
      byAgent.set(key.agentId, mergeBuckets(byAgent.get(key.agentId) ?? emptySlaBucket(), delta));
    }
    expect(slaFigures([byAgent.get('bob') ?? emptySlaBucket()]).answered).toBe(0);
    expect(byAgent.get('bob')?.responseSketch.isEmpty()).toBe(true);
    expect(slaFigures([byAgent.get('alice') ?? emptySlaBucket()]).responseTimeSeconds.mean).toBe(600);
  });

  it('given mention and reply changes, when keyed, then mentions go to the hour received and replies to the hour sent', () => {
    const [counted, , answered] = changesOf(
      [
        mention({ eventId: 'm1', receivedAt: T0 + 59 * MINUTE }),
        reply({ eventId: 'r1', sentAt: T0 + 61 * MINUTE }),
      ],
      T0,
    );
    const replyCounted = changesOf([reply({ eventId: 'r1', sentAt: T0 + 61 * MINUTE })], T0)[0];
    expect(slaDelta(counted as SlaChange).key.hourStartMs).toBe(T0);
    expect(slaDelta(answered as SlaChange).key).toEqual({
      hourStartMs: T0,
      brandId: 'b1',
      channel: 'x',
      agentId: 'agent-1',
    });
    expect(slaDelta(replyCounted as SlaChange).key.hourStartMs).toBe(T0 + HOUR);
  });

  it('given business hours, when read, then the business figures count open hours only', () => {
    const ctx: ConversationContext = {
      ...context,
      rulesAt: () => ({
        ...rules,
        businessHours: {
          timezone: 'UTC',
          ranges: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, open: '09:00', close: '17:00' })),
        },
      }),
    };
    const friday1630 = Date.UTC(2026, 2, 6, 16, 30);
    const monday0915 = Date.UTC(2026, 2, 9, 9, 15);
    const figures = slaFigures(
      project(
        changesOf(
          [mention({ eventId: 'm1', receivedAt: friday1630 }), reply({ eventId: 'r1', sentAt: monday0915 })],
          friday1630,
          ctx,
        ),
      ).values(),
    );
    expect(figures.withinTarget['1h']).toBe(0);
    expect(figures.businessHours?.answered).toBe(1);
    expect(figures.businessHours?.responseTimeSeconds.mean).toBe(45 * 60);
    expect(figures.businessHours?.withinTarget['1h']).toBe(1);
  });

  it('given 23 brand posts and one human reply, when read, then posts per reply is 23', () => {
    let bucket = emptySlaBucket();
    for (let i = 0; i < 23; i++) {
      bucket = mergeBuckets(
        bucket,
        brandPostDelta({
          type: 'BrandPostPublished',
          eventId: `p${i}`,
          brandId: 'b1',
          channel: 'x',
          postId: `p${i}`,
          publishedAt: T0,
        }).delta,
      );
    }
    const [replyCounted] = changesOf([reply({ eventId: 'r1', sentAt: T0 })], T0);
    bucket = applyChange(bucket, replyCounted as SlaChange);
    expect(slaFigures([bucket]).postsPerReply).toBe(23);
  });

  it('given a bucket, when stored as JSON and read back, then it gives the same figures', () => {
    const buckets = project(
      changesOf(
        [mention({ eventId: 'm1', receivedAt: T0 }), reply({ eventId: 'r1', sentAt: T0 + 7 * MINUTE })],
        T0,
      ),
    );
    const [bucket] = buckets.values();
    const back = slaBucketFromJSON(JSON.parse(JSON.stringify(slaBucketToJSON(bucket as SlaBucket))));
    expect(slaFigures([back])).toEqual(slaFigures([bucket as SlaBucket]));
  });

  it('given a stream with moved credits, expiries and breaches, when accumulated in place per key, then it equals the sum of one-change deltas', () => {
    const ctx: ConversationContext = {
      ...context,
      horizonMs: DAY,
      rulesAt: () => ({
        ...rules,
        businessHours: {
          timezone: 'Europe/Paris',
          ranges: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, open: '09:00', close: '17:00' })),
        },
      }),
    };
    const changes = changesOf(
      [
        mention({ eventId: 'm1', receivedAt: T0, kind: 'complaint' }),
        mention({ eventId: 'm2', receivedAt: T0 + 20 * MINUTE }),
        reply({ eventId: 'r-late', sentAt: T0 + 5 * HOUR, agentId: 'bob' }),
        reply({ eventId: 'r-auto', sentAt: T0 + MINUTE, automated: true }),
        reply({ eventId: 'r-early', sentAt: T0 + 25 * MINUTE, agentId: 'alice' }),
        mention({ eventId: 'm3', receivedAt: T0 + 6 * HOUR }),
      ],
      T0 + 3 * DAY,
      ctx,
    );
    expect(changes.map((change) => change.type)).toEqual(
      expect.arrayContaining(['answer-retracted', 'mention-expired', 'target-breached', 'reply-counted']),
    );
    const accumulated = new Map<string, ReturnType<typeof emptyAccumulator>>();
    for (const change of changes) {
      const key = JSON.stringify(slaBucketKey(change));
      const into = accumulated.get(key) ?? emptyAccumulator();
      addChange(into, change);
      accumulated.set(key, into);
    }
    expect(accumulated.size).toBeGreaterThan(2);
    // m1 and m2 end up answered by r-early (25 and 5 minutes, inside Monday's business hours); m3 expires.
    const total = [...accumulated.values()].reduce<SlaBucket>(mergeBuckets, emptySlaBucket());
    expect(slaBucketToJSON(total)).toMatchObject({
      needingResponse: 3,
      complaints: 1,
      answered: 2,
      expired: 1,
      targetBreaches: 1,
      within30m: 2,
      within1h: 2,
      within4h: 2,
      within24h: 2,
      responseSumMs: 30 * MINUTE,
      businessSumMs: 30 * MINUTE,
      businessWithin30m: 2,
      businessWithin1h: 2,
      businessWithin4h: 2,
      businessWithin24h: 2,
      humanReplies: 2,
      automatedReplies: 1,
      brandPosts: 0,
    });
    expect(total.responseSketch.count).toBe(2);
    expect(total.businessSketch.count).toBe(2);
    expect(slaFigures([total]).responseTimeSeconds.max).toBeCloseTo(1500, -1);
  });
});

describe('UTC weeks (the weekly totals rows)', () => {
  const monday = Date.UTC(2026, 10, 23);
  it('given any instant of a week, when its week is asked, then it starts on Monday 00:00 UTC', () => {
    for (const ms of [monday, monday + 1, monday + 3 * 86_400_000 + 5, monday + 7 * 86_400_000 - 1]) {
      expect(utcWeekStart(ms)).toBe(monday);
    }
    expect(utcWeekStart(monday - 1)).toBe(monday - 7 * 86_400_000);
    // Before the epoch too.
    expect(new Date(utcWeekStart(Date.UTC(1969, 11, 31))).toISOString()).toBe('1969-12-29T00:00:00.000Z');
  });

  it('given an instant, when the next week start is asked, then it is that instant only on a Monday 00:00', () => {
    expect(nextUtcWeekStart(monday)).toBe(monday);
    expect(nextUtcWeekStart(monday + 1)).toBe(monday + 7 * 86_400_000);
    expect(nextUtcWeekStart(monday - 86_400_000)).toBe(monday);
  });
});
