import type { InteractionEvent } from '@carestream/contract';
import { FIXED_INSTANTS } from '@carestream/test-support/fixed-clocks';
import { describe, expect, it } from 'vitest';
import { BrandRulesHistory, type BrandRules, type BrandRulesVersion } from './brand-rules.ts';
import {
  evolveConversation,
  expireDue,
  foldConversation,
  initialConversationState,
  interactionTime,
  mentionOutcomes,
  nextDueAt,
  openMentions,
  reviseRules,
  type ConversationContext,
  type ConversationState,
  type SlaChange,
} from './conversation.ts';
import { mention, reply } from './interaction.fixture.ts';
import { SeededRandom } from './seeded-random.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 2, 2, 9, 0); // Monday 2026-03-02 09:00 UTC

const rules: BrandRules = {
  slaTargetMs: 1 * HOUR,
  ownAccountIds: new Set(['brand-handle']),
  businessHours: null,
};
const withRules = (
  r: BrandRules,
  base: Omit<ConversationContext, 'rulesAt'> = defaults,
): ConversationContext => ({
  ...base,
  rulesAt: () => r,
});
const defaults = { horizonMs: 7 * DAY, retentionMs: 400 * DAY };
const context: ConversationContext = withRules(rules);

/** Folds events one at a time in the order given; returns the final state and every change emitted. */
function fold(events: readonly InteractionEvent[], ctx = context, state = initialConversationState()) {
  const changes: SlaChange[] = [];
  for (const event of events) {
    const step = evolveConversation(state, event, ctx);
    state = step.state;
    changes.push(...step.changes);
  }
  return { state, changes };
}

const open = (state: ConversationState, ctx = context) => openMentions(mentionOutcomes(state, ctx));
const due = (state: ConversationState, ctx = context) => nextDueAt(mentionOutcomes(state, ctx), ctx);

const types = (changes: readonly SlaChange[]) => changes.map((c) => c.type);

