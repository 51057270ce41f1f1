// The SLA projection's SQL. Every function runs inside the batch transaction, with search_path already
// pointing at the projection's generation schema (projection-generation.ts).
import {
  ALL_CHANNELS,
  utcWeekStart,
  ResponseTimeSketch,
  SLA_COUNTER_COLUMNS,
  type BrandRulesVersion,
  type ChurnSignal,
  type ChurnSignalUpdate,
  type ConversationRow,
  type ConversationState,
  type ConversationToRevise,
  type StoredConversation,
  type SlaBucket,
  type SlaBucketKey,
} from '@carestream/domain';
import { DAY_MS, eventIdentity, type InteractionEvent } from '@carestream/contract';
import {
  arrayColumn,
  arrayLiteral,
  instantsFromEpochMs,
  packBytes,
  type PoolClient,
} from '@carestream/postgres';
import { partitionKey } from '@carestream/processor-runtime';

const EMPTY_SKETCH = Buffer.from(new ResponseTimeSketch().toBytes());

const COUNTER_NAMES = SLA_COUNTER_COLUMNS.map(([, column]) => column);

/**
 * Appends the batch's merged bucket deltas (the hourly rows are folded from them by compactBucketDeltas). An
 * insert of new rows only: nothing here waits for another partition's or another instance's transaction,
 * however many brands and hours they share.
 */
export async function appendBucketDeltas(
  client: PoolClient,
  deltas: ReadonlyMap<string, { key: SlaBucketKey; delta: SlaBucket }>,
): Promise<void> {
  // A delta whose changes cancel out (a credit that moved in and out of a bucket within the batch) is nothing.
  const entries = [...deltas.values()].filter(({ delta }) => !isZero(delta));
  if (entries.length === 0) return;
  // One array per column (PostgreSQL reads array literals several times faster than a JSON document of rows).
  const bytesOf = (sketch: ResponseTimeSketch) => (sketch.isEmpty() ? null : sketch.toBytes());
  const sketches = sketchParameters(
    entries.map(({ delta }) => bytesOf(delta.responseSketch)),
    entries.map(({ delta }) => bytesOf(delta.businessSketch)),
    COUNTER_NAMES.length + 5,
    'd',
  );
  await client.query(
    `insert into sla_hourly_deltas (brand_id, hour_start, channel, agent_id, ${COUNTER_NAMES.join(', ')}, response_sketch, business_sketch)
     select d.brand_id, d.hour_start, d.channel, d.agent_id, ${COUNTER_NAMES.map((c) => `d.${c}`).join(', ')},
            ${sketches.select}
       from unnest($1::text[], ${instantsFromEpochMs('$2')}, $3::text[], $4::text[],
                   ${COUNTER_NAMES.map((_, i) => `$${i + 5}::bigint[]`).join(', ')}, ${sketches.arrays})
         as d(brand_id, hour_start, channel, agent_id, ${COUNTER_NAMES.join(', ')}, ${sketches.names})`,
    [
      arrayColumn(entries, ({ key }) => key.brandId),
      arrayColumn(entries, ({ key }) => key.hourStartMs),
      arrayColumn(entries, ({ key }) => key.channel),
      arrayColumn(entries, ({ key }) => key.agentId ?? ''),
      ...SLA_COUNTER_COLUMNS.map(([field]) => arrayColumn(entries, ({ delta }) => delta[field])),
      ...sketches.values,
    ],
  );
}

/**
 * Two columns of sketches (as stored, or null) as parameters numbered from `first`: each packed into one bytea
 * (sent in binary), then each row's start and length in it. `select` cuts them out of the unnest() row
 * `alias`; `arrays` and `names` extend the unnest() call and its column list.
 */
