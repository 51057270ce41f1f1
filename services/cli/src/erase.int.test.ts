import type { MentionReceived } from '@carestream/contract';
import { ErasureLog, IdentityVault } from '@carestream/erasure';
import { createPool, migrate, type Pool } from '@carestream/postgres';
import { createTestDatabase, type TestDatabase } from '@carestream/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CapturedOutput } from './captured-output.fixture.ts';
import { buildProgram } from './program.ts';

const AT = Date.parse('2026-11-29T04:00:00Z');

describe('carestream erase against a real PostgreSQL', () => {
  let database: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    database = await createTestDatabase();
    await migrate(database.url);
    pool = createPool({ connectionString: database.url, max: 2 });
  });
  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  async function carestream(...args: string[]): Promise<string> {
    const stdout = new CapturedOutput();
    const program = buildProgram({
      env: { DATABASE_URL: database.url, USER: 'ops-ana' },
      stdout,
      stderr: new CapturedOutput(),
      clock: () => AT,
    });
    await program.parseAsync(args, { from: 'user' });
    return stdout.text;
  }

  const mention = (authorId: string, messageId: string): MentionReceived => ({
    type: 'MentionReceived',
    eventId: `e-${messageId}`,
    brandId: 'acme',
    channel: 'x',
    conversationId: `c-${messageId}`,
    messageId,
    authorId,
    receivedAt: AT,
    kind: 'complaint',
    needsResponse: true,
    sentiment: null,
    authorFollowers: null,
    private: false,
    text: 'hello',
  });
  const clearValues = async () =>
    (
      await pool.query<{ clear_value: string }>('select clear_value from author_identities order by 1')
    ).rows.map((row) => row.clear_value);

  it('erases an author, then one message, prints the audit record and shows it again', async () => {
    await new IdentityVault(pool, new ErasureLog(pool)).pseudonymize([
      mention('alice', 't-1'),
      mention('alice', 't-2'),
      mention('bob', 't-3'),
    ]);
    const line = await carestream('erase', 'author', 'alice', '--brand', 'acme');
    expect(line).toMatch(
      /^erasure [0-9a-f-]{36} completed at 2026-11-29T04:00:00.000Z \(cli\): author in brand acme; 1 author identity and 2 messages erased\n$/,
    );
    expect(await clearValues()).toEqual(['bob', 't-3']);
    const record = JSON.parse(await carestream('erase', 'message', 't-3', '--brand', 'acme', '--json')) as {
      erasureId: string;
    };
    expect(record).toMatchObject({ source: 'cli', subject: 'message', brandId: 'acme', messagesErased: 1 });
    expect(await clearValues()).toEqual(['bob']);
    expect(JSON.parse(await carestream('erase', 'show', record.erasureId, '--json'))).toEqual(record);
    const audit = await pool.query<{ requested_by: string }>('select requested_by from erasures');
    expect(audit.rows.map((row) => row.requested_by)).toEqual(['cli:ops-ana', 'cli:ops-ana']);
  });

  it('refuses an id the grammar refuses naming the field, and an unknown erasure', async () => {
    await expect(carestream('erase', 'author', 'a\u0000b')).rejects.toMatchObject({
      code: 'CARE_ERR_VALIDATION',
      field: 'authorId',
    });
    // An empty --brand (an unset shell variable) is refused, never taken for "every brand".
    await new IdentityVault(pool, new ErasureLog(pool)).pseudonymize([mention('carol', 't-9')]);
    await expect(carestream('erase', 'author', 'carol', '--brand', '')).rejects.toMatchObject({
      code: 'CARE_ERR_VALIDATION',
      field: 'brandId',
    });
    expect(await clearValues()).toContain('carol');
    await expect(carestream('erase', 'show', '00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
      code: 'CARE_ERR_NOT_FOUND',
      field: 'erasureId',
    });
  });
});