describe('conversation fold', () => {
  it('given three open mentions, when one human reply comes, then it answers all three and the replier gets the credit', () => {
    const { state, changes } = fold([
      mention({ eventId: 'm1', receivedAt: T0 }),
      mention({ eventId: 'm2', receivedAt: T0 + 5 * MINUTE, authorId: 'customer-2' }),
      mention({ eventId: 'm3', receivedAt: T0 + 10 * MINUTE }),
      reply({ eventId: 'r1', sentAt: T0 + 20 * MINUTE, agentId: 'alice' }),
    ]);
    const answered = changes.filter((c) => c.type === 'mention-answered');
    expect(answered.map((c) => [c.mention.mentionEventId, c.responseMs, c.agentId])).toEqual([
      ['m1', 20 * MINUTE, 'alice'],
      ['m2', 15 * MINUTE, 'alice'],
      ['m3', 10 * MINUTE, 'alice'],
    ]);
    expect(open(state)).toHaveLength(0);
  });

  it('given a reply sent before any mention, when the mention comes, then that reply does not answer it', () => {
    const { state, changes } = fold([
      reply({ eventId: 'r1', sentAt: T0 }),
      mention({ eventId: 'm1', receivedAt: T0 + MINUTE }),
    ]);
    expect(types(changes)).toEqual(['reply-counted', 'mention-counted']);
    expect(open(state).map((t) => t.mention.mentionEventId)).toEqual(['m1']);
  });

  it('given a reply that arrives in the log before its mention but was sent after it, when the mention arrives, then the reply answers it', () => {
    const { changes } = fold([
      reply({ eventId: 'r1', sentAt: T0 + 30 * MINUTE }),
      mention({ eventId: 'm1', receivedAt: T0 }),
    ]);
    expect(types(changes)).toEqual(['reply-counted', 'mention-counted', 'mention-answered']);
    expect(changes.at(-1)).toMatchObject({ replyEventId: 'r1', responseMs: 30 * MINUTE });
  });

  it('given a reply at the very instant of the mention, when folded, then it answers with a zero response time', () => {
    const { changes } = fold([
      mention({ eventId: 'm1', receivedAt: T0 }),
      reply({ eventId: 'r1', sentAt: T0 }),
    ]);
    expect(changes.at(-1)).toMatchObject({ type: 'mention-answered', responseMs: 0 });
  });

  it('given an open mention, when only automated replies come, then it stays open and they are counted as automated', () => {
    const { state, changes } = fold([
      mention({ eventId: 'm1', receivedAt: T0 }),
      reply({ eventId: 'bot1', sentAt: T0 + MINUTE, automated: true, agentId: 'bot' }),
      reply({ eventId: 'bot2', sentAt: T0 + 2 * MINUTE, automated: true, agentId: 'bot' }),
    ]);
    expect(types(changes)).toEqual(['mention-counted', 'reply-counted', 'reply-counted']);
    expect(changes.filter((c) => c.type === 'reply-counted').every((c) => c.automated)).toBe(true);
    expect(open(state)).toHaveLength(1);
    expect(state.replies.every((r) => r.automated)).toBe(true);
  });

  it('given a mention in one conversation, when a reply comes in another conversation (another state), then it stays open', () => {
    const c1 = fold([mention({ eventId: 'm1', receivedAt: T0 })]);
    const c2 = fold([reply({ eventId: 'r1', sentAt: T0 + MINUTE, conversationId: 'c2' })]);
    expect(open(c1.state)).toHaveLength(1);
    expect(types(c2.changes)).toEqual(['reply-counted']);
  });

  it('given mentions by the brand itself or not needing a response, when folded, then nothing needs a response', () => {
    const { changes, state } = fold([
      mention({ eventId: 'm1', receivedAt: T0, authorId: 'b1' }),
      mention({ eventId: 'm2', receivedAt: T0, authorId: 'brand-handle' }),
      mention({ eventId: 'm3', receivedAt: T0, kind: 'praise', needsResponse: false }),
    ]);
    expect(changes).toEqual([]);
    expect(mentionOutcomes(state, context)).toHaveLength(0);
    // Kept all the same: a later profile may say otherwise about the brand's own accounts.
    expect(state.mentions).toHaveLength(3);
  });

  it('given the same eventId twice, when folded, then the duplicate changes nothing', () => {
    const first = fold([
      mention({ eventId: 'm1', receivedAt: T0 }),
      reply({ eventId: 'r1', sentAt: T0 + MINUTE }),
    ]);
    const again = evolveConversation(first.state, mention({ eventId: 'm1', receivedAt: T0 }), context);
    expect(again.outcomes).toEqual(['duplicate']);
    expect(again.changes).toEqual([]);
    expect(again.state).toEqual(first.state);
    const replyAgain = evolveConversation(
      first.state,
      reply({ eventId: 'r1', sentAt: T0 + MINUTE }),
      context,
    );
    expect(replyAgain.outcomes).toEqual(['duplicate']);
    expect(replyAgain.changes).toEqual([]);
  });

  it('given a mention never answered, when time passes, then it is open, breached once at the target, and expired at the horizon', () => {
    let { state } = fold([mention({ eventId: 'm1', receivedAt: T0 })]);
    expect(due(state)).toBe(T0 + HOUR);

    const early = expireDue(state, T0 + 30 * MINUTE, context);
    expect(early.changes).toEqual([]);

    const breached = expireDue(early.state, T0 + 2 * HOUR, context);
    expect(types(breached.changes)).toEqual(['target-breached']);
    expect(open(breached.state)).toHaveLength(1);
    expect(due(breached.state)).toBe(T0 + 7 * DAY);

    const stillOpen = expireDue(breached.state, T0 + 7 * DAY - 1, context);
    expect(stillOpen.changes).toEqual([]);

    const expired = expireDue(stillOpen.state, T0 + 7 * DAY, context);
    expect(expired.changes).toEqual([
      expect.objectContaining({ type: 'mention-expired', expiredAt: T0 + 7 * DAY }),
    ]);
    expect(open(expired.state)).toHaveLength(0);
    expect(due(expired.state)).toBeNull();
    state = expired.state;
    expect(expireDue(state, T0 + 8 * DAY, context).changes).toEqual([]);
  });

  it('given a mention, when the only reply is sent at or after the horizon, then it does not answer and the mention expires', () => {
    const { state, changes } = fold([
      mention({ eventId: 'm1', receivedAt: T0 }),
      reply({ eventId: 'r1', sentAt: T0 + 7 * DAY }),
    ]);
    // The reply's own time is the watermark: it comes too late to answer, and the mention expires with it.
    expect(types(changes)).toEqual([
      'mention-counted',
      'reply-counted',
      'mention-expired',
      'target-breached',
    ]);
    expect(expireDue(state, state.watermark ?? 0, context).changes).toEqual([]);
  });

  it('given a mention answered by a reply, when an earlier-sent reply arrives late, then the credit moves with a retraction', () => {
    const { state, changes } = fold([
      mention({ eventId: 'm1', receivedAt: T0 }),
      reply({ eventId: 'r-late', sentAt: T0 + 3 * HOUR, agentId: 'bob' }),
      reply({ eventId: 'r-early', sentAt: T0 + 10 * MINUTE, agentId: 'alice' }),
    ]);
    // Answered after 3 hours, past the 1-hour target: a breach, until the 10-minute answer turns up.
    expect(types(changes)).toEqual([
      'mention-counted',
      'reply-counted',
      'mention-answered',
      'target-breached',
      'reply-counted',
      'answer-retracted',
      'breach-retracted',
      'mention-answered',
    ]);
    expect(changes[5]).toEqual({ ...changes[2], type: 'answer-retracted' });
    expect(changes[7]).toMatchObject({ agentId: 'alice', responseMs: 10 * MINUTE });
    expect(mentionOutcomes(state, context)[0]?.answer?.replyEventId).toBe('r-early');
  });

  it('given a mention already expired, when a reply sent inside the horizon arrives late, then the expiry is undone and it is answered', () => {
    const { state } = fold([mention({ eventId: 'm1', receivedAt: T0 })]);
    const expired = expireDue(state, T0 + 7 * DAY + HOUR, context);
    const late = evolveConversation(expired.state, reply({ eventId: 'r1', sentAt: T0 + 6 * DAY }), context);
    expect(late.outcomes).toEqual(['applied']);
    expect(types(late.changes)).toEqual(['reply-counted', 'expiry-retracted', 'mention-answered']);
    expect(late.mentions[0]?.expiredAt).toBeNull();
  });

  it('given a conversation watermark, when an event far older than the horizon arrives, then it still counts and answers', () => {
    const { state } = fold([mention({ eventId: 'm1', receivedAt: T0 + 90 * DAY })]);
    const old = foldConversation(
      state,
      [mention({ eventId: 'm0', receivedAt: T0 }), reply({ eventId: 'r0', sentAt: T0 + HOUR })],
      context,
    );
    expect(old.outcomes).toEqual(['applied', 'applied']);
    // Answered in exactly the 1-hour target: within it, no breach.
    expect(types(old.changes)).toEqual(['reply-counted', 'mention-counted', 'mention-answered']);
  });

  it('given a conversation watermark, when an event older than the retention window behind it arrives, then it is refused as too late', () => {
    const { state } = fold([mention({ eventId: 'm1', receivedAt: T0 + 401 * DAY })]);
    const step = evolveConversation(state, mention({ eventId: 'm0', receivedAt: T0 }), context);
    expect(step.outcomes).toEqual(['too-late']);
    expect(step.changes).toEqual([]);
    const within = evolveConversation(state, mention({ eventId: 'm0b', receivedAt: T0 + 2 * DAY }), context);
    expect(within.outcomes).toEqual(['applied']);
  });

  it('given brand business hours, when a mention is answered, then the business response time counts open hours only', () => {
    const ctx = withRules({
      ...rules,
      businessHours: {
        timezone: 'UTC',
        ranges: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, open: '09:00', close: '17:00' })),
      },
    });
    const friday16 = Date.UTC(2026, 2, 6, 16, 0);
    const monday10 = Date.UTC(2026, 2, 9, 10, 0);
    const { changes } = fold(
      [mention({ eventId: 'm1', receivedAt: friday16 }), reply({ eventId: 'r1', sentAt: monday10 })],
      ctx,
    );
    expect(changes.find((change) => change.type === 'mention-answered')).toMatchObject({
      responseMs: monday10 - friday16,
      businessResponseMs: 2 * HOUR,
    });
  });

  it('given a months-long busy conversation, when folded, then the state keeps the retention window and one horizon only', () => {
    const monthly = { horizonMs: 7 * DAY, retentionMs: 30 * DAY };
    const ctx = withRules(rules, monthly);
    const events: InteractionEvent[] = [];
    for (let day = 0; day < 120; day++) {
      for (let i = 0; i < 5; i++) {
        events.push(mention({ eventId: `m-${day}-${i}`, receivedAt: T0 + day * DAY + i * HOUR }));
        events.push(reply({ eventId: `r-${day}-${i}`, sentAt: T0 + day * DAY + i * HOUR + 30 * MINUTE }));
        events.push(
          reply({ eventId: `bot-${day}-${i}`, sentAt: T0 + day * DAY + i * HOUR + MINUTE, automated: true }),
        );
      }
    }
    const { state } = fold(events, ctx);
    // 30 days and a 7-day horizon (and the partial day at each end) of each list survive: 38 days × 5 per
    // day, 10 replies a day.
    expect(state.mentions.length).toBeLessThanOrEqual(38 * 5);
    expect(state.replies.length).toBeLessThanOrEqual(38 * 10);
    expect(state.mentions.length).toBeGreaterThanOrEqual(36 * 5);
  });

  it('given any state, when stored as JSON and read back between events, then the fold goes on unchanged', () => {
    const events = [
      mention({ eventId: 'm1', receivedAt: T0 }),
      reply({ eventId: 'r2', sentAt: T0 + 2 * HOUR }),
      reply({ eventId: 'r1', sentAt: T0 + HOUR }),
    ];
    const direct = fold(events);
    let state = initialConversationState();
    const changes: SlaChange[] = [];
    for (const event of events) {
      const step = evolveConversation(JSON.parse(JSON.stringify(state)) as ConversationState, event, context);
      state = step.state;
      changes.push(...step.changes);
    }
    expect(changes).toEqual(direct.changes);
    expect(state).toEqual(direct.state);
  });
});

