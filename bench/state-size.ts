// How many bytes of SLA fold state a conversation keeps, and all conversations together:
//
//   node --import tsx bench/state-size.ts [--conversations 1000000] [--days 400] [--brands 60] [--seed 1]
//                                         [--postgres [--postgres-conversations 100000]] [--json file]
//
// Calibrated traffic from @carestream/simulator (simulateTraffic, at the rate that starts `--conversations`
// conversations in `--days` of event time) is folded conversation by conversation, event by event, in its
// time order, with the SLA processor's fold (foldConversation: horizon 7 days, retention 400 days, each brand's
// rules from its profile); what is measured is the state the processor stores for each conversation (its JSON,
// the payload of `conversations.state`), then an estimate of its JSONB datum and of the row and index entries
// around it. Then two long conversations (a mention and its reply every hour, and every 10 minutes, for twice
// the retention window) show that a conversation's state levels off once its facts older than the window are
// pruned. With --postgres, a sample of the folded states is written to a scratch database with the SLA
// processor's own saveConversations and the table's real size on disk is read back (dropped afterwards).
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import {
  conversationKey,
  DAY_MS,
  DEFAULT_RETENTION_MS,
  DEFAULT_SLA_TARGET_SECONDS,
  TOPIC_NAMES,
  type InteractionEvent,
  type MentionReceived,
  type ReplySent,
} from '@carestream/contract';
import {
  BrandRulesHistory,
  DEFAULT_ANSWER_HORIZON_MS,
  expireDue,
  foldConversation,
  initialConversationState,
  mentionOutcomes,
  nextDueAt,
  openMentions,
  type BrandRules,
  type ConversationContext,
  type ConversationState,
  type MentionOutcome,
} from '@carestream/domain';
import { createPool, migrate, withTransaction } from '@carestream/postgres';
import {
  generateBrands,
  simulateTraffic,
  stableHash,
  trafficModel,
  type SimBrand,
} from '@carestream/simulator';
import { saveConversations } from '../services/processors/src/sla-store.ts';
import { createDatabase } from './isolation.ts';
import { formatNumber, log, quantile, round } from './stats.ts';

/** The processors' default retention window (400 days). */
const RETENTION_MS = DEFAULT_RETENTION_MS;
const RETENTION_DAYS = RETENTION_MS / DAY_MS;
/** The first day of the simulated history (fixed, so that runs compare). */
const START_MS = Date.UTC(2025, 0, 6);
/** The processors' default partition count: conversations spread over it as their keys hash. */
const PARTITIONS = 12;

const { values: args } = parseArgs({
  options: {
    conversations: { type: 'string', default: '1000000' },
    days: { type: 'string', default: String(RETENTION_DAYS) },
    brands: { type: 'string', default: '60' },
    seed: { type: 'string', default: '1' },
    postgres: { type: 'boolean', default: false },
    'postgres-conversations': { type: 'string', default: '100000' },
    json: { type: 'string' },
  },
});

function positiveInteger(name: string, raw: string | undefined, max = Number.MAX_SAFE_INTEGER): number {
  const value = Number((raw ?? '').replaceAll('_', '').replaceAll(',', ''));
  if (!Number.isSafeInteger(value) || value < 1 || value > max)
    throw new Error(`--${name} must be an integer from 1 to ${max}, got "${raw}"`);
  return value;
}

const options = {
  conversations: positiveInteger('conversations', args.conversations),
  days: positiveInteger('days', args.days, RETENTION_DAYS),
  brands: positiveInteger('brands', args.brands),
  seed: positiveInteger('seed', args.seed),
  postgres: args.postgres,
  postgresConversations: positiveInteger('postgres-conversations', args['postgres-conversations']),
  json: args.json,
};

// ---------------------------------------------------------------------------------------------------------
// Sizes: the JSON payload, the JSONB datum PostgreSQL makes of it, and the row and index entries around it.
// ---------------------------------------------------------------------------------------------------------

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');
const alignTo = (offset: number, boundary: number) => Math.ceil(offset / boundary) * boundary;