function sketchParameters(
  response: readonly (Uint8Array | null)[],
  business: readonly (Uint8Array | null)[],
  first: number,
  alias: string,
) {
  const responses = packBytes(response);
  const businesses = packBytes(business);
  return {
    values: [
      responses.bytes,
      businesses.bytes,
      responses.starts,
      responses.lengths,
      businesses.starts,
      businesses.lengths,
    ],
    select: `substring($${first}::bytea from ${alias}.rs for ${alias}.rl), substring($${first + 1}::bytea from ${alias}.bs for ${alias}.bl)`,
    arrays: `$${first + 2}::int[], $${first + 3}::int[], $${first + 4}::int[], $${first + 5}::int[]`,
    names: 'rs, rl, bs, bl',
  };
}

type CounterField = (typeof SLA_COUNTER_COLUMNS)[number][0];

/**
 * Summed deltas of one row of a compacted table: its key's values (in the table's key column order), its
 * counters summed, and its deltas' sketches as stored, summed only when the row is written (in one dense array
 * with the stored row's sketch: no map of bins per row and table, which made the compactor's passes the
 * processors' peaks of memory).
 */
interface RowDelta {
  readonly key: readonly (string | number)[];
  readonly counters: Record<CounterField, number>;
  readonly responseSketches: Uint8Array[];
  readonly businessSketches: Uint8Array[];
}

/** A row's key as one map key (brand ids may hold any character but NUL). */
const rowId = (key: RowDelta['key']) => key.join('\u0000');

/** The entry of `key` in `rows`, created empty when missing. */
function rowOf(rows: Map<string, RowDelta>, key: RowDelta['key']): RowDelta {
  const id = rowId(key);
  let entry = rows.get(id);
  if (!entry) {
    const counters = Object.fromEntries(SLA_COUNTER_COLUMNS.map(([field]) => [field, 0]));
    entry = { key, counters: counters as RowDelta['counters'], responseSketches: [], businessSketches: [] };
    rows.set(id, entry);
  }
  return entry;
}

/** Adds `delta` into the entry of `key` in `rows` (created when missing). */
function addInto(rows: Map<string, RowDelta>, key: RowDelta['key'], delta: RowDelta): void {
  const entry = rowOf(rows, key);
  for (const [field] of SLA_COUNTER_COLUMNS) entry.counters[field] += delta.counters[field];
  for (const bytes of delta.responseSketches) entry.responseSketches.push(bytes);
  for (const bytes of delta.businessSketches) entry.businessSketches.push(bytes);
}

/** The sum of stored sketches, as one sketch. */
function sumOf(sketches: readonly Uint8Array[]): ResponseTimeSketch {
  return ResponseTimeSketch.sumEncoded(sketches.length === 1 ? sketches[0]! : Buffer.concat(sketches));
}

/**
 * Folds up to `limit` of the oldest bucket deltas into the hourly rows, the daily rows (UTC days), and the daily
 * and weekly totals (a brand's day or UTC week per channel and over all channels, agents summed), in the caller's transaction, and
 * returns how many it folded. The caller makes sure it is the generation's only compactor (an advisory lock):
 * the rows then have one writer, which reads a row's sketches, merges and writes them back without locking
 * against anyone. Deltas of one key are summed first, so a busy hour is written once per call however many
 * batches touched it. A row whose every count went back to zero (its only answer moved to another agent's row)
 * is deleted, so the tables are the same whatever the order and batching that led to them.
 */
