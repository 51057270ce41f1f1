import {
  conversationKey,
  DEFAULT_SLA_TARGET_SECONDS,
  eventIdentity,
  SLA_CHANGE_TYPES,
  type BrandPostPublished,
  type BusinessHoursRange,
  type InteractionEvent,
  type TopicNames,
} from '@carestream/contract';
import {
  addChange,
  brandPostKey,
  DEFAULT_ANSWER_HORIZON_MS,
  emptyAccumulator,
  evolveConversation,
  expireDue,
  initialConversationState,
  interactionTime,
  nextDueAt,
  openMentions,
  slaBucketKey,
  toDerivedEvent,
  type ConversationContext,
  type ConversationState,
  type SlaBucketAccumulator,
  type SlaBucketKey,
  type SlaChange,
} from '@carestream/domain';
import { CareError } from '@carestream/errors';
import type { EventCodec } from '@carestream/kafka';
import type { PoolClient } from '@carestream/postgres';
import type { ProcessorDefinition } from '@carestream/processor-runtime';
import { Counter, type Registry } from 'prom-client';
import { useGeneration } from './projection-generation.ts';
import {
  addToBuckets,
  advanceWatermark,
  bucketId,
  loadConversations,
  loadDueConversations,
  newBrandPosts,
  saveConversations,
  writeOutbox,
} from './sla-store.ts';

type SlaInput = InteractionEvent | BrandPostPublished;

export interface SlaProcessorOptions {
  readonly codec: EventCodec;
  readonly topics: TopicNames;
  readonly registry: Registry;
  readonly horizonMs?: number;
  /** A replay writes to its own generation and derives no events (the topic has them already). */
  readonly fixedSchema?: string;
  readonly emitDerived?: boolean;
  readonly name?: string;
}

interface BrandContextRow {
  brand_id: string;
  timezone: string;
  business_hours: BusinessHoursRange[] | null;
  sla_target_seconds: number;
  own_account_ids: string[];
}

/**
 * The SLA processor: folds mentions and replies, conversation by conversation, with the pure domain
 * (evolveConversation, expireDue), and writes in the batch's transaction: hourly buckets (additive counts
 * and mergeable sketches), each conversation's state, the backlog of open mentions, the partition's
 * event-time watermark, and the derived events for the churn processor (outbox).
 */
