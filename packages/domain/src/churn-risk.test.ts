import { describe, expect, it } from 'vitest';
import type { MentionRef, SlaChange } from './conversation.ts';
import {
  CHURN_HALF_LIFE_MS,
  CHURN_WEIGHTS,
  churnDecay,
  churnRisk,
  churnSignalUpdate,
  type ChurnSignal,
  type ChurnSignalKind,
} from './churn-risk.ts';

const DAY = 24 * 3_600_000;
const NOW = Date.UTC(2026, 5, 1);

function signal(kind: ChurnSignalKind, at: number, id = `m-${kind}-${at}`, intensity = 1): ChurnSignal {
  return { kind, evidence: { mentionEventId: id, messageId: `msg-${id}`, at }, intensity };
}

const ref: MentionRef = {
  mentionEventId: 'm1',
  brandId: 'b1',
  channel: 'x',
  conversationId: 'c1',
  messageId: 'msg-1',
  authorId: 'alice',
  kind: 'complaint',
  sentiment: -0.6,
  followers: 10,
  private: false,
  receivedAt: NOW - DAY,
};

describe('churnRisk', () => {
  it('given no signals, when scored, then the risk is zero and low', () => {
    expect(churnRisk([], NOW)).toEqual({ score: 0, level: 'low', reasons: [] });
  });

  it('given a signal one half-life old, when scored, then it counts half', () => {
    expect(churnDecay(CHURN_HALF_LIFE_MS)).toBe(0.5);
    const fresh = churnRisk([signal('ignored-complaint', NOW)], NOW).score;
    const old = churnRisk([signal('ignored-complaint', NOW - CHURN_HALF_LIFE_MS)], NOW).score;
    expect(old).toBeCloseTo(fresh / 2, 12);
    expect(churnRisk([signal('ignored-complaint', NOW - 2 * CHURN_HALF_LIFE_MS)], NOW).score).toBeCloseTo(
      fresh / 4,
      12,
    );
  });

  it('given one fresh ignored complaint, when scored, then it weighs a third and reads medium', () => {
    const risk = churnRisk([signal('ignored-complaint', NOW)], NOW);
    expect(risk.score).toBe(CHURN_WEIGHTS.ignoredComplaint);
    expect(risk.level).toBe('medium');
  });

  it('given signals whose weights sum to a level exactly, when scored, then the customer reaches that level', () => {
    // 0.33 + 0.15 − 0.08 is 0.39999999999999997 in binary floating point, whatever the order of the sum.
    const signals = [
      signal('ignored-complaint', NOW),
      signal('ignored-mention', NOW),
      signal('timely-answer', NOW),
    ];
    for (const order of [signals, [...signals].reverse()]) {
      expect(churnRisk(order, NOW)).toMatchObject({ score: 0.4, level: 'high' });
    }
    // 0.15 + 3 × 0.11 − 0.08 = 0.4 too.
    const lates = [1, 2, 3].map((i) => signal('late-answer', NOW, `m-late-${i}`));
    expect(
      churnRisk([signal('ignored-mention', NOW), ...lates, signal('timely-answer', NOW)], NOW).level,
    ).toBe('high');
  });

  it('given reasons that tie, when scored in any order, then they are listed in one order (by mention, then kind)', () => {
    const a = signal('timely-answer', NOW, 'm2');
    const b = signal('timely-answer', NOW, 'm1');
    const c = signal('negative-sentiment', NOW - DAY, 'm3', 0.8);
    const d = signal(
      'late-answer',
      NOW - DAY,
      'm3',
      0.8 * (CHURN_WEIGHTS.negativeSentiment / CHURN_WEIGHTS.lateAnswer),
    );
    const ids = (order: ChurnSignal[]) =>
      churnRisk(order, NOW).reasons.map((r) => `${r.evidence.mentionEventId}:${r.signal}`);
    expect(ids([a, b, c, d])).toEqual(ids([d, c, b, a]));
    expect(ids([a, b])).toEqual(['m1:timely-answer', 'm2:timely-answer']);
  });

  it('given the calibrated weights, when compared, then ignored complaints weigh most, late answers less, and timely answers lower the risk', () => {
    expect(CHURN_WEIGHTS.ignoredComplaint).toBeGreaterThan(CHURN_WEIGHTS.ignoredMention);
    expect(CHURN_WEIGHTS.ignoredMention).toBeGreaterThan(CHURN_WEIGHTS.lateAnswer);
    expect(CHURN_WEIGHTS.timelyAnswer).toBeLessThan(0);
  });

  it('given two ignored complaints and a timely answer, when scored, then the reasons are sorted by contribution with their evidence', () => {
    const risk = churnRisk(
      [
        signal('timely-answer', NOW - DAY, 'm3'),
        signal('ignored-complaint', NOW - 10 * DAY, 'm1'),
        signal('ignored-complaint', NOW - 2 * DAY, 'm2'),
        signal('negative-sentiment', NOW - 2 * DAY, 'm2', 0.5),
      ],
      NOW,
    );
    expect(risk.reasons.map((r) => [r.signal, r.evidence.mentionEventId])).toEqual([
      ['ignored-complaint', 'm2'],
      ['ignored-complaint', 'm1'],
      ['negative-sentiment', 'm2'],
      ['timely-answer', 'm3'],
    ]);
    const sum = risk.reasons.reduce((total, r) => total + r.contribution, 0);
    expect(risk.score).toBeCloseTo(sum, 12);
    expect(risk.level).toBe('high');
    expect(risk.reasons[2]?.contribution).toBeCloseTo(0.05 * churnDecay(2 * DAY), 12);
  });

  it('given only timely answers, when scored, then the score is clamped at zero; given many ignored complaints, at one', () => {
    expect(churnRisk([signal('timely-answer', NOW)], NOW).score).toBe(0);
    const many = Array.from({ length: 10 }, (_, i) => signal('ignored-complaint', NOW, `m${i}`));
    expect(churnRisk(many, NOW)).toMatchObject({ score: 1, level: 'high' });
  });

  it('given custom weights and half-life, when scored, then they are used', () => {
    const risk = churnRisk([signal('late-answer', NOW - 10 * DAY)], NOW, {
      weights: { ...CHURN_WEIGHTS, lateAnswer: 0.5 },
      halfLifeMs: 10 * DAY,
    });
    expect(risk.score).toBeCloseTo(0.25, 12);
  });
});