export async function compactBucketDeltas(client: PoolClient, limit: number): Promise<number> {
  const { rows: taken } = await client.query<
    Record<string, string> & {
      brand_id: string;
      hour_start: Date;
      channel: SlaBucketKey['channel'];
      agent_id: string;
      response_sketch: Buffer | null;
      business_sketch: Buffer | null;
    }
  >(
    `delete from sla_hourly_deltas where id in (select id from sla_hourly_deltas order by id limit $1)
     returning brand_id, hour_start, channel, agent_id, ${COUNTER_NAMES.join(', ')}, response_sketch, business_sketch`,
    [limit],
  );
  if (taken.length === 0) return 0;
  const hours = new Map<string, RowDelta>();
  for (const row of taken) {
    const entry = rowOf(hours, [row.brand_id, row.hour_start.getTime(), row.channel, row.agent_id]);
    for (const [field, column] of SLA_COUNTER_COLUMNS) entry.counters[field] += Number(row[column]);
    if (row.response_sketch) entry.responseSketches.push(row.response_sketch);
    if (row.business_sketch) entry.businessSketches.push(row.business_sketch);
  }
  // The same deltas summed per UTC day, and the days per brand and channel without agents (and over all
  // channels), and those per UTC week.
  const days = new Map<string, RowDelta>();
  for (const hour of hours.values()) {
    const [brandId, hourStartMs, channel, agentId] = hour.key as [string, number, string, string];
    const dayStartMs = hourStartMs - (hourStartMs % DAY_MS);
    addInto(days, [brandId, dayStartMs, channel, agentId], hour);
  }
  const totals = new Map<string, RowDelta>();
  for (const day of days.values()) {
    const [brandId, dayStartMs, channel] = day.key as [string, number, string];
    addInto(totals, [brandId, dayStartMs, channel], day);
    addInto(totals, [brandId, dayStartMs, ALL_CHANNELS], day);
  }
  const weeks = new Map<string, RowDelta>();
  for (const total of totals.values()) {
    const [brandId, dayStartMs, channel] = total.key as [string, number, string];
    addInto(weeks, [brandId, utcWeekStart(dayStartMs), channel], total);
  }
  await addToRows(client, HOURLY, [...hours.values()]);
  await addToRows(client, DAILY, [...days.values()]);
  await addToRows(client, DAILY_TOTALS, [...totals.values()]);
  await addToRows(client, WEEKLY_TOTALS, [...weeks.values()]);
  return taken.length;
}

/** A table of summed buckets the compactor keeps: its key columns (brand, start, …) with their SQL types. */
interface CompactedTable {
  readonly table: string;
  readonly keys: readonly (readonly [column: string, type: string])[];
  /** Keeps the median and 90th percentile of the response times beside the sketch (daily series read them). */
  readonly quantiles?: boolean;
}

const HOURLY: CompactedTable = {
  table: 'sla_hourly',
  keys: [
    ['brand_id', 'text'],
    ['hour_start', 'timestamptz'],
    ['channel', 'text'],
    ['agent_id', 'text'],
  ],
};
const DAILY: CompactedTable = {
  table: 'sla_daily',
  keys: [
    ['brand_id', 'text'],
    ['day_start', 'timestamptz'],
    ['channel', 'text'],
    ['agent_id', 'text'],
  ],
};
const DAILY_TOTALS: CompactedTable = {
  table: 'sla_daily_totals',
  quantiles: true,
  keys: [
    ['brand_id', 'text'],
    ['day_start', 'timestamptz'],
    ['channel', 'text'],
  ],
};

const WEEKLY_TOTALS: CompactedTable = {
  table: 'sla_weekly_totals',
  keys: [
    ['brand_id', 'text'],
    ['week_start', 'timestamptz'],
    ['channel', 'text'],
  ],
};

/**
 * Adds summed deltas to their rows: counters are added by PostgreSQL; sketches are read, summed here with the
 * deltas' and written back (only for the rows whose deltas hold response times); rows whose counts all went
 * back to zero go. The compactor is the only writer of these tables, so nothing here waits for another
 * transaction.
 */
