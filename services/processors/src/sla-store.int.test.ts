// A brand's hourly rows gather the batches of every partition and instance. Batches append deltas that no
// other transaction writes; one compactor folds them into the rows. These tests run real PostgreSQL
// transactions side by side.
import {
  emptySlaBucket,
  initialConversationState,
  ResponseTimeSketch,
  slaBucketId,
  type MentionOutcome,
  type SlaBucket,
  type SlaBucketKey,
} from '@carestream/domain';
import { createPool, migrate, type Pool, type PoolClient } from '@carestream/postgres';
import { createTestDatabase, type TestDatabase } from '@carestream/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventIdentity } from '@carestream/contract';
import { appendBucketDeltas, compactBucketDeltas, newBrandPosts, saveConversations } from './sla-store.ts';

const HOUR = 3_600_000;

function answeredDelta(responseSeconds: number, sign = 1): SlaBucket {
  const delta = { ...emptySlaBucket(), answered: sign, responseSumMs: sign * responseSeconds * 1000 };
  delta.responseSketch.add(responseSeconds, sign);
  return delta;
}

function deltasFor(key: SlaBucketKey, delta: SlaBucket) {
  return new Map([[slaBucketId(key), { key, delta }]]);
}

describe('SLA hourly rows from the batches of several partitions and instances (real PostgreSQL)', () => {
  let database: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    database = await createTestDatabase();
    await migrate(database.url);
    pool = createPool({ connectionString: database.url, max: 4 });
  });
  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  async function begin(): Promise<PoolClient> {
    const client = await pool.connect();
    await client.query('begin');
    await client.query('set local search_path to sla_g1, public');
    return client;
  }

  async function inTransaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await begin();
    try {
      const result = await fn(client);
      await client.query('commit');
      return result;
    } finally {
      client.release();
    }
  }

  async function stored(key: SlaBucketKey) {
    const { rows } = await pool.query<{
      answered: string;
      response_sum_ms: string;
      response_sketch: Buffer;
    }>(
      `select answered, response_sum_ms, response_sketch from sla_g1.sla_hourly
        where brand_id = $1 and hour_start = $2 and channel = $3 and agent_id = $4`,
      [key.brandId, new Date(key.hourStartMs).toISOString(), key.channel, key.agentId ?? ''],
    );
    return rows.map((row) => ({
      answered: Number(row.answered),
      responseSumMs: Number(row.response_sum_ms),
      sketchCount: ResponseTimeSketch.fromBytes(row.response_sketch).count,
    }));
  }

  it.each([
    ['a row that does not exist yet', 'brand-new'],
    ['a row that exists already', 'brand-existing'],
  ])(
    'two transactions add to %s without waiting for each other; compaction keeps both',
    async (_, brandId) => {
      const key: SlaBucketKey = { brandId, hourStartMs: 480_000 * HOUR, channel: 'x', agentId: 'agent-1' };
      if (brandId === 'brand-existing') {
        await inTransaction((client) => appendBucketDeltas(client, deltasFor(key, answeredDelta(10))));
        await inTransaction((client) => compactBucketDeltas(client, 1000));
      }
      const first = await begin();
      const second = await begin();
      try {
        await appendBucketDeltas(first, deltasFor(key, answeredDelta(60)));
        // With the first still open, the second's append completes: it shares no row with it.
        const outcome = await Promise.race([
          appendBucketDeltas(second, deltasFor(key, answeredDelta(600))).then(() => 'appended'),
          new Promise((resolve) => setTimeout(() => resolve('blocked'), 10_000)),
        ]);
        expect(outcome).toBe('appended');
        await second.query('commit');
        await first.query('commit');
      } finally {
        first.release();
        second.release();
      }
      // Readers count the deltas before they are folded…
      const { rows: view } = await pool.query<{ answered: string }>(
        `select sum(answered) as answered from sla_g1.sla_buckets where brand_id = $1`,
        [brandId],
      );
      const before = brandId === 'brand-existing' ? 1 : 0;
      expect(Number(view[0]?.answered)).toBe(before + 2);
      // …and after: one row, both answers, both sketch values.
      expect(await inTransaction((client) => compactBucketDeltas(client, 1000))).toBe(2);
      expect(await stored(key)).toEqual([
        { answered: before + 2, responseSumMs: before * 10_000 + 660_000, sketchCount: before + 2 },
      ]);
    },
  );

  it('folds a retraction exactly, and deletes a row whose counts all went back to zero', async () => {
    const key: SlaBucketKey = {
      brandId: 'brand-moved',
      hourStartMs: 480_001 * HOUR,
      channel: 'x',
      agentId: 'a',
    };
    await inTransaction((client) => appendBucketDeltas(client, deltasFor(key, answeredDelta(60))));
    await inTransaction((client) => compactBucketDeltas(client, 1000));
    expect(await stored(key)).toHaveLength(1);
    // The answer moves to another agent's row: this row's only answer is retracted.
    await inTransaction((client) => appendBucketDeltas(client, deltasFor(key, answeredDelta(60, -1))));
    expect(await inTransaction((client) => compactBucketDeltas(client, 1000))).toBe(1);
    expect(await stored(key)).toEqual([]);
  });

  it("keeps a brand's daily totals per channel and over all channels, agents summed, through a moved credit", async () => {
    const brandId = 'brand-totals';
    const day = 20_000 * 24 * HOUR;
    const at = (hour: number, channel: 'x' | 'facebook', agentId: string | null): SlaBucketKey => ({
      brandId,
      hourStartMs: day + hour * HOUR,
      channel,
      agentId,
    });
    await inTransaction((client) =>
      appendBucketDeltas(client, deltasFor(at(1, 'x', 'a'), answeredDelta(60))),
    );
    await inTransaction((client) =>
      appendBucketDeltas(client, deltasFor(at(5, 'x', 'b'), answeredDelta(120))),
    );
    await inTransaction((client) =>
      appendBucketDeltas(client, deltasFor(at(9, 'facebook', null), answeredDelta(30))),
    );
    await inTransaction((client) => compactBucketDeltas(client, 1000));
    // Agent a's answer moves to agent b's row of another hour: the totals do not change.
    await inTransaction((client) =>
      appendBucketDeltas(client, deltasFor(at(1, 'x', 'a'), answeredDelta(60, -1))),
    );
    await inTransaction((client) =>
      appendBucketDeltas(client, deltasFor(at(7, 'x', 'b'), answeredDelta(60))),
    );
    await inTransaction((client) => compactBucketDeltas(client, 1000));
    const { rows } = await pool.query<{ channel: string; answered: string; response_sketch: Buffer }>(
      `select channel, answered, response_sketch from sla_g1.sla_daily_totals
        where brand_id = $1 and day_start = $2 order by channel`,
      [brandId, new Date(day).toISOString()],
    );
    const sketchOf = (...seconds: number[]) => {
      const sketch = new ResponseTimeSketch();
      for (const value of seconds) sketch.add(value);
      return sketch;
    };
    expect(
      rows.map((row) => ({
        channel: row.channel,
        answered: Number(row.answered),
        sketch: ResponseTimeSketch.fromBytes(row.response_sketch).toJSON(),
      })),
    ).toEqual([
      { channel: '', answered: 3, sketch: sketchOf(30, 60, 120).toJSON() },
      { channel: 'facebook', answered: 1, sketch: sketchOf(30).toJSON() },
      { channel: 'x', answered: 2, sketch: sketchOf(60, 120).toJSON() },
    ]);
  });

  it('folds the oldest deltas first, a limited number per call', async () => {
    const key: SlaBucketKey = {
      brandId: 'brand-many',
      hourStartMs: 480_002 * HOUR,
      channel: 'x',
      agentId: null,
    };
    for (let i = 0; i < 5; i += 1)
      await inTransaction((client) =>
        appendBucketDeltas(client, deltasFor(key, { ...emptySlaBucket(), needingResponse: 1 })),
      );
    expect(await inTransaction((client) => compactBucketDeltas(client, 3))).toBe(3);
    expect(await inTransaction((client) => compactBucketDeltas(client, 3))).toBe(2);
    expect(await inTransaction((client) => compactBucketDeltas(client, 3))).toBe(0);
    const { rows } = await pool.query<{ needing_response: string }>(
      `select needing_response from sla_g1.sla_hourly where brand_id = 'brand-many'`,
    );
    expect(rows.map((row) => Number(row.needing_response))).toEqual([5]);
    // The UTC day's row sums the same deltas.
    const { rows: days } = await pool.query<{ needing_response: string; day_start: Date }>(
      `select needing_response, day_start from sla_g1.sla_daily where brand_id = 'brand-many'`,
    );
    expect(days.map((row) => [Number(row.needing_response), row.day_start.getTime()])).toEqual([
      [5, 480_002 * HOUR - ((480_002 * HOUR) % 86_400_000)],
    ]);
  });

  it('keeps one brand’s open mention and counted post apart from another brand’s with the same event id', async () => {
    // A tweet that mentions two brands reaches both brands' webhooks as x:tweet:<id>.
    const open = (brandId: string): MentionOutcome => ({
      mention: {
        mentionEventId: 'x:tweet:1580661436132757506',
        brandId,
        channel: 'x',
        conversationId: '1580661436132757506',
        messageId: '1580661436132757506',
        authorId: 'customer-1',
        kind: 'question',
        sentiment: null,
        followers: null,
        private: false,
        receivedAt: 480_000 * HOUR,
      },
      answer: null,
      expiredAt: null,
      breachedAt: null,
      rules: { slaTargetMs: HOUR, ownAccountIds: new Set(), businessHours: null },
    });
    const client = await begin();
    try {
      await saveConversations(
        client,
        ['brand-a', 'brand-b'].map((brandId) => ({
          topic: 'interactions',
          partition: 0,
          key: `${brandId}:1580661436132757506`,
          brandId,
          state: initialConversationState(),
          nextDueAt: null,
          open: [open(brandId)],
        })),
      );
      const posts = [
        { brandId: 'brand-a', eventId: 'x:tweet:1' },
        { brandId: 'brand-b', eventId: 'x:tweet:1' },
      ];
      expect([...(await newBrandPosts(client, posts))].sort()).toEqual(posts.map(eventIdentity).sort());
      expect(await newBrandPosts(client, posts)).toEqual(new Set());
      await client.query('commit');
    } finally {
      client.release();
    }
    const { rows } = await pool.query<{ brand_id: string }>(
      'select brand_id from sla_g1.open_mentions order by brand_id',
    );
    expect(rows.map((row) => row.brand_id)).toEqual(['brand-a', 'brand-b']);
  });
});
