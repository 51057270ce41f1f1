// The SLA projection's SQL. Every function runs inside the batch transaction, with search_path already
// pointing at the projection's generation schema (projection-generation.ts).
import {
  mergeBuckets,
  slaBucketFromJSON,
  slaBucketToJSON,
  type ConversationState,
  type SerializedSlaBucket,
  type SlaBucket,
  type SlaBucketKey,
  type TrackedMention,
} from '@carestream/domain';
import type { PoolClient } from '@carestream/postgres';

export function bucketId(key: SlaBucketKey): string {
  return `${key.brandId}\u0000${key.hourStartMs}\u0000${key.channel}\u0000${key.agentId ?? ''}`;
}

const COLUMNS: Record<keyof Omit<SerializedSlaBucket, 'responseSketch' | 'businessSketch'>, string> = {
  needingResponse: 'needing_response',
  complaints: 'complaints',
  answered: 'answered',
  expired: 'expired',
  targetBreaches: 'target_breaches',
  within30m: 'within_30m',
  within1h: 'within_1h',
  within4h: 'within_4h',
  within24h: 'within_24h',
  responseSumMs: 'response_sum_ms',
  businessSumMs: 'business_sum_ms',
  businessWithin30m: 'business_within_30m',
  businessWithin1h: 'business_within_1h',
  businessWithin4h: 'business_within_4h',
  businessWithin24h: 'business_within_24h',
  humanReplies: 'human_replies',
  automatedReplies: 'automated_replies',
  brandPosts: 'brand_posts',
};
const COUNTER_ENTRIES = Object.entries(COLUMNS) as [keyof typeof COLUMNS, string][];

type BucketRow = Record<string, unknown> & { response_sketch: unknown; business_sketch: unknown };

/**
 * Adds the batch's merged deltas to their hourly rows: reads the rows touched (locked, in key order so
 * concurrent instances queue rather than deadlock), merges counters and sketches, writes them back in one
 * statement.
 */
