import { compareIds } from '@carestream/contract';
import type { SlaChange } from './conversation.ts';

/**
 * Churn risk of one customer (brand + author): a transparent, additive score. Each signal adds its weight
 * (negative for a timely human answer), decayed by age; the score is the sum clamped to [0, 1], and the reasons
 * list every signal with its contribution, so a user can see exactly why a customer is at risk.
 *
 * The weights are calibrated on the published studies (see README.md for the full derivation):
 * - an ignored complaint weighs about a third: Sprout Social Index 2016 Q2 found about one third of customers had
 *   moved to a competitor by the time a 10-hour reply came, and an ignored complaint never gets that reply;
 * - an ignored mention (a question, say) adds 15%: Martech Zone 2024, churn of existing customers +15% after poor
 *   or no responses;
 * - a late answer (after the brand's SLA target) is a poor response, 15%, but a reply did come: customers are 25%
 *   less likely to go elsewhere after one (Sprout Social Index 2016 Q2), so 0.15 × 0.75 ≈ 0.11;
 * - a timely human answer takes off 25% of the one-third baseline: 0.25 × 0.33 ≈ 0.08 (Sprout Social Index 2016 Q2);
 * - negative sentiment adds up to 0.10 scaled by how negative: a product judgement, no study measures it; it stays
 *   below every outcome signal because it is a mood, not something the brand did.
 * We do not reward a late answer: a bad reply is worse than none (Sprout Social Index 2017 Q3).
 */

export const CHURN_WEIGHTS = {
  ignoredComplaint: 0.33,
  ignoredMention: 0.15,
  lateAnswer: 0.11,
  timelyAnswer: -0.08,
  negativeSentiment: 0.1,
} as const;
export type ChurnWeights = { readonly [K in keyof typeof CHURN_WEIGHTS]: number };

/** A signal counts half after 30 days, a quarter after 60: what a customer felt last quarter fades. */
export const CHURN_HALF_LIFE_MS = 30 * 24 * 3_600_000;

/** Score thresholds: one fresh ignored complaint (0.33) is medium; two, or one plus a late answer, is high. */
export const CHURN_LEVELS = { medium: 0.2, high: 0.4 } as const;
export type ChurnLevel = 'low' | 'medium' | 'high';

export type ChurnSignalKind =
  'ignored-complaint' | 'ignored-mention' | 'late-answer' | 'timely-answer' | 'negative-sentiment';

const WEIGHT_OF: Record<ChurnSignalKind, keyof typeof CHURN_WEIGHTS> = {
  'ignored-complaint': 'ignoredComplaint',
  'ignored-mention': 'ignoredMention',
  'late-answer': 'lateAnswer',
  'timely-answer': 'timelyAnswer',
  'negative-sentiment': 'negativeSentiment',
};

/** Which message the signal is about, and when it happened. */
export interface ChurnEvidence {
  readonly mentionEventId: string;
  readonly messageId: string;
  readonly at: number;
}

export interface ChurnSignal {
  readonly kind: ChurnSignalKind;
  readonly evidence: ChurnEvidence;
  /** 0..1 scale on the weight: how negative the sentiment was (−sentiment); 1 for the other kinds. */
  readonly intensity: number;
}

export interface ChurnReason {
  readonly signal: ChurnSignalKind;
  readonly weight: number;
  /** weight × intensity × decay at nowMs. */
  readonly contribution: number;
  readonly evidence: ChurnEvidence;
}

export interface ChurnRisk {
  readonly score: number;
  readonly level: ChurnLevel;
  /** Largest contribution first (risk-raising reasons before the timely answers that lower it). */
  readonly reasons: readonly ChurnReason[];
}

export interface ChurnOptions {
  readonly weights?: ChurnWeights;
  readonly halfLifeMs?: number;
}

/** 0.5 ^ (age / half-life); a signal dated after nowMs counts in full. */
export function churnDecay(ageMs: number, halfLifeMs = CHURN_HALF_LIFE_MS): number {
  return 0.5 ** (Math.max(0, ageMs) / halfLifeMs);
}

