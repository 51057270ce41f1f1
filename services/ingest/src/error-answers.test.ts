// Every error a client of ingest sees comes from a CareError through the one error handler: the code matches the
// status, and the body has the one shape (a refused batch adds its counts and per-item errors).
import { createHmac } from 'node:crypto';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import type { CareEvent } from '@carestream/contract';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestAppWithoutServices } from './test-app.fixture.ts';

import type { EventPublisher } from './event-publisher.ts';

const ADMIN_KEY = 'test-admin-key-0123456789';
const NOW = Date.parse('2026-03-02T12:00:00Z');

describe('ingest: error answers', () => {
  let app: FastifyInstance;
  const published: CareEvent[] = [];
  const registry = new Registry();

  beforeAll(async () => {
    app = await ingestAppWithoutServices({
      publisher: {
        publish: async (events: readonly CareEvent[]) => {
          published.push(...events);
        },
      } as unknown as EventPublisher,
      adminKey: ADMIN_KEY,
      registry,
      clock: () => NOW,
      authFailures: { limit: 1_000, windowMs: 60_000 },
      webhooks: {
        xConsumerSecret: 'x-secret',
        metaAppSecret: 'meta-secret',
        metaVerifyToken: 'meta-verify',
        accountBrands: {},
        automatedAppIds: [],
      },
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });

  it("a wrong Meta verify token is 403 CARE_ERR_FORBIDDEN (the caller is known: it is Meta's subscription)", async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/webhooks/meta?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1',
    });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({
      error: {
        code: 'CARE_ERR_FORBIDDEN',
        field: 'hub.verify_token',
        message: 'does not match, or hub.mode is not subscribe',
      },
    });
  });

  it('a webhook signature that does not match is 401 CARE_ERR_UNAUTHORIZED naming the header', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/webhooks/x',
      payload: '{}',
      headers: { 'content-type': 'application/json', 'x-twitter-webhooks-signature': 'sha256=AAAA' },
    });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({
      error: {
        code: 'CARE_ERR_UNAUTHORIZED',
        field: 'x-twitter-webhooks-signature',
        message: 'is missing or does not match the body',
      },
    });
  });

  it('a batch of invalid items is 400 with the counts and each item error beside the error', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/events',
      payload: JSON.stringify([{ type: 'MentionReceived' }]),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.error).toEqual({
      code: 'CARE_ERR_VALIDATION',
      field: 'body',
      message: 'all 1 items are invalid',
    });
    expect(body.accepted).toBe(0);
    expect(body.rejected).toBe(1);
    expect(body.errors[0]).toMatchObject({
      index: 0,
      field: expect.any(String),
      message: expect.any(String),
    });
  });

  it.each([
    ['/v1/events?atomc=true', 'atomc', 'is not a parameter of this route; it accepts atomic'],
    ['/v1/events?atomic=true&atomic=false', 'atomic', 'is given more than once; send it once'],
    ['/v1/events?atomic=yes', 'atomic', 'must be true or false (lowercase), got "yes"'],
    // Each of these once meant true: the message said true or false, and a guess can publish half a batch.
    ['/v1/events?atomic', 'atomic', 'must be true or false (lowercase), got ""'],
    ['/v1/events?atomic=', 'atomic', 'must be true or false (lowercase), got ""'],
    ['/v1/events?atomic=1', 'atomic', 'must be true or false (lowercase), got "1"'],
    ['/v1/events?atomic=0', 'atomic', 'must be true or false (lowercase), got "0"'],
    ['/v1/events?atomic=TRUE', 'atomic', 'must be true or false (lowercase), got "TRUE"'],
  ])('%s is 400 naming the parameter, before the body is read', async (url, field, message) => {
    const response = await app.inject({
      method: 'POST',
      url,
      payload: '[]',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: { code: 'CARE_ERR_VALIDATION', field, message } });
  });

  const post = (eventId: string) => ({
    type: 'brand_post',
    eventId,
    brandId: 'acme',
    channel: 'x',
    postId: `post-${eventId}`,
    publishedAt: new Date(NOW).toISOString(),
  });
  const send = (payload: string | Buffer, headers: Record<string, string>, url = '/v1/events') =>
    app.inject({
      method: 'POST',
      url,
      payload,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...headers },
    });

  it('counts every item of an atomic refusal as rejected, the valid ones too', async () => {
    const rejected = async () =>
      (await registry.getSingleMetric('carestream_ingest_events_total')?.get())?.values.find(
        (value) => value.labels.result === 'rejected',
      )?.value ?? 0;
    const before = await rejected();
    const body = JSON.stringify([post('atomic-count-1'), post('atomic-count-2'), { type: 'brand_post' }]);
    const response = await send(body, { 'content-type': 'application/json' }, '/v1/events?atomic=true');
    expect(response.statusCode).toBe(400);
    expect((await rejected()) - before).toBe(3);
  });

  it('refuses two Authorization headers, naming the header: which key was meant is ambiguous', async () => {
    // light-my-request sends an array as the header given once per value.
    const headers = {
      'content-type': 'application/json',
      authorization: [`Bearer ${ADMIN_KEY}`, 'Bearer someone-else'],
    } as unknown as Record<string, string>;
    const response = await app.inject({
      method: 'POST',
      url: '/v1/events',
      payload: JSON.stringify([post('two-keys')]),
      headers,
    });
    expect(response.statusCode).toBe(401);
    expect(response.json().error).toMatchObject({ code: 'CARE_ERR_UNAUTHORIZED', field: 'authorization' });
    expect(published.map((event) => event.eventId)).not.toContain('two-keys');
  });

  it('?atomic=true and ?atomic=false are taken as they say', async () => {
    const body = JSON.stringify([post('atomic-1'), { type: 'brand_post' }]);
    const json = { 'content-type': 'application/json' };
    expect((await send(body, json, '/v1/events?atomic=true')).json()).toMatchObject({
      accepted: 0,
      rejected: 1,
    });
    expect((await send(body, json, '/v1/events?atomic=false')).json()).toMatchObject({
      accepted: 1,
      rejected: 1,
    });
  });

  it.each([
    [
      'NDJSON',
      'application/x-ndjson',
      `\uFEFF${JSON.stringify(post('bom-1'))}\n${JSON.stringify(post('bom-2'))}\n`,
    ],
    ['a JSON array', 'application/json', `\uFEFF${JSON.stringify([post('bom-3'), post('bom-4')])}`],
  ])(
    '%s starting with a byte order mark loses nothing: the BOM is ignored (RFC 8259)',
    async (_, type, body) => {
      published.length = 0;
      const response = await send(body, { 'content-type': type });
      expect(response.json()).toEqual({ accepted: 2, duplicates: 0, rejected: 0, errors: [] });
      expect(published).toHaveLength(2);
    },
  );

  it('a webhook body starting with a byte order mark is read too (the signature is over the bytes as sent)', async () => {
    const body = Buffer.from(`\uFEFF${JSON.stringify({ for_user_id: '1' })}`);
    const signature = `sha256=${createHmac('sha256', 'x-secret').update(body).digest('base64')}`;
    const response = await send(
      body,
      { 'content-type': 'application/json', 'x-twitter-webhooks-signature': signature },
      '/webhooks/x',
    );
    expect(response.statusCode, response.body).toBe(200);
  });

  it('a byte order mark anywhere but the very start is still an error', async () => {
    const ndjson = `${JSON.stringify(post('bom-5'))}\n\uFEFF${JSON.stringify(post('bom-6'))}\n`;
    expect((await send(ndjson, { 'content-type': 'application/x-ndjson' })).json()).toMatchObject({
      accepted: 1,
      errors: [{ index: 1, field: 'item', message: expect.stringMatching(/^is not valid JSON \(line 2\)/) }],
    });
    const twice = await send(`\uFEFF\uFEFF${JSON.stringify([post('bom-7')])}`, {
      'content-type': 'application/json',
    });
    expect(twice.statusCode).toBe(400);
  });

  it('an NDJSON line that is not JSON, an item that is not an object, and the count of unlisted errors name the item', async () => {
    const strays = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`k${i}`, 1]));
    const ndjson = [
      'nope',
      '7',
      JSON.stringify({ ...post('x'), ...strays }),
      JSON.stringify(post('ok')),
    ].join('\n');
    const response = await send(ndjson, { 'content-type': 'application/x-ndjson' });
    expect(response.statusCode).toBe(202);
    const errors = response.json<{ errors: { index: number; field: string; message: string }[] }>().errors;
    expect(errors.filter((error) => error.field === '')).toEqual([]);
    expect(errors).toContainEqual({
      index: 0,
      field: 'item',
      message: expect.stringMatching(/^is not valid JSON \(line 1\): /),
    });
    expect(errors).toContainEqual({
      index: 1,
      field: 'item',
      message: 'must be a JSON object with a "type" field, got an integer',
    });
    expect(errors).toContainEqual({
      index: 2,
      field: 'item',
      message: 'has 2 more errors besides the 10 listed',
    });
  });

  it.each([
    [
      '/v1/events',
      'application/json, text/plain',
      /send application\/json \(an array of events\) or application\/x-ndjson$/,
    ],
    ['/v1/events', ';', /send application\/json/],
    ['/v1/events', 'application/json\u0000', /got "application\/json\\u\{0\}"/],
    ['/webhooks/x', 'application/json, text/plain', /send the platform's type: application\/json/],
    [
      '/webhooks/meta/data-deletion',
      ';',
      /application\/x-www-form-urlencoded for the data-deletion callback$/,
    ],
  ])('%s with Content-Type %j is 415 naming content-type and what it reads', async (url, type, message) => {
    const response = await send('[]', { 'content-type': type }, url);
    expect(response.statusCode).toBe(415);
    expect(response.json()).toEqual({
      error: {
        code: 'CARE_ERR_UNSUPPORTED_MEDIA_TYPE',
        field: 'content-type',
        message: expect.stringMatching(message),
      },
    });
  });

  it('a GET, which has no body, is answered whatever its Content-Type', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/webhooks/x?crc_token=abc',
      headers: { 'content-type': 'application/json, text/plain' },
    });
    expect(response.statusCode, response.body).toBe(200);
  });

  it.each([
    ['/v1/events', 'gzip', gzipSync(JSON.stringify([post('gz-1')]))],
    ['/v1/events', 'deflate', deflateSync(JSON.stringify([post('gz-2')]))],
    ['/v1/events', 'br', brotliCompressSync(JSON.stringify([post('gz-3')]))],
    // Plain JSON labelled gzip was published as it was.
    ['/v1/events', 'GZIP', Buffer.from(JSON.stringify([post('gz-4')]))],
    ['/v1/events', 'identity, gzip', Buffer.from(JSON.stringify([post('gz-5')]))],
    ['/webhooks/x', 'gzip', gzipSync('{}')],
    ['/webhooks/meta', 'br', brotliCompressSync('{}')],
    ['/webhooks/meta/data-deletion', 'deflate', deflateSync('signed_request=x')],
  ])(
    '%s with Content-Encoding %s is 415 naming content-encoding, nothing published',
    async (url, encoding, body) => {
      published.length = 0;
      const response = await send(
        body,
        { 'content-type': 'application/json', 'content-encoding': encoding },
        url,
      );
      expect(response.statusCode).toBe(415);
      expect(response.headers['accept-encoding']).toBe('identity');
      expect(response.json()).toEqual({
        error: {
          code: 'CARE_ERR_UNSUPPORTED_MEDIA_TYPE',
          field: 'content-encoding',
          message: `is "${encoding.replace('identity, ', '').toLowerCase()}"; bodies are read as sent, not decompressed: send the body uncompressed, without Content-Encoding (or with identity)`,
        },
      });
      expect(published).toEqual([]);
    },
  );

  it.each(['identity', 'IDENTITY', ''])('Content-Encoding %j is the body as sent', async (encoding) => {
    const response = await send(JSON.stringify([post('id-1')]), {
      'content-type': 'application/json',
      'content-encoding': encoding,
    });
    expect(response.statusCode).toBe(202);
  });
});
