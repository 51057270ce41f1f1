import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerErrorHandler } from './http-plugins.ts';
import { acceptJsonBodies, ambiguousKeys, parseJsonBody, refuseAmbiguousKeys } from './json-body.ts';

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    const { code, field, message } = error as { code: string; field: string; message: string };
    return { code, field, message };
  }
  return undefined;
};

describe('refuseAmbiguousKeys', () => {
  it('accepts distinct keys, and equal keys in different objects', () => {
    for (const text of [
      '{}',
      '[]',
      '"brandId"',
      '{"brandId":"acme","authorId":"josé"}',
      '{"a":{"b":1},"b":{"a":1}}',
      '[{"a":1},{"a":2}]',
      '{"a":[{"a":1},{"a":2}],"b":"a"}',
      // A key's text inside a value is not a key.
      '{"a":"\\"a\\":1","b":"{\\"a\\":1,\\"a\\":2}"}',
      '{"a\\\\":1,"a":2}',
    ]) {
      expect(
        refusal(() => refuseAmbiguousKeys(text)),
        text,
      ).toBeUndefined();
    }
  });

  it('refuses a key given twice in one object, naming its path', () => {
    const cases: [string, string][] = [
      ['{"brandId":"acme","authorId":"x","brandId":"globex"}', 'brandId'],
      ['{ "brandId" : "acme" ,\n "brandId"\t: "acme" }', 'brandId'],
      // Escapes are compared decoded: "brand\u0049d" is "brandId".
      ['{"brandId":"acme","brand\\u0049d":"globex"}', 'brandId'],
      ['{"a":{"x":1,"y":{"z":1},"x":2}}', 'a.x'],
      ['{"a":[1,{"k":1},{"k":1,"k":2}]}', 'a.2.k'],
      ['[{"q\\"x":1,"q\\"x":2}]', '0.q"x'],
      ['{"":1,"":2}', '""'],
      ['{"a":{"":1,"":2}}', 'a.""'],
    ];
    for (const [text, field] of cases) {
      expect(
        refusal(() => refuseAmbiguousKeys(text)),
        text,
      ).toEqual({
        code: 'CARE_ERR_VALIDATION',
        field,
        message:
          'is given more than once in its object; send each key once (which value was meant is ambiguous)',
      });
    }
  });

  it('refuses a key named __proto__ or constructor at any depth, naming it', () => {
    for (const [text, field] of [
      ['{"__proto__":{"admin":true}}', '__proto__'],
      ['{"a":{"constructor":{"prototype":{}}}}', 'a.constructor'],
      ['[{"\\u005f_proto__":1}]', '0.__proto__'],
    ]) {
      expect(
        refusal(() => refuseAmbiguousKeys(text ?? '')),
        text,
      ).toMatchObject({
        code: 'CARE_ERR_VALIDATION',
        field,
        message: expect.stringMatching(/^is a key named (__proto__|constructor), which is not accepted/),
      });
    }
    // As a value it is only text.
    expect(refusal(() => refuseAmbiguousKeys('{"authorId":"__proto__"}'))).toBeUndefined();
  });
});

describe('ambiguousKeys', () => {
  it('lists the first key given twice or refused of each item, with its path from the top', () => {
    const text = '[{"a":1,"a":2,"b":{"c":1,"c":2}},{"ok":1},{"x":[{"y":1,"y":2}],"__proto__":1}]';
    expect(ambiguousKeys(text)).toEqual([
      { path: [0, 'a'], reason: 'duplicate' },
      { path: [2, 'x', 0, 'y'], reason: 'duplicate' },
    ]);
    expect(ambiguousKeys('{"a":{"b":1,"b":2},"a":3}')).toEqual([{ path: ['a', 'b'], reason: 'duplicate' }]);
    expect(ambiguousKeys('{"a":"\\\\","b":"\\"a\\":1","a\\\\":2}')).toEqual([]);
  });

  it('given a deep item with a key repeated many times, then it finds one at once, in bounded memory', () => {
    // 30,000 levels and 30,000 repeats: a path copied per finding would be 900 million entries.
    const depth = 30_000;
    const text = `[${'['.repeat(depth)}{${'"a":0,'.repeat(depth)}"a":0}${']'.repeat(depth)}]`;
    const [first, ...rest] = ambiguousKeys(text);
    expect(first?.path).toHaveLength(depth + 2);
    expect(first?.path.at(-1)).toBe('a');
    expect(rest).toEqual([]);
  });

  it('ends on text that is not JSON (a string without its end)', () => {
    expect(ambiguousKeys('{"a')).toEqual([]);
    expect(ambiguousKeys('{"a\\"')).toEqual([]);
  });
});

