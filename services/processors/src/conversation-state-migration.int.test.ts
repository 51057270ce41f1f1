import { createPool, migrate, type Pool } from '@carestream/postgres';
import { createTestDatabase, type TestDatabase } from '@carestream/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('migration 0010: conversation states as bytes, from an installation with jsonb states', () => {
  let database: TestDatabase;
  let pool: Pool;
  const state = {
    watermark: 1_772_000_000_000,
    mentions: [{ mentionEventId: 'm-1', text: 'ünïcödé ✓ "quoted" \\ back', needsResponse: true }],
    replies: [],
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    expect(await migrate(database.url, { count: 9 })).toHaveLength(9);
    pool = createPool({ connectionString: database.url, max: 2 });
    await pool.query(
      `insert into sla_g1.conversations (conversation_key, brand_id, topic, partition, state, next_due_at)
       values ('acme:c-1', 'acme', 'carestream.interactions', 3, $1, null)`,
      [JSON.stringify(state)],
    );
    expect(await migrate(database.url, { count: 1 })).toEqual(['0010_conversation-state-bytes']);
  });

  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  it("keeps each state as its JSON text in UTF-8, which the processor's reader parses back", async () => {
    const { rows } = await pool.query<{ state: Buffer }>('select state from sla_g1.conversations');
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]?.state.toString('utf8') ?? 'null')).toEqual(state);
  });

  it('gives a generation created later the same column', async () => {
    await pool.query("select carestream_create_sla_tables('sla_g7')");
    const { rows } = await pool.query<{ schema: string; type: string }>(
      `select table_schema as schema, data_type as type from information_schema.columns
        where table_name = 'conversations' and column_name = 'state' order by table_schema`,
    );
    expect(rows).toEqual([
      { schema: 'sla_g1', type: 'bytea' },
      { schema: 'sla_g7', type: 'bytea' },
    ]);
  });
});