async function addToRows(
  client: PoolClient,
  { table, keys, quantiles = false }: CompactedTable,
  all: readonly RowDelta[],
): Promise<void> {
  // Rows whose deltas hold response times get their sketches summed with the stored ones; the others keep what
  // they hold and only add counters. Deltas that cancel out entirely change nothing.
  const sketched: { row: RowDelta; response: ResponseTimeSketch; business: ResponseTimeSketch }[] = [];
  const countersOnly: RowDelta[] = [];
  for (const row of all) {
    const response = sumOf(row.responseSketches);
    const business = sumOf(row.businessSketches);
    if (!response.isEmpty() || !business.isEmpty()) sketched.push({ row, response, business });
    else if (SLA_COUNTER_COLUMNS.some(([field]) => row.counters[field] !== 0)) countersOnly.push(row);
  }
  if (sketched.length === 0 && countersOnly.length === 0) return;
  const keyColumns = keys.map(([column]) => column);
  // unnest() arguments: each key column, then every counter.
  const keyParams = (list: readonly RowDelta[]) =>
    keys.map((_, i) => arrayColumn(list, ({ key }) => key[i] ?? null));
  const counterParams = (list: readonly RowDelta[]) =>
    SLA_COUNTER_COLUMNS.map(([field]) => arrayColumn(list, ({ counters }) => counters[field]));
  const keyArrays = keys
    .map(([, type], i) =>
      type === 'timestamptz' ? instantsFromEpochMs(`$${i + 1}`) : `$${i + 1}::${type}[]`,
    )
    .join(', ');
  const sameKey = keyColumns.map((column) => `s.${column} = k.${column}`).join(' and ');
  const columns = `${keyColumns.join(', ')}, ${COUNTER_NAMES.join(', ')}, response_sketch, business_sketch`;
  const addCounters = COUNTER_NAMES.map((c) => `${c} = ${table}.${c} + excluded.${c}`).join(', ');
  const counterArrays = COUNTER_NAMES.map((_, i) => `$${keys.length + i + 1}::bigint[]`).join(', ');
  const sketchParam = keys.length + COUNTER_NAMES.length + 1;
  const rows = `unnest(${keyArrays}, ${counterArrays}`;
  const conflict = `on conflict (${keyColumns.join(', ')}) do update set ${addCounters}`;
  if (sketched.length > 0) {
    const sketchedRows = sketched.map(({ row }) => row);
    const sketchedKeys = keyParams(sketchedRows);
    const { rows: stored } = await client.query<{
      n: string;
      response_sketch: Buffer;
      business_sketch: Buffer;
    }>(
      `select k.n, s.response_sketch, s.business_sketch
         from unnest(${keyArrays}) with ordinality k(${keyColumns.join(', ')}, n)
         join ${table} s on ${sameKey}`,
      sketchedKeys,
    );
    const storedAt = new Map(stored.map((row) => [Number(row.n) - 1, row]));
    // A stored row's sketch summed with the deltas' sum, already made above (it stands alone for a new row).
    const responses: ResponseTimeSketch[] = [];
    const businesses: ResponseTimeSketch[] = [];
    sketched.forEach(({ response, business }, i) => {
      const was = storedAt.get(i);
      responses.push(was ? sumOf([was.response_sketch, response.toBytes()]) : response);
      businesses.push(was ? sumOf([was.business_sketch, business.toBytes()]) : business);
    });
    const sketches = sketchParameters(
      responses.map((sketch) => sketch.toBytes()),
      businesses.map((sketch) => sketch.toBytes()),
      sketchParam,
      'u',
    );
    const quantileColumns = quantiles ? ', response_p50, response_p90' : '';
    const p50 = sketchParam + sketches.values.length;
    await client.query(
      `insert into ${table} (${columns}${quantileColumns})
       select ${[...keyColumns, ...COUNTER_NAMES].map((c) => `u.${c}`).join(', ')}, ${sketches.select}
              ${quantiles ? ', u.p50, u.p90' : ''}
         from ${rows}, ${sketches.arrays}
              ${quantiles ? `, $${p50}::float8[], $${p50 + 1}::float8[]` : ''})
           as u(${keyColumns.join(', ')}, ${COUNTER_NAMES.join(', ')}, ${sketches.names}${quantiles ? ', p50, p90' : ''})
       ${conflict}, response_sketch = excluded.response_sketch, business_sketch = excluded.business_sketch
         ${quantiles ? ', response_p50 = excluded.response_p50, response_p90 = excluded.response_p90' : ''}`,
      [
        ...sketchedKeys,
        ...counterParams(sketchedRows),
        ...sketches.values,
        ...(quantiles
          ? [
              arrayLiteral(responses.map((sketch) => sketch.quantile(0.5))),
              arrayLiteral(responses.map((sketch) => sketch.quantile(0.9))),
            ]
          : []),
      ],
    );
  }
  if (countersOnly.length > 0)
    await client.query(
      `insert into ${table} (${columns})
       select u.*, $${sketchParam}::bytea, $${sketchParam}::bytea from ${rows}) as u
       ${conflict}`,
      [...keyParams(countersOnly), ...counterParams(countersOnly), EMPTY_SKETCH],
    );
  const shrunk = [...sketched.map(({ row }) => row), ...countersOnly].filter(({ counters }) =>
    SLA_COUNTER_COLUMNS.some(([field]) => counters[field] < 0),
  );
  if (shrunk.length > 0)
    await client.query(
      `delete from ${table} s
        using unnest(${keyArrays}) as k(${keyColumns.join(', ')})
        where ${sameKey} and ${COUNTER_NAMES.map((c) => `s.${c} = 0`).join(' and ')}`,
      keyParams(shrunk),
    );
}

