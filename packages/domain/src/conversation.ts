import {
  compareIds,
  type Channel,
  type InteractionEvent,
  type MentionKind,
  type MentionReceived,
  type ReplySent,
} from '@carestream/contract';
import type { BrandRules } from './brand-rules.ts';
import { businessDurationMs, type BusinessHours } from './business-hours.ts';

/**
 * ONE conversation: the facts it has seen, and what they mean for the SLA figures.
 *
 * Definitions (docs/definitions.md):
 * - a mention needs a response when `needsResponse` is true and its author is neither the brand nor one of the
 *   brand's own accounts (by the brand's profile in force at the mention's time);
 * - it is answered by the first non-automated reply in the conversation sent at or after it, within the answer
 *   horizon: receivedAt <= sentAt < receivedAt + horizon (half-open, so that a reply sent exactly at the horizon
 *   and an expiry at that same instant can never disagree); one reply answers every open mention before it; the
 *   replier gets the credit; replies sent at the same instant are ordered by eventId;
 * - automated replies never answer; they are counted on their own;
 * - a mention unanswered when the watermark reaches receivedAt + horizon is expired;
 * - it breached the SLA target when it was answered later than the target, or is unanswered when the watermark
 *   reaches receivedAt + target.
 *
 * Exact in any arrival order. The state keeps the facts themselves (every mention and reply of the retention
 * window and one answer horizon behind the newest of them, see prune), and every figure is a pure function of
 * those facts, the brand's rules and the watermark (`mentionOutcomes`). A step computes the outcomes before and
 * after and emits the difference as SlaChanges: additive deltas with exact retractions. So the figures after any
 * sequence of steps are those of the final set of facts, whatever order they came in, however often they were
 * delivered, and whichever profile was known when they arrived (a profile change is a step too: `reviseRules`).
 * Only events older than the conversation's watermark minus the retention window are refused ('too-late'):
 * their neighbours may have been pruned.
 *
 * The state is plain JSON (arrays and objects, no Map or Set) so processors can store it between batches.
 */

export const DEFAULT_ANSWER_HORIZON_MS = 7 * 24 * 3_600_000;

export interface ConversationContext {
  /** Answer horizon: a reply at or after receivedAt + horizon no longer answers (default 7 days). */
  readonly horizonMs: number;
  /**
   * Events older than the watermark minus this are refused; facts older than the newest fact minus this and
   * the horizon are pruned.
   */
  readonly retentionMs: number;
  /** The brand's rules in force at an instant (its profile history). */
  readonly rulesAt: (ms: number) => BrandRules;
}

/** What every mention change carries: enough to find the bucket (brand, channel, hour) and the customer. */
export interface MentionRef {
  readonly mentionEventId: string;
  readonly brandId: string;
  readonly channel: Channel;
  readonly conversationId: string;
  readonly messageId: string;
  readonly authorId: string;
  readonly kind: MentionKind;
  readonly sentiment: number | null;
  readonly followers: number | null;
  readonly private: boolean;
  readonly receivedAt: number;
}

/** A mention as the state keeps it: its reference and its own needsResponse flag (the rules decide the rest). */
export interface MentionFact extends MentionRef {
  readonly needsResponse: boolean;
}

/** A reply as the state keeps it. Automated ones are kept too: their ids make a re-delivery a duplicate. */
export interface ReplyFact {
  readonly eventId: string;
  readonly agentId: string;
  readonly sentAt: number;
  readonly automated: boolean;
}

/** The reply credited with answering a mention. */
export interface MentionAnswer {
  readonly replyEventId: string;
  readonly agentId: string;
  readonly sentAt: number;
  readonly responseMs: number;
  /** Response time counting the brand's business hours only; null when it keeps none. */
  readonly businessResponseMs: number | null;
}

