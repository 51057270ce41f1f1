import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiKeyStore, type ApiKeyRecord } from '@carestream/api-keys';
import { createPool, type Pool } from '@carestream/postgres';
import { createTestDatabase, type TestDatabase } from '@carestream/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from './program.ts';
import { CapturedOutput } from './captured-output.fixture.ts';

describe('carestream keys against a real PostgreSQL', () => {
  let database: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    database = await createTestDatabase();
    pool = createPool({ connectionString: database.url, max: 1 });
  });
  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  async function carestream(...args: string[]): Promise<{ stdout: string; stderr: string }> {
    const stdout = new CapturedOutput();
    const stderr = new CapturedOutput();
    const program = buildProgram({ env: { DATABASE_URL: database.url }, stdout, stderr });
    await program.parseAsync(args, { from: 'user' });
    return { stdout: stdout.text, stderr: stderr.text };
  }

  it('creates a key (migrating an empty database first), prints it once, lists and revokes it', async () => {
    const created = await carestream(
      'keys',
      'create',
      '--scope',
      'write',
      '--brand',
      'acme',
      'globex',
      '--label',
      'agency feed',
    );
    const token = /cs_[a-z0-9]{12}_[A-Za-z0-9_-]{43}/.exec(created.stdout)?.[0] ?? '';
    const keyId = token.slice(3, 15);
    expect(created.stdout).toContain(`created write key ${keyId} for acme, globex (agency feed)`);
    expect(created.stdout).toMatch(/only time the key is shown/);

    const principal = await new ApiKeyStore(pool).authenticate(token);
    expect(principal).toEqual({ keyId, scope: 'write', brandIds: ['acme', 'globex'] });

    const admin = JSON.parse((await carestream('keys', 'create', '--scope', 'admin', '--json')).stdout) as {
      keyId: string;
      token: string;
    };
    expect(admin).toMatchObject({ scope: 'admin', brandIds: [], token: expect.stringMatching(/^cs_/) });

    const listed = (await carestream('keys', 'list')).stdout;
    const rows = listed.trim().split('\n');
    expect(rows[0]).toMatch(/^ID\s+SCOPE\s+BRANDS\s+LABEL\s+CREATED\s+REVOKED$/);
    expect(rows[1]).toMatch(
      new RegExp(`^${keyId}\\s+write\\s+acme,globex\\s+agency feed\\s+\\d{4}-\\d\\d-\\d\\dT`),
    );
    expect(rows[2]).toMatch(new RegExp(`^${admin.keyId}\\s+admin\\s+\\(all\\)`));
    // Secrets are never shown again.
    expect(listed).not.toContain(token.slice(16));
    expect(listed).not.toContain(admin.token.slice(16));

    expect((await carestream('keys', 'revoke', keyId)).stdout).toBe(`revoked key ${keyId}\n`);
    expect(await new ApiKeyStore(pool).authenticate(token)).toBeUndefined();
    const afterRevoke = JSON.parse((await carestream('keys', 'list', '--json')).stdout) as ApiKeyRecord[];
    expect(afterRevoke.find((record) => record.keyId === keyId)?.revokedAt).toMatch(/^\d{4}-/);
    await expect(carestream('keys', 'revoke', keyId)).rejects.toThrow(/no active key/);
  });

  it('refuses a brand key without brands and an admin key with brands', async () => {
    await expect(carestream('keys', 'create', '--scope', 'read')).rejects.toThrow(/at least one brand/);
    await expect(carestream('keys', 'create', '--scope', 'admin', '--brand', 'acme')).rejects.toThrow(
      /drop --brand/,
    );
  });

  it("without DATABASE_URL, finds the local stack's database in its state directory, as npm start left it", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'cs-keys-stack-'));
    try {
      await writeFile(join(stateDir, 'endpoints.json'), JSON.stringify({ DATABASE_URL: database.url }));
      const stdout = new CapturedOutput();
      const program = buildProgram({
        env: { CARESTREAM_STATE_DIR: stateDir },
        stdout,
        stderr: new CapturedOutput(),
      });
      // The README's example, verbatim.
      await program.parseAsync(['keys', 'create', '--scope', 'read', '--brand', 'acme'], { from: 'user' });
      const token = /cs_[a-z0-9]{12}_[A-Za-z0-9_-]{43}/.exec(stdout.text)?.[0] ?? '';
      expect(await new ApiKeyStore(pool).authenticate(token)).toMatchObject({
        scope: 'read',
        brandIds: ['acme'],
      });

      // An explicit DATABASE_URL wins over the stack's (which points nowhere now).
      await writeFile(
        join(stateDir, 'endpoints.json'),
        JSON.stringify({ DATABASE_URL: 'postgres://carestream:carestream@127.0.0.1:1/nowhere' }),
      );
      const listed = new CapturedOutput();
      await buildProgram({
        env: { CARESTREAM_STATE_DIR: stateDir, DATABASE_URL: database.url },
        stdout: listed,
        stderr: new CapturedOutput(),
      }).parseAsync(['keys', 'list'], { from: 'user' });
      expect(listed.text).toContain(token.slice(3, 15));
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
