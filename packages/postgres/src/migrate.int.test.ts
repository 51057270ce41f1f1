import { readdir } from 'node:fs/promises';
import { createTestDatabase, type TestDatabase } from '@carestream/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, MIGRATIONS_DIR } from './migrate.ts';

describe('migrate against real PostgreSQL', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('lets services that start together on a fresh database all succeed, each migration applied once', async () => {
    const files = (await readdir(MIGRATIONS_DIR)).filter((name) => name.endsWith('.sql'));
    const results = await Promise.all(Array.from({ length: 4 }, () => migrate(database.url)));
    const applied = results.flat();
    expect(applied.sort()).toEqual(files.map((name) => name.replace(/\.sql$/, '')).sort());
    expect(await migrate(database.url)).toEqual([]);
  });
});