export interface MentionCounted {
  readonly type: 'mention-counted';
  readonly mention: MentionRef;
}
/** Undoes a 'mention-counted': the brand's profile says the author is one of its own accounts. */
export interface MentionUncounted {
  readonly type: 'mention-uncounted';
  readonly mention: MentionRef;
}
export interface MentionAnswered extends MentionAnswer {
  readonly type: 'mention-answered';
  readonly mention: MentionRef;
}
/** Undoes a 'mention-answered' exactly (same fields), so counters and sketches can subtract it. */
export interface AnswerRetracted extends MentionAnswer {
  readonly type: 'answer-retracted';
  readonly mention: MentionRef;
}
export interface MentionExpired {
  readonly type: 'mention-expired';
  readonly mention: MentionRef;
  /** receivedAt + horizon. */
  readonly expiredAt: number;
}
/** Undoes a 'mention-expired': a reply sent inside the horizon arrived late. */
export interface ExpiryRetracted {
  readonly type: 'expiry-retracted';
  readonly mention: MentionRef;
  readonly expiredAt: number;
}
export interface TargetBreached {
  readonly type: 'target-breached';
  readonly mention: MentionRef;
  /** receivedAt + SLA target. */
  readonly breachedAt: number;
}
/** Undoes a 'target-breached': a reply sent within the target arrived late, or the target changed. */
export interface BreachRetracted {
  readonly type: 'breach-retracted';
  readonly mention: MentionRef;
  readonly breachedAt: number;
}
export interface ReplyCounted {
  readonly type: 'reply-counted';
  readonly brandId: string;
  readonly channel: Channel;
  readonly conversationId: string;
  readonly replyEventId: string;
  readonly agentId: string;
  readonly sentAt: number;
  readonly automated: boolean;
}

/** Additive deltas a projection applies to its buckets; retractions undo earlier changes exactly. */
export type SlaChange =
  | MentionCounted
  | MentionUncounted
  | MentionAnswered
  | AnswerRetracted
  | MentionExpired
  | ExpiryRetracted
  | TargetBreached
  | BreachRetracted
  | ReplyCounted;

/** Every kind of SlaChange (metrics label values). */
export const SLA_CHANGE_TYPES = [
  'mention-counted',
  'mention-uncounted',
  'mention-answered',
  'answer-retracted',
  'mention-expired',
  'expiry-retracted',
  'target-breached',
  'breach-retracted',
  'reply-counted',
] as const satisfies readonly SlaChange['type'][];

/** What the facts say about one mention that needs a response. */
export interface MentionOutcome {
  readonly mention: MentionRef;
  /** The reply credited, or null; its business-hours time is worked out only for the changes emitted. */
  readonly answer: Omit<MentionAnswer, 'businessResponseMs'> | null;
  readonly expiredAt: number | null;
  readonly breachedAt: number | null;
  /** The brand's rules in force at the mention's time. */
  readonly rules: BrandRules;
}

export interface ConversationState {
  /** Max event time seen, or the watermark time has reached (expireDue); null before anything. */
  readonly watermark: number | null;
  /** Every mention still kept (see prune), needing a response or not, in arrival order. */
  readonly mentions: readonly MentionFact[];
  /** Every reply still kept (see prune), in arrival order. */
  readonly replies: readonly ReplyFact[];
}

export type EvolveOutcome = 'applied' | 'duplicate' | 'too-late';

export interface ConversationStep {
  readonly state: ConversationState;
  readonly changes: readonly SlaChange[];
  /** One per event given, in order: 'duplicate' and 'too-late' change nothing. */
  readonly outcomes: readonly EvolveOutcome[];
  /** What the facts now say about each mention needing a response (mentionOutcomes of the new state). */
  readonly mentions: readonly MentionOutcome[];
}

export function initialConversationState(): ConversationState {
  return { watermark: null, mentions: [], replies: [] };
}

/** When an event happened (not when it arrived). */
export function interactionTime(event: InteractionEvent): number {
  return event.type === 'MentionReceived' ? event.receivedAt : event.sentAt;
}

/** Whether a mention is one the brand owes an answer to, under the rules in force at its time. */
export function needsResponse(
  mention: Pick<MentionReceived, 'needsResponse' | 'authorId' | 'brandId'>,
  ownAccountIds: ReadonlySet<string>,
): boolean {
  return (
    mention.needsResponse && mention.authorId !== mention.brandId && !ownAccountIds.has(mention.authorId)
  );
}