describe('parseJsonBody', () => {
  it('reads UTF-8 JSON (after one byte order mark, as ingest does), and an empty body as no body', () => {
    expect(parseJsonBody(Buffer.from('{"authorId":"josé"}'))).toEqual({ authorId: 'josé' });
    expect(parseJsonBody(Buffer.from('\ufeff{"authorId":"josé"}'))).toEqual({ authorId: 'josé' });
    expect(refusal(() => parseJsonBody(Buffer.from('\ufeff\ufeff{}')))).toMatchObject({ field: 'body' });
    expect(parseJsonBody(Buffer.alloc(0))).toBeUndefined();
  });

  it('names the first byte that is not UTF-8 instead of reading it as U+FFFD', () => {
    for (const [bytes, at] of [
      [Buffer.concat([Buffer.from('{"authorId":"jos'), Buffer.from([0xe9]), Buffer.from('"}')]), 17],
      [Buffer.from([0x7b, 0xff, 0x7d]), 2],
      [Buffer.from([0xff, 0xfe, 0x7b, 0x00]), 1],
    ] as const) {
      expect(refusal(() => parseJsonBody(bytes))).toEqual({
        code: 'CARE_ERR_VALIDATION',
        field: 'body',
        message: `is not valid UTF-8: byte ${at} starts no well-formed UTF-8 character; send the body encoded in UTF-8`,
      });
    }
  });

  it('says a body is not JSON only when it is not', () => {
    expect(refusal(() => parseJsonBody(Buffer.from('{"a":')))).toMatchObject({
      field: 'body',
      message: expect.stringMatching(/^is not valid JSON: /),
    });
    expect(refusal(() => parseJsonBody(Buffer.from('{"__proto__":1}')))).toMatchObject({
      field: '__proto__',
    });
  });
});

