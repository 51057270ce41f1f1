// What the query API refuses before it asks PostgreSQL anything, through the whole app (buildApiApp: its body
// parsers, error handler and routes): the pool points where nothing listens, and the erasure log is a stand-in
// that records what it was asked to erase, so a refused request is seen to erase nothing.
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { ApiKeyStore } from '@carestream/api-keys';
import {
  IdentityResolver,
  type ErasureLog,
  type ErasureRecord,
  type ErasureSubject,
} from '@carestream/erasure';
import { createPool, type Pool } from '@carestream/postgres';
import { freePort } from '@carestream/test-support';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiMetrics } from './api-metrics.ts';
import { buildApiApp, MAX_BODY_BYTES } from './app.ts';
import { ProjectionReader } from './projection-reader.ts';

const ADMIN_KEY = 'test-admin-key-0123456789';
const NOW = Date.parse('2026-03-10T12:30:00Z');

describe('query API: requests refused before the database', () => {
  let pool: Pool;
  let app: FastifyInstance;
  const erased: ErasureSubject[] = [];

  beforeAll(async () => {
    pool = createPool({
      connectionString: `postgres://u:p@127.0.0.1:${await freePort()}/carestream`,
      max: 1,
    });
    const erasures = {
      erase: async (subject: ErasureSubject): Promise<ErasureRecord> => {
        erased.push(subject);
        return {
          erasureId: '00000000-0000-4000-8000-000000000000',
          status: 'completed',
          source: 'api',
          requestedAt: new Date(NOW).toISOString(),
          completedAt: new Date(NOW).toISOString(),
          brandId: subject.brandId,
          subject: subject.kind,
          authorsErased: 1,
          messagesErased: 0,
        };
      },
    } as unknown as ErasureLog;
    const registry = new Registry();
    app = await buildApiApp({
      reader: new ProjectionReader(pool),
      erasures,
      identities: new IdentityResolver(pool, erasures),
      keys: new ApiKeyStore(pool, { adminKey: ADMIN_KEY }),
      metrics: new ApiMetrics(registry),
      registry,
      checks: {},
      rateLimitPerMinute: 1_000_000,
      benchmarkCacheMs: 0,
      figuresCacheMs: 0,
      clock: () => NOW,
    });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await pool?.end();
  });
  beforeEach(() => {
    erased.length = 0;
  });

  const erase = (
    payload: string | Buffer | Readable,
    contentType?: string,
    headers: Record<string, string> = {},
  ) =>
    app.inject({
      method: 'POST',
      url: '/v1/erasures',
      payload,
      headers: {
        authorization: `Bearer ${ADMIN_KEY}`,
        ...(contentType === undefined ? {} : { 'content-type': contentType }),
        ...headers,
      },
    });
  const bytes = (...parts: (string | number[])[]) =>
    Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : Buffer.from(part))));

  it('erases the author a UTF-8 body names', async () => {
    const response = await erase('{"brandId":"acme","authorId":"josé"}', 'application/json; charset=utf-8');
    expect(response.statusCode).toBe(201);
    expect(erased).toEqual([{ kind: 'author', brandId: 'acme', authorId: 'josé' }]);
  });

  describe('a body in another charset, or not UTF-8, erases nothing', () => {
    it('is 415 naming content-type for charset=iso-8859-1 and charset=utf-16', async () => {
      for (const [charset, payload] of [
        ['iso-8859-1', bytes('{"brandId":"acme","authorId":"jos', [0xe9], '"}')],
        ['utf-16', Buffer.from('\ufeff{"brandId":"acme","authorId":"josé"}', 'utf16le')],
      ] as const) {
        const response = await erase(payload, `application/json; charset=${charset}`);
        expect(response.statusCode, charset).toBe(415);
        expect(response.json().error, charset).toEqual({
          code: 'CARE_ERR_UNSUPPORTED_MEDIA_TYPE',
          field: 'content-type',
          message: `declares charset=${charset}; bodies are read as UTF-8 only: send UTF-8, with charset=utf-8 or no charset`,
        });
      }
      expect(erased).toEqual([]);
    });

    it('is 400 naming the first byte that is not UTF-8 (a Latin-1 é, a raw 0xFF), not an erasure of "jos�"', async () => {
      for (const [payload, at] of [
        [bytes('{"brandId":"acme","authorId":"jos', [0xe9], '"}'), 34],
        [bytes('{"brandId":"acme","authorId":"', [0xff], '"}'), 31],
      ] as const) {
        const response = await erase(payload, 'application/json');
        expect(response.statusCode).toBe(400);
        expect(response.json().error).toEqual({
          code: 'CARE_ERR_VALIDATION',
          field: 'body',
          message: `is not valid UTF-8: byte ${at} starts no well-formed UTF-8 character; send the body encoded in UTF-8`,
        });
      }
      expect(erased).toEqual([]);
    });
  });

  it('refuses a key named __proto__ or constructor, naming it, not as "not valid JSON"', async () => {
    for (const key of ['__proto__', 'constructor']) {
      const response = await erase(`{"authorId":"josé","${key}":{"brandId":"acme"}}`, 'application/json');
      expect(response.statusCode, key).toBe(400);
      expect(response.json().error, key).toEqual({
        code: 'CARE_ERR_VALIDATION',
        field: key,
        message: `is a key named ${key}, which is not accepted in a request body (it names a part of every JavaScript object); remove it`,
      });
    }
    expect(erased).toEqual([]);
  });

  it('refuses text/plain and any other media type with 415 naming content-type', async () => {
    for (const contentType of ['text/plain', 'text/plain; charset=utf-8', 'application/xml', undefined]) {
      const response = await erase('{"brandId":"acme","authorId":"josé"}', contentType);
      expect(response.statusCode, contentType).toBe(415);
      expect(response.json().error, contentType).toMatchObject({
        code: 'CARE_ERR_UNSUPPORTED_MEDIA_TYPE',
        field: 'content-type',
        message: expect.stringMatching(/^must be application\/json, got "/),
      });
    }
    expect(erased).toEqual([]);
  });

  it('refuses a query parameter on an erasure (a dry run it does not know) rather than erasing', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/erasures?dryRun=true',
      payload: '{"brandId":"acme","authorId":"josé"}',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ field: 'dryRun' });
    expect(erased).toEqual([]);
  });

  it('refuses a compressed body with 415 naming content-encoding, and takes identity', async () => {
    const body = '{"brandId":"acme","authorId":"josé"}';
    const send = (encoding: string, payload: string | Buffer) =>
      erase(payload, 'application/json', { 'content-encoding': encoding });
    const gzipped = await send('gzip', gzipSync(body));
    expect(gzipped.statusCode).toBe(415);
    expect(gzipped.json().error).toMatchObject({ field: 'content-encoding' });
    expect(gzipped.headers['accept-encoding']).toBe('identity');
    expect((await send('GZIP', body)).statusCode).toBe(415); // a plain body labelled gzip is not taken on trust
    expect(erased).toEqual([]);
    expect((await send('identity', body)).statusCode).toBe(201);
  });

  it('refuses a body over the limit with 413 naming the limit in bytes, declared or found while reading', async () => {
    const large = `{"brandId":"acme","authorId":"${'x'.repeat(MAX_BODY_BYTES)}"}`;
    const expected = {
      code: 'CARE_ERR_PAYLOAD_TOO_LARGE',
      field: 'body',
      message: `is larger than ${MAX_BODY_BYTES} bytes, the limit of a request body`,
    };
    const declared = await erase(large, 'application/json');
    expect(declared.statusCode).toBe(413);
    expect(declared.json().error).toEqual(expected);
    const streamed = await erase(Readable.from([Buffer.from(large)]), 'application/json');
    expect(streamed.statusCode).toBe(413);
    expect(streamed.json().error).toEqual(expected);
    expect(erased).toEqual([]);
  });

  it('refuses a key given twice (which brand was meant is ambiguous), naming it, and erases nothing', async () => {
    for (const [body, field] of [
      ['{"brandId":"acme","authorId":"josé","brandId":"globex"}', 'brandId'],
      ['{"authorId":"josé","authorId":"maria"}', 'authorId'],
      // The same key written with an escape is the same key.
      ['{"brandId":"acme","authorId":"josé","brand\\u0049d":"globex"}', 'brandId'],
    ]) {
      const response = await erase(body ?? '', 'application/json');
      expect(response.statusCode, body).toBe(400);
      expect(response.json().error, body).toEqual({
        code: 'CARE_ERR_VALIDATION',
        field,
        message:
          'is given more than once in its object; send each key once (which value was meant is ambiguous)',
      });
    }
    // Quotes and braces inside a value are not keys.
    const quoted = await erase(
      '{"brandId":"acme","authorId":"a\\",\\"brandId\\":\\"b{}"}',
      'application/json',
    );
    expect(quoted.statusCode).toBe(201);
    expect(erased).toEqual([{ kind: 'author', brandId: 'acme', authorId: 'a","brandId":"b{}' }]);
  });

  it('refuses two Authorization headers with 401 naming the header, and erases nothing', async () => {
    const before = erased.length;
    // light-my-request sends an array as the header given once per value.
    const headers = { authorization: [`Bearer ${ADMIN_KEY}`, 'Bearer another-key'] } as unknown as Record<
      string,
      string
    >;
    const response = await erase('{"brandId":"acme","authorId":"two-keys"}', 'application/json', headers);
    expect(response.statusCode).toBe(401);
    expect(response.json().error).toMatchObject({ code: 'CARE_ERR_UNAUTHORIZED', field: 'authorization' });
    expect(erased.length).toBe(before);
  });

  it('names the query string for a parameter without a name (?=x), not an empty field', async () => {
    const response = await app.inject({
      url: '/v1/brands/acme/sla?=x',
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toEqual({
      code: 'CARE_ERR_VALIDATION',
      field: 'query',
      message:
        'has a parameter without a name ("=value"); send name=value, the name one of from, to, window, channel',
    });
  });

  it('says an industry is too long, with the limit, rather than that it is not a slug', async () => {
    const response = await app.inject({
      url: `/v1/benchmarks/industries/${'a'.repeat(5000)}`,
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toEqual({
      code: 'CARE_ERR_VALIDATION',
      field: 'industry',
      message: 'is 5000 characters long; an industry has at most 64',
    });
  });
});
