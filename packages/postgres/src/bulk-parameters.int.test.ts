import { createTestDatabase, type TestDatabase } from '@carestream/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrayLiteral, instantsFromEpochMs, packBytes } from './bulk-parameters.ts';

describe('bulk parameters against real PostgreSQL', () => {
  let database: TestDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  it('reads every text back as written, whatever characters it holds', async () => {
    const texts = [
      'plain',
      'a"b',
      'c\\d',
      '\\"',
      '',
      'NULL',
      'null',
      '{x,y}',
      ' padded ',
      'tab\there',
      'line\nbreak',
      'ünïcödé ✓ 🎉',
      "it's",
      'comma,inside',
      null,
    ];
    const { rows } = await client.query<{ t: string | null }>(
      'select t from unnest($1::text[]) with ordinality as u(t, n) order by n',
      [arrayLiteral(texts)],
    );
    expect(rows.map((row) => row.t)).toEqual(texts);
  });

  it('reads numbers, booleans and timestamps back as written', async () => {
    const { rows } = await client.query<{ b: string; f: number; ok: boolean; at: Date }>(
      `select b::text, f, ok, at from unnest($1::bigint[], $2::float8[], $3::boolean[], $4::timestamptz[])
         with ordinality as u(b, f, ok, at, n) order by n`,
      [
        arrayLiteral([9007199254740991, -3]),
        arrayLiteral([0.1, -2.5e-7]),
        arrayLiteral([true, false]),
        arrayLiteral(['2026-03-01T12:34:56.789Z', '1969-12-31T23:59:59.999Z']),
      ],
    );
    expect(rows.map((row) => [row.b, row.f, row.ok, row.at.toISOString()])).toEqual([
      ['9007199254740991', 0.1, true, '2026-03-01T12:34:56.789Z'],
      ['-3', -2.5e-7, false, '1969-12-31T23:59:59.999Z'],
    ]);
  });

  it('makes epoch milliseconds the instants they name, in order, null as NULL', async () => {
    // Both sides of 1970, a leap day, milliseconds that no binary fraction holds exactly, and enough values to
    // show that the order is kept.
    const instants = [
      Date.UTC(2026, 2, 29, 0, 59, 59, 999),
      null,
      -1,
      0,
      Date.UTC(2024, 1, 29, 23, 0, 0, 1),
      8.64e15,
      ...Array.from({ length: 2_000 }, (_, i) => Date.UTC(2026, 0, 1) + i * 3_600_123),
    ];
    const { rows } = await client.query<{ at: Date | null }>(
      `select at from unnest(${instantsFromEpochMs('$1')}) with ordinality as u(at, n) order by n`,
      [arrayLiteral(instants)],
    );
    expect(rows.map((row) => row.at?.getTime() ?? null)).toEqual(instants);
  });

  it('gives packed byte strings back one by one, null as NULL', async () => {
    const items = [Uint8Array.of(0, 255, 92, 34), null, Uint8Array.of(), Buffer.from('{"facts":[1,2]}')];
    const packed = packBytes(items);
    const { rows } = await client.query<{ item: Buffer | null }>(
      `select substring($1::bytea from s for l) as item
         from unnest($2::int[], $3::int[]) with ordinality as u(s, l, n) order by n`,
      [packed.bytes, packed.starts, packed.lengths],
    );
    expect(rows.map((row) => (row.item === null ? null : [...row.item]))).toEqual(
      items.map((item) => (item === null ? null : [...item])),
    );
  });
});
