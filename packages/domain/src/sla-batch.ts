// The pure part of one SLA batch: what a partition batch of interactions, or a brand's new profile version,
// changes in the projection, given what the store holds. The processor loads, calls these, and saves.
import { conversationKey, type InteractionEvent } from '@carestream/contract';
import { churnSignalUpdate, type ChurnSignalUpdate } from './churn-risk.ts';
import {
  expireDue,
  foldConversation,
  initialConversationState,
  interactionTime,
  nextDueAt,
  openMentions,
  reviseRules,
  type ConversationContext,
  type ConversationState,
  type ConversationStep,
  type EvolveOutcome,
  type MentionOutcome,
  type SlaChange,
} from './conversation.ts';
import {
  addChange,
  emptyAccumulator,
  slaBucketKey,
  type SlaBucketAccumulator,
  type SlaBucketKey,
} from './sla-figures.ts';

/** A conversation as the store holds it. */
export interface StoredConversation {
  readonly key: string;
  readonly brandId: string;
  readonly state: ConversationState;
}

/** A conversation to store: its facts, its next due expiry or breach, and its open mentions (the backlog). */
export interface ConversationRow extends StoredConversation {
  readonly nextDueAt: number | null;
  readonly open: readonly MentionOutcome[];
}

/** One hourly bucket's identity as a string: brand, hour, channel, agent. */
export function slaBucketId(key: SlaBucketKey): string {
  return `${key.brandId}\u0000${key.hourStartMs}\u0000${key.channel}\u0000${key.agentId ?? ''}`;
}

/**
 * What a batch changes beyond its conversations: the summed bucket deltas, and the last update of each churn
 * signal slot (as applied one by one). Changes are recorded in order.
 */
export class SlaEffects {
  readonly deltas = new Map<string, { key: SlaBucketKey; delta: SlaBucketAccumulator }>();
  readonly churn = new Map<string, ChurnSignalUpdate>();
  readonly changes: SlaChange[] = [];

  bucket(key: SlaBucketKey): SlaBucketAccumulator {
    const id = slaBucketId(key);
    const known = this.deltas.get(id);
    if (known) return known.delta;
    const delta = emptyAccumulator();
    this.deltas.set(id, { key, delta });
    return delta;
  }

  /** Adds changes to their buckets and to the customers' churn slots, judged by `context`'s rules. */
  record(changes: readonly SlaChange[], context: ConversationContext): void {
    for (const change of changes) {
      this.changes.push(change);
      addChange(this.bucket(slaBucketKey(change)), change);
      if (change.type === 'reply-counted') continue;
      const update = churnSignalUpdate(change, context.rulesAt(change.mention.receivedAt).slaTargetMs);
      if (update)
        this.churn.set(
          `${update.brandId}\u0000${update.authorId}\u0000${update.mentionEventId}\u0000${update.slot}`,
          update,
        );
    }
  }
}

function toRow(conversation: StoredConversation, step: ConversationStep, context: ConversationContext) {
  return {
    key: conversation.key,
    brandId: conversation.brandId,
    state: step.state,
    nextDueAt: nextDueAt(step.mentions, context),
    open: openMentions(step.mentions),
  };
}

export interface InteractionBatch {
  /** The partition batch's interactions, in log order. */
  readonly events: readonly InteractionEvent[];
  /** What the store holds of the batch's conversations and of those due. */
  readonly stored: ReadonlyMap<string, StoredConversation>;
  /** Conversations of the partition with an expiry or breach due at the watermark. */
  readonly due: readonly { readonly key: string; readonly brandId: string }[];
  /** The partition's event-time watermark after this batch. */
  readonly watermarkMs: number;
  readonly contextOf: (brandId: string) => ConversationContext;
}

export interface InteractionBatchResult {
  readonly rows: readonly ConversationRow[];
  /** Each event's outcome, in the batch's order. */
  readonly outcomes: readonly { readonly event: InteractionEvent; readonly outcome: EvolveOutcome }[];
}

/** The conversations a batch touches (its own, and those due), in the order they are folded. */
export function batchConversationKeys(batch: Pick<InteractionBatch, 'events' | 'due'>): string[] {
  const keys = new Set(batch.events.map((event) => conversationKey(event)));
  for (const { key } of batch.due) keys.add(key);
  return [...keys];
}

/** The partition's watermark candidate: the newest interaction time in the batch. */
export function batchWatermark(events: readonly InteractionEvent[]): number {
  return events.reduce((max, event) => Math.max(max, interactionTime(event)), -Infinity);
}

/**
 * Folds a partition batch: each conversation's events (in log order) onto its stored facts at the watermark,
 * and the due conversations with none (time passed for them too). Records the changes in `effects`.
 */
export function foldInteractionBatch(batch: InteractionBatch, effects: SlaEffects): InteractionBatchResult {
  const byConversation = new Map<string, InteractionEvent[]>();
  for (const event of batch.events) {
    const key = conversationKey(event);
    const group = byConversation.get(key);
    if (group) group.push(event);
    else byConversation.set(key, [event]);
  }
  const rows: ConversationRow[] = [];
  const outcomes: { event: InteractionEvent; outcome: EvolveOutcome }[] = [];
  for (const key of batchConversationKeys(batch)) {
    const events = byConversation.get(key) ?? [];
    const known = batch.stored.get(key);
    const brandId = known?.brandId ?? events[0]?.brandId;
    // A due conversation the store no longer holds (a replay swapped generations meanwhile): nothing to fold.
    if (brandId === undefined) continue;
    const context = batch.contextOf(brandId);
    const step = foldConversation(
      known?.state ?? initialConversationState(),
      events,
      context,
      batch.watermarkMs,
    );
    step.outcomes.forEach((outcome, i) => {
      const event = events[i];
      if (event) outcomes.push({ event, outcome });
    });
    effects.record(step.changes, context);
    rows.push(toRow({ key, brandId, state: step.state }, step, context));
  }
  return { rows, outcomes };
}

/** A stored conversation to revise, with its partition's watermark (null before the partition's first batch). */
export interface ConversationToRevise extends StoredConversation {
  readonly partitionWatermarkMs: number | null;
}

/**
 * Revises stored conversations of a brand whose rules changed from `before` to `after`. What the new rules make
 * due at the partition's watermark (a mention that now counts, long expired; a shorter target, long passed)
 * happens in the revision, as the partition's next batch would do it: a profile read after the last event of
 * its partition leaves no figure waiting for another event.
 */
export function reviseConversations(
  conversations: readonly ConversationToRevise[],
  before: ConversationContext,
  after: ConversationContext,
  effects: SlaEffects,
): ConversationRow[] {
  return conversations.map((conversation) => {
    const revised = reviseRules(conversation.state, before, after);
    effects.record(revised.changes, after);
    const due = nextDueAt(revised.mentions, after);
    const watermarkMs = conversation.partitionWatermarkMs;
    if (due === null || watermarkMs === null || due > watermarkMs) return toRow(conversation, revised, after);
    const passed = expireDue(conversation.state, watermarkMs, after);
    effects.record(passed.changes, after);
    return toRow(conversation, passed, after);
  });
}
