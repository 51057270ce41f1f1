import { conversationKey, type InteractionEvent } from '@carestream/contract';
import { describe, expect, it } from 'vitest';
import { BrandRulesHistory, type BrandRules } from './brand-rules.ts';
import type { ConversationContext } from './conversation.ts';
import { mention, reply } from './interaction.fixture.ts';
import {
  batchConversationKeys,
  batchWatermark,
  foldInteractionBatch,
  reviseConversations,
  SlaEffects,
  slaBucketId,
  type ConversationRow,
  type StoredConversation,
} from './sla-batch.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 2, 2, 9, 0); // Monday 2026-03-02 09:00 UTC

const rules = (slaTargetMs: number): BrandRules => ({
  slaTargetMs,
  ownAccountIds: new Set(),
  businessHours: null,
});
const contextWith = (r: BrandRules): ConversationContext => ({
  horizonMs: 7 * DAY,
  retentionMs: 400 * DAY,
  rulesAt: () => r,
});
const oneHourTarget = contextWith(rules(HOUR));

/** Folds batches in turn, each onto what the previous ones stored, as the processor does across transactions. */
function foldBatches(batches: readonly (readonly InteractionEvent[])[], context = oneHourTarget) {
  const store = new Map<string, StoredConversation>();
  const effects = new SlaEffects();
  let watermarkMs = -Infinity;
  const rows: ConversationRow[] = [];
  for (const events of batches) {
    watermarkMs = Math.max(watermarkMs, batchWatermark(events));
    const due = [...store.values()]
      .filter((c) => !events.some((e) => conversationKey(e) === c.key))
      .map(({ key, brandId }) => ({ key, brandId }));
    const result = foldInteractionBatch(
      { events, stored: store, due, watermarkMs, contextOf: () => context },
      effects,
    );
    for (const row of result.rows) store.set(row.key, row);
    rows.push(...result.rows);
  }
  return { store, effects, rows };
}

const counters = (effects: SlaEffects) => {
  let needingResponse = 0;
  let answered = 0;
  let breaches = 0;
  for (const { delta } of effects.deltas.values()) {
    needingResponse += delta.needingResponse;
    answered += delta.answered;
    breaches += delta.targetBreaches;
  }
  return { needingResponse, answered, breaches };
};