function isZero(delta: SlaBucket): boolean {
  return (
    SLA_COUNTER_COLUMNS.every(([field]) => delta[field] === 0) &&
    delta.responseSketch.isEmpty() &&
    delta.businessSketch.isEmpty()
  );
}

export async function loadConversations(
  client: PoolClient,
  keys: readonly string[],
): Promise<Map<string, StoredConversation>> {
  if (keys.length === 0) return new Map();
  const { rows } = await client.query<{
    conversation_key: string;
    brand_id: string;
    state: Buffer;
  }>(
    'select conversation_key, brand_id, state from conversations where conversation_key = any($1::text[]) order by conversation_key for update',
    [arrayLiteral(keys)],
  );
  return new Map(
    rows.map((row) => [
      row.conversation_key,
      { key: row.conversation_key, brandId: row.brand_id, state: stateOf(row.state) },
    ]),
  );
}

/** One partition's interactions in a batch. */
export interface PartitionEvents {
  readonly topic: string;
  readonly partition: number;
  readonly events: readonly InteractionEvent[];
}

/** A conversation's row with the partition it lives on (its due expiries are found by partition). */
export interface PartitionConversationRow extends ConversationRow {
  readonly topic: string;
  readonly partition: number;
}

/**
 * Conversations of these partitions with an expiry or breach due at each one's watermark, and their brands, by
 * partitionKey, read without locks: the caller takes the brands' locks first, then loads (and locks) the
 * conversations.
 */
export async function dueConversationKeys(
  client: PoolClient,
  partitions: readonly { topic: string; partition: number; watermarkMs: number }[],
): Promise<Map<string, { key: string; brandId: string }[]>> {
  const due = new Map<string, { key: string; brandId: string }[]>();
  if (partitions.length === 0) return due;
  const { rows } = await client.query<{
    topic: string;
    partition: number;
    conversation_key: string;
    brand_id: string;
  }>(
    `select c.topic, c.partition, c.conversation_key, c.brand_id
       from unnest($1::text[], $2::int[], ${instantsFromEpochMs('$3')}) as w(topic, partition, watermark)
       -- One index range scan per partition on (topic, partition, next_due_at). "offset 0" keeps the subquery
       -- from being pulled up into a join, which the planner runs as a scan of the whole table (measured: 75 ms
       -- at 100k conversations, against 0.2 ms for the twelve range scans).
       cross join lateral (
         select conversation_key, brand_id, topic, partition from conversations
          where topic = w.topic and partition = w.partition and next_due_at <= w.watermark
         offset 0
       ) c`,
    [
      arrayColumn(partitions, (p) => p.topic),
      arrayColumn(partitions, (p) => p.partition),
      arrayColumn(partitions, (p) => p.watermarkMs),
    ],
  );
  for (const row of rows) {
    const id = partitionKey(row);
    const list = due.get(id) ?? [];
    list.push({ key: row.conversation_key, brandId: row.brand_id });
    due.set(id, list);
  }
  return due;
}