// ---- property: arrival order does not change the final figures ----

/**
 * The net effect of a change stream per mention, checking that every retraction undoes exactly what is in force
 * (a projection could not subtract anything else).
 */
function netFigures(changes: readonly SlaChange[]) {
  const counted = new Set<string>();
  const answers = new Map<string, string>();
  const expired = new Map<string, number>();
  const breached = new Map<string, number>();
  const replies = { human: 0, automated: 0 };
  const fail = (what: string, id: string) => {
    throw new Error(`${what}: ${id}`);
  };
  for (const change of changes) {
    if (change.type === 'reply-counted') {
      if (change.automated) replies.automated++;
      else replies.human++;
      continue;
    }
    const id = change.mention.mentionEventId;
    switch (change.type) {
      case 'mention-counted':
        if (counted.has(id)) fail('counted twice', id);
        counted.add(id);
        break;
      case 'mention-uncounted':
        if (!counted.delete(id)) fail('uncounted but not counted', id);
        if (answers.has(id) || expired.has(id) || breached.has(id))
          fail('uncounted with an outcome in force', id);
        break;
      case 'mention-answered':
        if (answers.has(id)) fail('answered twice without retraction', id);
        answers.set(id, JSON.stringify({ ...change, type: 'answer' }));
        break;
      case 'answer-retracted':
        if (answers.get(id) !== JSON.stringify({ ...change, type: 'answer' })) fail('bad retraction', id);
        answers.delete(id);
        break;
      case 'mention-expired':
        if (expired.has(id)) fail('expired twice', id);
        expired.set(id, change.expiredAt);
        break;
      case 'expiry-retracted':
        if (expired.get(id) !== change.expiredAt) fail('bad expiry retraction', id);
        expired.delete(id);
        break;
      case 'target-breached':
        if (breached.has(id)) fail('breached twice', id);
        breached.set(id, change.breachedAt);
        break;
      case 'breach-retracted':
        if (breached.get(id) !== change.breachedAt) fail('bad breach retraction', id);
        breached.delete(id);
        break;
    }
  }
  const sorted = <V>(map: Map<string, V>) => [...map.entries()].sort(([a], [b]) => a.localeCompare(b));
  return {
    counted: [...counted].sort(),
    answers: sorted(answers),
    expired: sorted(expired),
    breached: sorted(breached),
    replies,
  };
}