describe('churnSignalUpdate', () => {
  const answered = (
    responseMs: number,
    type: 'mention-answered' | 'answer-retracted' = 'mention-answered',
  ): SlaChange => ({
    type,
    mention: ref,
    replyEventId: 'r1',
    agentId: 'a1',
    sentAt: ref.receivedAt + responseMs,
    responseMs,
    businessResponseMs: null,
  });

  it('given SLA changes, when mapped, then each sets or clears the right slot', () => {
    const target = 3_600_000;
    expect(churnSignalUpdate({ type: 'mention-counted', mention: ref }, target)).toMatchObject({
      authorId: 'alice',
      slot: 'sentiment',
      signal: { kind: 'negative-sentiment', intensity: 0.6 },
    });
    expect(
      churnSignalUpdate({ type: 'mention-expired', mention: ref, expiredAt: NOW }, target)?.signal?.kind,
    ).toBe('ignored-complaint');
    expect(
      churnSignalUpdate(
        { type: 'mention-expired', mention: { ...ref, kind: 'question' }, expiredAt: NOW },
        target,
      )?.signal?.kind,
    ).toBe('ignored-mention');
    expect(churnSignalUpdate(answered(2 * target), target)?.signal?.kind).toBe('late-answer');
    expect(churnSignalUpdate(answered(target), target)?.signal?.kind).toBe('timely-answer');
    expect(churnSignalUpdate(answered(target, 'answer-retracted'), target)).toMatchObject({
      slot: 'outcome',
      signal: null,
    });
    expect(
      churnSignalUpdate({ type: 'expiry-retracted', mention: ref, expiredAt: NOW }, target)?.signal,
    ).toBeNull();
    expect(churnSignalUpdate({ type: 'target-breached', mention: ref, breachedAt: NOW }, target)).toBeNull();
    expect(
      churnSignalUpdate({ type: 'mention-counted', mention: { ...ref, sentiment: 0.2 } }, target),
    ).toBeNull();
  });
});