export function slaProcessor(options: SlaProcessorOptions): ProcessorDefinition<SlaInput> {
  const horizonMs = options.horizonMs ?? DEFAULT_ANSWER_HORIZON_MS;
  const emitDerived = options.emitDerived ?? true;
  // A brand without a profile yet: the default target, no business hours, no known own accounts.
  const unprofiled: ConversationContext = {
    horizonMs,
    slaTargetMs: DEFAULT_SLA_TARGET_SECONDS * 1000,
    ownAccountIds: new Set(),
    businessHours: null,
  };
  const outcomes = new Counter({
    name: 'carestream_sla_fold_outcomes_total',
    help: 'Interactions folded by the SLA processor: applied, duplicate (eventId seen), too-late (beyond the horizon).',
    labelNames: ['outcome'],
    registers: [options.registry],
  });
  const changesCounter = new Counter({
    name: 'carestream_sla_changes_total',
    help: 'SLA changes derived: mention-counted, mention-answered, answer-retracted, mention-expired, target-breached, …',
    labelNames: ['change'],
    registers: [options.registry],
  });

  const replies = new Counter({
    name: 'carestream_sla_replies_total',
    help: 'Brand replies folded, human or automated (bots and auto-rules never count as answers).',
    labelNames: ['automated'],
    registers: [options.registry],
  });
  // Every label value exists from the start, so rate() and increase() see the first events too.
  for (const outcome of ['applied', 'duplicate', 'too-late']) outcomes.inc({ outcome }, 0);
  for (const change of SLA_CHANGE_TYPES) changesCounter.inc({ change }, 0);
  changesCounter.inc({ change: 'reply-counted' }, 0);
  for (const automated of ['true', 'false']) replies.inc({ automated }, 0);

  return {
    name: options.name ?? 'sla',
    topics: [options.topics.interactions, options.topics.brandPosts],
    prepareTransaction: async (client) => {
      await useGeneration(client, 'sla', options.fixedSchema);
    },
    decode: async (message) => {
      const event = await options.codec.decode(message.value);
      if (
        event.type === 'MentionReceived' ||
        event.type === 'ReplySent' ||
        event.type === 'BrandPostPublished'
      )
        return event;
      throw new CareError('CARE_ERR_DECODE', `the SLA processor does not take ${event.type}`);
    },
    eventTimeMs: (event) =>
      event.type === 'BrandPostPublished' ? event.publishedAt : interactionTime(event),
    apply: async (client, batch) => {
      // The batch's changes summed per bucket, in place: one accumulator per key, not a delta per change.
      const deltas = new Map<string, { key: SlaBucketKey; delta: SlaBucketAccumulator }>();
      const bucketFor = (key: SlaBucketKey): SlaBucketAccumulator => {
        const id = bucketId(key);
        const known = deltas.get(id);
        if (known) return known.delta;
        const delta = emptyAccumulator();
        deltas.set(id, { key, delta });
        return delta;
      };

      const posts = batch.records.flatMap(({ value }) =>
        value.type === 'BrandPostPublished' ? [value] : [],
      );
      if (posts.length > 0) {
        const fresh = await newBrandPosts(client, posts);
        for (const post of posts) {
          // delete: the same post twice in one batch counts once
          if (fresh.delete(eventIdentity(post))) bucketFor(brandPostKey(post)).brandPosts += 1;
        }
      }

      const interactions = batch.records.flatMap(({ value }) =>
        value.type === 'BrandPostPublished' ? [] : [value],
      );
      const contexts = await loadContexts(
        client,
        new Set(interactions.map((event) => event.brandId)),
        horizonMs,
      );
      const contextOf = (brandId: string) => contexts.get(brandId) ?? unprofiled;
      const keys = [...new Set(interactions.map((event) => conversationKey(event)))];
      const stored = await loadConversations(client, keys);
      const working = new Map<string, { brandId: string; state: ConversationState }>();
      for (const key of keys) {
        const known = stored.get(key);
        if (known) working.set(key, { brandId: known.brandId, state: known.state });
      }
      const derived: { key: string; payload: unknown }[] = [];
      const record = (key: string, changes: readonly SlaChange[], context: ConversationContext) => {
        for (const change of changes) {
          changesCounter.inc({ change: change.type });
          if (change.type === 'reply-counted') replies.inc({ automated: String(change.automated) });
          addChange(bucketFor(slaBucketKey(change)), change);
          if (!emitDerived) continue;
          const event = toDerivedEvent(change, context.slaTargetMs);
          if (event) derived.push({ key, payload: event });
        }
      };

      let batchWatermark: number | null = null;
      for (const event of interactions) {
        const key = conversationKey(event);
        const context = contextOf(event.brandId);
        const current = working.get(key) ?? { brandId: event.brandId, state: initialConversationState() };
        const step = evolveConversation(current.state, event, context);
        outcomes.inc({ outcome: step.outcome });
        working.set(key, { brandId: current.brandId, state: step.state });
        record(key, step.changes, context);
        const at = interactionTime(event);
        batchWatermark = batchWatermark === null ? at : Math.max(batchWatermark, at);
      }

      // Time passes for every conversation of the partition, not only those in this batch (brand posts have no
      // conversations, so their partitions keep no watermark).
      const watermark =
        batch.topic === options.topics.interactions
          ? await advanceWatermark(client, batch.topic, batch.partition, batchWatermark)
          : null;
      if (watermark !== null) {
        const due = await loadDueConversations(client, batch.topic, batch.partition, watermark, keys);
        const moreContexts = await loadContexts(
          client,
          new Set([...due.values()].map((c) => c.brandId).filter((brandId) => !contexts.has(brandId))),
          horizonMs,
        );
        for (const [brandId, context] of moreContexts) contexts.set(brandId, context);
        for (const [key, conversation] of due)
          working.set(key, { brandId: conversation.brandId, state: conversation.state });
        for (const [key, conversation] of working) {
          const context = contextOf(conversation.brandId);
          const dueAt = nextDueAt(conversation.state, context);
          if (dueAt === null || dueAt > watermark) continue;
          const expired = expireDue(conversation.state, watermark, context);
          working.set(key, { brandId: conversation.brandId, state: expired.state });
          record(key, expired.changes, context);
        }
      }

      await saveConversations(
        client,
        batch.topic,
        batch.partition,
        [...working.entries()].map(([key, conversation]) => ({
          key,
          brandId: conversation.brandId,
          state: conversation.state,
          nextDueAt: nextDueAt(conversation.state, contextOf(conversation.brandId)),
          open: openMentions(conversation.state),
        })),
      );
      await writeOutbox(client, derived);
      // Last: the hourly rows are shared with the instance's other partitions and with other instances, and
      // stay locked from here to the commit.
      await addToBuckets(client, deltas);
    },
  };
}

async function loadContexts(
  client: PoolClient,
  brandIds: ReadonlySet<string>,
  horizonMs: number,
): Promise<Map<string, ConversationContext>> {
  const contexts = new Map<string, ConversationContext>();
  if (brandIds.size === 0) return contexts;
  const { rows } = await client.query<BrandContextRow>(
    'select brand_id, timezone, business_hours, sla_target_seconds, own_account_ids from brand_profiles where brand_id = any($1)',
    [[...brandIds]],
  );
  for (const row of rows) {
    contexts.set(row.brand_id, {
      horizonMs,
      slaTargetMs: row.sla_target_seconds * 1000,
      ownAccountIds: new Set(row.own_account_ids),
      businessHours: row.business_hours ? { timezone: row.timezone, ranges: row.business_hours } : null,
    });
  }
  return contexts;
}