/**
 * Folds events of one conversation, then lets time pass to `watermarkMs` (when given): the changes are the
 * difference between what the facts said before and what they say after.
 */
export function foldConversation(
  state: ConversationState,
  events: readonly InteractionEvent[],
  context: ConversationContext,
  watermarkMs: number | null = null,
): ConversationStep {
  const before = mentionOutcomes(state, context);
  const seen = new Set<string>([
    ...state.mentions.map((m) => m.mentionEventId),
    ...state.replies.map((r) => r.eventId),
  ]);
  const mentions = [...state.mentions];
  const replies = [...state.replies];
  const counted: SlaChange[] = [];
  const outcomes: EvolveOutcome[] = [];
  let watermark = state.watermark;
  for (const event of events) {
    const at = interactionTime(event);
    if (seen.has(event.eventId)) {
      outcomes.push('duplicate');
      continue;
    }
    if (watermark !== null && at < watermark - context.retentionMs) {
      outcomes.push('too-late');
      continue;
    }
    seen.add(event.eventId);
    outcomes.push('applied');
    watermark = watermark === null ? at : Math.max(watermark, at);
    if (event.type === 'MentionReceived') mentions.push(mentionFact(event));
    else {
      replies.push({
        eventId: event.eventId,
        agentId: event.agentId,
        sentAt: event.sentAt,
        automated: event.automated,
      });
      counted.push(replyCounted(event));
    }
  }
  if (watermarkMs !== null) watermark = watermark === null ? watermarkMs : Math.max(watermark, watermarkMs);
  const next: ConversationState = { watermark, mentions, replies };
  const after = mentionOutcomes(next, context);
  const changes = [...counted, ...outcomeChanges(before, after)];
  return { state: prune(next, context, after), changes, outcomes, mentions: after };
}

/** One event (a convenience over foldConversation). */
export function evolveConversation(
  state: ConversationState,
  event: InteractionEvent,
  context: ConversationContext,
): ConversationStep {
  return foldConversation(state, [event], context);
}

/**
 * The passage of time: expiries and breaches due at `watermarkMs` (event time, e.g. the partition's max event
 * time; a wall clock would make a backfill of old events look late).
 */
export function expireDue(
  state: ConversationState,
  watermarkMs: number,
  context: ConversationContext,
): ConversationStep {
  return foldConversation(state, [], context, watermarkMs);
}

/**
 * The brand's rules changed (a profile arrived, perhaps after the brand's events): the changes that take the
 * figures from what `before` said to what `after` says. The facts themselves do not change.
 */
export function reviseRules(
  state: ConversationState,
  before: ConversationContext,
  after: ConversationContext,
): ConversationStep {
  const mentions = mentionOutcomes(state, after);
  return { state, changes: outcomeChanges(mentionOutcomes(state, before), mentions), outcomes: [], mentions };
}

/**
 * What the facts say about every mention that needs a response, at the state's watermark: its answer, and
 * whether it expired or breached the target. A pure function of the set of facts (not of their order).
 */
export function mentionOutcomes(state: ConversationState, context: ConversationContext): MentionOutcome[] {
  const human = state.replies.filter((reply) => !reply.automated).sort(replyOrder);
  const watermark = state.watermark ?? -Infinity;
  const outcomes: MentionOutcome[] = [];
  for (const fact of state.mentions) {
    const rules = context.rulesAt(fact.receivedAt);
    if (!needsResponse(fact, rules.ownAccountIds)) continue;
    const mention = mentionRef(fact);
    const first = firstReplyAtOrAfter(human, mention.receivedAt);
    const answer =
      first !== undefined && first.sentAt < mention.receivedAt + context.horizonMs
        ? {
            replyEventId: first.eventId,
            agentId: first.agentId,
            sentAt: first.sentAt,
            responseMs: first.sentAt - mention.receivedAt,
          }
        : null;
    const expiryAt = mention.receivedAt + context.horizonMs;
    const breachAt = mention.receivedAt + rules.slaTargetMs;
    const breached = answer === null ? breachAt <= watermark : answer.responseMs > rules.slaTargetMs;
    outcomes.push({
      mention,
      answer,
      expiredAt: answer === null && expiryAt <= watermark ? expiryAt : null,
      breachedAt: breached ? breachAt : null,
      rules,
    });
  }
  return outcomes;
}

