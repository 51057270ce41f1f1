import {
  DEFAULT_RETENTION_MS,
  eventIdentity,
  type BrandPostPublished,
  type BrandProfileSet,
  type InteractionEvent,
  type TopicNames,
} from '@carestream/contract';
import {
  batchConversationKeys,
  batchWatermark,
  BrandRulesHistory,
  UNPROFILED_RULES,
  brandPostKey,
  DEFAULT_ANSWER_HORIZON_MS,
  foldInteractionBatch,
  interactionTime,
  reviseConversations,
  SLA_CHANGE_TYPES,
  SlaEffects,
  type BrandRulesVersion,
  type ConversationContext,
} from '@carestream/domain';
import { CareError } from '@carestream/errors';
import type { EventCodec } from '@carestream/kafka';
import { readBrandRules, type PoolClient } from '@carestream/postgres';
import { partitionKey, type ProcessorDefinition } from '@carestream/processor-runtime';
import { Counter, type Registry } from 'prom-client';
import { useGeneration } from './projection-generation.ts';
import {
  advanceWatermarks,
  appendBucketDeltas,
  applyChurnUpdates,
  countUnplaced,
  dueConversationKeys,
  loadBrandConversations,
  loadConversations,
  lockBrands,
  newBrandPosts,
  saveBrandRules,
  saveConversations,
  type PartitionConversationRow,
  type PartitionEvents,
} from './sla-store.ts';

type SlaInput = InteractionEvent | BrandPostPublished | BrandProfileSet;

export interface SlaProcessor extends ProcessorDefinition<SlaInput> {
  /**
   * Stores profile versions and revises the brands whose rules changed, in the caller's transaction (prepared
   * as prepareTransaction does): what a batch of the profiles topic does, for loading that topic first.
   */
  applyProfiles(client: PoolClient, profiles: readonly BrandProfileSet[]): Promise<void>;
}

export interface SlaProcessorOptions {
  readonly codec: EventCodec;
  readonly topics: TopicNames;
  readonly registry: Registry;
  readonly horizonMs?: number;
  readonly retentionMs?: number;
  /** A replay writes to its own generation. */
  readonly fixedSchema?: string;
  readonly name?: string;
}

/** Conversations revised per query when a profile changes (a big brand has many). */
const REVISION_PAGE = 500;

/**
 * The SLA processor: load, fold, save. It loads what a batch needs (the partition's watermark and due
 * conversations, the brands' rules, the conversations' facts), folds with the pure domain (foldInteractionBatch,
 * reviseConversations), and writes in the batch's transaction: each conversation's facts and open mentions
 * (the backlog), the customers' churn signals, the hourly bucket deltas, the watermark. It reads the brand
 * profiles topic too: a profile version, whenever it arrives, revises the figures of every conversation it
 * applies to.
 */