/** A page of one brand's conversations, locked, in key order after `afterKey`. */
export async function loadBrandConversations(
  client: PoolClient,
  brandId: string,
  afterKey: string,
  limit: number,
): Promise<(ConversationToRevise & { topic: string; partition: number })[]> {
  const { rows } = await client.query<{
    conversation_key: string;
    brand_id: string;
    topic: string;
    partition: number;
    state: Buffer;
    watermark_ms: number | null;
  }>(
    `select c.conversation_key, c.brand_id, c.topic, c.partition, c.state,
            (extract(epoch from w.watermark) * 1000)::float8 as watermark_ms
       from conversations c left join watermarks w using (topic, partition)
      where c.brand_id = $1 and c.conversation_key > $2 order by c.conversation_key limit $3 for update of c`,
    [brandId, afterKey, limit],
  );
  return rows.map((row) => ({
    key: row.conversation_key,
    brandId: row.brand_id,
    topic: row.topic,
    partition: row.partition,
    state: stateOf(row.state),
    partitionWatermarkMs: row.watermark_ms,
  }));
}

/**
 * Locks brands for this transaction, in one order so that transactions queue rather than deadlock: shared for a
 * batch of interactions (batches of one brand run side by side), exclusive for a change of the brand's profile
 * (which revises every conversation of the brand, and must not miss one a concurrent batch is creating).
 */
export async function lockBrands(
  client: PoolClient,
  brandIds: Iterable<string>,
  mode: 'shared' | 'exclusive',
): Promise<void> {
  const sorted = [...new Set(brandIds)].sort();
  if (sorted.length === 0) return;
  const lock = mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock';
  await client.query(
    `select ${lock}(hashtextextended('carestream.sla.brand:' || b, 0)) from unnest($1::text[]) with ordinality as u(b, n) order by n`,
    [arrayLiteral(sorted)],
  );
}

/** Stores profile versions; returns the ones that were new, as their event ids by brand. */
export async function saveBrandRules(
  client: PoolClient,
  versions: readonly (BrandRulesVersion & { brandId: string })[],
): Promise<Map<string, Set<string>>> {
  const added = new Map<string, Set<string>>();
  if (versions.length === 0) return added;
  // One JSON document, unlike the other writes: a version holds lists (own accounts, business hours), and
  // versions are rare.
  const { rows } = await client.query<{ brand_id: string; event_id: string }>(
    `insert into brand_rules (brand_id, event_id, set_at, sla_target_ms, own_account_ids, timezone, business_hours)
     select v.brand_id, v.event_id, v.set_at, v.sla_target_ms, v.own_account_ids, v.timezone, v.business_hours
       from jsonb_to_recordset($1::jsonb) as v(brand_id text, event_id text, set_at timestamptz, sla_target_ms bigint,
            own_account_ids text[], timezone text, business_hours jsonb)
     on conflict (brand_id, event_id) do nothing
     returning brand_id, event_id`,
    [
      JSON.stringify(
        versions.map((v) => ({
          brand_id: v.brandId,
          event_id: v.eventId,
          set_at: new Date(v.setAt).toISOString(),
          sla_target_ms: v.slaTargetMs,
          own_account_ids: v.ownAccountIds,
          timezone: v.timezone,
          business_hours: v.businessHours,
        })),
      ),
    ],
  );
  for (const row of rows) {
    const ids = added.get(row.brand_id) ?? new Set<string>();
    ids.add(row.event_id);
    added.set(row.brand_id, ids);
  }
  return added;
}

/** Counts events that could not be placed, per brand and reason (shown by the API and never dropped silently). */
export async function countUnplaced(
  client: PoolClient,
  events: readonly { brandId: string; eventId: string; reason: string }[],
): Promise<void> {
  if (events.length === 0) return;
  const byKey = new Map<string, { brandId: string; reason: string; events: number; lastEventId: string }>();
  for (const event of events) {
    const key = `${event.brandId}\u0000${event.reason}`;
    const known = byKey.get(key);
    if (known) {
      known.events += 1;
      known.lastEventId = event.eventId;
    } else
      byKey.set(key, { brandId: event.brandId, reason: event.reason, events: 1, lastEventId: event.eventId });
  }
  const rows = [...byKey.values()].sort((a, b) =>
    a.brandId === b.brandId ? (a.reason < b.reason ? -1 : 1) : a.brandId < b.brandId ? -1 : 1,
  );
  await client.query(
    `insert into unplaced_events (brand_id, reason, events, last_event_id, last_seen_at)
     select u.brand_id, u.reason, u.events, u.last_event_id, now()
       from unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) as u(brand_id, reason, events, last_event_id)
     on conflict (brand_id, reason) do update set events = unplaced_events.events + excluded.events,
       last_event_id = excluded.last_event_id, last_seen_at = excluded.last_seen_at`,
    [
      arrayColumn(rows, (r) => r.brandId),
      arrayColumn(rows, (r) => r.reason),
      arrayColumn(rows, (r) => r.events),
      arrayColumn(rows, (r) => r.lastEventId),
    ],
  );
}