/** A random conversation over ~3 horizons (horizon shortened to 2 days so mentions do expire). */
function randomConversation(seed: number): InteractionEvent[] {
  const random = new SeededRandom(seed);
  const events: InteractionEvent[] = [];
  const span = 6 * DAY;
  const n = 10 + Math.floor(random.next() * 30);
  for (let i = 0; i < n; i++) {
    // Half-hour slots, so that ties between replies (same sentAt) happen and the eventId tie-break is exercised.
    const at = T0 + Math.floor((random.next() * span) / (30 * MINUTE)) * 30 * MINUTE;
    const r = random.next();
    if (r < 0.45) {
      events.push(
        mention({
          eventId: `m${i}`,
          receivedAt: at,
          kind: random.next() < 0.3 ? 'complaint' : 'question',
          needsResponse: random.next() < 0.9,
          authorId:
            random.next() < 0.1
              ? 'brand-handle'
              : random.next() < 0.1
                ? 'new-handle'
                : `customer-${Math.floor(random.next() * 3)}`,
        }),
      );
    } else {
      events.push(
        reply({
          eventId: `r${i}`,
          sentAt: at,
          automated: random.next() < 0.25,
          agentId: `agent-${Math.floor(random.next() * 3)}`,
        }),
      );
    }
    if (random.next() < 0.1) events.push(events.at(-1) as InteractionEvent); // a duplicate delivery
  }
  return events;
}