/** A numeric's size as jsonb stores it: 4-byte varlena header, 2-byte short header, base-10,000 digits. */
function numericBytes(value: number): number {
  if (!Number.isFinite(value) || value === 0) return 6;
  const [whole = '0', fraction = ''] = Math.abs(value).toString().split('.');
  const left = whole.replace(/^0+/, '');
  // Groups of four digits on each side of the point, then leading and trailing zero groups dropped.
  const groups = [
    ...(left.padStart(alignTo(left.length, 4), '0').match(/.{4}/g) ?? []),
    ...(fraction.padEnd(alignTo(fraction.length, 4), '0').match(/.{4}/g) ?? []),
  ];
  let first = 0;
  let last = groups.length;
  while (first < last && groups[first] === '0000') first += 1;
  while (last > first && groups[last - 1] === '0000') last -= 1;
  return 6 + 2 * (last - first);
}

/**
 * The size of the jsonb datum PostgreSQL builds from a JSON value (jsonb_util.c): a 4-byte varlena header; per
 * container a 4-byte header and a 4-byte JEntry per element (two per object member: key and value), then the
 * keys' and values' bytes; strings as raw bytes, numerics 4-byte aligned, nested containers 4-byte aligned,
 * booleans and null in their JEntry alone. Exact for what JSON.parse gives (no duplicate keys).
 */
export function jsonbBytes(value: unknown): number {
  let offset = 4;
  const scalar = (item: unknown) => {
    if (typeof item === 'string') offset += utf8(item);
    else if (typeof item === 'number') offset = alignTo(offset, 4) + numericBytes(item);
    // booleans and null: nothing beyond the JEntry
  };
  const container = (item: unknown) => {
    offset = alignTo(offset, 4);
    if (Array.isArray(item)) {
      offset += 4 + 4 * item.length;
      for (const element of item) walk(element);
    } else {
      const entries = Object.entries(item as Record<string, unknown>);
      offset += 4 + 8 * entries.length;
      for (const [key] of entries) offset += utf8(key);
      for (const [, member] of entries) walk(member);
    }
  };
  const walk = (item: unknown) => {
    if (item !== null && typeof item === 'object') container(item);
    else scalar(item);
  };
  if (value !== null && typeof value === 'object') container(value);
  else {
    // A scalar at the top is a one-element "raw scalar" array.
    offset += 8;
    scalar(value);
  }
  return offset;
}

/** Below this a row is stored as is; above it PostgreSQL compresses its largest values (TOAST_TUPLE_THRESHOLD). */
const TOAST_THRESHOLD = 2_032;
/** Line pointer (4 bytes) per row; heap pages of 8 KiB with a 24-byte header. */
const PAGE_BYTES = 8_192;
const PAGE_HEADER = 24;
/** A B-tree filled by inserts in no particular key order sits around 70% full. */
const BTREE_FILL = 0.7;

const varlenaBytes = (bytes: number) => (bytes + 1 <= 127 ? bytes + 1 : alignTo(bytes + 4, 4));

interface RowEstimate {
  /** The heap row: tuple header, columns, alignment, line pointer, and its share of the page header. */
  readonly heap: number;
  /** The B-tree entries: primary key, (brand_id, conversation_key), and the partial next_due_at index. */
  readonly indexes: number;
  /** Whether the row is over the TOAST threshold (its state would be compressed: not estimated). */
  readonly toasted: boolean;
}

/**
 * The row of `conversations` (conversation_key, brand_id, topic, partition, state, next_due_at) and its index
 * entries, from PostgreSQL's on-disk layout; --postgres measures the real thing.
 */
function estimateRow(key: string, brandId: string, stateJsonb: number, due: boolean): RowEstimate {
  let tuple = 24; // 23-byte header (+ 1-byte null bitmap when next_due_at is null), MAXALIGN 8
  tuple +=
    varlenaBytes(utf8(key)) + varlenaBytes(utf8(brandId)) + varlenaBytes(utf8(TOPIC_NAMES.interactions));
  tuple = alignTo(tuple, 4) + 4; // partition
  tuple = stateJsonb + 1 <= 127 ? tuple + stateJsonb - 3 : alignTo(tuple, 4) + stateJsonb;
  if (due) tuple = alignTo(tuple, 8) + 8;
  const rowBytes = alignTo(tuple, 8) + 4;
  const heap = rowBytes * (PAGE_BYTES / (PAGE_BYTES - PAGE_HEADER));
  const entry = (keyBytes: number) => (alignTo(8 + keyBytes, 8) + 4) / BTREE_FILL;
  const indexes =
    entry(varlenaBytes(utf8(key))) +
    entry(varlenaBytes(utf8(brandId)) + varlenaBytes(utf8(key))) +
    (due ? entry(alignTo(varlenaBytes(utf8(TOPIC_NAMES.interactions)), 4) + 4 + 8) : 0);
  return { heap, indexes, toasted: tuple > TOAST_THRESHOLD };
}