const STATES_PER_STATEMENT_BYTES = 32 * 1024 * 1024;

/** Consecutive groups of items, each under `limit` bytes in all (a longer item goes alone). */
export function chunksOfSize<T>(items: readonly T[], sizeOf: (item: T) => number, limit: number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const item of items) {
    const itemSize = sizeOf(item);
    if (current.length > 0 && size + itemSize > limit) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(item);
    size += itemSize;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** A conversation's state as stored: its JSON text in UTF-8 (PostgreSQL never looks inside it). */
const stateBytes = (state: ConversationState) => Buffer.from(JSON.stringify(state));
const stateOf = (bytes: Buffer): ConversationState => JSON.parse(bytes.toString('utf8')) as ConversationState;

export async function saveConversations(
  client: PoolClient,
  conversations: readonly PartitionConversationRow[],
): Promise<void> {
  if (conversations.length === 0) return;
  // One statement per ~32 MiB of states: a batch of busy conversations (each up to tens of MB inside the
  // retention window) would otherwise make one parameter of hundreds of MB.
  const rows = conversations.map((c) => ({ c, state: stateBytes(c.state) }));
  for (const chunk of chunksOfSize(rows, ({ state }) => state.length, STATES_PER_STATEMENT_BYTES)) {
    const states = packBytes(chunk.map(({ state }) => state));
    await client.query(
      `insert into conversations (conversation_key, brand_id, topic, partition, state, next_due_at)
       select c.key, c.brand_id, c.topic, c.partition, substring($5::bytea from c.start for c.length), c.next_due_at
         from unnest($1::text[], $2::text[], $3::text[], $4::int[], $6::int[], $7::int[], ${instantsFromEpochMs('$8')})
           as c(key, brand_id, topic, partition, start, length, next_due_at)
       on conflict (conversation_key) do update set state = excluded.state, next_due_at = excluded.next_due_at`,
      [
        arrayColumn(chunk, ({ c }) => c.key),
        arrayColumn(chunk, ({ c }) => c.brandId),
        arrayColumn(chunk, ({ c }) => c.topic),
        arrayColumn(chunk, ({ c }) => c.partition),
        states.bytes,
        states.starts,
        states.lengths,
        arrayColumn(chunk, ({ c }) => c.nextDueAt),
      ],
    );
  }
  // The backlog is rewritten per touched conversation: exact by construction, whatever changed.
  await client.query('delete from open_mentions where conversation_key = any($1::text[])', [
    arrayColumn(conversations, (c) => c.key),
  ]);
  const open = conversations.flatMap((c) => c.open.map((outcome) => ({ key: c.key, ...outcome })));
  if (open.length > 0) {
    const mentions = open.map(({ mention }) => mention);
    await client.query(
      `insert into open_mentions (mention_event_id, conversation_key, brand_id, channel, conversation_id, message_id,
                                  author_id, kind, sentiment, followers, private, received_at, breached_at)
       select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                            $8::text[], $9::float8[], $10::bigint[], $11::boolean[],
                            ${instantsFromEpochMs('$12')}, ${instantsFromEpochMs('$13')})
       on conflict (brand_id, mention_event_id) do nothing`,
      [
        arrayColumn(mentions, (m) => m.mentionEventId),
        arrayColumn(open, ({ key }) => key),
        arrayColumn(mentions, (m) => m.brandId),
        arrayColumn(mentions, (m) => m.channel),
        arrayColumn(mentions, (m) => m.conversationId),
        arrayColumn(mentions, (m) => m.messageId),
        arrayColumn(mentions, (m) => m.authorId),
        arrayColumn(mentions, (m) => m.kind),
        arrayColumn(mentions, (m) => m.sentiment),
        arrayColumn(mentions, (m) => m.followers),
        arrayColumn(mentions, (m) => m.private),
        arrayColumn(mentions, (m) => m.receivedAt),
        arrayColumn(open, ({ breachedAt }) => breachedAt),
      ],
    );
  }
}

/** Moves the partitions' event-time watermarks forward (never back) and returns them, by partitionKey. */
export async function advanceWatermarks(
  client: PoolClient,
  partitions: readonly { topic: string; partition: number; candidateMs: number }[],
): Promise<Map<string, number>> {
  if (partitions.length === 0) return new Map();
  const { rows } = await client.query<{ topic: string; partition: number; ms: number }>(
    `insert into watermarks (topic, partition, watermark)
     select * from unnest($1::text[], $2::int[], ${instantsFromEpochMs('$3')})
     on conflict (topic, partition) do update set watermark = greatest(watermarks.watermark, excluded.watermark)
     returning topic, partition, (extract(epoch from watermark) * 1000)::float8 as ms`,
    [
      arrayColumn(partitions, (p) => p.topic),
      arrayColumn(partitions, (p) => p.partition),
      arrayColumn(partitions, (p) => p.candidateMs),
    ],
  );
  return new Map(rows.map((row) => [partitionKey(row), row.ms]));
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
    [arrayColumn(posts, (post) => post.brandId), arrayColumn(posts, (post) => post.eventId)],
  );
  return new Set(rows.map((row) => eventIdentity({ brandId: row.brand_id, eventId: row.event_id })));
}

