// Oversize and mis-encoded bodies, over a real socket: the client must read the 413 (naming the limit) before
// the connection closes, whether the body is chunked or has a Content-Length, JSON or NDJSON. Through inject
// alone this cannot fail: the bug was the server closing the connection under a client still sending.
import { createServer, request, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { invalidUtf8Offset, unsupportedCharset } from '@carestream/service-kit';
import { drainUnreadBody } from './body-reader.ts';
import type { EventPublisher } from './event-publisher.ts';
import { ingestAppWithoutServices } from './test-app.fixture.ts';

const ADMIN_KEY = 'test-admin-key-0123456789';
const MAX_BYTES = 5 * 1024 * 1024;
const MAX_ITEMS = 10_000;
const MB = 1024 * 1024;
const WEBHOOKS = {
  xConsumerSecret: 'x-secret',
  metaAppSecret: 'meta-secret',
  metaVerifyToken: 'verify',
  accountBrands: {},
  automatedAppIds: [],
};

interface Answer {
  readonly status: number;
  readonly body: string;
}

/**
 * POSTs `total` bytes made of `piece` repeated, chunked or with a Content-Length, writing as fast as the socket
 * takes them; resolves with the answer, or rejects with the socket's error if the answer never arrives whole.
 */
function postOver(
  port: number,
  path: string,
  contentType: string,
  total: number,
  piece: Buffer,
  chunked: boolean,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {
      authorization: `Bearer ${ADMIN_KEY}`,
      'content-type': contentType,
    };
    if (!chunked) headers['content-length'] = total;
    const req = request({ host: '127.0.0.1', port, method: 'POST', path, headers });
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        // Answered: stop sending the rest, as curl does (node's client would otherwise stall the upload).
        req.destroy();
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    let sent = 0;
    const write = (): void => {
      while (sent < total) {
        const part = piece.subarray(0, Math.min(piece.length, total - sent));
        sent += part.length;
        if (!req.write(part)) {
          req.once('drain', write);
          return;
        }
      }
      req.end();
    };
    write();
  });
}

describe('ingest: oversize bodies get a 413 the client can read', () => {
  let app: FastifyInstance;
  let port: number;
  const publish = vi.fn(async () => undefined);

  beforeAll(async () => {
    app = await ingestAppWithoutServices({
      publisher: { publish } as unknown as EventPublisher,
      adminKey: ADMIN_KEY,
      limits: { maxItems: MAX_ITEMS, maxBytes: MAX_BYTES },
      webhooks: WEBHOOKS,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await app.close();
  });

  const spaces = Buffer.alloc(64 * 1024, 0x20);
  const longLine = Buffer.from(`${JSON.stringify({ type: 'brand_post', text: 'x'.repeat(8_000) })}\n`);
  // 100,000 of these are 2.2 MB, inside the byte limit: the item limit is what they pass.
  const shortLine = Buffer.from(`${JSON.stringify({ type: 'brand_post' })}\n`);
  const bytesLimit = {
    code: 'CARE_ERR_PAYLOAD_TOO_LARGE',
    field: 'body',
    message: `is larger than ${MAX_BYTES} bytes, the limit (INGEST_MAX_BYTES); split it into several requests`,
  };

  it.each([
    ['a 50 MB JSON body with a Content-Length', 'application/json', spaces, false],
    ['a 50 MB JSON body, chunked', 'application/json', spaces, true],
    ['a 50 MB NDJSON body with a Content-Length', 'application/x-ndjson', longLine, false],
    ['a 50 MB NDJSON body, chunked', 'application/x-ndjson', longLine, true],
  ] as const)('%s: 413 naming INGEST_MAX_BYTES', async (_name, contentType, piece, chunked) => {
    const answer = await postOver(port, '/v1/events', contentType, 50 * MB, piece, chunked);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual({ error: bytesLimit });
  });

  it.each([false, true])(
    'a 100,000-line NDJSON body (chunked: %s): 413 naming INGEST_MAX_ITEMS',
    async (chunked) => {
      const answer = await postOver(
        port,
        '/v1/events',
        'application/x-ndjson',
        100_000 * shortLine.length,
        Buffer.concat(Array.from({ length: 100 }, () => shortLine)),
        chunked,
      );
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body).error).toEqual({
        code: 'CARE_ERR_PAYLOAD_TOO_LARGE',
        field: 'body',
        message: `has more than ${MAX_ITEMS} items; at most ${MAX_ITEMS} are allowed per request (INGEST_MAX_ITEMS); split it into several requests`,
      });
      expect(publish).not.toHaveBeenCalled();
    },
  );

  it.each(['/webhooks/x', '/webhooks/meta'])(
    'a 50 MB webhook body, chunked (%s): 413 naming the limit',
    async (path) => {
      const answer = await postOver(port, path, 'application/json', 50 * MB, spaces, true);
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body)).toEqual({ error: bytesLimit });
    },
  );
});