// ---------------------------------------------------------------------------------------------------------
// The fold, as the SLA processor runs it.
// ---------------------------------------------------------------------------------------------------------

const UNPROFILED: BrandRules = {
  slaTargetMs: DEFAULT_SLA_TARGET_SECONDS * 1000,
  ownAccountIds: new Set(),
  businessHours: null,
};

/** A brand's context: its profile (set before the history starts) as the only version of its rules. */
function contextOf(brand: SimBrand): ConversationContext {
  const { profile } = brand;
  const history = new BrandRulesHistory(
    [
      {
        eventId: `sim-profile-${profile.brandId}`,
        setAt: START_MS - DAY_MS,
        slaTargetMs: profile.slaTargetSeconds * 1000,
        ownAccountIds: profile.ownAccountIds,
        timezone: profile.timezone,
        businessHours: profile.businessHours,
      },
    ],
    UNPROFILED,
  );
  return { horizonMs: DEFAULT_ANSWER_HORIZON_MS, retentionMs: RETENTION_MS, rulesAt: (ms) => history.at(ms) };
}

interface Conversation {
  state: ConversationState;
  events: number;
}

/** What the processor stores at the end: the state after the expiries due by `watermarkMs`, its due time, open mentions. */
function finalStep(state: ConversationState, context: ConversationContext, watermarkMs: number) {
  let mentions: readonly MentionOutcome[] = mentionOutcomes(state, context);
  let due = nextDueAt(mentions, context);
  if (due !== null && due <= watermarkMs) {
    const step = expireDue(state, watermarkMs, context);
    state = step.state;
    mentions = step.mentions;
    due = nextDueAt(mentions, context);
  }
  return { state, nextDueAt: due, open: openMentions(mentions) };
}

function machineOf() {
  const cpuModel = os.cpus()[0]?.model ?? 'unknown';
  return {
    cpuModel,
    cores: os.cpus().length,
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    kernel: os.release(),
    node: process.version,
  };
}

const peakRssMiB = () => round(process.resourceUsage().maxRSS / 1024);
const mib = (bytes: number) => round(bytes / 2 ** 20, 1);
const gib = (bytes: number) => round(bytes / 2 ** 30, 2);

function summary(values: ArrayLike<number>) {
  const list = Array.from(values);
  const total = list.reduce((sum, value) => sum + value, 0);
  return {
    mean: round(total / Math.max(1, list.length), 2),
    p50: quantile(list, 0.5),
    p99: quantile(list, 0.99),
    max: list.reduce((a, b) => Math.max(a, b), 0),
    total,
  };
}

// ---------------------------------------------------------------------------------------------------------
// 1. Simulated traffic, folded conversation by conversation.
// ---------------------------------------------------------------------------------------------------------