/**
 * Sets or clears customers' churn signal slots (the last update of a slot in the batch, as applied one by one).
 * Slots belong to one mention, hence to one conversation and one partition: no other batch writes them at the
 * same time, except a profile revision, which holds the brand exclusively.
 */
export async function applyChurnUpdates(
  client: PoolClient,
  updates: Iterable<ChurnSignalUpdate>,
): Promise<void> {
  const set: (ChurnSignalUpdate & { signal: ChurnSignal })[] = [];
  const cleared: ChurnSignalUpdate[] = [];
  for (const u of updates) {
    if (hasSignal(u)) set.push(u);
    else cleared.push(u);
  }
  if (cleared.length > 0) {
    await client.query(
      `delete from churn_signals c using unnest($1::text[], $2::text[], $3::text[], $4::text[]) as d(brand_id, author_id, mention_event_id, slot)
        where c.brand_id = d.brand_id and c.author_id = d.author_id and c.mention_event_id = d.mention_event_id and c.slot = d.slot`,
      [
        arrayColumn(cleared, (u) => u.brandId),
        arrayColumn(cleared, (u) => u.authorId),
        arrayColumn(cleared, (u) => u.mentionEventId),
        arrayColumn(cleared, (u) => u.slot),
      ],
    );
  }
  if (set.length > 0) {
    await client.query(
      `insert into churn_signals (brand_id, author_id, mention_event_id, slot, kind, intensity, message_id, at)
       select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::text[],
                            ${instantsFromEpochMs('$8')})
       on conflict (brand_id, author_id, mention_event_id, slot) do update set
         kind = excluded.kind, intensity = excluded.intensity, message_id = excluded.message_id, at = excluded.at`,
      [
        arrayColumn(set, (u) => u.brandId),
        arrayColumn(set, (u) => u.authorId),
        arrayColumn(set, (u) => u.mentionEventId),
        arrayColumn(set, (u) => u.slot),
        arrayColumn(set, (u) => u.signal.kind),
        arrayColumn(set, (u) => u.signal.intensity),
        arrayColumn(set, (u) => u.signal.evidence.messageId),
        arrayColumn(set, (u) => u.signal.evidence.at),
      ],
    );
  }
}

const hasSignal = (update: ChurnSignalUpdate): update is ChurnSignalUpdate & { signal: ChurnSignal } =>
  update.signal !== null;
