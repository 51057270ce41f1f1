import type {
  Channel,
  InteractionEvent,
  MentionKind,
  MentionReceived,
  ReplySent,
} from '@carestream/contract';
import { businessDurationMs, type BusinessHours } from './business-hours.ts';

/**
 * The mention/reply state of ONE conversation and its fold (emmett style: initial state, evolve, plus expireDue
 * for the passage of time, which arrives as data).
 *
 * Definitions (PRODUCT.md "What is computed"):
 * - a mention needs a response when `needsResponse` is true and its author is not the brand;
 * - it is answered by the first non-automated reply in the conversation sent at or after it, within the answer
 *   horizon: receivedAt <= sentAt < receivedAt + horizon (half-open, so that a reply sent exactly at the horizon
 *   and an expiry at that same instant can never disagree); one reply answers every open mention before it; the
 *   replier gets the credit;
 * - automated replies never answer; they are counted on their own;
 * - a mention unanswered when the watermark reaches receivedAt + horizon is expired.
 *
 * Arrival order. The final figures do not depend on the order events arrive in, for every event that arrives at
 * most `horizonMs` late (its own time >= the conversation watermark − horizon when it arrives):
 * - a reply sent earlier than the one credited takes the credit: 'answer-retracted' then 'mention-answered';
 * - a reply that arrives after its mention was expired, but was sent inside the horizon, undoes the expiry:
 *   'expiry-retracted' then 'mention-answered' (an expiry is final only once no acceptable event could change it);
 * - a reply that arrives before its mention answers the mention when the mention arrives.
 * Events later than that bound are refused with outcome 'too-late' and change nothing: the replies and event ids
 * that would be needed to place them correctly (or to recognise them as duplicates) have been pruned.
 * 'target-breached' is the exception: it is an observation ("still unanswered when the watermark passed the
 * target"), emitted once and never retracted, so it depends on when expireDue runs.
 *
 * The state is plain JSON (arrays and objects, no Map or Set) so processors can store it between batches.
 */

export const DEFAULT_ANSWER_HORIZON_MS = 7 * 24 * 3_600_000;