function measureTraffic() {
  const brands = generateBrands(options.brands);
  const contexts = new Map(brands.map((brand) => [brand.profile.brandId, contextOf(brand)]));
  const model = trafficModel(brands);
  const spanMs = options.days * DAY_MS;
  const endMs = START_MS + spanMs;
  // Conversations start at ratePerSecond / eventsPerConversation: this rate starts the number asked for.
  const ratePerSecond = (options.conversations * model.eventsPerConversation) / (spanMs / 1000);
  log(
    `simulating ${formatNumber(options.conversations)} conversations over ${options.days} days ` +
      `(${options.brands} brands, seed ${options.seed}, ${round(ratePerSecond, 4)} events/s of event time)`,
  );
  const conversations = new Map<string, Conversation>();
  let posts = 0;
  let interactions = 0;
  const started = performance.now();
  for (const { at, event } of simulateTraffic({
    seed: options.seed,
    brands,
    startMs: START_MS,
    endMs,
    ratePerSecond,
  })) {
    if (event.type === 'BrandPostPublished') {
      posts += 1;
      continue;
    }
    interactions += 1;
    const key = conversationKey(event);
    const context = contexts.get(event.brandId);
    if (!context) throw new Error(`no profile for ${event.brandId}`);
    const known = conversations.get(key);
    // One event per fold, with the time the stream has reached as the watermark (as a partition's).
    const step = foldConversation(known?.state ?? initialConversationState(), [event], context, at);
    if (known) {
      known.state = step.state;
      known.events += 1;
    } else conversations.set(key, { state: step.state, events: 1 });
    if (interactions % 500_000 === 0)
      log(
        `  ${formatNumber(interactions)} interactions, ${formatNumber(conversations.size)} conversations, ` +
          `${round((performance.now() - started) / 1000, 1)} s, RSS ${peakRssMiB()} MiB`,
      );
  }
  const foldSeconds = round((performance.now() - started) / 1000, 1);
  log(
    `folded ${formatNumber(interactions)} interactions (and skipped ${formatNumber(posts)} brand posts) ` +
      `into ${formatNumber(conversations.size)} conversations in ${foldSeconds} s`,
  );

  // The state each conversation is stored with once the stream has reached its end.
  const count = conversations.size;
  const jsonBytes = new Float64Array(count);
  const jsonbDatum = new Float64Array(count);
  const heapBytes = new Float64Array(count);
  const indexBytes = new Float64Array(count);
  const eventsPer = new Float64Array(count);
  const factsPer = new Float64Array(count);
  let mentionFacts = 0;
  let mentionFactBytes = 0;
  let replyFacts = 0;
  let replyFactBytes = 0;
  let toasted = 0;
  let due = 0;
  let open = 0;
  const sampleEvery = options.postgres ? Math.max(1, Math.floor(count / options.postgresConversations)) : 0;
  const sample: {
    key: string;
    brandId: string;
    state: ConversationState;
    nextDueAt: number | null;
    open: readonly MentionOutcome[];
  }[] = [];
  let i = 0;
  for (const [key, conversation] of conversations) {
    const brandId = key.slice(0, key.indexOf(':'));
    const context = contexts.get(brandId);
    if (!context) throw new Error(`no profile for ${brandId}`);
    const final = finalStep(conversation.state, context, endMs);
    const json = JSON.stringify(final.state);
    const datum = jsonbBytes(final.state);
    const row = estimateRow(key, brandId, datum, final.nextDueAt !== null);
    jsonBytes[i] = utf8(json);
    jsonbDatum[i] = datum;
    heapBytes[i] = row.heap;
    indexBytes[i] = row.indexes;
    eventsPer[i] = conversation.events;
    factsPer[i] = final.state.mentions.length + final.state.replies.length;
    for (const fact of final.state.mentions) {
      mentionFacts += 1;
      mentionFactBytes += utf8(JSON.stringify(fact)) + 1;
    }
    for (const fact of final.state.replies) {
      replyFacts += 1;
      replyFactBytes += utf8(JSON.stringify(fact)) + 1;
    }
    if (row.toasted) toasted += 1;
    if (final.nextDueAt !== null) due += 1;
    open += final.open.length;
    if (sampleEvery > 0 && i % sampleEvery === 0 && sample.length < options.postgresConversations)
      sample.push({ key, brandId, state: final.state, nextDueAt: final.nextDueAt, open: final.open });
    i += 1;
  }
  conversations.clear();

  const json = summary(jsonBytes);
  const jsonb = summary(jsonbDatum);
  const heap = summary(heapBytes);
  const indexes = summary(indexBytes);
  const result = {
    conversations: count,
    days: options.days,
    brands: options.brands,
    interactions,
    brandPosts: posts,
    foldSeconds,
    eventsPerConversation: summary(eventsPer),
    factsPerConversation: summary(factsPer),
    jsonBytes: json,
    jsonbDatumBytes: jsonb,
    estimatedRowBytes: {
      heapMean: round(heap.mean, 1),
      indexesMean: round(indexes.mean, 1),
      totalMean: round((heap.total + indexes.total) / count, 1),
      total: heap.total + indexes.total,
    },
    meanMentionFactBytes: round(mentionFactBytes / Math.max(1, mentionFacts), 1),
    meanReplyFactBytes: round(replyFactBytes / Math.max(1, replyFacts), 1),
    mentionFacts,
    replyFacts,
    overToastThreshold: toasted,
    withDueTime: due,
    openMentions: open,
    peakRssMiB: peakRssMiB(),
  };
  return { result, sample };
}

// ---------------------------------------------------------------------------------------------------------
// 2. Long conversations: a mention and its reply every `intervalMs`, for twice the retention window.
// ---------------------------------------------------------------------------------------------------------

