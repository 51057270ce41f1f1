// brand_profiles holds one row per brand: the version a replay or any order of delivery agrees on.
import type { BrandProfileSet } from '@carestream/contract';
import type { EventCodec } from '@carestream/kafka';
import { createPool, migrate, withTransaction, type Pool } from '@carestream/postgres';
import type { PartitionBatch } from '@carestream/processor-runtime';
import { createTestDatabase, type TestDatabase } from '@carestream/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profilesProcessor } from './profiles-processor.ts';

const SET_AT = Date.UTC(2026, 2, 1);

const version = (brandId: string, eventId: string, industry: string, setAt = SET_AT): BrandProfileSet => ({
  type: 'BrandProfileSet',
  eventId,
  brandId,
  name: brandId,
  industry,
  timezone: 'UTC',
  businessHours: null,
  slaTargetSeconds: 3600,
  customerValue: null,
  ownAccountIds: [],
  setAt,
});

const batch = (...values: BrandProfileSet[]): PartitionBatch<BrandProfileSet> => ({
  topic: 'profiles',
  partition: 0,
  records: values.map((value, i) => ({ offset: String(i), key: null, value })),
  heartbeat: async () => undefined,
});

describe('brand-profiles processor (real PostgreSQL)', () => {
  let database: TestDatabase;
  let pool: Pool;
  const processor = profilesProcessor({} as EventCodec, 'profiles');

  beforeAll(async () => {
    database = await createTestDatabase();
    await migrate(database.url);
    pool = createPool({ connectionString: database.url, max: 2 });
  });
  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  const industryOf = async (brandId: string) =>
    (
      await pool.query<{ industry: string }>('select industry from brand_profiles where brand_id = $1', [
        brandId,
      ])
    ).rows[0]?.industry;

  it('given two versions set at the same instant, in either order and either batching, then the greater eventId is kept', async () => {
    const a = (brandId: string) => version(brandId, 'v-a', 'retail');
    const b = (brandId: string) => version(brandId, 'v-b', 'banking');
    await withTransaction(pool, (client) => processor.apply(client, [batch(a('ab'), b('ab'))]));
    await withTransaction(pool, (client) => processor.apply(client, [batch(b('ba'), a('ba'))]));
    await withTransaction(pool, (client) => processor.apply(client, [batch(a('a-then-b'))]));
    await withTransaction(pool, (client) => processor.apply(client, [batch(b('a-then-b'))]));
    await withTransaction(pool, (client) => processor.apply(client, [batch(b('b-then-a'))]));
    await withTransaction(pool, (client) => processor.apply(client, [batch(a('b-then-a'))]));
    for (const brandId of ['ab', 'ba', 'a-then-b', 'b-then-a'])
      expect(await industryOf(brandId)).toBe('banking');
  });

  it('given eventIds that JavaScript and PostgreSQL order apart (U+FF41 and U+1F600), then one batch and two agree', async () => {
    const wide = (brandId: string) => version(brandId, 'p-ａ', 'retail');
    const emoji = (brandId: string) => version(brandId, 'p-😀', 'banking');
    await withTransaction(pool, (client) => processor.apply(client, [batch(emoji('one'), wide('one'))]));
    await withTransaction(pool, (client) => processor.apply(client, [batch(emoji('two'))]));
    await withTransaction(pool, (client) => processor.apply(client, [batch(wide('two'))]));
    expect(await industryOf('one')).toBe('banking');
    expect(await industryOf('two')).toBe('banking');
  });

  it('given a later setAt, then it wins whatever its eventId', async () => {
    await withTransaction(pool, (client) =>
      processor.apply(client, [
        batch(version('later', 'z', 'retail'), version('later', 'a', 'media', SET_AT + 1)),
      ]),
    );
    await withTransaction(pool, (client) =>
      processor.apply(client, [batch(version('later', 'zz', 'travel'))]),
    );
    expect(await industryOf('later')).toBe('media');
  });
});