const shortHorizon = { horizonMs: 2 * DAY, retentionMs: 400 * DAY };
const shortContext = withRules(rules, shortHorizon);

/**
 * Processes events in the order given as a processor would: in batches of random size, each folded at once and
 * then taken to the watermark its partition has reached (which a busier neighbour may have pushed further).
 */
function process(
  events: readonly InteractionEvent[],
  end: number,
  ctx: ConversationContext = shortContext,
  random = new SeededRandom(events.length),
) {
  let state = initialConversationState();
  const changes: SlaChange[] = [];
  let watermark: number | null = null;
  for (let i = 0; i < events.length;) {
    const batch = events.slice(i, (i += 1 + Math.floor(random.next() * 4)));
    for (const event of batch) watermark = Math.max(watermark ?? -Infinity, interactionTime(event));
    const step = foldConversation(state, batch, ctx, watermark);
    expect(step.outcomes).not.toContain('too-late');
    state = step.state;
    changes.push(...step.changes);
  }
  const last = expireDue(state, end, ctx);
  changes.push(...last.changes);
  return { state: last.state, changes, figures: netFigures(changes) };
}

const byTime = (events: readonly InteractionEvent[]) =>
  [...events].sort((a, b) => interactionTime(a) - interactionTime(b));
const byType = (events: readonly InteractionEvent[]) => [
  ...events.filter((e) => e.type === 'MentionReceived'),
  ...events.filter((e) => e.type === 'ReplySent'),
];