export interface ConversationContext {
  /** Answer horizon: a reply at or after receivedAt + horizon no longer answers (default 7 days). */
  readonly horizonMs: number;
  /** The brand's SLA target, for 'target-breached'. */
  readonly slaTargetMs: number;
  /** The brand's own account ids (BrandProfileSet.ownAccountIds): their mentions never need a response. */
  readonly ownAccountIds: ReadonlySet<string>;
  /** null, or null ranges: the brand keeps no business hours and businessResponseMs is null. */
  readonly businessHours: BusinessHours | null;
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
/** Undoes a 'mention-expired': a reply sent inside the horizon arrived late. Always followed by its answer. */
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
  | MentionAnswered
  | AnswerRetracted
  | MentionExpired
  | ExpiryRetracted
  | TargetBreached
  | ReplyCounted;

/** A mention needing a response, and what became of it so far. */
export interface TrackedMention {
  readonly mention: MentionRef;
  readonly answer: MentionAnswer | null;
  /** Set by expireDue; cleared again if a reply sent inside the horizon arrives late. */
  readonly expiredAt: number | null;
  readonly breachedAt: number | null;
}

/** A human reply kept so that a mention arriving late can still find its answer. */
export interface TrackedReply {
  readonly eventId: string;
  readonly agentId: string;
  readonly sentAt: number;
}

/** [eventId, event time]: the ids seen inside the acceptance window, for idempotence. */
export type SeenEvent = readonly [eventId: string, at: number];

export interface ConversationState {
  /** Max event time seen, or watermark given to expireDue; null before anything. */
  readonly watermark: number | null;
  readonly mentions: readonly TrackedMention[];
  readonly replies: readonly TrackedReply[];
  readonly seen: readonly SeenEvent[];
}

export type EvolveOutcome = 'applied' | 'duplicate' | 'too-late';

export interface ConversationStep {
  readonly state: ConversationState;
  readonly changes: readonly SlaChange[];
  /** 'duplicate' and 'too-late' change nothing; processors may count them in a metric. */
  readonly outcome: EvolveOutcome;
}

export function initialConversationState(): ConversationState {
  return { watermark: null, mentions: [], replies: [], seen: [] };
}

/** When an event happened (not when it arrived). */
export function interactionTime(event: InteractionEvent): number {
  return event.type === 'MentionReceived' ? event.receivedAt : event.sentAt;
}

/** Whether a mention is one the brand owes an answer to. */
export function needsResponse(mention: MentionReceived, ownAccountIds: ReadonlySet<string>): boolean {
  return (
    mention.needsResponse && mention.authorId !== mention.brandId && !ownAccountIds.has(mention.authorId)
  );
}

export function evolveConversation(
  state: ConversationState,
  event: InteractionEvent,
  context: ConversationContext,
): ConversationStep {
  const at = interactionTime(event);
  if (state.seen.some(([eventId]) => eventId === event.eventId)) {
    return { state, changes: [], outcome: 'duplicate' };
  }
  if (state.watermark !== null && at < state.watermark - context.horizonMs) {
    return { state, changes: [], outcome: 'too-late' };
  }
  const recorded: ConversationState = {
    ...state,
    watermark: state.watermark === null ? at : Math.max(state.watermark, at),
    seen: [...state.seen, [event.eventId, at]],
  };
  const { state: next, changes } =
    event.type === 'MentionReceived'
      ? onMention(recorded, event, context)
      : onReply(recorded, event, context);
  return { state: prune(next, context), changes, outcome: 'applied' };
}

/**
 * The passage of time: breaches and expiries due at `watermarkMs` (event time, e.g. the partition's max event
 * time; a wall clock would make a backfill of old events look late).
 */
export function expireDue(
  state: ConversationState,
  watermarkMs: number,
  context: ConversationContext,
): { readonly state: ConversationState; readonly changes: readonly SlaChange[] } {
  const watermark = state.watermark === null ? watermarkMs : Math.max(state.watermark, watermarkMs);
  const changes: SlaChange[] = [];
  const mentions = state.mentions.map((tracked) => {
    if (tracked.answer !== null) return tracked;
    let next = tracked;
    const breachAt = tracked.mention.receivedAt + context.slaTargetMs;
    if (next.breachedAt === null && breachAt <= watermark) {
      next = { ...next, breachedAt: breachAt };
      changes.push({ type: 'target-breached', mention: next.mention, breachedAt: breachAt });
    }
    const expiryAt = tracked.mention.receivedAt + context.horizonMs;
    if (next.expiredAt === null && expiryAt <= watermark) {
      next = { ...next, expiredAt: expiryAt };
      changes.push({ type: 'mention-expired', mention: next.mention, expiredAt: expiryAt });
    }
    return next;
  });
  return { state: prune({ ...state, watermark, mentions }, context), changes };
}

/** Mentions still waiting for an answer (neither answered nor expired): the conversation's share of the backlog. */
export function openMentions(state: ConversationState): readonly TrackedMention[] {
  return state.mentions.filter((tracked) => tracked.answer === null && tracked.expiredAt === null);
}

/** The earliest watermark at which expireDue would emit something, or null: lets a processor index due work. */
export function nextDueAt(state: ConversationState, context: ConversationContext): number | null {
  let due: number | null = null;
  for (const tracked of state.mentions) {
    if (tracked.answer !== null) continue;
    const candidates = [
      tracked.breachedAt === null ? tracked.mention.receivedAt + context.slaTargetMs : null,
      tracked.expiredAt === null ? tracked.mention.receivedAt + context.horizonMs : null,
    ];
    for (const candidate of candidates) {
      if (candidate !== null && (due === null || candidate < due)) due = candidate;
    }
  }
  return due;
}

function onMention(
  state: ConversationState,
  event: MentionReceived,
  context: ConversationContext,
): { state: ConversationState; changes: SlaChange[] } {
  if (!needsResponse(event, context.ownAccountIds)) return { state, changes: [] };
  const mention: MentionRef = {
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
  };
  const changes: SlaChange[] = [{ type: 'mention-counted', mention }];
  // A reply that arrived before its mention (in log order) answers it now.
  let first: TrackedReply | null = null;
  for (const reply of state.replies) {
    if (answers(reply, mention, context) && (first === null || comesFirst(reply, first))) first = reply;
  }
  const answer = first === null ? null : answerOf(first, mention, context);
  if (answer !== null) changes.push({ type: 'mention-answered', mention, ...answer });
  const tracked: TrackedMention = { mention, answer, expiredAt: null, breachedAt: null };
  return { state: { ...state, mentions: [...state.mentions, tracked] }, changes };
}

function onReply(
  state: ConversationState,
  event: ReplySent,
  context: ConversationContext,
): { state: ConversationState; changes: SlaChange[] } {
  const changes: SlaChange[] = [
    {
      type: 'reply-counted',
      brandId: event.brandId,
      channel: event.channel,
      conversationId: event.conversationId,
      replyEventId: event.eventId,
      agentId: event.agentId,
      sentAt: event.sentAt,
      automated: event.automated,
    },
  ];
  if (event.automated) return { state, changes };

  const reply: TrackedReply = { eventId: event.eventId, agentId: event.agentId, sentAt: event.sentAt };
  const mentions = state.mentions.map((tracked) => {
    if (!answers(reply, tracked.mention, context)) return tracked;
    const current = tracked.answer;
    if (current !== null && !comesFirst(reply, { eventId: current.replyEventId, sentAt: current.sentAt })) {
      return tracked;
    }
    // This reply was sent before the one credited so far (or nothing was): the credit moves to it.
    if (current !== null) changes.push({ type: 'answer-retracted', mention: tracked.mention, ...current });
    if (tracked.expiredAt !== null) {
      changes.push({ type: 'expiry-retracted', mention: tracked.mention, expiredAt: tracked.expiredAt });
    }
    const answer = answerOf(reply, tracked.mention, context);
    changes.push({ type: 'mention-answered', mention: tracked.mention, ...answer });
    return { ...tracked, answer, expiredAt: null };
  });
  return { state: { ...state, mentions, replies: [...state.replies, reply] }, changes };
}

function answers(reply: TrackedReply, mention: MentionRef, context: ConversationContext): boolean {
  return reply.sentAt >= mention.receivedAt && reply.sentAt < mention.receivedAt + context.horizonMs;
}

/** Order of replies: by sentAt, ties broken by eventId so that every arrival order picks the same one. */
function comesFirst(a: { eventId: string; sentAt: number }, b: { eventId: string; sentAt: number }): boolean {
  return a.sentAt < b.sentAt || (a.sentAt === b.sentAt && a.eventId < b.eventId);
}

function answerOf(reply: TrackedReply, mention: MentionRef, context: ConversationContext): MentionAnswer {
  const hours = context.businessHours;
  return {
    replyEventId: reply.eventId,
    agentId: reply.agentId,
    sentAt: reply.sentAt,
    responseMs: reply.sentAt - mention.receivedAt,
    businessResponseMs:
      hours === null || hours.ranges === null
        ? null
        : businessDurationMs(mention.receivedAt, reply.sentAt, hours.timezone, hours.ranges),
  };
}

/**
 * Keeps the state bounded by time: anything no acceptable event could touch any more goes. An event is accepted
 * when its time >= watermark − horizon, so:
 * - a reply sent before that can only answer mentions that would themselves be refused: drop it;
 * - a seen id before that belongs to an event whose duplicate would be refused anyway: drop it;
 * - a final mention goes once every reply that could still change it would be refused: for an answered one,
 *   replies sent before its answer; for an expired one, replies inside its horizon. (So a mention can be kept up
 *   to two horizons after it was received; open mentions are kept until expireDue settles them.)
 */
function prune(state: ConversationState, context: ConversationContext): ConversationState {
  if (state.watermark === null) return state;
  const cutoff = state.watermark - context.horizonMs;
  const mentions = state.mentions.filter((tracked) => {
    // >= : a reply sent at the same instant with a smaller eventId would still be accepted and take the credit.
    if (tracked.answer !== null) return tracked.answer.sentAt >= cutoff;
    if (tracked.expiredAt !== null) return tracked.expiredAt > cutoff;
    return true;
  });
  const replies = state.replies.filter((reply) => reply.sentAt >= cutoff);
  const seen = state.seen.filter(([, at]) => at >= cutoff);
  const unchanged =
    mentions.length === state.mentions.length &&
    replies.length === state.replies.length &&
    seen.length === state.seen.length;
  if (unchanged) return state;
  return { ...state, mentions, replies, seen };
}
