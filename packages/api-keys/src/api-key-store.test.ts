import { createPool, type Pool } from '@carestream/postgres';
import { freePort } from '@carestream/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from './api-key.ts';
import { ApiKeyStore } from './api-key-store.ts';

// PostgreSQL stopped, without stopping anyone's PostgreSQL: a pool pointed at a port where nothing listens.
describe('ApiKeyStore when PostgreSQL is down', () => {
  let pool: Pool;

  beforeAll(async () => {
    pool = createPool({
      connectionString: `postgres://u:p@127.0.0.1:${await freePort()}/carestream`,
      max: 1,
    });
  });
  afterAll(async () => {
    await pool.end();
  });

  it('given a stored key, when it is checked, then the store says the database is unavailable (retriable)', async () => {
    const store = new ApiKeyStore(pool);
    const error = await store.authenticate(generateApiKey().token).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'CARE_ERR_DATABASE_UNAVAILABLE',
      retriable: true,
      message: 'the API key store is unavailable; retry shortly',
    });
    expect((error as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('given the admin key from the environment or a token that is no key, then no database is needed', async () => {
    const store = new ApiKeyStore(pool, { adminKey: 'env-admin-key-0123456789' });
    expect(await store.authenticate('env-admin-key-0123456789')).toMatchObject({ scope: 'admin' });
    expect(await store.authenticate('not a key')).toBeUndefined();
  });
});

describe('ApiKeyStore.create', () => {
  // Refused before any query: the pool points nowhere.
  const store = new ApiKeyStore(createPool({ connectionString: 'postgres://u:p@127.0.0.1:9/none', max: 1 }));

  it.each(['../x', 'a/b', 'acme\u0000', ' acme', 'a%2Fb'])(
    'refuses a key for the brand id %j, which no event can carry, naming the field',
    async (brandId) => {
      await expect(store.create({ scope: 'read', brandIds: ['acme', brandId] })).rejects.toMatchObject({
        code: 'CARE_ERR_VALIDATION',
        field: 'brand',
      });
    },
  );
});