describe('ingest: bodies are UTF-8', () => {
  let app: FastifyInstance;
  const publish = vi.fn(async () => undefined);

  beforeAll(async () => {
    app = await ingestAppWithoutServices({
      publisher: { publish } as unknown as EventPublisher,
      adminKey: ADMIN_KEY,
      limits: { maxItems: MAX_ITEMS, maxBytes: MAX_BYTES },
      webhooks: WEBHOOKS,
      clock: () => Date.parse('2026-03-02T12:00:00Z'),
    });
  });
  afterAll(async () => {
    await app.close();
  });

  const item = {
    type: 'brand_post',
    eventId: 'bp-1',
    brandId: 'acme',
    channel: 'x',
    postId: 'post-1',
    publishedAt: '2026-03-02T09:00:00Z',
  };
  const post = (payload: string | Buffer, contentType: string, url = '/v1/events') =>
    app.inject({
      method: 'POST',
      url,
      payload,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': contentType },
    });

  it.each(['utf-16', 'UTF-16LE', 'iso-8859-1', '"latin1"'])(
    'a body declared charset=%s is 415 naming content-type, on every route that takes a body',
    async (charset) => {
      publish.mockClear();
      for (const [url, type] of [
        ['/v1/events', 'application/json'],
        ['/v1/events', 'application/x-ndjson'],
        ['/webhooks/x', 'application/json'],
        ['/webhooks/meta', 'application/json'],
      ] as const) {
        const response = await post(JSON.stringify([item]), `${type}; charset=${charset}`, url);
        expect(response.statusCode, url).toBe(415);
        expect(response.json().error, url).toMatchObject({
          code: 'CARE_ERR_UNSUPPORTED_MEDIA_TYPE',
          field: 'content-type',
          message: expect.stringMatching(/^declares charset=.+; bodies are read as UTF-8 only/),
        });
      }
      expect(publish).not.toHaveBeenCalled();
    },
  );

  it.each(['utf-8', 'UTF-8', 'utf8', '"utf-8"'])('charset=%s is read', async (charset) => {
    const response = await post(JSON.stringify([item]), `application/json; charset=${charset}`);
    expect(response.statusCode).toBe(202);
  });

  it('a JSON body with bytes that are not UTF-8 is 400 naming the byte', async () => {
    const text = Buffer.from(JSON.stringify([{ ...item, postId: 'post-XX' }]));
    const at = text.indexOf('XX');
    text[at] = 0xff; // never in UTF-8
    const response = await post(text, 'application/json');
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toEqual({
      code: 'CARE_ERR_VALIDATION',
      field: 'body',
      message: `is not valid UTF-8: byte ${at + 1} starts no well-formed UTF-8 character; send the body encoded in UTF-8`,
    });
  });

  it('an NDJSON body with an overlong or surrogate sequence is 400 naming its line and byte', async () => {
    publish.mockClear();
    const good = `${JSON.stringify(item)}\n`;
    const overlong = Buffer.concat([
      Buffer.from(good),
      Buffer.from('{"a":"'),
      Buffer.from([0xc0, 0xaf]),
      Buffer.from('"}\n'),
    ]);
    const response = await post(overlong, 'application/x-ndjson');
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toBe(
      `is not valid UTF-8: byte 7 of line 2 (byte ${good.length + 7} of the body) starts no well-formed UTF-8 character; send the body encoded in UTF-8`,
    );
    const surrogate = Buffer.concat([
      Buffer.from('{"a":"'),
      Buffer.from([0xed, 0xa0, 0x80]),
      Buffer.from('"}\n'),
    ]);
    expect((await post(surrogate, 'application/x-ndjson')).json().error.message).toMatch(
      /^is not valid UTF-8: byte 7 of line 1/,
    );
    expect(publish).not.toHaveBeenCalled();
  });

  it('finds the first ill-formed UTF-8 byte (RFC 3629)', () => {
    const at = (...bytes: number[]) => invalidUtf8Offset(Uint8Array.from(bytes));
    expect(at(0x61, 0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80)).toBeUndefined(); // a é 😀
    expect(at(0x61, 0x80)).toBe(1); // a lone continuation byte
    expect(at(0xc0, 0x80)).toBe(0); // overlong NUL
    expect(at(0xe0, 0x80, 0x80)).toBe(0); // overlong three-byte form
    expect(at(0xed, 0xa0, 0x80)).toBe(0); // a surrogate, U+D800
    expect(at(0xf4, 0x90, 0x80, 0x80)).toBe(0); // above U+10FFFF
    expect(at(0x61, 0x62, 0xe2, 0x82)).toBe(2); // cut short
  });

  it('reads the charset parameter, not another parameter', () => {
    expect(unsupportedCharset('application/json')).toBeUndefined();
    expect(unsupportedCharset('application/json; boundary=utf-16')).toBeUndefined();
    expect(unsupportedCharset('application/x-ndjson;Charset=UTF-16')?.field).toBe('content-type');
  });
});