/** Mentions still waiting for an answer (neither answered nor expired): the conversation's share of the backlog. */
export function openMentions(mentions: readonly MentionOutcome[]): MentionOutcome[] {
  return mentions.filter((o) => o.answer === null && o.expiredAt === null);
}

/**
 * The earliest watermark at which expireDue would change something, or null: lets a processor index due work.
 * `mentions` are the conversation's outcomes (ConversationStep.mentions). Every unanswered mention counts, not
 * only the open ones: a target longer than the answer horizon is breached after the mention expired.
 */
export function nextDueAt(mentions: readonly MentionOutcome[], context: ConversationContext): number | null {
  let due: number | null = null;
  for (const outcome of mentions) {
    if (outcome.answer !== null) continue;
    const { receivedAt } = outcome.mention;
    const candidates = [
      outcome.breachedAt === null ? receivedAt + outcome.rules.slaTargetMs : null,
      outcome.expiredAt === null ? receivedAt + context.horizonMs : null,
    ];
    for (const candidate of candidates) {
      if (candidate !== null && (due === null || candidate < due)) due = candidate;
    }
  }
  return due;
}

/**
 * The changes from one set of outcomes to another, mention by mention: what no longer holds is retracted first
 * (so a projection that keeps one slot per mention clears it before it is set again), then what now holds.
 */
function outcomeChanges(before: readonly MentionOutcome[], after: readonly MentionOutcome[]): SlaChange[] {
  const changes: SlaChange[] = [];
  const old = new Map(before.map((outcome) => [outcome.mention.mentionEventId, outcome]));
  const now = new Map(after.map((outcome) => [outcome.mention.mentionEventId, outcome]));
  for (const [id, was] of old) {
    const is = now.get(id);
    const { mention } = was;
    if (was.answer !== null && !sameAnswer(was, is)) {
      changes.push({ type: 'answer-retracted', mention, ...withBusinessTime(was.answer, was) });
    }
    if (was.expiredAt !== null && was.expiredAt !== (is?.expiredAt ?? null)) {
      changes.push({ type: 'expiry-retracted', mention, expiredAt: was.expiredAt });
    }
    if (was.breachedAt !== null && was.breachedAt !== (is?.breachedAt ?? null)) {
      changes.push({ type: 'breach-retracted', mention, breachedAt: was.breachedAt });
    }
    if (is === undefined) changes.push({ type: 'mention-uncounted', mention });
  }
  for (const [id, is] of now) {
    const was = old.get(id);
    const { mention } = is;
    if (was === undefined) changes.push({ type: 'mention-counted', mention });
    if (is.answer !== null && !sameAnswer(is, was)) {
      changes.push({ type: 'mention-answered', mention, ...withBusinessTime(is.answer, is) });
    }
    if (is.expiredAt !== null && is.expiredAt !== (was?.expiredAt ?? null)) {
      changes.push({ type: 'mention-expired', mention, expiredAt: is.expiredAt });
    }
    if (is.breachedAt !== null && is.breachedAt !== (was?.breachedAt ?? null)) {
      changes.push({ type: 'target-breached', mention, breachedAt: is.breachedAt });
    }
  }
  return changes;
}

/**
 * Whether two outcomes credit the same answer. An answer that moved from timely to late (the target changed) is
 * another answer too: whoever keeps "late or timely" per answer (churn) must hear of it; so is one whose
 * business-hours time changed (other business hours were in force).
 */
function sameAnswer(x: MentionOutcome, y: MentionOutcome | undefined): boolean {
  const a = x.answer;
  const b = y?.answer ?? null;
  return (
    a !== null &&
    b !== null &&
    y !== undefined &&
    x.breachedAt === y.breachedAt &&
    a.replyEventId === b.replyEventId &&
    a.agentId === b.agentId &&
    a.sentAt === b.sentAt &&
    sameBusinessHours(x.rules.businessHours, y.rules.businessHours)
  );
}

