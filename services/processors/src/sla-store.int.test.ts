// The hourly rows are shared by every processor instance (a brand's conversations spread over partitions), so
// two instances write the same row concurrently. These tests run two real PostgreSQL transactions against one row.
import {
  emptySlaBucket,
  initialConversationState,
  ResponseTimeSketch,
  type MentionOutcome,
  type SerializedResponseTimeSketch,
  type SlaBucket,
  type SlaBucketKey,
} from '@carestream/domain';
import { createPool, migrate, type Pool, type PoolClient } from '@carestream/postgres';
import { createTestDatabase, type TestDatabase } from '@carestream/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventIdentity } from '@carestream/contract';
import { addToBuckets, bucketId, newBrandPosts, saveConversations } from './sla-store.ts';

const HOUR = 3_600_000;

function answeredDelta(responseSeconds: number): SlaBucket {
  const delta = { ...emptySlaBucket(), answered: 1, responseSumMs: responseSeconds * 1000 };
  delta.responseSketch.add(responseSeconds);
  return delta;
}

function deltasFor(key: SlaBucketKey, delta: SlaBucket) {
  return new Map([[bucketId(key), { key, delta }]]);
}

describe('SLA hourly rows written by two instances at once (real PostgreSQL)', () => {
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

  async function stored(key: SlaBucketKey) {
    const { rows } = await pool.query<{
      answered: string;
      response_sum_ms: string;
      response_sketch: SerializedResponseTimeSketch;
    }>(
      `select answered, response_sum_ms, response_sketch from sla_g1.sla_hourly
        where brand_id = $1 and hour_start = $2 and channel = $3 and agent_id = $4`,
      [key.brandId, new Date(key.hourStartMs).toISOString(), key.channel, key.agentId ?? ''],
    );
    return rows.map((row) => ({
      answered: Number(row.answered),
      responseSumMs: Number(row.response_sum_ms),
      sketchCount: ResponseTimeSketch.fromJSON(row.response_sketch).count,
    }));
  }

  it.each([
    ['a row neither transaction found', 'brand-new'],
    ['a row that exists already', 'brand-existing'],
  ])('keeps both answers and both sketch values in %s', async (_, brandId) => {
    const key: SlaBucketKey = { brandId, hourStartMs: 480_000 * HOUR, channel: 'x', agentId: 'agent-1' };
    if (brandId === 'brand-existing') {
      const setup = await begin();
      await addToBuckets(setup, deltasFor(key, answeredDelta(10)));
      await setup.query('commit');
      setup.release();
    }
    const first = await begin();
    const second = await begin();
    try {
      await addToBuckets(first, deltasFor(key, answeredDelta(60)));
      // The second waits for the first's row; it must then merge into what the first wrote, not over it.
      const secondDone = addToBuckets(second, deltasFor(key, answeredDelta(600)));
      await new Promise((resolve) => setTimeout(resolve, 200));
      await first.query('commit');
      await secondDone;
      await second.query('commit');
    } finally {
      first.release();
      second.release();
    }
    const before = brandId === 'brand-existing' ? 1 : 0;
    const rows = await stored(key);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toEqual({
      answered: before + 2,
      responseSumMs: before * 10_000 + 660_000,
      sketchCount: before + 2,
    });
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
        'interactions',
        0,
        ['brand-a', 'brand-b'].map((brandId) => ({
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