function measureLongConversation(intervalMs: number, label: string) {
  const brand = generateBrands(1)[0];
  if (!brand) throw new Error('no brand');
  const context = contextOf(brand);
  const brandId = brand.profile.brandId;
  const runId = `long-${label}-${START_MS.toString(36)}`;
  const conversationId = `${runId}-c1`;
  let seq = 0;
  const id = () => (seq += 1).toString(36);
  const mention = (at: number): MentionReceived => {
    const n = id();
    return {
      type: 'MentionReceived',
      eventId: `${runId}-e${n}`,
      brandId,
      channel: 'x',
      conversationId,
      messageId: `${runId}-m${n}`,
      authorId: 'cust-1042',
      receivedAt: at,
      kind: 'complaint',
      needsResponse: true,
      sentiment: -0.55,
      authorFollowers: 1_317,
      private: false,
      text: 'third time asking: where is my refund?',
    };
  };
  const reply = (to: MentionReceived, at: number): ReplySent => {
    const n = id();
    return {
      type: 'ReplySent',
      eventId: `${runId}-e${n}`,
      brandId,
      channel: 'x',
      conversationId,
      messageId: `${runId}-m${n}`,
      inReplyTo: to.messageId,
      agentId: `${brandId}-agent-1`,
      sentAt: at,
      automated: false,
      private: false,
    };
  };
  const checkpointDays = 50;
  /** Days of events per fold: the state after a batch does not depend on how the events were batched. */
  const batchDays = 10;
  const days = 2 * RETENTION_DAYS;
  const checkpoints: {
    day: number;
    jsonBytes: number;
    jsonbBytes: number;
    mentions: number;
    replies: number;
  }[] = [];
  const eventsOf = (fromMs: number, toMs: number) => {
    const batch: InteractionEvent[] = [];
    for (let at = fromMs; at < toMs; at += intervalMs) {
      const m = mention(at);
      batch.push(m, reply(m, at + Math.floor(intervalMs / 2)));
    }
    return batch;
  };
  let state = initialConversationState();
  let events = 0;
  const started = performance.now();
  for (let day = 0; day < days; day += batchDays) {
    const batch = eventsOf(START_MS + day * DAY_MS, START_MS + (day + batchDays) * DAY_MS);
    events += batch.length;
    state = foldConversation(state, batch, context).state;
    if ((day + batchDays) % checkpointDays === 0) {
      checkpoints.push({
        day: day + batchDays,
        jsonBytes: utf8(JSON.stringify(state)),
        jsonbBytes: jsonbBytes(state),
        mentions: state.mentions.length,
        replies: state.replies.length,
      });
    }
  }
  // What a batch that touches the conversation costs once its window is full: the fold of one more message,
  // and the JSON the processor parses when it loads the row and writes when it saves it.
  const endMs = START_MS + days * DAY_MS;
  /** The median of three runs (the first one pays for warming up). */
  const timed = <T>(fn: () => T): { value: T; ms: number } => {
    const runs = [0, 1, 2].map(() => {
      const t0 = performance.now();
      const value = fn();
      return { value, ms: performance.now() - t0 };
    });
    const ms = runs.map((run) => run.ms).sort((a, b) => a - b)[1] ?? NaN;
    return { value: runs[0]?.value as T, ms: round(ms, 1) };
  };
  const stringified = timed(() => JSON.stringify(state));
  const parsed = timed(() => JSON.parse(stringified.value) as ConversationState);
  const folded = timed(() => foldConversation(parsed.value, eventsOf(endMs, endMs + intervalMs), context));
  const perBatch = { foldMs: folded.ms, parseMs: parsed.ms, stringifyMs: stringified.ms };
  const seconds = round((performance.now() - started) / 1000, 1);
  const last = checkpoints.at(-1);
  const atWindow = checkpoints.find((c) => c.day === RETENTION_DAYS);
  log(
    `long conversation, a mention and a reply every ${label}: ${formatNumber(events)} events over ${days} days ` +
      `folded ${batchDays} days at a time in ${seconds} s; state ${formatNumber(atWindow?.jsonBytes ?? NaN)} bytes ` +
      `at ${RETENTION_DAYS} days, ${formatNumber(last?.jsonBytes ?? NaN)} at ${days}; with a full window, one more ` +
      `message costs ${perBatch.foldMs} ms to fold, ${perBatch.parseMs} ms to parse and ${perBatch.stringifyMs} ms ` +
      `to stringify the state`,
  );
  for (const c of checkpoints)
    log(
      `  day ${String(c.day).padStart(3)}: ${formatNumber(c.jsonBytes).padStart(12)} bytes JSON ` +
        `(${mib(c.jsonBytes)} MiB; jsonb ${mib(c.jsonbBytes)} MiB), ${formatNumber(c.mentions)} mentions, ` +
        `${formatNumber(c.replies)} replies`,
    );
  return {
    result: {
      label,
      intervalMinutes: intervalMs / 60_000,
      events,
      days,
      batchDays,
      seconds,
      checkpoints,
      perBatch,
    },
    state,
    key: `${brandId}:${conversationId}`,
    brandId,
  };
}