describe('draining a body after an early answer', () => {
  it('closes the connection once more than the drain limit has come in', async () => {
    const server = createServer((req, res) => {
      res.end('early');
      drainUnreadBody(req, { maxBytes: MB, maxMs: 60_000 });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const outcome = await new Promise<string>((resolve) => {
        const req = request({
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/',
          headers: { 'transfer-encoding': 'chunked' },
        });
        let answered = '';
        req.on('response', (res) => {
          res.on('data', (chunk: Buffer) => (answered += chunk.toString('utf8')));
        });
        req.on('error', (error: NodeJS.ErrnoException) =>
          resolve(`${answered} then ${error.code ?? error.message}`),
        );
        // A body without end: only the drain limit stops it.
        const chunk = Buffer.alloc(64 * 1024);
        const write = (): void => {
          while (req.write(chunk));
          req.once('drain', write);
        };
        write();
      });
      expect(outcome).toMatch(/^early then (ECONNRESET|EPIPE)$/);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('ingest: a client that goes away mid-body is noise, not a fault', () => {
  let app: FastifyInstance;
  let port: number;
  let registry: Registry;
  const lines: { level: number; msg: string; err?: unknown }[] = [];

  beforeAll(async () => {
    registry = new Registry();
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
          lines.push(JSON.parse(line) as { level: number; msg: string });
        done();
      },
    });
    app = await ingestAppWithoutServices({
      adminKey: ADMIN_KEY,
      registry,
      limits: { maxItems: MAX_ITEMS, maxBytes: MAX_BYTES },
      webhooks: WEBHOOKS,
      logger: true,
      logTo: sink,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await app.close();
  });

  /** Writes `head` then `body` on a raw socket, and closes it once the server has had time to read them. */
  const sendAndLeave = (path: string, headers: string, body: string) =>
    new Promise<void>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ADMIN_KEY}\r\n${headers}\r\n\r\n${body}`,
        );
        setTimeout(() => socket.destroy(), 100);
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });

  it.each([
    [
      'closes after 20 of 1,000 declared bytes',
      '/v1/events',
      'Content-Length: 1000',
      '[{"type":"brand_post"',
    ],
    ['sends a malformed chunk', '/v1/events', 'Transfer-Encoding: chunked', '5\r\n[{"ty\r\nZZ\r\n'],
    ['closes a webhook body early', '/webhooks/x', 'Content-Length: 1000', '{"for_user_id":"1"'],
  ])(
    'a client that %s: one info line without a stack, no error, no 5xx counted',
    async (_, path, header, body) => {
      lines.length = 0;
      await sendAndLeave(path, `Content-Type: application/json\r\n${header}`, body);
      const abortLine = (line: { msg: string }) => line.msg.startsWith('the client closed the connection');
      await vi.waitFor(() => expect(lines.some(abortLine)).toBe(true));
      // The failed read settles after the abort: give it the time to log anything it would.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(lines.filter((line) => line.level >= 40)).toEqual([]);
      expect(lines.filter(abortLine)).toEqual([
        expect.objectContaining({ level: 30, req: expect.objectContaining({ path }) }),
      ]);
      expect(JSON.stringify(lines)).not.toMatch(/stack|CARE_ERR_INTERNAL/);
      const requests = await registry.getSingleMetricAsString('carestream_ingest_requests_total');
      expect(requests).not.toMatch(/status="5\d\d"/);
    },
  );
});
