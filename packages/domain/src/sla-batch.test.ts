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

/**
 * Folds batches in turn, each onto what the previous ones stored, as the processor does across transactions:
 * a stored conversation is due when its row's nextDueAt has come (the processor's index of due work).
 */
function foldBatches(batches: readonly (readonly InteractionEvent[])[], context = oneHourTarget) {
  const store = new Map<string, ConversationRow>();
  const effects = new SlaEffects();
  let watermarkMs = -Infinity;
  const rows: ConversationRow[] = [];
  for (const events of batches) {
    watermarkMs = Math.max(watermarkMs, batchWatermark(events));
    const due = [...store.values()]
      .filter((c) => c.nextDueAt !== null && c.nextDueAt <= watermarkMs)
      .filter((c) => !events.some((e) => conversationKey(e) === c.key))
      .map(({ key, brandId }) => ({ key, brandId }));
    const result = foldInteractionBatch(
      { events, stored: store, due, watermarkMs, contextOf: () => context },
      effects,
    );
    for (const row of result.rows) store.set(row.key, row);
    rows.push(...result.rows);
  }
  return { store, effects, rows, watermarkMs };
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

  it('given the same events in one batch or one at a time, when folded, then the hourly deltas, the facts and the backlog are equal', () => {
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
    // A conversation's watermark is its partition's at its last fold, which depends on the batching; its facts,
    // its open mentions and when it is due next do not.
    const kept = (store: ReadonlyMap<string, ConversationRow>) =>
      new Map(
        [...store].map(([key, row]) => [
          key,
          { mentions: row.state.mentions, replies: row.state.replies, open: row.open, due: row.nextDueAt },
        ]),
      );
    expect(kept(apart.store)).toEqual(kept(together.store));
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
    const rows = reviseConversations(
      [...store.values()].map((c) => ({ ...c, partitionWatermarkMs: null })),
      before,
      after,
      effects,
    );

    expect(rows.map((row) => row.key)).toEqual(['b1:c1']);
    expect(effects.changes.map((c) => c.type)).toContain('breach-retracted');
    expect(counters(effects).breaches).toBe(-1);
    const slot = [...effects.churn.values()].find((u) => u.slot === 'outcome');
    expect(slot?.signal?.kind).toBe('timely-answer');
  });

  it('given a target longer than the answer horizon, when later batches pass the expiry and then the target, then the mention expires and later breaches, as in one batch', () => {
    const tenDays = contextWith(rules(10 * DAY));
    const events = [
      mention({ eventId: 'm1', receivedAt: T0 }),
      mention({ eventId: 'm2', conversationId: 'c2', authorId: 'customer-2', receivedAt: T0 + 8 * DAY }),
      mention({ eventId: 'm3', conversationId: 'c3', authorId: 'customer-3', receivedAt: T0 + 20 * DAY }),
    ];
    const apart = foldBatches(
      events.map((event) => [event]),
      tenDays,
    );
    const together = foldBatches([events], tenDays);
    // m1 expired at 7 days and breached at 10; m2 expired at 15 days and breached at 18; m3 is open.
    expect(counters(apart.effects)).toEqual({ needingResponse: 3, answered: 0, breaches: 2 });
    expect(counters(together.effects)).toEqual(counters(apart.effects));
    expect(apart.store.get('b1:c1')?.nextDueAt).toBeNull();
    expect(apart.store.get('b1:c3')?.nextDueAt).toBe(T0 + 27 * DAY);
    // After m2's batch, m1 is expired but its breach is still due: its conversation stays in the index.
    const afterTwo = foldBatches([[events[0]!], [events[1]!]], tenDays);
    expect(afterTwo.store.get('b1:c1')?.open).toEqual([]);
    expect(afterTwo.store.get('b1:c1')?.nextDueAt).toBe(T0 + 10 * DAY);
  });

  it('given a target longer than the retention window, when the mention is pruned in a later batch, then its breach still comes, as in one batch', () => {
    const shortWindow: ConversationContext = { ...contextWith(rules(60 * DAY)), retentionMs: 30 * DAY };
    const events = [
      mention({ eventId: 'm1', receivedAt: T0 }),
      mention({ eventId: 'm2', receivedAt: T0 + 40 * DAY }),
      mention({ eventId: 'm3', conversationId: 'c3', authorId: 'customer-3', receivedAt: T0 + 200 * DAY }),
    ];
    const apart = foldBatches(
      events.map((event) => [event]),
      shortWindow,
    );
    const together = foldBatches([events], shortWindow);
    expect(counters(together.effects)).toEqual({ needingResponse: 3, answered: 0, breaches: 2 });
    expect(counters(apart.effects)).toEqual(counters(together.effects));
  });

  it('given a mention at the edge of the retention window, when a reply a few days after it arrives last, then it answers it, as in time order', () => {
    const m1 = mention({ eventId: 'm1', receivedAt: T0 });
    const m2 = mention({ eventId: 'm2', receivedAt: T0 + 401 * DAY });
    const r1 = reply({ eventId: 'r1', sentAt: T0 + 6 * DAY });
    const late = foldBatches([[m1], [m2], [r1]]);
    const inOrder = foldBatches([[m1], [r1], [m2]]);
    // m1 answered after 6 days (a breach of the one-hour target); m2 still open, its target ahead.
    expect(counters(inOrder.effects)).toEqual({ needingResponse: 2, answered: 1, breaches: 1 });
    expect(counters(late.effects)).toEqual(counters(inOrder.effects));
  });

  it('given a backfill in one batch or in several, when a late profile revises old facts, then both batchings keep and revise the same facts', () => {
    const ownAccount = contextWith({ ...rules(HOUR), ownAccountIds: new Set(['acct-9']) });
    const own = mention({ eventId: 'own', authorId: 'acct-9', receivedAt: T0 });
    const customer = mention({ eventId: 'customer', receivedAt: T0 + HOUR });
    const later = mention({ eventId: 'later', conversationId: 'c2', receivedAt: T0 + 8 * DAY });
    const latest = mention({ eventId: 'latest', conversationId: 'c3', receivedAt: T0 + 408 * DAY });
    const revised = (batches: InteractionEvent[][]) => {
      const { store, effects, watermarkMs } = foldBatches(batches, ownAccount);
      const rows = [...store.values()].map((row) => ({ ...row, partitionWatermarkMs: watermarkMs }));
      reviseConversations(rows, ownAccount, oneHourTarget, effects);
      return counters(effects);
    };
    const oneBatch = revised([[own, customer, later, latest]]);
    const several = revised([[own, customer], [later], [latest]]);
    // The own account's mention counts once its author is no longer one of the brand's accounts.
    expect(several).toEqual({ needingResponse: 4, answered: 0, breaches: 3 });
    expect(oneBatch).toEqual(several);
  });

  it("given a revision that makes a stored mention count, when its partition's watermark is already past its expiry, then it expires and breaches in the revision, not at the next batch", () => {
    const ownAccount = contextWith({ ...rules(HOUR), ownAccountIds: new Set(['acct-9']) });
    const { store, watermarkMs } = foldBatches(
      [
        [mention({ eventId: 'm1', authorId: 'acct-9', receivedAt: T0 })],
        [mention({ eventId: 'm2', conversationId: 'c2', receivedAt: T0 + 8 * DAY })],
      ],
      ownAccount,
    );
    expect(store.get('b1:c1')?.nextDueAt).toBeNull(); // the brand's own account: nothing owed
    const effects = new SlaEffects();
    const [c1] = reviseConversations(
      [{ ...store.get('b1:c1')!, partitionWatermarkMs: watermarkMs }],
      ownAccount,
      oneHourTarget,
      effects,
    );
    expect(effects.changes.map((c) => c.type).sort()).toEqual([
      'mention-counted',
      'mention-expired',
      'target-breached',
    ]);
    expect(c1?.open).toEqual([]);
    expect(c1?.nextDueAt).toBeNull();
    const slot = [...effects.churn.values()].find((u) => u.mentionEventId === 'm1' && u.slot === 'outcome');
    expect(slot?.signal?.kind).toBe('ignored-mention');
  });

  it('identifies a bucket by brand, hour, channel and agent', () => {
    const key = { brandId: 'b1', hourStartMs: T0, channel: 'x' as const, agentId: null };
    expect(slaBucketId(key)).not.toBe(slaBucketId({ ...key, agentId: 'a' }));
    expect(slaBucketId(key)).toBe(slaBucketId({ ...key }));
  });
});