function sameBusinessHours(a: BusinessHours | null, b: BusinessHours | null): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** The answer with its business-hours response time, under the rules in force at the mention's time. */
function withBusinessTime(
  answer: Omit<MentionAnswer, 'businessResponseMs'>,
  outcome: MentionOutcome,
): MentionAnswer {
  const hours = outcome.rules.businessHours;
  return {
    ...answer,
    businessResponseMs:
      hours === null || hours.ranges === null
        ? null
        : businessDurationMs(outcome.mention.receivedAt, answer.sentAt, hours.timezone, hours.ranges),
  };
}

function mentionFact(event: MentionReceived): MentionFact {
  return {
    mentionEventId: event.eventId,
    brandId: event.brandId,
    channel: event.channel,
    conversationId: event.conversationId,
    messageId: event.messageId,
    authorId: event.authorId,
    kind: event.kind,
    sentiment: event.sentiment,
    followers: event.authorFollowers,
    private: event.private,
    receivedAt: event.receivedAt,
    needsResponse: event.needsResponse,
  };
}

function mentionRef(fact: MentionFact): MentionRef {
  const { needsResponse: _needsResponse, ...ref } = fact;
  return ref;
}

function replyCounted(event: ReplySent): ReplyCounted {
  return {
    type: 'reply-counted',
    brandId: event.brandId,
    channel: event.channel,
    conversationId: event.conversationId,
    replyEventId: event.eventId,
    agentId: event.agentId,
    sentAt: event.sentAt,
    automated: event.automated,
  };
}

/** Order of replies: by sentAt, ties broken by eventId so that every arrival order picks the same one. */
function replyOrder(a: ReplyFact, b: ReplyFact): number {
  return a.sentAt - b.sentAt || compareIds(a.eventId, b.eventId);
}

/** The first reply (in replyOrder) sent at or after `ms`, by binary search over the sorted replies. */
function firstReplyAtOrAfter(sorted: readonly ReplyFact[], ms: number): ReplyFact | undefined {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((sorted[middle]?.sentAt ?? Infinity) < ms) low = middle + 1;
    else high = middle;
  }
  return sorted[low];
}

/**
 * Keeps the state bounded by the retention window: a fact older than the conversation's newest fact minus the
 * retention window and the answer horizon goes. Nothing an accepted event can change depends on what goes (an
 * event older than the window behind the watermark is refused, the newest fact is never past the watermark,
 * and a reply answers only mentions up to a horizon before it), and a mention that goes was settled long before
 * (an unanswered one stays until its target has passed too): its figures stay in the projection as they are.
 * Measured from the facts, not the watermark (which a due fold raises), what is kept depends on the facts
 * alone, not on the batching: so does what a late profile version can still revise.
 */
function prune(
  state: ConversationState,
  context: ConversationContext,
  outcomes: readonly MentionOutcome[],
): ConversationState {
  let newest = -Infinity;
  for (const fact of state.mentions) if (fact.receivedAt > newest) newest = fact.receivedAt;
  for (const reply of state.replies) if (reply.sentAt > newest) newest = reply.sentAt;
  if (newest === -Infinity) return state;
  // An event is accepted up to the retention window behind the watermark, and a reply that old can still
  // answer a mention up to the horizon before it (or move a credit to itself): facts stay one horizon longer.
  const cutoff = newest - context.retentionMs - context.horizonMs;
  // An unanswered mention whose target has not passed yet is kept until it has: a target may be longer than
  // the retention window (a year's target, a shorter window), and its breach must not depend on the batching.
  const pending = new Set(
    outcomes
      .filter((o) => o.answer === null && o.breachedAt === null && o.mention.receivedAt < cutoff)
      .map((o) => o.mention.mentionEventId),
  );
  const mentions = state.mentions.filter(
    (fact) => fact.receivedAt >= cutoff || pending.has(fact.mentionEventId),
  );
  const replies = state.replies.filter((reply) => reply.sentAt >= cutoff);
  if (mentions.length === state.mentions.length && replies.length === state.replies.length) return state;
  return { ...state, mentions, replies };
}