describe('conversation fold: arrival order', () => {
  const seeds = Array.from({ length: 40 }, (_, i) => 1000 + i);
  const end = T0 + 20 * DAY;

  it.each(seeds)(
    'given random conversation %i, when events arrive in any order (shuffled, by type, replies first), then the final figures equal in-order',
    (seed) => {
      const events = randomConversation(seed);
      const inOrder = process(byTime(events), end);
      const random = new SeededRandom(seed * 7 + 1);
      const orders = [
        byType(events),
        byType(events).reverse(),
        [
          ...byType(events).filter((e) => e.type === 'ReplySent'),
          ...byType(events).filter((e) => e.type !== 'ReplySent'),
        ],
        ...Array.from({ length: 5 }, () => random.shuffled(events)),
      ];
      for (const order of orders)
        expect(process(order, end, shortContext, random).figures).toEqual(inOrder.figures);
    },
  );

  it.each(seeds.slice(0, 20))(
    'given random conversation %i, when the profile arrives after the events, then revising the rules ends where knowing them first does',
    (seed) => {
      const events = randomConversation(seed);
      // A profile set mid-way that adds an own account, a business week and a longer target, and one before it.
      const versions: BrandRulesVersion[] = [
        {
          eventId: 'p1',
          setAt: T0,
          slaTargetMs: HOUR,
          ownAccountIds: ['brand-handle'],
          timezone: 'Europe/Paris',
          businessHours: null,
        },
        {
          eventId: 'p2',
          setAt: T0 + 3 * DAY,
          slaTargetMs: 4 * HOUR,
          ownAccountIds: ['brand-handle', 'new-handle'],
          timezone: 'Europe/Paris',
          businessHours: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, open: '09:00', close: '17:00' })),
        },
      ];
      const unprofiled: BrandRules = { slaTargetMs: HOUR, ownAccountIds: new Set(), businessHours: null };
      const known = {
        ...shortHorizon,
        rulesAt: (ms: number) => new BrandRulesHistory(versions, unprofiled).at(ms),
      };
      const first = {
        ...shortHorizon,
        rulesAt: (ms: number) => new BrandRulesHistory(versions.slice(0, 1), unprofiled).at(ms),
      };
      const none = { ...shortHorizon, rulesAt: () => unprofiled };

      const reference = process(byTime(events), end, known).figures;
      const late = process(new SeededRandom(seed).shuffled(events), end, none);
      const revised1 = reviseRules(late.state, none, first);
      const revised2 = reviseRules(late.state, first, known);
      expect(netFigures([...late.changes, ...revised1.changes, ...revised2.changes])).toEqual(reference);
    },
  );

  it('given these random conversations, when shuffled, then every kind of change and retraction really happens (the properties are not vacuous)', () => {
    const seen = new Set<string>();
    for (const seed of seeds) {
      const events = randomConversation(seed);
      const { changes, figures } = process(new SeededRandom(seed).shuffled(events), end);
      for (const change of changes) seen.add(change.type);
      if (figures.expired.length > 0) seen.add('net-expired');
      if (figures.answers.length > 0) seen.add('net-answered');
      const unprofiled: BrandRules = { slaTargetMs: HOUR, ownAccountIds: new Set(), businessHours: null };
      const revised = reviseRules(
        process(events, end, withRules(unprofiled, shortHorizon)).state,
        withRules(unprofiled, shortHorizon),
        withRules({ ...rules, ownAccountIds: new Set(['brand-handle', 'new-handle']) }, shortHorizon),
      );
      for (const change of revised.changes) seen.add(change.type);
    }
    expect([...seen].sort()).toEqual(
      [
        'answer-retracted',
        'breach-retracted',
        'expiry-retracted',
        'mention-answered',
        'mention-counted',
        'mention-expired',
        'mention-uncounted',
        'net-answered',
        'net-expired',
        'reply-counted',
        'target-breached',
      ].sort(),
    );
  });
});

// Expiry and targets are event-time arithmetic: the same at a weekend, a year's end, a leap day or a
// daylight-saving change, where local days have 23 or 25 hours.
describe.each(FIXED_INSTANTS)('expiry and answers for a mention received $name ($at)', ({ at }) => {
  const received = Date.parse(at);
  const paris = withRules({
    ...rules,
    businessHours: { timezone: 'Europe/Paris', ranges: [{ weekday: 7, open: '00:00', close: '24:00' }] },
  });

  it('expires exactly one horizon later, breaches the target exactly one target later', () => {
    const { state } = fold([mention({ eventId: 'm1', receivedAt: received })], paris);
    expect(expireDue(state, received + HOUR - 1, paris).changes).toEqual([]);
    const atTarget = expireDue(state, received + HOUR, paris);
    expect(types(atTarget.changes)).toEqual(['target-breached']);
    expect(expireDue(atTarget.state, received + 7 * DAY - 1, paris).changes).toEqual([]);
    const expired = expireDue(atTarget.state, received + 7 * DAY, paris);
    expect(expired.changes).toMatchObject([{ type: 'mention-expired', expiredAt: received + 7 * DAY }]);
    expect(open(expired.state, paris)).toHaveLength(0);
  });

  it('is answered by a reply one millisecond before the horizon, and not by one at it', () => {
    const answered = fold(
      [
        mention({ eventId: 'm1', receivedAt: received }),
        reply({ eventId: 'r1', sentAt: received + 7 * DAY - 1 }),
      ],
      paris,
    );
    const answer = answered.changes.find((change) => change.type === 'mention-answered');
    expect(answer).toMatchObject({ responseMs: 7 * DAY - 1 });
    // Sundays count in full in Paris: a week always holds exactly one local Sunday, of 23, 24 or 25 hours.
    const sunday = answer?.type === 'mention-answered' ? answer.businessResponseMs : undefined;
    expect(sunday).toBeGreaterThanOrEqual(23 * HOUR - 1);
    expect(sunday).toBeLessThanOrEqual(25 * HOUR);

    const late = fold(
      [
        mention({ eventId: 'm1', receivedAt: received }),
        reply({ eventId: 'r1', sentAt: received + 7 * DAY }),
      ],
      paris,
    );
    expect(types(late.changes)).not.toContain('mention-answered');
  });
});