export function slaProcessor(options: SlaProcessorOptions): SlaProcessor {
  const horizonMs = options.horizonMs ?? DEFAULT_ANSWER_HORIZON_MS;
  const retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
  if (!(retentionMs > horizonMs)) {
    throw new CareError('CARE_ERR_CONFIG', 'the retention window must be longer than the answer horizon', {
      field: 'retentionMs',
    });
  }
  const contextOf = (history: BrandRulesHistory): ConversationContext => ({
    horizonMs,
    retentionMs,
    rulesAt: (ms) => history.at(ms),
  });
  const foldOutcomes = new Counter({
    name: 'carestream_sla_fold_outcomes_total',
    help: 'Interactions folded by the SLA processor: applied, duplicate (eventId seen), too-late (older than the retention window behind the conversation; counted per brand in unplaced_events).',
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
  const revisions = new Counter({
    name: 'carestream_sla_profile_revisions_total',
    help: 'Conversations revised because a brand profile version arrived that changes their rules.',
    registers: [options.registry],
  });
  // Every label value exists from the start, so rate() and increase() see the first events too.
  for (const outcome of ['applied', 'duplicate', 'too-late']) foldOutcomes.inc({ outcome }, 0);
  for (const change of SLA_CHANGE_TYPES) changesCounter.inc({ change }, 0);
  for (const automated of ['true', 'false']) replies.inc({ automated }, 0);

  /** Writes what a batch's effects hold besides its conversations, and counts its changes. */
  async function saveEffects(client: PoolClient, effects: SlaEffects): Promise<void> {
    // Tallied first: one counter update per kind and batch, not per change.
    const byType = new Map<string, number>();
    let automated = 0;
    for (const change of effects.changes) {
      byType.set(change.type, (byType.get(change.type) ?? 0) + 1);
      if (change.type === 'reply-counted' && change.automated) automated += 1;
    }
    for (const [change, n] of byType) changesCounter.inc({ change }, n);
    const repliesCounted = byType.get('reply-counted') ?? 0;
    if (repliesCounted > 0) {
      replies.inc({ automated: 'true' }, automated);
      replies.inc({ automated: 'false' }, repliesCounted - automated);
    }
    await applyChurnUpdates(client, effects.churn.values());
    await appendBucketDeltas(client, effects.deltas);
  }

  /** Each brand's rules history, leaving out the versions `without` names (by brand). */
  async function histories(
    client: PoolClient,
    brandIds: Iterable<string>,
    without: ReadonlyMap<string, ReadonlySet<string>> = new Map(),
  ) {
    // The generation's brand_rules, found on the search path prepareTransaction set.
    const versions = await readBrandRules(client, 'brand_rules', brandIds);
    const result = new Map<string, BrandRulesHistory>();
    for (const brandId of new Set(brandIds)) {
      const left = without.get(brandId);
      const kept = (versions.get(brandId) ?? []).filter((v) => !left?.has(v.eventId));
      result.set(brandId, new BrandRulesHistory(kept, UNPROFILED_RULES));
    }
    return result;
  }

  /**
   * A batch of profile versions: store them, and revise the brands for which one was new. A version already
   * known (the topic read again, or loaded first at start-up) changes nothing and takes no lock. A new one
   * takes its brand exclusively, after the insert: batches of interactions that folded the brand meanwhile
   * could not see the uncommitted version, and have committed by the time the lock is granted, so the revision
   * (from the versions committed before, to those plus ours) covers their conversations too. The same brand's
   * versions arriving on two partitions at once queue on the lock, and the second revises from the first's.
   */
  async function applyProfiles(client: PoolClient, profiles: readonly BrandProfileSet[]): Promise<void> {
    const versions = profiles.map((profile) => ({ brandId: profile.brandId, ...rulesVersion(profile) }));
    const added = await saveBrandRules(client, versions);
    if (added.size === 0) return;
    const changed = [...added.keys()].sort();
    await lockBrands(client, changed, 'exclusive');
    const before = await histories(client, changed, added);
    const after = await histories(client, changed);
    const effects = new SlaEffects();
    for (const brandId of changed) {
      const was = before.get(brandId);
      const is = after.get(brandId);
      if (!was || !is || was.sameRulesAs(is)) continue;
      for (let afterKey = ''; ;) {
        const page = await loadBrandConversations(client, brandId, afterKey, REVISION_PAGE);
        if (page.length === 0) break;
        afterKey = page.at(-1)?.key ?? afterKey;
        const rows = reviseConversations(page, contextOf(was), contextOf(is), effects);
        revisions.inc(page.length);
        // Saved with the partition each conversation lives on (its due expiries are found by partition).
        await saveConversations(
          client,
          rows.flatMap((row, i) => {
            const at = page[i];
            return at ? [{ ...row, topic: at.topic, partition: at.partition }] : [];
          }),
        );
      }
    }
    await saveEffects(client, effects);
  }

  /**
   * Partition batches of interactions, in one transaction: load what every partition needs in one statement
   * each, fold each partition with its own watermark, save in one statement each.
   */
  async function applyInteractions(
    client: PoolClient,
    partitions: readonly PartitionEvents[],
    effects: SlaEffects,
  ): Promise<void> {
    // Time passes for every conversation of a partition, not only those in its batch.
    const candidates = partitions.map((p) => ({ ...p, candidateMs: batchWatermark(p.events) }));
    const watermarks = await advanceWatermarks(client, candidates);
    // The upsert returns each partition's watermark, max(stored, the batch's newest event).
    const folds = candidates.map((p) => ({
      ...p,
      watermarkMs: watermarks.get(partitionKey(p)) ?? p.candidateMs,
    }));
    const due = await dueConversationKeys(client, folds);
    const brands = new Set<string>();
    for (const { events } of folds) for (const event of events) brands.add(event.brandId);
    for (const list of due.values()) for (const { brandId } of list) brands.add(brandId);
    // The brands' locks before any conversation row: a profile change holds the brand exclusively while it
    // revises the brand's conversations (see lockBrands).
    await lockBrands(client, brands, 'shared');
    const rules = await histories(client, brands);
    const keys = folds.flatMap(({ events, ...p }) =>
      batchConversationKeys({ events, due: due.get(partitionKey(p)) ?? [] }),
    );
    const stored = await loadConversations(client, keys);
    const contextFor = (brandId: string) =>
      contextOf(rules.get(brandId) ?? new BrandRulesHistory([], UNPROFILED_RULES));
    const rows: PartitionConversationRow[] = [];
    const tooLate: { brandId: string; eventId: string; reason: string }[] = [];
    const byOutcome = new Map<string, number>();
    for (const fold of folds) {
      const result = foldInteractionBatch(
        {
          events: fold.events,
          stored,
          due: due.get(partitionKey(fold)) ?? [],
          watermarkMs: fold.watermarkMs,
          contextOf: contextFor,
        },
        effects,
      );
      for (const row of result.rows) rows.push({ ...row, topic: fold.topic, partition: fold.partition });
      for (const { event, outcome } of result.outcomes) {
        byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1);
        if (outcome === 'too-late')
          tooLate.push({ brandId: event.brandId, eventId: event.eventId, reason: 'older-than-retention' });
      }
    }
    for (const [outcome, n] of byOutcome) foldOutcomes.inc({ outcome }, n);
    await countUnplaced(client, tooLate);
    await saveConversations(client, rows);
  }

  return {
    name: options.name ?? 'sla',
    applyProfiles,
    topics: [options.topics.interactions, options.topics.brandPosts, options.topics.brandProfiles],
    prepareTransaction: async (client) => {
      await useGeneration(client, 'sla', options.fixedSchema);
    },
    decode: (message) => options.codec.decode(message.value),
    eventTimeMs: (event) =>
      event.type === 'BrandPostPublished'
        ? event.publishedAt
        : event.type === 'BrandProfileSet'
          ? event.setAt
          : interactionTime(event),
    apply: async (client, batches) => {
      const values = batches.flatMap((batch) => batch.records.map(({ value }) => value));
      const profiles = values.filter((value): value is BrandProfileSet => value.type === 'BrandProfileSet');
      if (profiles.length > 0) await applyProfiles(client, profiles);

      const effects = new SlaEffects();
      const posts = values.filter(
        (value): value is BrandPostPublished => value.type === 'BrandPostPublished',
      );
      if (posts.length > 0) {
        const fresh = await newBrandPosts(client, posts);
        for (const post of posts) {
          // delete: the same post twice in one batch counts once
          if (fresh.delete(eventIdentity(post))) effects.bucket(brandPostKey(post)).brandPosts += 1;
        }
      }

      const partitions = batches.flatMap(({ topic, partition, records }) => {
        const events = records.flatMap(({ value }) =>
          value.type === 'MentionReceived' || value.type === 'ReplySent' ? [value] : [],
        );
        return events.length > 0 ? [{ topic, partition, events }] : [];
      });
      if (partitions.length > 0) await applyInteractions(client, partitions, effects);
      await saveEffects(client, effects);
    },
  };
}

function rulesVersion(profile: BrandProfileSet): BrandRulesVersion {
  return {
    eventId: profile.eventId,
    setAt: profile.setAt,
    slaTargetMs: profile.slaTargetSeconds * 1000,
    ownAccountIds: profile.ownAccountIds,
    timezone: profile.timezone,
    businessHours: profile.businessHours,
  };
}
