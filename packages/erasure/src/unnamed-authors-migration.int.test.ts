import { createPool, migrate, type Pool } from '@carestream/postgres';
import { createTestDatabase, type TestDatabase } from '@carestream/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('migration 0014: the unnamed authors earlier message erasures left behind', () => {
  let database: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    database = await createTestDatabase();
    expect(await migrate(database.url, { count: 13 })).toHaveLength(13);
    pool = createPool({ connectionString: database.url, max: 2 });
    // A mention whose message was erased before 0014 (its placeholder author left), one whose message is kept,
    // and a customer whose id merely looks like a placeholder's but who is a person with a message.
    await pool.query(
      `insert into author_identities (ref, brand_id, kind, clear_value, author_ref, text_key) values
         ('au_left', 'acme', 'author', 'instagram-mention:ig-1', null, null),
         ('au_kept', 'acme', 'author', 'instagram-mention:ig-2', null, null),
         ('msg_kept', 'acme', 'message', 'ig-2', 'au_kept', '\\x00'),
         ('au_person', 'acme', 'author', 'fan-mention:x', null, null),
         ('msg_person', 'acme', 'message', 'm-9', 'au_person', '\\x00')`,
    );
    expect(await migrate(database.url, { count: 1 })).toEqual(['0014_erased-unnamed-authors']);
  });

  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  it('deletes the placeholder authors with no message left, and nothing else', async () => {
    const { rows } = await pool.query<{ ref: string }>('select ref from author_identities order by ref');
    expect(rows.map((row) => row.ref)).toEqual(['au_kept', 'au_person', 'msg_kept', 'msg_person']);
  });
});