// ---------------------------------------------------------------------------------------------------------
// 3. PostgreSQL: the states written with saveConversations into a scratch database, sizes read back.
// ---------------------------------------------------------------------------------------------------------

async function measurePostgres(
  sample: readonly {
    key: string;
    brandId: string;
    state: ConversationState;
    nextDueAt: number | null;
    open: readonly MentionOutcome[];
  }[],
  long: readonly { key: string; brandId: string; state: ConversationState }[],
) {
  const baseUrl = process.env.DATABASE_URL;
  if (!baseUrl)
    throw new Error('--postgres needs DATABASE_URL: eval "$(npm run --silent stack -- env)" first');
  const database = await createDatabase(baseUrl, 'state_size');
  log(`scratch database ${database.name}`);
  const pool = createPool({ connectionString: database.url, max: 2, applicationName: 'carestream-bench' });
  try {
    await migrate(database.url);
    const started = performance.now();
    const byPartition = new Map<number, (typeof sample)[number][]>();
    for (const conversation of sample) {
      const partition = stableHash(conversation.key) % PARTITIONS;
      const list = byPartition.get(partition) ?? [];
      list.push(conversation);
      byPartition.set(partition, list);
    }
    for (const [partition, list] of byPartition) {
      for (let i = 0; i < list.length; i += 1_000) {
        await withTransaction(pool, async (client) => {
          await client.query('set local search_path to sla_g1, public');
          await saveConversations(
            client,
            list.slice(i, i + 1_000).map((row) => ({ ...row, topic: TOPIC_NAMES.interactions, partition })),
          );
        });
      }
    }
    log(
      `wrote ${formatNumber(sample.length)} conversations in ${round((performance.now() - started) / 1000, 1)} s`,
    );
    const sizes = async () => {
      await pool.query('vacuum analyze sla_g1.conversations');
      await pool.query('vacuum analyze sla_g1.open_mentions');
      const { rows } = await pool.query<{
        rows: number;
        heap: number;
        indexes: number;
        toast: number;
        total: number;
        state_bytes: number;
        open_rows: number;
        open_total: number;
      }>(
        `select (select count(*) from sla_g1.conversations)::float8 as rows,
                pg_relation_size('sla_g1.conversations')::float8 as heap,
                pg_indexes_size('sla_g1.conversations')::float8 as indexes,
                coalesce((select pg_total_relation_size(reltoastrelid) from pg_class
                           where oid = 'sla_g1.conversations'::regclass and reltoastrelid <> 0), 0)::float8 as toast,
                pg_total_relation_size('sla_g1.conversations')::float8 as total,
                (select coalesce(sum(pg_column_size(state)), 0) from sla_g1.conversations)::float8 as state_bytes,
                (select count(*) from sla_g1.open_mentions)::float8 as open_rows,
                pg_total_relation_size('sla_g1.open_mentions')::float8 as open_total`,
      );
      const row = rows[0];
      if (!row) throw new Error('no sizes');
      return row;
    };
    const measured = await sizes();
    const { rows: indexRows } = await pool.query<{ name: string; bytes: number }>(
      `select indexrelid::regclass::text as name, pg_relation_size(indexrelid)::float8 as bytes
         from pg_index where indrelid = 'sla_g1.conversations'::regclass order by 1`,
    );
    const { rows: settings } = await pool.query<{ version: string; compression: string }>(
      `select current_setting('server_version') as version, current_setting('default_toast_compression') as compression`,
    );
    const per = (bytes: number) => round(bytes / measured.rows, 1);
    // The estimates of section 1 for the same conversations, to compare with what PostgreSQL made of them.
    let estimatedJsonb = 0;
    let estimatedRow = 0;
    let json = 0;
    for (const conversation of sample) {
      const datum = jsonbBytes(conversation.state);
      const row = estimateRow(conversation.key, conversation.brandId, datum, conversation.nextDueAt !== null);
      estimatedJsonb += datum;
      estimatedRow += row.heap + row.indexes;
      json += utf8(JSON.stringify(conversation.state));
    }
    const result = {
      server: `PostgreSQL ${settings[0]?.version ?? 'unknown'}`,
      toastCompression: settings[0]?.compression ?? 'unknown',
      conversations: measured.rows,
      totalBytes: measured.total,
      perConversation: {
        total: per(measured.total),
        heap: per(measured.heap),
        indexes: per(measured.indexes),
        toastAndMaps: per(measured.total - measured.heap - measured.indexes),
        toast: per(measured.toast),
        stateColumn: per(measured.state_bytes),
      },
      sampleEstimates: {
        jsonBytes: per(json),
        jsonbDatumBytes: per(estimatedJsonb),
        rowAndIndexBytes: per(estimatedRow),
      },
      indexes: indexRows.map((r) => ({ name: r.name, perConversation: per(r.bytes) })),
      openMentions: {
        rows: measured.open_rows,
        totalBytes: measured.open_total,
        perConversation: per(measured.open_total),
      },
      long: [] as { key: string; jsonBytes: number; storedStateBytes: number; tableGrowthBytes: number }[],
    };
    log(
      `PostgreSQL, ${formatNumber(measured.rows)} conversations: ${formatNumber(result.perConversation.total)} bytes each ` +
        `in sla_g1.conversations (heap ${formatNumber(result.perConversation.heap)}, indexes ` +
        `${formatNumber(result.perConversation.indexes)}, TOAST and maps ${formatNumber(result.perConversation.toastAndMaps)}; ` +
        `state column ${formatNumber(result.perConversation.stateColumn)}), ${mib(measured.total)} MiB in all; ` +
        `estimated for the same conversations: ${formatNumber(result.sampleEstimates.rowAndIndexBytes)} bytes each, ` +
        `state column ${formatNumber(result.sampleEstimates.jsonbDatumBytes)} (JSON ${formatNumber(result.sampleEstimates.jsonBytes)})`,
    );
    log(
      `  indexes per conversation: ${result.indexes.map((index) => `${index.name} ${formatNumber(index.perConversation)}`).join(', ')}; ` +
        `backlog (open_mentions): ${formatNumber(measured.open_rows)} rows, ${formatNumber(result.openMentions.perConversation)} bytes ` +
        `per conversation; TOAST compression ${result.toastCompression}`,
    );
    // The long conversations' states, one row each: what TOAST makes of them.
    for (const conversation of long) {
      const before = await sizes();
      await withTransaction(pool, async (client) => {
        await client.query('set local search_path to sla_g1, public');
        await saveConversations(client, [
          {
            topic: TOPIC_NAMES.interactions,
            partition: 0,
            key: conversation.key,
            brandId: conversation.brandId,
            state: conversation.state,
            nextDueAt: null,
            open: [],
          },
        ]);
      });
      const after = await sizes();
      const { rows: stateRows } = await pool.query<{ bytes: number }>(
        'select pg_column_size(state)::float8 as bytes from sla_g1.conversations where conversation_key = $1',
        [conversation.key],
      );
      const entry = {
        key: conversation.key,
        jsonBytes: utf8(JSON.stringify(conversation.state)),
        storedStateBytes: stateRows[0]?.bytes ?? NaN,
        tableGrowthBytes: after.total - before.total,
      };
      result.long.push(entry);
      log(
        `  long conversation ${conversation.key}: ${formatNumber(entry.jsonBytes)} bytes of JSON stored as ` +
          `${formatNumber(entry.storedStateBytes)} (compressed jsonb), table +${formatNumber(entry.tableGrowthBytes)} bytes`,
      );
    }
    return result;
  } finally {
    await pool.end();
    await database.drop();
    log(`dropped ${database.name}`);
  }
}