describe('SLA batch fold', () => {
  it('given two conversations in one batch, when folded, then each gets its row, the hourly deltas sum them, and churn slots follow', () => {
    const events = [
      mention({ eventId: 'm1', receivedAt: T0 }),
      mention({ eventId: 'm2', conversationId: 'c2', authorId: 'customer-2', receivedAt: T0 + MINUTE }),
      reply({ eventId: 'r1', sentAt: T0 + 10 * MINUTE }),
    ];
    const { rows, effects } = foldBatches([events]);

    expect(rows.map((row) => row.key).sort()).toEqual(['b1:c1', 'b1:c2']);
    expect(counters(effects)).toEqual({ needingResponse: 2, answered: 1, breaches: 0 });
    const c1 = rows.find((row) => row.key === 'b1:c1');
    const c2 = rows.find((row) => row.key === 'b1:c2');
    expect(c1?.open).toEqual([]);
    expect(c2?.open.map((o) => o.mention.mentionEventId)).toEqual(['m2']);
    // The answered mention's outcome slot says timely (10 minutes against a one-hour target).
    const slot = [...effects.churn.values()].find((u) => u.mentionEventId === 'm1' && u.slot === 'outcome');
    expect(slot?.signal?.kind).toBe('timely-answer');
  });

  it('given a batch of replies whose mentions came in an earlier batch, when folded, then the stored facts give the answers', () => {
    const { effects } = foldBatches([
      [mention({ eventId: 'm1', receivedAt: T0 })],
      [reply({ eventId: 'r1', sentAt: T0 + 2 * HOUR })],
    ]);
    // Answered after the one-hour target: a breach, and a late answer for churn.
    expect(counters(effects)).toEqual({ needingResponse: 1, answered: 1, breaches: 1 });
    const slot = [...effects.churn.values()].find((u) => u.slot === 'outcome');
    expect(slot?.signal?.kind).toBe('late-answer');
  });

  it('given the same events in one batch or one at a time, when folded, then the hourly deltas and rows are equal', () => {
    const events = [
      mention({ eventId: 'm1', receivedAt: T0 }),
      mention({ eventId: 'm2', receivedAt: T0 + 5 * MINUTE, kind: 'complaint' }),
      reply({ eventId: 'r1', sentAt: T0 + 20 * MINUTE, agentId: 'agent-7' }),
      mention({ eventId: 'm3', conversationId: 'c3', receivedAt: T0 + HOUR }),
    ];
    const together = foldBatches([events]);
    const apart = foldBatches(events.map((event) => [event]));
    const summed = (effects: SlaEffects) =>
      new Map(
        [...effects.deltas].map(([id, { delta }]) => [
          id,
          {
            ...delta,
            responseSketch: delta.responseSketch.count,
            businessSketch: delta.businessSketch.count,
          },
        ]),
      );
    expect(summed(apart.effects)).toEqual(summed(together.effects));
    expect(new Map([...apart.store].map(([k, v]) => [k, v.state]))).toEqual(
      new Map([...together.store].map(([k, v]) => [k, v.state])),
    );
  });

  it('given an event already folded, when it comes again in a later batch, then its outcome is duplicate and nothing changes', () => {
    const first = mention({ eventId: 'm1', receivedAt: T0 });
    const store = new Map<string, StoredConversation>();
    const effects = new SlaEffects();
    const once = foldInteractionBatch(
      { events: [first], stored: store, due: [], watermarkMs: T0, contextOf: () => oneHourTarget },
      effects,
    );
    for (const row of once.rows) store.set(row.key, row);
    const again = new SlaEffects();
    const twice = foldInteractionBatch(
      { events: [first], stored: store, due: [], watermarkMs: T0, contextOf: () => oneHourTarget },
      again,
    );
    expect(twice.outcomes.map((o) => o.outcome)).toEqual(['duplicate']);
    expect(again.changes).toEqual([]);
  });

  it('given an open mention stored, when a batch of another conversation moves the watermark past the horizon, then the due one expires', () => {
    const { effects, store } = foldBatches([
      [mention({ eventId: 'm1', receivedAt: T0, kind: 'complaint' })],
      [mention({ eventId: 'm9', conversationId: 'c9', receivedAt: T0 + 8 * DAY })],
    ]);
    expect(effects.changes.filter((c) => c.type === 'mention-expired')).toHaveLength(1);
    expect(store.get('b1:c1')).toBeDefined();
    const slot = [...effects.churn.values()].find((u) => u.mentionEventId === 'm1' && u.slot === 'outcome');
    expect(slot?.signal?.kind).toBe('ignored-complaint');
  });

  it('given a due conversation the store no longer holds, when folded, then it is skipped', () => {
    const result = foldInteractionBatch(
      {
        events: [mention({ eventId: 'm1', receivedAt: T0 })],
        stored: new Map(),
        due: [{ key: 'b1:gone', brandId: 'b1' }],
        watermarkMs: T0,
        contextOf: () => oneHourTarget,
      },
      new SlaEffects(),
    );
    expect(result.rows.map((row) => row.key)).toEqual(['b1:c1']);
    expect(batchConversationKeys({ events: [], due: [{ key: 'b1:gone', brandId: 'b1' }] })).toEqual([
      'b1:gone',
    ]);
  });

  it('given stored conversations, when the brand target goes from one hour to four, then the revision retracts the breach and the late answer becomes timely', () => {
    const { store } = foldBatches([
      [mention({ eventId: 'm1', receivedAt: T0 }), reply({ eventId: 'r1', sentAt: T0 + 2 * HOUR })],
    ]);
    const effects = new SlaEffects();
    const history = (target: number) => new BrandRulesHistory([], rules(target));
    const before: ConversationContext = { ...oneHourTarget, rulesAt: (ms) => history(HOUR).at(ms) };
    const after: ConversationContext = { ...oneHourTarget, rulesAt: (ms) => history(4 * HOUR).at(ms) };
    const rows = reviseConversations([...store.values()], before, after, effects);

    expect(rows.map((row) => row.key)).toEqual(['b1:c1']);
    expect(effects.changes.map((c) => c.type)).toContain('breach-retracted');
    expect(counters(effects).breaches).toBe(-1);
    const slot = [...effects.churn.values()].find((u) => u.slot === 'outcome');
    expect(slot?.signal?.kind).toBe('timely-answer');
  });

  it('identifies a bucket by brand, hour, channel and agent', () => {
    const key = { brandId: 'b1', hourStartMs: T0, channel: 'x' as const, agentId: null };
    expect(slaBucketId(key)).not.toBe(slaBucketId({ ...key, agentId: 'a' }));
    expect(slaBucketId(key)).toBe(slaBucketId({ ...key }));
  });
});
