import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CapturedOutput } from './captured-output.fixture.ts';
import { apiKeyFor, stackStateDir, withStackServices } from './local-stack.ts';
import { buildProgram } from './program.ts';

const ENDPOINTS = {
  KAFKA_BROKERS: '127.0.0.1:19092',
  SCHEMA_REGISTRY_URL: 'http://127.0.0.1:18085/apis/ccompat/v7',
  DATABASE_URL: 'postgres://carestream:carestream@127.0.0.1:15433/carestream',
};

describe('the local stack the CLI falls back to', () => {
  let stack: string; // a state directory as `stack.sh up` and `npm start` leave it
  let empty: string; // one where nothing was ever started

  beforeAll(async () => {
    stack = await mkdtemp(join(tmpdir(), 'cs-stack-'));
    empty = await mkdtemp(join(tmpdir(), 'cs-stack-empty-'));
    await writeFile(join(stack, 'endpoints.json'), JSON.stringify(ENDPOINTS));
    await writeFile(join(stack, 'admin-key'), 'cs_admin_from_npm_start\n');
  });
  afterAll(async () => {
    await rm(stack, { recursive: true, force: true });
    await rm(empty, { recursive: true, force: true });
  });

  it('fills the unset addresses from endpoints.json, and an explicit variable wins', async () => {
    const env = await withStackServices({ CARESTREAM_STATE_DIR: stack, DATABASE_URL: 'postgres://mine/db' }, [
      'KAFKA_BROKERS',
      'SCHEMA_REGISTRY_URL',
      'DATABASE_URL',
    ]);
    expect(env).toMatchObject({
      KAFKA_BROKERS: ENDPOINTS.KAFKA_BROKERS,
      SCHEMA_REGISTRY_URL: ENDPOINTS.SCHEMA_REGISTRY_URL,
      DATABASE_URL: 'postgres://mine/db',
    });
  });

  it('reads nothing when every address is given', async () => {
    // The state directory does not exist: reading it would fail.
    const given = { CARESTREAM_STATE_DIR: join(empty, 'absent'), DATABASE_URL: 'postgres://mine/db' };
    expect(await withStackServices(given, ['DATABASE_URL'])).toEqual(given);
  });

  it('says what it tried when there is no local stack', async () => {
    const file = join(empty, 'endpoints.json');
    await expect(withStackServices({ CARESTREAM_STATE_DIR: empty }, ['DATABASE_URL'])).rejects.toMatchObject({
      code: 'CARE_ERR_CONFIG',
      field: 'DATABASE_URL',
      message: expect.stringContaining(
        `DATABASE_URL is unset, and the local stack's address file ${file} does not exist`,
      ),
    });
    await writeFile(join(empty, 'endpoints.json'), '{"KAFKA_BROKERS": "127.0.0.1:9092"}');
    try {
      await expect(
        withStackServices({ CARESTREAM_STATE_DIR: empty }, ['KAFKA_BROKERS', 'DATABASE_URL']),
      ).rejects.toThrow(`KAFKA_BROKERS, DATABASE_URL are unset, and ${file} has no DATABASE_URL`);
    } finally {
      await rm(file);
    }
  });

  it('asks stack.sh for the state directory when CARESTREAM_STATE_DIR is unset', async () => {
    const env = { PATH: process.env.PATH, HOME: empty, XDG_STATE_HOME: join(empty, 'state') };
    // stack.sh's rule: root's stack lives where the postgres user can reach it, anyone else's in XDG_STATE_HOME.
    const expected = process.getuid?.() === 0 ? '/var/lib/carestream' : join(empty, 'state', 'carestream');
    expect(await stackStateDir(env)).toBe(expected);
  });

  it('takes the API key from --key, then the variables in order, then the admin key npm start keeps', async () => {
    const variables = ['CARESTREAM_API_KEY', 'CARESTREAM_ADMIN_KEY'] as const;
    const env = { CARESTREAM_STATE_DIR: stack, CARESTREAM_ADMIN_KEY: 'cs_admin_env' };
    expect(await apiKeyFor('cs_option', env, variables, '')).toBe('cs_option');
    expect(await apiKeyFor(undefined, { ...env, CARESTREAM_API_KEY: 'cs_api' }, variables, '')).toBe(
      'cs_api',
    );
    expect(await apiKeyFor(undefined, env, variables, '')).toBe('cs_admin_env');
    expect(await apiKeyFor(undefined, { CARESTREAM_STATE_DIR: stack }, variables, '')).toBe(
      'cs_admin_from_npm_start',
    );
    await expect(
      apiKeyFor(undefined, { CARESTREAM_STATE_DIR: empty }, variables, 'pass --key'),
    ).rejects.toMatchObject({
      code: 'CARE_ERR_CONFIG',
      field: 'key',
      message:
        'no API key: no --key, CARESTREAM_API_KEY and CARESTREAM_ADMIN_KEY unset, and ' +
        `${join(empty, 'admin-key')} (the admin key \`npm start\` keeps) does not exist; pass --key`,
    });
  });

  it('refuses a key that cannot go in an HTTP header, without repeating it', async () => {
    const variables = ['CARESTREAM_API_KEY'] as const;
    for (const [option, env, from] of [
      ['cs_SECRET\nx', {}, '--key'],
      [undefined, { CARESTREAM_API_KEY: 'cs_SECRET x' }, 'CARESTREAM_API_KEY'],
      [undefined, { CARESTREAM_API_KEY: 'cs_SECRET\u0000' }, 'CARESTREAM_API_KEY'],
    ] as const) {
      const refusal = await apiKeyFor(option, { CARESTREAM_STATE_DIR: empty, ...env }, variables, '').then(
        () => undefined,
        (error: unknown) => error as { code: string; field: string; message: string },
      );
      expect(refusal).toMatchObject({ code: 'CARE_ERR_CONFIG', field: 'key' });
      expect(refusal?.message).toContain(`the API key from ${from} holds`);
      expect(refusal?.message).not.toContain('SECRET');
    }
  });

  describe('every command that needs a service says where it looked', () => {
    async function carestream(...args: string[]): Promise<void> {
      const io = {
        env: { CARESTREAM_STATE_DIR: empty },
        stdout: new CapturedOutput(),
        stderr: new CapturedOutput(),
      };
      await buildProgram(io).parseAsync(args, { from: 'user' });
    }
    const endpointsFile = () => join(empty, 'endpoints.json');
    const adminKeyFile = () => join(empty, 'admin-key');

    it('keys', async () => {
      await expect(carestream('keys', 'list')).rejects.toThrow(
        `DATABASE_URL is unset, and the local stack's address file ${endpointsFile()} does not exist`,
      );
    });

    it('replay', async () => {
      await expect(carestream('replay', 'sla')).rejects.toThrow(
        `KAFKA_BROKERS, SCHEMA_REGISTRY_URL, DATABASE_URL are unset, and the local stack's address file ${endpointsFile()}`,
      );
    });

    it('import and simulate', async () => {
      await expect(carestream('import', join(empty, 'events.ndjson'))).rejects.toThrow(adminKeyFile());
      await expect(carestream('simulate', '--events', '1')).rejects.toThrow(adminKeyFile());
    });
  });
});