// ---------------------------------------------------------------------------------------------------------

const runStarted = performance.now();
const machine = machineOf();
log(
  `machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, Linux ${machine.kernel}, ` +
    `Node ${machine.node}`,
);
const { result: traffic, sample } = measureTraffic();
const hourly = measureLongConversation(3_600_000, '1h');
const tenMinutes = measureLongConversation(600_000, '10min');
const postgres = options.postgres ? await measurePostgres(sample, [hourly, tenMinutes]) : null;

const perMillion = (total: number) => (total / traffic.conversations) * 1_000_000;
const results = {
  measuredAt: new Date().toISOString(),
  command: `node --import tsx bench/state-size.ts ${process.argv.slice(2).join(' ')}`.trim(),
  machine,
  traffic,
  atOneMillion: {
    jsonBytes: round(perMillion(traffic.jsonBytes.total)),
    jsonbDatumBytes: round(perMillion(traffic.jsonbDatumBytes.total)),
    estimatedRowAndIndexBytes: round(perMillion(traffic.estimatedRowBytes.total)),
    postgresBytes: postgres ? round(postgres.perConversation.total * 1_000_000) : null,
  },
  long: [hourly.result, tenMinutes.result],
  postgres,
  seconds: round((performance.now() - runStarted) / 1000, 1),
  peakRssMiB: peakRssMiB(),
};

