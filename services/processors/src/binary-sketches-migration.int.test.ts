// Migration 0009 stores sketches as bytes and adds the daily totals: an installation's JSON sketches (hourly
// rows and pending deltas) are converted in SQL and moved into the deltas, and the compactor rebuilds the hourly,
// daily and totals rows from them. The SQL encoder must give what ResponseTimeSketch.toBytes gives.
import { ResponseTimeSketch } from '@carestream/domain';
import { createPool, migrate, type Pool } from '@carestream/postgres';
import { createTestDatabase, type TestDatabase } from '@carestream/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBucketCompactor } from './bucket-compactor.ts';

const HOUR = 3_600_000;
const DAY_START = Date.UTC(2026, 2, 10);

function sketchOf(...adds: (readonly [seconds: number, weight: number])[]): ResponseTimeSketch {
  const sketch = new ResponseTimeSketch();
  for (const [seconds, weight] of adds) sketch.add(seconds, weight);
  return sketch;
}

describe('migration 0009: binary sketches and daily totals, from an installation with JSON sketches', () => {
  let database: TestDatabase;
  let pool: Pool;
  const stored = sketchOf([0, 2], [0.4, 1], [59, 3], [3_600, 1], [86_400 * 3, 1]);
  const pending = sketchOf([59, -1], [7_200, 2]);

  beforeAll(async () => {
    database = await createTestDatabase();
    expect(await migrate(database.url, { count: 8 })).toHaveLength(8);
    pool = createPool({ connectionString: database.url, max: 2 });
    const insert = (
      table: string,
      hourMs: number,
      agent: string,
      answered: number,
      sketch: ResponseTimeSketch,
    ) =>
      pool.query(
        `insert into sla_g1.${table} (brand_id, hour_start, channel, agent_id, answered, response_sketch, business_sketch)
         values ('acme', $1, 'x', $2, $3, $4, $5)`,
        [new Date(hourMs).toISOString(), agent, answered, JSON.stringify(sketch), JSON.stringify(sketch)],
      );
    await insert('sla_hourly', DAY_START + 9 * HOUR, 'ann', stored.count, stored);
    await insert('sla_hourly_deltas', DAY_START + 9 * HOUR, 'ann', pending.count, pending);
    await insert('sla_hourly', DAY_START + 30 * HOUR, '', 0, new ResponseTimeSketch());
    expect(await migrate(database.url, { count: 1 })).toEqual(['0009_binary-sketches-daily-totals']);
  });

  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  it('converts every JSON sketch into the bytes toBytes gives, and moves the hourly rows into the deltas', async () => {
    const { rows } = await pool.query<{ response_sketch: Buffer; business_sketch: Buffer }>(
      'select response_sketch, business_sketch from sla_g1.sla_hourly_deltas order by id',
    );
    expect(rows.map((row) => row.response_sketch.toString('hex'))).toEqual(
      [pending, stored, new ResponseTimeSketch()].map((sketch) =>
        Buffer.from(sketch.toBytes()).toString('hex'),
      ),
    );
    expect(rows.map((row) => row.business_sketch.equals(row.response_sketch))).toEqual([true, true, true]);
    const { rows: left } = await pool.query<{ n: number }>(
      'select ((select count(*) from sla_g1.sla_hourly) + (select count(*) from sla_g1.sla_daily))::int as n',
    );
    expect(left[0]?.n).toBe(0);
  });

  it('lets the compactor fold them into the hourly, daily and totals rows, and the BI view read them', async () => {
    const compactor = startBucketCompactor({ pool, intervalMs: 3_600_000, fixedSchema: 'sla_g1' });
    expect(await compactor.flush()).toBe(3);
    await compactor.stop();
    const expected = ResponseTimeSketch.merged(stored, pending);
    const { rows } = await pool.query<{ channel: string; answered: string; response_sketch: Buffer }>(
      `select channel, answered, response_sketch from sla_g1.sla_daily_totals
        where brand_id = 'acme' and day_start = $1 order by channel`,
      [new Date(DAY_START).toISOString()],
    );
    expect(rows.map((row) => [row.channel, Number(row.answered)])).toEqual([
      ['', expected.count],
      ['x', expected.count],
    ]);
    for (const row of rows)
      expect(ResponseTimeSketch.fromBytes(row.response_sketch).equals(expected)).toBe(true);
    const { rows: bi } = await pool.query<{ answered: string }>(
      `select sum(answered) as answered from bi_sla_hourly where brand_id = 'acme'`,
    );
    expect(Number(bi[0]?.answered)).toBe(expected.count);
  });

  it('gives a generation created later the same tables (carestream_create_sla_tables takes the step)', async () => {
    await pool.query(`select carestream_create_sla_tables('sla_g2')`);
    const { rows } = await pool.query<{ table_name: string; data_type: string }>(
      `select table_name, data_type from information_schema.columns
        where table_schema = 'sla_g2' and column_name = 'response_sketch' order by table_name`,
    );
    expect(rows).toEqual([
      { table_name: 'sla_buckets', data_type: 'bytea' },
      { table_name: 'sla_daily', data_type: 'bytea' },
      { table_name: 'sla_daily_totals', data_type: 'bytea' },
      { table_name: 'sla_hourly', data_type: 'bytea' },
      { table_name: 'sla_hourly_deltas', data_type: 'bytea' },
      { table_name: 'sla_weekly_totals', data_type: 'bytea' },
    ]);
  });
});
