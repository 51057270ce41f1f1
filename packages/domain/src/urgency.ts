import type { MentionKind } from '@carestream/contract';
import type { MentionRef } from './conversation.ts';

/**
 * Urgency of an open mention, for ranking the backlog: what threatens revenue or reputation first (a complaint
 * going viral) before a friendly hello, as the care teams in the Sprout Social Index 2017 Q3 asked for.
 * Additive and explained: the score is the sum of four parts and each part that matters comes with a reason.
 */

export const URGENCY_WEIGHTS = {
  /** Complaints first: they are what drives churn and public shaming. */
  kind: { complaint: 3, question: 2, other: 1, praise: 0.5 } satisfies Record<MentionKind, number>,
  /** Added at sentiment −1, scaled linearly; positive or unknown sentiment adds nothing. */
  negativeSentiment: 2,
  /** Per factor of 10 in followers: 100 followers +1, 1M followers +3 (reach grows by orders of magnitude). */
  audiencePerDecade: 0.5,
  /** Per SLA target elapsed: at the target +1.5; capped at 4 targets so age never drowns out everything else. */
  perTargetElapsed: 1.5,
  maxTargetsElapsed: 4,
} as const;

export type UrgencyMention = Pick<MentionRef, 'kind' | 'sentiment' | 'followers' | 'receivedAt'>;

export interface Urgency {
  readonly score: number;
  readonly parts: {
    readonly kind: number;
    readonly sentiment: number;
    readonly audience: number;
    readonly age: number;
  };
  readonly reasons: readonly string[];
}

export function urgency(mention: UrgencyMention, nowMs: number, slaTargetMs: number): Urgency {
  const w = URGENCY_WEIGHTS;
  const reasons: string[] = [];

  const kind = w.kind[mention.kind];
  if (mention.kind === 'complaint' || mention.kind === 'question') reasons.push(`a ${mention.kind}`);

  const negativity =
    mention.sentiment !== null && mention.sentiment < 0 ? Math.min(1, -mention.sentiment) : 0;
  const sentiment = w.negativeSentiment * negativity;
  if (negativity > 0) reasons.push(`negative sentiment (${mention.sentiment})`);

  const followers = Math.max(0, mention.followers ?? 0);
  const audience = w.audiencePerDecade * Math.log10(1 + followers);
  if (followers >= 1_000) reasons.push(`audience of ${groupThousands(followers)} followers`);

  const ageMs = Math.max(0, nowMs - mention.receivedAt);
  const targetsElapsed =
    slaTargetMs > 0 ? Math.min(ageMs / slaTargetMs, w.maxTargetsElapsed) : w.maxTargetsElapsed;
  const age = w.perTargetElapsed * targetsElapsed;
  reasons.push(
    ageMs >= slaTargetMs
      ? `waiting ${formatDuration(ageMs)}, ${formatDuration(ageMs - slaTargetMs)} past the ${formatDuration(slaTargetMs)} target`
      : `waiting ${formatDuration(ageMs)} of the ${formatDuration(slaTargetMs)} target`,
  );

  return { score: kind + sentiment + audience + age, parts: { kind, sentiment, audience, age }, reasons };
}

/**
 * The backlog, most urgent first; equal scores put the older mention first. `slaTargetMsAt` gives the SLA
 * target in force at a mention's `receivedAt` (the brand's profile of that time).
 */
export function rankBacklog<T extends UrgencyMention>(
  mentions: readonly T[],
  nowMs: number,
  slaTargetMsAt: (receivedAtMs: number) => number,
): { readonly mention: T; readonly urgency: Urgency }[] {
  return mentions
    .map((mention) => ({ mention, urgency: urgency(mention, nowMs, slaTargetMsAt(mention.receivedAt)) }))
    .sort(
      (a, b) => moreUrgent(a.urgency.score, b.urgency.score) || a.mention.receivedAt - b.mention.receivedAt,
    );
}

/**
 * Which of two scores is higher (negative when `a` is), 0 when they are equal as defined: scores equal by their
 * parts (3 + 1.5 × age / target for two ages) can differ in their last binary digits, so a difference within
 * a billionth of their size is no difference, and the older mention comes first.
 */
function moreUrgent(a: number, b: number): number {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b)) ? 0 : b - a;
}

/** "2d 3h", "1h 10m", "45m", "20s": short and locale-free. */
export function formatDuration(ms: number): string {
  const totalSeconds = Math.floor(Math.max(0, ms) / 1000);
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3_600);
  const minutes = Math.floor((totalSeconds % 3_600) / 60);
  if (days > 0) return hours > 0 ? `${days}d ${hours}h` : `${days}d`;
  if (hours > 0) return minutes > 0 ? `${hours}h ${minutes}m` : `${hours}h`;
  if (minutes > 0) return `${minutes}m`;
  return `${totalSeconds}s`;
}

function groupThousands(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