describe('acceptJsonBodies', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = Fastify();
    registerErrorHandler(app);
    acceptJsonBodies(app, { maxBytes: 64 });
    app.post('/echo', async (request) => ({ body: request.body ?? null }));
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });

  const post = (payload: string | Buffer, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/echo', payload, headers });

  it('passes a UTF-8 JSON body, with charset=utf-8 or none', async () => {
    for (const contentType of [
      'application/json',
      'application/json; charset=utf-8',
      'application/json;charset="UTF8"',
    ]) {
      const response = await post('{"a":"é"}', { 'content-type': contentType });
      expect(response.statusCode, contentType).toBe(200);
      expect(response.json(), contentType).toEqual({ body: { a: 'é' } });
    }
  });

  it('refuses another charset with 415 naming content-type, before the body is decoded', async () => {
    for (const [charset, payload] of [
      ['iso-8859-1', Buffer.concat([Buffer.from('{"a":"jos'), Buffer.from([0xe9]), Buffer.from('"}')])],
      ['utf-16', Buffer.from('\ufeff{"a":"b"}', 'utf16le')],
    ] as const) {
      const response = await post(payload, { 'content-type': `application/json; charset=${charset}` });
      expect(response.statusCode, charset).toBe(415);
      expect(response.json().error, charset).toEqual({
        code: 'CARE_ERR_UNSUPPORTED_MEDIA_TYPE',
        field: 'content-type',
        message: `declares charset=${charset}; bodies are read as UTF-8 only: send UTF-8, with charset=utf-8 or no charset`,
      });
    }
  });

  it('refuses any other media type with 415 naming content-type, text/plain included', async () => {
    for (const [contentType, named] of [
      ['text/plain', 'text/plain'],
      ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded'],
      ['application/json-patch+json', 'application/json-patch+json'],
    ]) {
      const response = await post('{"a":1}', { 'content-type': contentType ?? '' });
      expect(response.statusCode, contentType).toBe(415);
      expect(response.json().error, contentType).toEqual({
        code: 'CARE_ERR_UNSUPPORTED_MEDIA_TYPE',
        field: 'content-type',
        message: `must be application/json, got "${named}"`,
      });
    }
    const untyped = await app.inject({
      method: 'POST',
      url: '/echo',
      payload: Buffer.from('{"a":1}'),
      headers: { 'content-type': undefined },
    });
    expect(untyped.statusCode).toBe(415);
    expect(untyped.json().error).toMatchObject({
      field: 'content-type',
      message: 'must be application/json, got "none"',
    });
  });

  it('refuses a body over the limit with 413 naming the limit in bytes, declared or not', async () => {
    const large = `{"a":"${'x'.repeat(60)}"}`;
    const expected = {
      code: 'CARE_ERR_PAYLOAD_TOO_LARGE',
      field: 'body',
      message: 'is larger than 64 bytes, the limit of a request body',
    };
    const declared = await post(large, { 'content-type': 'application/json' });
    expect(declared.statusCode).toBe(413);
    expect(declared.json().error).toEqual(expected);
    // Without Content-Length (chunked), the limit is found while reading.
    const { Readable } = await import('node:stream');
    const chunked = await app.inject({
      method: 'POST',
      url: '/echo',
      payload: Readable.from([Buffer.from(large.slice(0, 40)), Buffer.from(large.slice(40))]),
      headers: { 'content-type': 'application/json' },
    });
    expect(chunked.statusCode).toBe(413);
    expect(chunked.json().error).toEqual(expected);
    const fits = await post(`{"a":"${'x'.repeat(56)}"}`, { 'content-type': 'application/json' });
    expect(fits.statusCode).toBe(200);
  });

  it('answers a body whose client went away mid-way as a 400 that ended early, not a 500', async () => {
    const server = Fastify();
    registerErrorHandler(server);
    acceptJsonBodies(server, { maxBytes: 64 });
    server.post('/echo', async (request) => ({ body: request.body ?? null }));
    // The client is gone, so nothing can read the answer: what the error handler was given is what it would be.
    const failed = new Promise<unknown>((resolve) => {
      server.addHook('onError', async (_request, _reply, error) => resolve(error));
    });
    await server.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = server.server.address() as AddressInfo;
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write(
        'POST /echo HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 40\r\n\r\n{"a":',
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      socket.destroy();
      expect(await failed).toMatchObject({
        code: 'CARE_ERR_VALIDATION',
        field: 'body',
        message: 'ended before it was complete',
      });
    } finally {
      await server.close();
    }
  });

  it('refuses bytes that are not UTF-8, a duplicated key and __proto__, naming each', async () => {
    const latin1 = await post(
      Buffer.concat([Buffer.from('{"a":"jos'), Buffer.from([0xe9]), Buffer.from('"}')]),
      {
        'content-type': 'application/json',
      },
    );
    expect(latin1.statusCode).toBe(400);
    expect(latin1.json().error).toMatchObject({
      field: 'body',
      message: expect.stringContaining('byte 10 '),
    });
    const twice = await post('{"a":1,"a":2}', { 'content-type': 'application/json' });
    expect(twice.statusCode).toBe(400);
    expect(twice.json().error).toMatchObject({ code: 'CARE_ERR_VALIDATION', field: 'a' });
    const proto = await post('{"__proto__":{"x":1}}', { 'content-type': 'application/json' });
    expect(proto.statusCode).toBe(400);
    expect(proto.json().error).toMatchObject({ code: 'CARE_ERR_VALIDATION', field: '__proto__' });
  });
});