const t = traffic;
const line = (label: string, s: { mean: number; p50: number; p99: number; max: number }, unit = 'bytes') =>
  `${label}: mean ${unit === 'bytes' ? formatNumber(s.mean) : s.mean.toFixed(2)}, p50 ${formatNumber(s.p50)}, p99 ${formatNumber(s.p99)}, max ${formatNumber(s.max)} ${unit}`;
process.stdout.write(
  [
    '',
    `Conversation state size: ${formatNumber(t.conversations)} conversations, ${formatNumber(t.interactions)} mentions and replies ` +
      `(${formatNumber(t.brandPosts)} brand posts, not part of any conversation) over ${t.days} days, ${t.brands} brands`,
    line('  events per conversation', t.eventsPerConversation, 'events'),
    line('  facts kept per conversation', t.factsPerConversation, 'facts'),
    line('  state JSON (the stored payload)', t.jsonBytes),
    line('  jsonb datum of the state', t.jsonbDatumBytes),
    `  per fact: mention ${formatNumber(t.meanMentionFactBytes)} bytes, reply ${formatNumber(t.meanReplyFactBytes)} bytes of JSON`,
    `  row and index entries (estimate): heap ${formatNumber(t.estimatedRowBytes.heapMean)} + indexes ` +
      `${formatNumber(t.estimatedRowBytes.indexesMean)} = ${formatNumber(t.estimatedRowBytes.totalMean)} bytes per conversation; ` +
      `${formatNumber(t.overToastThreshold)} rows over the TOAST threshold`,
    `  total: ${mib(t.jsonBytes.total)} MiB of JSON, ${mib(t.estimatedRowBytes.total)} MiB of rows and indexes (estimate)`,
    `  at 1M conversations: ${gib(results.atOneMillion.jsonBytes)} GiB of JSON, ` +
      `${gib(results.atOneMillion.estimatedRowAndIndexBytes)} GiB of rows and indexes (estimate)` +
      (results.atOneMillion.postgresBytes === null
        ? ''
        : `, ${gib(results.atOneMillion.postgresBytes)} GiB in PostgreSQL (measured per conversation × 1M)`),
    `  fold: ${t.foldSeconds} s; peak RSS ${results.peakRssMiB} MiB; whole run ${results.seconds} s`,
    ...[hourly.result, tenMinutes.result].map((l) => {
      const window = l.checkpoints.find((c) => c.day === RETENTION_DAYS);
      const end = l.checkpoints.at(-1);
      const max = Math.max(...l.checkpoints.map((c) => c.jsonBytes));
      return (
        `  long conversation, every ${l.label}: ${formatNumber(window?.jsonBytes ?? NaN)} bytes at day ${RETENTION_DAYS}, ` +
        `${formatNumber(end?.jsonBytes ?? NaN)} at day ${end?.day ?? NaN}, never above ${formatNumber(max)} ` +
        `(${mib(max)} MiB); a batch touching it then folds in ${l.perBatch.foldMs} ms and its JSON parses in ` +
        `${l.perBatch.parseMs} ms, stringifies in ${l.perBatch.stringifyMs} ms`
      );
    }),
    '',
  ].join('\n'),
);

if (options.json) {
  await writeFile(options.json, `${JSON.stringify(results, null, 2)}\n`);
  log(`wrote ${options.json}`);
}
