import type { InteractionEvent } from '@carestream/contract';
import { FIXED_INSTANTS } from '@carestream/test-support/fixed-clocks';
import { describe, expect, it } from 'vitest';
import {
  evolveConversation,
  expireDue,
  initialConversationState,
  interactionTime,
  nextDueAt,
  openMentions,
  type ConversationContext,
  type ConversationState,
  type SlaChange,
} from './conversation.ts';
import { mention, reply } from './interaction-fixtures.ts';
import { seededRandom, shuffled } from './seeded-random.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 2, 2, 9, 0); // Monday 2026-03-02 09:00 UTC

const context: ConversationContext = {
  horizonMs: 7 * DAY,
  slaTargetMs: 1 * HOUR,
  ownAccountIds: new Set(['brand-handle']),
  businessHours: null,
};

/** Folds events in the order given; returns the final state and every change emitted. */
function fold(events: readonly InteractionEvent[], ctx = context, state = initialConversationState()) {
  const changes: SlaChange[] = [];
  for (const event of events) {
    const step = evolveConversation(state, event, ctx);
    state = step.state;
    changes.push(...step.changes);
  }
  return { state, changes };
}

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
    expect(openMentions(state)).toHaveLength(0);
  });

  it('given a reply sent before any mention, when the mention comes, then that reply does not answer it', () => {
    const { state, changes } = fold([
      reply({ eventId: 'r1', sentAt: T0 }),
      mention({ eventId: 'm1', receivedAt: T0 + MINUTE }),
    ]);
    expect(types(changes)).toEqual(['reply-counted', 'mention-counted']);
    expect(openMentions(state).map((t) => t.mention.mentionEventId)).toEqual(['m1']);
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
    expect(openMentions(state)).toHaveLength(1);
    expect(state.replies).toHaveLength(0);
  });

  it('given a mention in one conversation, when a reply comes in another conversation (another state), then it stays open', () => {
    const c1 = fold([mention({ eventId: 'm1', receivedAt: T0 })]);
    const c2 = fold([reply({ eventId: 'r1', sentAt: T0 + MINUTE, conversationId: 'c2' })]);
    expect(openMentions(c1.state)).toHaveLength(1);
    expect(types(c2.changes)).toEqual(['reply-counted']);
  });

  it('given mentions by the brand itself or not needing a response, when folded, then nothing needs a response', () => {
    const { changes, state } = fold([
      mention({ eventId: 'm1', receivedAt: T0, authorId: 'b1' }),
      mention({ eventId: 'm2', receivedAt: T0, authorId: 'brand-handle' }),
      mention({ eventId: 'm3', receivedAt: T0, kind: 'praise', needsResponse: false }),
    ]);
    expect(changes).toEqual([]);
    expect(state.mentions).toHaveLength(0);
  });

  it('given the same eventId twice, when folded, then the duplicate changes nothing', () => {
    const first = fold([
      mention({ eventId: 'm1', receivedAt: T0 }),
      reply({ eventId: 'r1', sentAt: T0 + MINUTE }),
    ]);
    const again = evolveConversation(first.state, mention({ eventId: 'm1', receivedAt: T0 }), context);
    expect(again.outcome).toBe('duplicate');
    expect(again.changes).toEqual([]);
    expect(again.state).toBe(first.state);
    const replyAgain = evolveConversation(
      first.state,
      reply({ eventId: 'r1', sentAt: T0 + MINUTE }),
      context,
    );
    expect(replyAgain.outcome).toBe('duplicate');
    expect(replyAgain.changes).toEqual([]);
  });

  it('given a mention never answered, when time passes, then it is open, breached once at the target, and expired at the horizon', () => {
    let { state } = fold([mention({ eventId: 'm1', receivedAt: T0 })]);
    expect(nextDueAt(state, context)).toBe(T0 + HOUR);

    const early = expireDue(state, T0 + 30 * MINUTE, context);
    expect(early.changes).toEqual([]);

    const breached = expireDue(early.state, T0 + 2 * HOUR, context);
    expect(types(breached.changes)).toEqual(['target-breached']);
    expect(openMentions(breached.state)).toHaveLength(1);
    expect(nextDueAt(breached.state, context)).toBe(T0 + 7 * DAY);

    const stillOpen = expireDue(breached.state, T0 + 7 * DAY - 1, context);
    expect(stillOpen.changes).toEqual([]);

    const expired = expireDue(stillOpen.state, T0 + 7 * DAY, context);
    expect(expired.changes).toEqual([
      expect.objectContaining({ type: 'mention-expired', expiredAt: T0 + 7 * DAY }),
    ]);
    expect(openMentions(expired.state)).toHaveLength(0);
    expect(nextDueAt(expired.state, context)).toBeNull();
    state = expired.state;
    expect(expireDue(state, T0 + 8 * DAY, context).changes).toEqual([]);
  });

  it('given a mention, when the only reply is sent at or after the horizon, then it does not answer and the mention expires', () => {
    const { state, changes } = fold([
      mention({ eventId: 'm1', receivedAt: T0 }),
      reply({ eventId: 'r1', sentAt: T0 + 7 * DAY }),
    ]);
    expect(types(changes)).toEqual(['mention-counted', 'reply-counted']);
    expect(types(expireDue(state, state.watermark ?? 0, context).changes)).toEqual([
      'target-breached',
      'mention-expired',
    ]);
  });

  it('given a mention answered by a reply, when an earlier-sent reply arrives late, then the credit moves with a retraction', () => {
    const { state, changes } = fold([
      mention({ eventId: 'm1', receivedAt: T0 }),
      reply({ eventId: 'r-late', sentAt: T0 + 3 * HOUR, agentId: 'bob' }),
      reply({ eventId: 'r-early', sentAt: T0 + 10 * MINUTE, agentId: 'alice' }),
    ]);
    expect(types(changes)).toEqual([
      'mention-counted',
      'reply-counted',
      'mention-answered',
      'reply-counted',
      'answer-retracted',
      'mention-answered',
    ]);
    expect(changes[4]).toEqual({ ...changes[2], type: 'answer-retracted' });
    expect(changes[5]).toMatchObject({ agentId: 'alice', responseMs: 10 * MINUTE });
    expect(state.mentions[0]?.answer?.replyEventId).toBe('r-early');
  });

  it('given a mention already expired, when a reply sent inside the horizon arrives late, then the expiry is undone and it is answered', () => {
    const { state } = fold([mention({ eventId: 'm1', receivedAt: T0 })]);
    const expired = expireDue(state, T0 + 7 * DAY + HOUR, context);
    const late = evolveConversation(expired.state, reply({ eventId: 'r1', sentAt: T0 + 6 * DAY }), context);
    expect(late.outcome).toBe('applied');
    expect(types(late.changes)).toEqual(['reply-counted', 'expiry-retracted', 'mention-answered']);
    expect(late.state.mentions[0]?.expiredAt).toBeNull();
  });

  it('given a conversation watermark, when an event more than the horizon older arrives, then it is refused as too late', () => {
    const { state } = fold([mention({ eventId: 'm1', receivedAt: T0 + 10 * DAY })]);
    const step = evolveConversation(state, mention({ eventId: 'm0', receivedAt: T0 + 2 * DAY }), context);
    expect(step.outcome).toBe('too-late');
    expect(step.changes).toEqual([]);
    const within = evolveConversation(state, mention({ eventId: 'm0b', receivedAt: T0 + 3 * DAY }), context);
    expect(within.outcome).toBe('applied');
  });

  it('given brand business hours, when a mention is answered, then the business response time counts open hours only', () => {
    const ctx: ConversationContext = {
      ...context,
      businessHours: {
        timezone: 'UTC',
        ranges: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, open: '09:00', close: '17:00' })),
      },
    };
    const friday16 = Date.UTC(2026, 2, 6, 16, 0);
    const monday10 = Date.UTC(2026, 2, 9, 10, 0);
    const { changes } = fold(
      [mention({ eventId: 'm1', receivedAt: friday16 }), reply({ eventId: 'r1', sentAt: monday10 })],
      ctx,
    );
    expect(changes.at(-1)).toMatchObject({ responseMs: monday10 - friday16, businessResponseMs: 2 * HOUR });
  });

  it('given a months-long busy conversation, when folded, then the state stays bounded by the horizon', () => {
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
    let { state } = fold(events);
    state = expireDue(state, state.watermark ?? 0, context).state;
    // At most a horizon (and a bit) of each list survives: 7-8 days × 5 per day.
    expect(state.mentions.length).toBeLessThanOrEqual(8 * 5);
    expect(state.replies.length).toBeLessThanOrEqual(8 * 5);
    expect(state.seen.length).toBeLessThanOrEqual(8 * 15);
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

/** The net effect of a change stream per mention, checking that every retraction undoes exactly what is in force. */
function netFigures(changes: readonly SlaChange[]) {
  const counted = new Map<string, number>();
  const answers = new Map<string, string>();
  const expired = new Map<string, number>();
  const replies = { human: 0, automated: 0 };
  for (const change of changes) {
    switch (change.type) {
      case 'mention-counted':
        counted.set(change.mention.mentionEventId, (counted.get(change.mention.mentionEventId) ?? 0) + 1);
        break;
      case 'mention-answered': {
        const id = change.mention.mentionEventId;
        if (answers.has(id)) throw new Error(`answered twice without retraction: ${id}`);
        answers.set(id, JSON.stringify({ ...change, type: 'answer' }));
        break;
      }
      case 'answer-retracted': {
        const id = change.mention.mentionEventId;
        if (answers.get(id) !== JSON.stringify({ ...change, type: 'answer' }))
          throw new Error(`bad retraction: ${id}`);
        answers.delete(id);
        break;
      }
      case 'mention-expired':
        expired.set(change.mention.mentionEventId, (expired.get(change.mention.mentionEventId) ?? 0) + 1);
        break;
      case 'expiry-retracted':
        expired.set(change.mention.mentionEventId, (expired.get(change.mention.mentionEventId) ?? 0) - 1);
        break;
      case 'reply-counted':
        if (change.automated) replies.automated++;
        else replies.human++;
        break;
      case 'target-breached':
        break;
    }
  }
  const sorted = <V>(map: Map<string, V>) =>
    [...map.entries()].filter(([, v]) => v !== 0).sort(([a], [b]) => a.localeCompare(b));
  return { counted: sorted(counted), answers: sorted(answers), expired: sorted(expired), replies };
}

/** A random conversation over ~3 horizons (horizon shortened to 2 days so mentions do expire). */
function randomConversation(seed: number): InteractionEvent[] {
  const random = seededRandom(seed);
  const events: InteractionEvent[] = [];
  const span = 6 * DAY;
  const n = 10 + Math.floor(random() * 30);
  for (let i = 0; i < n; i++) {
    // Half-hour slots, so that ties between replies (same sentAt) happen and the eventId tie-break is exercised.
    const at = T0 + Math.floor((random() * span) / (30 * MINUTE)) * 30 * MINUTE;
    const r = random();
    if (r < 0.45) {
      events.push(
        mention({
          eventId: `m${i}`,
          receivedAt: at,
          kind: random() < 0.3 ? 'complaint' : 'question',
          needsResponse: random() < 0.9,
          authorId: random() < 0.1 ? 'brand-handle' : `customer-${Math.floor(random() * 3)}`,
        }),
      );
    } else {
      events.push(
        reply({
          eventId: `r${i}`,
          sentAt: at,
          automated: random() < 0.25,
          agentId: `agent-${Math.floor(random() * 3)}`,
        }),
      );
    }
    if (random() < 0.1) events.push(events.at(-1) as InteractionEvent); // a duplicate delivery
  }
  return events;
}

const shortHorizon: ConversationContext = { ...context, horizonMs: 2 * DAY };

/** Processes events in the given order as a processor would: expireDue after each event, then once at the end. */
function process(events: readonly InteractionEvent[], end: number) {
  let state = initialConversationState();
  const changes: SlaChange[] = [];
  for (const event of events) {
    const step = evolveConversation(state, event, shortHorizon);
    expect(step.outcome).not.toBe('too-late');
    const due = expireDue(step.state, step.state.watermark ?? 0, shortHorizon);
    state = due.state;
    changes.push(...step.changes, ...due.changes);
  }
  const last = expireDue(state, end, shortHorizon);
  changes.push(...last.changes);
  return { state: last.state, changes, figures: netFigures(changes) };
}

describe('conversation fold: arrival order', () => {
  const seeds = Array.from({ length: 40 }, (_, i) => 1000 + i);

  it.each(seeds)(
    'given random conversation %i, when events arrive shuffled (each at most a horizon late), then the final figures equal in-order',
    (seed) => {
      const events = randomConversation(seed);
      const end = T0 + 20 * DAY;
      const inOrder = process(
        [...events].sort((a, b) => interactionTime(a) - interactionTime(b)),
        end,
      );
      const random = seededRandom(seed * 7 + 1);
      for (let round = 0; round < 5; round++) {
        // Arrival = event time + a random delay below the horizon: any order those delays produce is allowed.
        const delayed = events.map((event) => ({
          event,
          arrival: interactionTime(event) + random() * shortHorizon.horizonMs * 0.999,
        }));
        const arrivalOrder = delayed.sort((a, b) => a.arrival - b.arrival).map((d) => d.event);
        expect(process(arrivalOrder, end).figures).toEqual(inOrder.figures);
      }
    },
  );

  it('given these random conversations, when shuffled, then credit moves and expiry undos really happen (the property is not vacuous)', () => {
    const seen = new Set<string>();
    for (const seed of seeds) {
      const events = randomConversation(seed);
      const random = seededRandom(seed * 7 + 1);
      const delayed = events.map((event) => ({
        event,
        arrival: interactionTime(event) + random() * shortHorizon.horizonMs * 0.999,
      }));
      const { changes, figures } = process(
        delayed.sort((a, b) => a.arrival - b.arrival).map((d) => d.event),
        T0 + 20 * DAY,
      );
      for (const change of changes) seen.add(change.type);
      if (figures.expired.length > 0) seen.add('net-expired');
      if (figures.answers.length > 0) seen.add('net-answered');
    }
    expect([...seen].sort()).toEqual(
      [
        'answer-retracted',
        'expiry-retracted',
        'mention-answered',
        'mention-counted',
        'mention-expired',
        'net-answered',
        'net-expired',
        'reply-counted',
        'target-breached',
      ].sort(),
    );
  });

  it.each(seeds.slice(0, 20))(
    'given random conversation %i squeezed inside one horizon, when fully shuffled, then the final figures equal in-order',
    (seed) => {
      // Inside one horizon no event can be too late, so any permutation is allowed.
      const events = randomConversation(seed).map((event) =>
        event.type === 'MentionReceived'
          ? { ...event, receivedAt: T0 + Math.floor((event.receivedAt - T0) / 4) }
          : { ...event, sentAt: T0 + Math.floor((event.sentAt - T0) / 4) },
      );
      const end = T0 + 20 * DAY;
      const inOrder = process(
        [...events].sort((a, b) => interactionTime(a) - interactionTime(b)),
        end,
      );
      const random = seededRandom(seed);
      for (let round = 0; round < 5; round++) {
        expect(process(shuffled(events, random), end).figures).toEqual(inOrder.figures);
      }
    },
  );
});

// Expiry and targets are event-time arithmetic: the same at a weekend, a year's end, a leap day or a
// daylight-saving change, where local days have 23 or 25 hours.
describe.each(FIXED_INSTANTS)('expiry and answers for a mention received $name ($at)', ({ at }) => {
  const received = Date.parse(at);
  const paris: ConversationContext = {
    ...context,
    businessHours: { timezone: 'Europe/Paris', ranges: [{ weekday: 7, open: '00:00', close: '24:00' }] },
  };

  it('expires exactly one horizon later, breaches the target exactly one target later', () => {
    const { state } = fold([mention({ eventId: 'm1', receivedAt: received })], paris);
    expect(expireDue(state, received + HOUR - 1, paris).changes).toEqual([]);
    const atTarget = expireDue(state, received + HOUR, paris);
    expect(types(atTarget.changes)).toEqual(['target-breached']);
    expect(expireDue(atTarget.state, received + 7 * DAY - 1, paris).changes).toEqual([]);
    const expired = expireDue(atTarget.state, received + 7 * DAY, paris);
    expect(expired.changes).toMatchObject([{ type: 'mention-expired', expiredAt: received + 7 * DAY }]);
    expect(openMentions(expired.state)).toHaveLength(0);
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
