// The refresher's SQL against real PostgreSQL: it reads the SLA buckets as readers do (sla_buckets: the hourly
// rows and the deltas not folded yet), whatever those hold.
import { emptySlaBucket, slaBucketId, type SlaBucketKey } from '@carestream/domain';
import { createPool, migrate, type Pool } from '@carestream/postgres';
import { createTestDatabase, type TestDatabase } from '@carestream/test-support';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBenchmarkRefresher } from './benchmark-refresher.ts';
import { appendBucketDeltas } from './sla-store.ts';

const DAY = Date.UTC(2026, 2, 2);
const BRANDS = ['b1', 'b2', 'b3', 'b4', 'b5'];

describe('the benchmark refresher (real PostgreSQL)', () => {
  let database: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    database = await createTestDatabase();
    await migrate(database.url);
    pool = createPool({ connectionString: database.url, max: 2 });
    for (const brand of BRANDS)
      await pool.query(
        `insert into brand_profiles (brand_id, name, industry, timezone, sla_target_seconds, set_at, event_id)
         values ($1, $1, 'retail', 'UTC', 3600, '2026-01-01T00:00:00Z', $1)`,
        [brand],
      );
  });
  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  it('counts days whose only buckets are deltas not folded yet and hold no response time', async () => {
    // An unanswered mention per brand: its delta holds no sketch (stored as NULL), and no compactor has run.
    const client = await pool.connect();
    try {
      await client.query('begin');
      await client.query('set local search_path to sla_g1, public');
      for (const brandId of BRANDS) {
        const key: SlaBucketKey = { brandId, hourStartMs: DAY + 9 * 3_600_000, channel: 'x', agentId: null };
        await appendBucketDeltas(
          client,
          new Map([[slaBucketId(key), { key, delta: { ...emptySlaBucket(), needingResponse: 1 } }]]),
        );
      }
      await client.query('commit');
    } finally {
      client.release();
    }
    const refresher = startBenchmarkRefresher({
      pool,
      registry: new Registry(),
      intervalMs: 3_600_000,
      clock: () => DAY + 12 * 3_600_000,
    });
    try {
      expect(await refresher.refresh()).toBe(2); // channel x and all channels, five brands each
    } finally {
      await refresher.stop();
    }
    const { rows } = await pool.query<{ channel: string; brands: number; needing_response: string }>(
      `select channel, brands, needing_response::text from industry_benchmarks where day = '2026-03-02' order by channel`,
    );
    expect(rows).toEqual([
      { channel: '', brands: 5, needing_response: '5' },
      { channel: 'x', brands: 5, needing_response: '5' },
    ]);
  });
});