export function churnLevel(score: number): ChurnLevel {
  if (score >= CHURN_LEVELS.high) return 'high';
  if (score >= CHURN_LEVELS.medium) return 'medium';
  return 'low';
}

const SCORE_SCALE = 1e12;

export function churnRisk(
  signals: Iterable<ChurnSignal>,
  nowMs: number,
  options: ChurnOptions = {},
): ChurnRisk {
  const weights = options.weights ?? CHURN_WEIGHTS;
  const halfLifeMs = options.halfLifeMs ?? CHURN_HALF_LIFE_MS;
  const reasons: ChurnReason[] = [];
  for (const signal of signals) {
    const weight = weights[WEIGHT_OF[signal.kind]];
    const contribution = weight * signal.intensity * churnDecay(nowMs - signal.evidence.at, halfLifeMs);
    reasons.push({ signal: signal.kind, weight, contribution, evidence: signal.evidence });
  }
  // One order whatever order the signals were read in (ties by mention, then kind), so the sum is too.
  reasons.sort(
    (a, b) =>
      b.contribution - a.contribution ||
      b.evidence.at - a.evidence.at ||
      compareIds(a.evidence.mentionEventId, b.evidence.mentionEventId) ||
      compareIds(a.signal, b.signal),
  );
  const sum = reasons.reduce((total, reason) => total + reason.contribution, 0);
  // Sums of the weights carry binary rounding (0.33 + 0.15 − 0.08 is 0.39999999999999997): rounded to 12
  // decimals, a score on a level's boundary reaches that level, as the definitions say.
  const score = Math.min(1, Math.max(0, Math.round(sum * SCORE_SCALE) / SCORE_SCALE));
  return { score, level: churnLevel(score), reasons };
}

// ---- from SLA changes to signals ----

/**
 * Each mention has at most two signal slots: its outcome (ignored, late or timely answer; replaced as credits
 * move or expiries are undone) and its sentiment. A churn projection keeps one row per (customer, mention, slot).
 */
export type ChurnSlot = 'outcome' | 'sentiment';

export interface ChurnSignalUpdate {
  readonly brandId: string;
  readonly authorId: string;
  readonly mentionEventId: string;
  readonly slot: ChurnSlot;
  /** The signal now in the slot, or null to clear it (a retraction). */
  readonly signal: ChurnSignal | null;
}

/** How an SlaChange moves a customer's churn signals; null when it does not concern churn. */
export function churnSignalUpdate(change: SlaChange, slaTargetMs: number): ChurnSignalUpdate | null {
  if (
    change.type === 'reply-counted' ||
    change.type === 'target-breached' ||
    change.type === 'breach-retracted'
  )
    return null;
  const { mention } = change;
  const slot = (name: ChurnSlot, signal: ChurnSignal | null): ChurnSignalUpdate => ({
    brandId: mention.brandId,
    authorId: mention.authorId,
    mentionEventId: mention.mentionEventId,
    slot: name,
    signal,
  });
  const evidence = (at: number): ChurnEvidence => ({
    mentionEventId: mention.mentionEventId,
    messageId: mention.messageId,
    at,
  });
  switch (change.type) {
    case 'mention-counted':
      if (mention.sentiment === null || mention.sentiment >= 0) return null;
      return slot('sentiment', {
        kind: 'negative-sentiment',
        evidence: evidence(mention.receivedAt),
        intensity: Math.min(1, -mention.sentiment),
      });
    case 'mention-expired':
      return slot('outcome', {
        kind: mention.kind === 'complaint' ? 'ignored-complaint' : 'ignored-mention',
        evidence: evidence(change.expiredAt),
        intensity: 1,
      });
    case 'mention-answered':
      return slot('outcome', {
        kind: change.responseMs > slaTargetMs ? 'late-answer' : 'timely-answer',
        evidence: evidence(change.sentAt),
        intensity: 1,
      });
    case 'answer-retracted':
    case 'expiry-retracted':
      return slot('outcome', null);
    case 'mention-uncounted':
      // Its outcome was retracted just before; the mention no longer counts, so neither does its sentiment.
      return slot('sentiment', null);
  }
}
