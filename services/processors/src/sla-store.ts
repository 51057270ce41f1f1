// The SLA projection's SQL. Every function runs inside the batch transaction, with search_path already
// pointing at the projection's generation schema (projection-generation.ts).
import {
  ResponseTimeSketch,
  SLA_COUNTER_COLUMNS,
  type ConversationState,
  type SerializedResponseTimeSketch,
  type SlaBucket,
  type SlaBucketKey,
  type TrackedMention,
} from '@carestream/domain';
import { eventIdentity } from '@carestream/contract';
import type { PoolClient } from '@carestream/postgres';

export function bucketId(key: SlaBucketKey): string {
  return `${key.brandId}\u0000${key.hourStartMs}\u0000${key.channel}\u0000${key.agentId ?? ''}`;
}

const EMPTY_SKETCH = JSON.stringify(new ResponseTimeSketch().toJSON());

/**
 * Adds the batch's merged deltas to their hourly rows. Counters are added by Postgres (`x = x + delta`), so they
 * are never read; sketches are read, merged and written back only for the rows whose delta holds response times.
 *
 * Rows are shared by instances (a brand's conversations spread over partitions), so the read-merge-write of a
 * sketch must hold the row's lock from the read to the write. Every touched row is therefore created first
 * (empty, `on conflict do nothing`, which waits for a concurrent creator) and then locked with `for update`, in
 * key order so that concurrent instances queue rather than deadlock. Creating a row in the same statement as the
 * write (insert … on conflict do update) would lose a concurrent creator's sketch: its read saw no row.
 */
export async function addToBuckets(
  client: PoolClient,
  deltas: ReadonlyMap<string, { key: SlaBucketKey; delta: SlaBucket }>,
): Promise<void> {
  if (deltas.size === 0) return;
  const entries = [...deltas.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const keys = entries.map(([, { key }]) => key);
  const keyParams = [
    keys.map((key) => key.brandId),
    keys.map((key) => new Date(key.hourStartMs).toISOString()),
    keys.map((key) => key.channel),
    keys.map((key) => key.agentId ?? ''),
  ];
  const withSketches = entries.map(
    ([, { delta }]) => !delta.responseSketch.isEmpty() || !delta.businessSketch.isEmpty(),
  );
  await client.query(
    `insert into sla_hourly (brand_id, hour_start, channel, agent_id, response_sketch, business_sketch)
     select k.brand_id, k.hour_start, k.channel, k.agent_id, $5::jsonb, $5::jsonb
       from unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[]) with ordinality k(brand_id, hour_start, channel, agent_id, n)
      order by k.n
     on conflict (brand_id, hour_start, channel, agent_id) do nothing`,
    [...keyParams, EMPTY_SKETCH],
  );
  const { rows } = await client.query<{
    n: string;
    response_sketch: SerializedResponseTimeSketch | null;
    business_sketch: SerializedResponseTimeSketch | null;
  }>(
    `select k.n,
            case when k.merge then s.response_sketch end as response_sketch,
            case when k.merge then s.business_sketch end as business_sketch
       from sla_hourly s
       join unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::boolean[]) with ordinality k(brand_id, hour_start, channel, agent_id, merge, n)
         on s.brand_id = k.brand_id and s.hour_start = k.hour_start and s.channel = k.channel and s.agent_id = k.agent_id
      order by k.n
        for update of s`,
    [...keyParams, withSketches],
  );
  // The merged sketches to write; null keeps the stored ones (the delta has no response times).
  const responseSketches: (string | null)[] = entries.map(() => null);
  const businessSketches: (string | null)[] = entries.map(() => null);
  for (const row of rows) {
    const i = Number(row.n) - 1;
    const delta = entries[i]?.[1].delta;
    if (!delta || !row.response_sketch || !row.business_sketch) continue;
    const response = ResponseTimeSketch.fromJSON(row.response_sketch).merge(delta.responseSketch);
    const business = ResponseTimeSketch.fromJSON(row.business_sketch).merge(delta.businessSketch);
    responseSketches[i] = JSON.stringify(response.toJSON());
    businessSketches[i] = JSON.stringify(business.toJSON());
  }
  const counters = SLA_COUNTER_COLUMNS.map(([field]) => entries.map(([, { delta }]) => delta[field]));
  const columns = SLA_COUNTER_COLUMNS.map(([, column]) => column);
  const counterParams = columns.map((_, i) => `$${i + 5}::bigint[]`).join(', ');
  const sketchParam = columns.length + 5;
  const updated = await client.query(
    `update sla_hourly s set
       ${columns.map((c) => `${c} = s.${c} + u.${c}`).join(', ')},
       response_sketch = coalesce(u.response_sketch, s.response_sketch),
       business_sketch = coalesce(u.business_sketch, s.business_sketch)
       from unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], ${counterParams}, $${sketchParam}::jsonb[], $${sketchParam + 1}::jsonb[])
            as u(brand_id, hour_start, channel, agent_id, ${columns.join(', ')}, response_sketch, business_sketch)
      where s.brand_id = u.brand_id and s.hour_start = u.hour_start and s.channel = u.channel and s.agent_id = u.agent_id`,
    [...keyParams, ...counters, responseSketches, businessSketches],
  );
  // Every row was created and locked above; a shortfall would drop counts silently, so it stops the batch.
  if (updated.rowCount !== entries.length) {
    throw new Error(`sla_hourly: updated ${updated.rowCount} rows of ${entries.length}`);
  }
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
       on conflict (brand_id, mention_event_id) do nothing`,
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

/** Brand posts not counted before (as their eventIdentity), recording them as counted. */
export async function newBrandPosts(
  client: PoolClient,
  posts: readonly { readonly brandId: string; readonly eventId: string }[],
): Promise<Set<string>> {
  if (posts.length === 0) return new Set();
  const { rows } = await client.query<{ brand_id: string; event_id: string }>(
    `insert into seen_brand_posts (brand_id, event_id) select * from unnest($1::text[], $2::text[])
     on conflict do nothing returning brand_id, event_id`,
    [posts.map((post) => post.brandId), posts.map((post) => post.eventId)],
  );
  return new Set(rows.map((row) => eventIdentity({ brandId: row.brand_id, eventId: row.event_id })));
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