export async function addToBuckets(
  client: PoolClient,
  deltas: ReadonlyMap<string, { key: SlaBucketKey; delta: SlaBucket }>,
): Promise<void> {
  if (deltas.size === 0) return;
  const entries = [...deltas.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const keys = entries.map(([, { key }]) => key);
  const { rows } = await client.query<
    BucketRow & { brand_id: string; hour_start: Date; channel: string; agent_id: string }
  >(
    `select s.* from sla_hourly s
       join unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[]) with ordinality k(brand_id, hour_start, channel, agent_id, n)
         on s.brand_id = k.brand_id and s.hour_start = k.hour_start and s.channel = k.channel and s.agent_id = k.agent_id
      order by k.n
        for update of s`,
    [
      keys.map((key) => key.brandId),
      keys.map((key) => new Date(key.hourStartMs).toISOString()),
      keys.map((key) => key.channel),
      keys.map((key) => key.agentId ?? ''),
    ],
  );
  const existing = new Map<string, SlaBucket>();
  for (const row of rows) {
    const id = bucketId({
      brandId: row.brand_id,
      hourStartMs: row.hour_start.getTime(),
      channel: row.channel as SlaBucketKey['channel'],
      agentId: row.agent_id === '' ? null : row.agent_id,
    });
    existing.set(id, bucketFromRow(row));
  }
  const merged = entries.map(([id, { key, delta }]) => {
    const before = existing.get(id);
    return bucketToRow(key, before ? mergeBuckets(before, delta) : delta);
  });
  const assignments = [...COUNTER_ENTRIES.map(([, column]) => column), 'response_sketch', 'business_sketch']
    .map((column) => `${column} = excluded.${column}`)
    .join(', ');
  await client.query(
    `insert into sla_hourly
     select * from jsonb_populate_recordset(null::sla_hourly, $1::jsonb)
     on conflict (brand_id, hour_start, channel, agent_id) do update set ${assignments}`,
    [JSON.stringify(merged)],
  );
}

function bucketFromRow(row: BucketRow): SlaBucket {
  const json = Object.fromEntries(
    COUNTER_ENTRIES.map(([field, column]) => [field, Number(row[column] ?? 0)]),
  );
  return slaBucketFromJSON({
    ...json,
    responseSketch: row.response_sketch,
    businessSketch: row.business_sketch,
  } as SerializedSlaBucket);
}

function bucketToRow(key: SlaBucketKey, bucket: SlaBucket): Record<string, unknown> {
  const json = slaBucketToJSON(bucket);
  const row: Record<string, unknown> = {
    brand_id: key.brandId,
    hour_start: new Date(key.hourStartMs).toISOString(),
    channel: key.channel,
    agent_id: key.agentId ?? '',
    response_sketch: json.responseSketch,
    business_sketch: json.businessSketch,
  };
  for (const [field, column] of COUNTER_ENTRIES) row[column] = json[field];
  return row;
}

export interface StoredConversation {
  readonly key: string;
  readonly brandId: string;
  readonly state: ConversationState;
}

export async function loadConversations(
  client: PoolClient,
  keys: readonly string[],
): Promise<Map<string, StoredConversation>> {
  if (keys.length === 0) return new Map();
  const { rows } = await client.query<{
    conversation_key: string;
    brand_id: string;
    state: ConversationState;
  }>(
    'select conversation_key, brand_id, state from conversations where conversation_key = any($1) order by conversation_key for update',
    [keys],
  );
  return new Map(
    rows.map((row) => [
      row.conversation_key,
      { key: row.conversation_key, brandId: row.brand_id, state: row.state },
    ]),
  );
}

/** Conversations of this partition with an expiry or breach due at the watermark. */
export async function loadDueConversations(
  client: PoolClient,
  topic: string,
  partition: number,
  watermarkMs: number,
  exclude: readonly string[],
): Promise<Map<string, StoredConversation>> {
  const { rows } = await client.query<{
    conversation_key: string;
    brand_id: string;
    state: ConversationState;
  }>(
    `select conversation_key, brand_id, state from conversations
      where topic = $1 and partition = $2 and next_due_at <= $3 and not (conversation_key = any($4))
      order by conversation_key for update`,
    [topic, partition, new Date(watermarkMs).toISOString(), exclude],
  );
  return new Map(
    rows.map((row) => [
      row.conversation_key,
      { key: row.conversation_key, brandId: row.brand_id, state: row.state },
    ]),
  );
}

export async function saveConversations(
  client: PoolClient,
  topic: string,
  partition: number,
  conversations: readonly {
    key: string;
    brandId: string;
    state: ConversationState;
    nextDueAt: number | null;
    open: readonly TrackedMention[];
  }[],
): Promise<void> {
  if (conversations.length === 0) return;
  await client.query(
    `insert into conversations (conversation_key, brand_id, topic, partition, state, next_due_at)
     select c.conversation_key, c.brand_id, $2, $3, c.state, c.next_due_at
       from jsonb_to_recordset($1::jsonb) as c(conversation_key text, brand_id text, state jsonb, next_due_at timestamptz)
     on conflict (conversation_key) do update set state = excluded.state, next_due_at = excluded.next_due_at`,
    [
      JSON.stringify(
        conversations.map((c) => ({
          conversation_key: c.key,
          brand_id: c.brandId,
          state: c.state,
          next_due_at: c.nextDueAt === null ? null : new Date(c.nextDueAt).toISOString(),
        })),
      ),
      topic,
      partition,
    ],
  );
  // The backlog is rewritten per touched conversation: exact by construction, whatever changed.
  await client.query('delete from open_mentions where conversation_key = any($1)', [
    conversations.map((c) => c.key),
  ]);
  const open = conversations.flatMap((c) =>
    c.open.map(({ mention, breachedAt }) => ({
      mention_event_id: mention.mentionEventId,
      conversation_key: c.key,
      brand_id: mention.brandId,
      channel: mention.channel,
      conversation_id: mention.conversationId,
      message_id: mention.messageId,
      author_id: mention.authorId,
      kind: mention.kind,
      sentiment: mention.sentiment,
      followers: mention.followers,
      private: mention.private,
      received_at: new Date(mention.receivedAt).toISOString(),
      breached_at: breachedAt === null ? null : new Date(breachedAt).toISOString(),
    })),
  );
  if (open.length > 0) {
    await client.query(
      `insert into open_mentions select * from jsonb_populate_recordset(null::open_mentions, $1::jsonb)
       on conflict (mention_event_id) do nothing`,
      [JSON.stringify(open)],
    );
  }
}

/** Moves the partition's event-time watermark forward (never back) and returns it, or null before any event. */
export async function advanceWatermark(
  client: PoolClient,
  topic: string,
  partition: number,
  candidateMs: number | null,
): Promise<number | null> {
  const { rows } =
    candidateMs === null
      ? await client.query<{ ms: number }>(
          'select (extract(epoch from watermark) * 1000)::float8 as ms from watermarks where topic = $1 and partition = $2',
          [topic, partition],
        )
      : await client.query<{ ms: number }>(
          `insert into watermarks (topic, partition, watermark) values ($1, $2, $3)
           on conflict (topic, partition) do update set watermark = greatest(watermarks.watermark, excluded.watermark)
           returning (extract(epoch from watermark) * 1000)::float8 as ms`,
          [topic, partition, new Date(candidateMs).toISOString()],
        );
  return rows[0]?.ms ?? null;
}

/** Brand posts not counted before (their eventIds), recording them as counted. */
export async function newBrandPosts(client: PoolClient, eventIds: readonly string[]): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const { rows } = await client.query<{ event_id: string }>(
    'insert into seen_brand_posts (event_id) select unnest($1::text[]) on conflict do nothing returning event_id',
    [eventIds],
  );
  return new Set(rows.map((row) => row.event_id));
}

export async function writeOutbox(
  client: PoolClient,
  messages: readonly { key: string; payload: unknown }[],
): Promise<void> {
  if (messages.length === 0) return;
  await client.query(
    `insert into derived_outbox (message_key, payload)
     select m.message_key, m.payload
       from rows from (jsonb_to_recordset($1::jsonb) as (message_key text, payload jsonb)) with ordinality as m(message_key, payload, n)
      order by m.n`,
    [JSON.stringify(messages.map((m) => ({ message_key: m.key, payload: m.payload })))],
  );
}
